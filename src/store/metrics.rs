//! Purpose: what the Prometheus exporter reads from the database: the incident ledger
//! (labels fixed when an incident is first counted), action-item totals, and the lease
//! that lets one replica at a time export database-derived series.

use super::{BeginWrite, Store, on_db};

/// An incident the ledger has not counted yet, with the raw values its labels come from.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UnledgeredIncident {
    pub id: i64,
    pub failure_mode: Option<String>,
    pub severity: Option<String>,
    pub is_recurrence: bool,
}

/// The labels an incident is counted under, once and for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub incident_id: i64,
    pub failure_mode: String,
    pub severity: String,
    pub is_recurrence: bool,
}

/// One label set of `incident_opened_total` and how many counted incidents it holds.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerTotal {
    /// The incident's workspace.
    pub team: String,
    pub failure_mode: String,
    pub severity: String,
    pub is_recurrence: bool,
    pub counted: i64,
}

impl Store {
    /// Takes or renews the named lease for `holder` until `expires_at`; true when `holder`
    /// holds it afterwards. A lease held by another replica is taken only once it expired.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        expires_at: i64,
    ) -> anyhow::Result<bool> {
        const SQL: &str = "INSERT INTO metrics_lease (name, holder, expires_at) VALUES ($1, $2, $3)
                           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                           WHERE metrics_lease.holder = excluded.holder OR metrics_lease.expires_at < $4";
        let done = on_db!(self, "take the metrics lease", |pool| Ok(sqlx::query(SQL)
            .bind(name)
            .bind(holder)
            .bind(expires_at)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()))?;
        Ok(done > 0)
    }

    /// Gives the lease up, if `holder` has it, so another replica takes over at once.
    pub async fn release_lease(&self, name: &str, holder: &str) -> anyhow::Result<()> {
        const SQL: &str = "DELETE FROM metrics_lease WHERE name = $1 AND holder = $2";
        on_db!(self, "release the metrics lease", |pool| {
            sqlx::query(SQL)
                .bind(name)
                .bind(holder)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The failure-mode label values the ledger already uses (including `other`/`unknown`).
    pub async fn ledger_failure_modes(&self) -> anyhow::Result<Vec<String>> {
        const SQL: &str = "SELECT DISTINCT failure_mode FROM incident_ledger ORDER BY failure_mode";
        on_db!(self, "ledger failure modes", |pool| Ok(sqlx::query_scalar(
            SQL
        )
        .fetch_all(pool)
        .await?))
    }

    /// Incidents without a ledger row, oldest first, so the cap admits modes in the order
    /// they were first seen.
    pub async fn unledgered_incidents(&self) -> anyhow::Result<Vec<UnledgeredIncident>> {
        const SQL: &str =
            "SELECT i.id, i.failure_mode, i.severity, i.recurrence_of IS NOT NULL AS is_recurrence
                             FROM incidents i LEFT JOIN incident_ledger l ON l.incident_id = i.id
                            WHERE l.incident_id IS NULL ORDER BY i.id";
        on_db!(self, "unledgered incidents", |pool| Ok(sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?))
    }

    /// Appends ledger rows, not yet counted. A row already there is left as it is: the
    /// labels an incident was first counted under never change.
    pub async fn append_ledger(&self, rows: &[LedgerRow], now: i64) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO incident_ledger (incident_id, failure_mode, severity, is_recurrence, counted, ledgered_at)
                           VALUES ($1, $2, $3, $4, FALSE, $5) ON CONFLICT (incident_id) DO NOTHING";
        on_db!(self, "append to the incident ledger", |pool| {
            let mut tx = pool.begin_write().await?;
            for row in rows {
                sqlx::query(SQL)
                    .bind(row.incident_id)
                    .bind(&row.failure_mode)
                    .bind(&row.severity)
                    .bind(row.is_recurrence)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every label set in the ledger, with the number of its rows already counted: a label
    /// set whose rows are all new shows 0.
    pub async fn ledger_totals(&self) -> anyhow::Result<Vec<LedgerTotal>> {
        // The workspace is the incident's, as fixed as the ledgered labels.
        const SQL: &str = "SELECT i.team_id AS team, l.failure_mode, l.severity, l.is_recurrence,
                                  SUM(CASE WHEN l.counted THEN 1 ELSE 0 END) AS counted
                             FROM incident_ledger l JOIN incidents i ON i.id = l.incident_id
                            GROUP BY i.team_id, l.failure_mode, l.severity, l.is_recurrence
                            ORDER BY i.team_id, l.failure_mode, l.severity, l.is_recurrence";
        on_db!(self, "incident ledger totals", |pool| Ok(sqlx::query_as(
            SQL
        )
        .fetch_all(pool)
        .await?))
    }

    /// Counts every ledger row from the next scrape on.
    pub async fn mark_ledger_counted(&self) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE incident_ledger SET counted = TRUE WHERE counted = FALSE";
        on_db!(self, "mark the ledger counted", |pool| {
            sqlx::query(SQL).execute(pool).await?;
            Ok(())
        })
    }

    /// Action items created, by workspace and kind (`None` for items without one).
    pub async fn action_items_by_kind(&self) -> anyhow::Result<Vec<(String, Option<String>, i64)>> {
        const SQL: &str = "SELECT team_id, kind, COUNT(*) FROM action_items
                            GROUP BY team_id, kind ORDER BY team_id, kind";
        on_db!(self, "action items by kind", |pool| Ok(sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?))
    }

    /// Times an action item was closed (a status change or import to `done`), by the
    /// item's workspace and kind.
    pub async fn action_item_closures_by_kind(
        &self,
    ) -> anyhow::Result<Vec<(String, Option<String>, i64)>> {
        const SQL: &str = "SELECT a.team_id, a.kind, COUNT(*) FROM action_item_history h
                             JOIN action_items a ON a.id = h.item_id
                            WHERE h.change IN ('status', 'import') AND h.status = 'done'
                            GROUP BY a.team_id, a.kind ORDER BY a.team_id, a.kind";
        on_db!(self, "action item closures by kind", |pool| Ok(
            sqlx::query_as(SQL).fetch_all(pool).await?
        ))
    }

    /// When each still-open item (open or in progress) was created, in unix seconds, with
    /// its workspace.
    pub async fn open_action_item_created_ats(&self) -> anyhow::Result<Vec<(String, i64)>> {
        const SQL: &str =
            "SELECT team_id, created_at FROM action_items WHERE status IN ('open', 'in_progress')";
        on_db!(self, "open action item ages", |pool| Ok(sqlx::query_as(
            SQL
        )
        .fetch_all(pool)
        .await?))
    }

    /// Each workspace's most recently completed review (`done_at`): (team, review id).
    pub async fn latest_done_reviews(&self) -> anyhow::Result<Vec<(String, i64)>> {
        // Newest first within each workspace; the first row of each is kept.
        const SQL: &str = "SELECT team_id, id FROM reviews WHERE done_at IS NOT NULL
                            ORDER BY team_id, done_at DESC, id DESC";
        let rows: Vec<(String, i64)> =
            on_db!(self, "latest done reviews", |pool| Ok(sqlx::query_as(SQL)
                .fetch_all(pool)
                .await?))?;
        let mut latest: Vec<(String, i64)> = Vec::new();
        for (team, review) in rows {
            if latest.last().is_none_or(|(seen, _)| *seen != team) {
                latest.push((team, review));
            }
        }
        Ok(latest)
    }
}
