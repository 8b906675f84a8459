//! Purpose: backfilling history from files, all or nothing: each import is one transaction
//! that adds new rows, updates changed ones (found by the file's own ids) and leaves the same
//! ones alone, so importing a file twice adds nothing. Recurrence marks are recomputed with
//! the rule `/debrief incident` uses, over the workspace's whole history.

use jiff::Timestamp;

use super::catalogue::recompute_recurrence;
use super::{BeginWrite, Store, on_db};
use crate::domain::ItemStatus;

/// An incident row of a file, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportIncident {
    pub line: usize,
    pub external_id: String,
    pub title: String,
    pub severity: Option<String>,
    pub services: Vec<String>,
    pub failure_mode: Option<String>,
    pub vendor: Option<String>,
    pub deploy_related: Option<bool>,
    pub deployed_at: Option<i64>,
    pub started_at: i64,
    pub resolved_at: Option<i64>,
}

/// An action item row of a file, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportItem {
    pub line: usize,
    pub external_id: String,
    pub incident_external_id: Option<String>,
    pub title: String,
    pub owner: Option<String>,
    pub kind: Option<String>,
    pub status: ItemStatus,
    pub status_changed_at: Option<i64>,
    pub reason: Option<String>,
    pub services: Vec<String>,
    pub failure_mode: Option<String>,
    pub due_on: Option<String>,
    pub url: Option<String>,
    pub created_at: i64,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: usize,
    /// The file's ids of the rows whose fields changed.
    pub updated: Vec<String>,
    pub unchanged: usize,
    /// Incidents whose recurrence mark changed.
    pub marks: usize,
}

/// Why an import wrote nothing: (line, reason) per row that cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected(pub Vec<(usize, String)>);

/// Who imported rows are recorded as having created and changed.
pub const IMPORT_ACTOR: &str = "import";

type IncidentFields = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<bool>,
    Option<i64>,
    i64,
    Option<i64>,
);

type ItemFields = (
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

/// An incident already imported, as stored.
#[derive(sqlx::FromRow)]
struct StoredIncident {
    id: i64,
    title: String,
    severity: Option<String>,
    services: String,
    failure_mode: Option<String>,
    vendor: Option<String>,
    deploy_related: Option<bool>,
    deployed_at: Option<i64>,
    started_at: i64,
    resolved_at: Option<i64>,
}

impl StoredIncident {
    fn fields(self) -> IncidentFields {
        (
            self.title,
            self.severity,
            self.services,
            self.failure_mode,
            self.vendor,
            self.deploy_related,
            self.deployed_at,
            self.started_at,
            self.resolved_at,
        )
    }
}

/// An action item already imported, as stored.
#[derive(sqlx::FromRow)]
struct StoredItem {
    id: i64,
    incident_id: Option<i64>,
    title: String,
    owner_id: Option<String>,
    kind: Option<String>,
    status: String,
    services: String,
    failure_mode: Option<String>,
    due_on: Option<String>,
    url: Option<String>,
    created_at: i64,
}

impl StoredItem {
    fn fields(self) -> ItemFields {
        (
            self.incident_id,
            self.title,
            self.owner_id,
            self.kind,
            self.services,
            self.failure_mode,
            self.due_on,
            self.url,
            self.created_at,
        )
    }
}

impl Store {
    /// Adds or updates a file's incidents in one transaction.
    pub async fn import_incidents(
        &self,
        team_id: &str,
        rows: &[ImportIncident],
        now: Timestamp,
    ) -> anyhow::Result<ImportSummary> {
        const FIND: &str = "SELECT id, title, severity, services, failure_mode, vendor, deploy_related, deployed_at,
                                   COALESCE(started_at, created_at) AS started_at, resolved_at
                              FROM incidents WHERE team_id = $1 AND external_id = $2";
        const INSERT: &str = "INSERT INTO incidents (team_id, channel_id, external_id, title, severity, services, failure_mode, vendor,
                                                     deploy_related, deployed_at, started_at, resolved_at, created_by, created_at, updated_at)
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $11, $14)";
        const UPDATE: &str = "UPDATE incidents SET title = $2, severity = $3, services = $4, failure_mode = $5, vendor = $6,
                                     deploy_related = $7, deployed_at = $8, started_at = $9, resolved_at = $10, updated_at = $11
                               WHERE id = $1";
        let now_s = now.as_second();
        on_db!(self, "import incidents", |pool| {
            let mut tx = pool.begin_write().await?;
            let mut summary = ImportSummary::default();
            for row in rows {
                let services = row.services.join(",");
                let wanted: IncidentFields = (
                    row.title.clone(),
                    row.severity.clone(),
                    services.clone(),
                    row.failure_mode.clone(),
                    row.vendor.clone(),
                    row.deploy_related,
                    row.deployed_at,
                    row.started_at,
                    row.resolved_at,
                );
                let existing: Option<StoredIncident> = sqlx::query_as(FIND)
                    .bind(team_id)
                    .bind(&row.external_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match existing {
                    None => {
                        sqlx::query(INSERT)
                            .bind(team_id)
                            .bind(format!("import:{}", row.external_id))
                            .bind(&row.external_id)
                            .bind(&row.title)
                            .bind(&row.severity)
                            .bind(&services)
                            .bind(&row.failure_mode)
                            .bind(&row.vendor)
                            .bind(row.deploy_related)
                            .bind(row.deployed_at)
                            .bind(row.started_at)
                            .bind(row.resolved_at)
                            .bind(IMPORT_ACTOR)
                            .bind(now_s)
                            .execute(&mut *tx)
                            .await?;
                        summary.added += 1;
                    }
                    Some(stored) => {
                        let id = stored.id;
                        let stored = stored.fields();
                        if stored == wanted {
                            summary.unchanged += 1;
                            continue;
                        }
                        sqlx::query(UPDATE)
                            .bind(id)
                            .bind(&row.title)
                            .bind(&row.severity)
                            .bind(&services)
                            .bind(&row.failure_mode)
                            .bind(&row.vendor)
                            .bind(row.deploy_related)
                            .bind(row.deployed_at)
                            .bind(row.started_at)
                            .bind(row.resolved_at)
                            .bind(now_s)
                            .execute(&mut *tx)
                            .await?;
                        summary.updated.push(row.external_id.clone());
                    }
                }
            }
            summary.marks = recompute_recurrence!(tx, team_id);
            tx.commit().await?;
            Ok(summary)
        })
    }

    /// Adds or updates a file's action items in one transaction; a row naming an incident
    /// that was never imported rejects the whole file.
    pub async fn import_actions(
        &self,
        team_id: &str,
        rows: &[ImportItem],
        now: Timestamp,
    ) -> anyhow::Result<Result<ImportSummary, Rejected>> {
        const INCIDENT: &str = "SELECT id FROM incidents WHERE team_id = $1 AND external_id = $2";
        const FIND: &str = "SELECT id, incident_id, title, owner_id, kind, status, services, failure_mode, due_on, url, created_at
                              FROM action_items WHERE team_id = $1 AND external_id = $2";
        const INSERT: &str = "INSERT INTO action_items (team_id, external_id, incident_id, title, owner_id, kind, status, services,
                                                        failure_mode, due_on, url, created_by, created_at, updated_at)
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id";
        const UPDATE: &str = "UPDATE action_items SET incident_id = $2, title = $3, owner_id = $4, kind = $5, status = $6,
                                     services = $7, failure_mode = $8, due_on = $9, url = $10, created_at = $11, updated_at = $12
                               WHERE id = $1";
        const HISTORY: &str =
            "INSERT INTO action_item_history (item_id, at, actor, status, change, reason)
                               VALUES ($1, $2, $3, $4, $5, $6)";
        let now_s = now.as_second();
        on_db!(self, "import action items", |pool| {
            let mut tx = pool.begin_write().await?;
            let mut summary = ImportSummary::default();
            let mut rejected = Vec::new();
            for row in rows {
                let incident_id: Option<i64> = match &row.incident_external_id {
                    Some(external) => {
                        let found: Option<i64> = sqlx::query_scalar(INCIDENT)
                            .bind(team_id)
                            .bind(external)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if found.is_none() {
                            rejected.push((
                                row.line,
                                format!("incident_id \"{external}\" is not an imported incident; import the incidents first"),
                            ));
                            continue;
                        }
                        found
                    }
                    None => None,
                };
                let services = row.services.join(",");
                let status = row.status.code().to_string();
                let wanted: ItemFields = (
                    incident_id,
                    row.title.clone(),
                    row.owner.clone(),
                    row.kind.clone(),
                    services.clone(),
                    row.failure_mode.clone(),
                    row.due_on.clone(),
                    row.url.clone(),
                    row.created_at,
                );
                let existing: Option<StoredItem> = sqlx::query_as(FIND)
                    .bind(team_id)
                    .bind(&row.external_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let changed_at = row.status_changed_at.unwrap_or(now_s);
                match existing {
                    None => {
                        let id: i64 = sqlx::query_scalar(INSERT)
                            .bind(team_id)
                            .bind(&row.external_id)
                            .bind(incident_id)
                            .bind(&row.title)
                            .bind(&row.owner)
                            .bind(&row.kind)
                            .bind(&status)
                            .bind(&services)
                            .bind(&row.failure_mode)
                            .bind(&row.due_on)
                            .bind(&row.url)
                            .bind(IMPORT_ACTOR)
                            .bind(row.created_at)
                            .bind(now_s)
                            .fetch_one(&mut *tx)
                            .await?;
                        sqlx::query(HISTORY)
                            .bind(id)
                            .bind(row.created_at)
                            .bind(IMPORT_ACTOR)
                            .bind(ItemStatus::Open.code())
                            .bind("created")
                            .bind(None::<String>)
                            .execute(&mut *tx)
                            .await?;
                        if row.status != ItemStatus::Open {
                            sqlx::query(HISTORY)
                                .bind(id)
                                .bind(changed_at)
                                .bind(IMPORT_ACTOR)
                                .bind(&status)
                                .bind("import")
                                .bind(&row.reason)
                                .execute(&mut *tx)
                                .await?;
                        }
                        summary.added += 1;
                    }
                    Some(stored) => {
                        let (id, stored_status) = (stored.id, stored.status.clone());
                        let stored = stored.fields();
                        let status_changed = stored_status != status;
                        if stored == wanted && !status_changed {
                            summary.unchanged += 1;
                            continue;
                        }
                        sqlx::query(UPDATE)
                            .bind(id)
                            .bind(incident_id)
                            .bind(&row.title)
                            .bind(&row.owner)
                            .bind(&row.kind)
                            .bind(&status)
                            .bind(&services)
                            .bind(&row.failure_mode)
                            .bind(&row.due_on)
                            .bind(&row.url)
                            .bind(row.created_at)
                            .bind(now_s)
                            .execute(&mut *tx)
                            .await?;
                        // A new status is a change in the item's history; other fields are
                        // recorded as an edit, so the history says the file changed them.
                        let (change, at) = if status_changed {
                            ("import", changed_at)
                        } else {
                            ("edit", now_s)
                        };
                        sqlx::query(HISTORY)
                            .bind(id)
                            .bind(at)
                            .bind(IMPORT_ACTOR)
                            .bind(&status)
                            .bind(change)
                            .bind(&row.reason)
                            .execute(&mut *tx)
                            .await?;
                        summary.updated.push(row.external_id.clone());
                    }
                }
            }
            if !rejected.is_empty() {
                tx.rollback().await?;
                return Ok(Err(Rejected(rejected)));
            }
            tx.commit().await?;
            Ok(Ok(summary))
        })
    }
}
