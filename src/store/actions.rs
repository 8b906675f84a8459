//! Purpose: action items and their history. An item is accountable work: every change is a
//! history row with its time and who made it, written in the same transaction as the change.

use jiff::Timestamp;

use super::jobs::NewJob;
use super::{BeginWrite, Store, insert_jobs, on_db};
use crate::domain::ItemStatus;

/// The columns of an [`ActionItem`] row, written once for every query that loads one.
macro_rules! item_columns {
    () => {
        "a.id, a.team_id, a.incident_id, a.external_id, a.title, a.owner_id, a.kind, a.services, \
         a.failure_mode, a.due_on, a.url, a.status, a.individual, a.counterfactual_id, \
         a.message_channel, a.message_ts, a.created_by, a.created_at, a.updated_at, \
         i.channel_id AS incident_channel, i.title AS incident_title"
    };
}

/// An action item, with where its incident lives (for links).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ActionItem {
    pub id: i64,
    pub team_id: String,
    pub incident_id: Option<i64>,
    pub external_id: Option<String>,
    pub title: String,
    pub owner_id: Option<String>,
    pub kind: Option<String>,
    /// Comma-separated normalised tags; empty means "its incident's".
    pub services: String,
    pub failure_mode: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_on: Option<String>,
    pub url: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: ItemStatus,
    pub individual: bool,
    pub counterfactual_id: Option<i64>,
    pub message_channel: Option<String>,
    pub message_ts: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub incident_channel: Option<String>,
    pub incident_title: Option<String>,
}

/// An item to create.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewActionItem {
    pub team_id: String,
    pub incident_id: Option<i64>,
    pub title: String,
    pub owner_id: Option<String>,
    pub kind: Option<String>,
    pub services: Vec<String>,
    pub failure_mode: Option<String>,
    pub due_on: Option<String>,
    pub url: Option<String>,
    pub individual: bool,
    pub counterfactual_id: Option<i64>,
    pub created_by: String,
}

/// One row of an item's history.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HistoryRow {
    pub item_id: i64,
    pub at: i64,
    pub actor: String,
    #[sqlx(try_from = "String")]
    pub status: ItemStatus,
    pub change: String,
    pub reason: Option<String>,
}

/// What asking for a status change did.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusChange {
    Changed(ActionItem),
    /// It already had that status: nothing was written (a double click).
    AlreadyThere(ActionItem),
    /// It no longer had the status the button was drawn for: nothing was written.
    Stale(ActionItem),
    Missing,
}

/// Which items to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemFilter {
    pub owner: Option<String>,
    pub open_only: bool,
    /// Open items due before this day (`YYYY-MM-DD`).
    pub due_before: Option<String>,
    pub service: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

const LOAD_ITEM: &str = concat!(
    "SELECT ",
    item_columns!(),
    " FROM action_items a LEFT JOIN incidents i ON i.id = a.incident_id WHERE a.id = $1"
);

const INSERT_HISTORY: &str =
    "INSERT INTO action_item_history (item_id, at, actor, status, change, reason)
                              VALUES ($1, $2, $3, $4, $5, $6)";

impl Store {
    /// Creates an item, its first history row and the jobs it asks for, in one transaction.
    pub async fn add_action_item(
        &self,
        item: &NewActionItem,
        jobs_for_item: impl Fn(i64) -> Vec<NewJob>,
        now: Timestamp,
    ) -> anyhow::Result<ActionItem> {
        const INSERT: &str = "INSERT INTO action_items (team_id, incident_id, title, owner_id, kind, services, failure_mode, due_on, url, individual, counterfactual_id, created_by, created_at, updated_at)
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id";
        let now_s = now.as_second();
        on_db!(self, "add action item", |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(INSERT)
                .bind(&item.team_id)
                .bind(item.incident_id)
                .bind(&item.title)
                .bind(&item.owner_id)
                .bind(&item.kind)
                .bind(item.services.join(","))
                .bind(&item.failure_mode)
                .bind(&item.due_on)
                .bind(&item.url)
                .bind(item.individual)
                .bind(item.counterfactual_id)
                .bind(&item.created_by)
                .bind(now_s)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(INSERT_HISTORY)
                .bind(id)
                .bind(now_s)
                .bind(&item.created_by)
                .bind(ItemStatus::Open.code())
                .bind("created")
                .bind(None::<String>)
                .execute(&mut *tx)
                .await?;
            insert_jobs!(tx, jobs_for_item(id), now_s);
            let row: ActionItem = sqlx::query_as(LOAD_ITEM)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// One item of a workspace.
    pub async fn action_item(&self, team_id: &str, id: i64) -> anyhow::Result<Option<ActionItem>> {
        let item: Option<ActionItem> =
            on_db!(self, "action item", |pool| Ok(sqlx::query_as(LOAD_ITEM)
                .bind(id)
                .fetch_optional(pool)
                .await?))?;
        Ok(item.filter(|i| i.team_id == team_id))
    }

    /// Moves an item to `to`, unless it already is there, or (when `expected` is given, as
    /// a button does) it no longer has the status the button was drawn for. The check and
    /// the write are one conditional UPDATE, so two clicks at once write one history row.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_action_item_status(
        &self,
        team_id: &str,
        id: i64,
        expected: Option<ItemStatus>,
        to: ItemStatus,
        actor: &str,
        reason: Option<&str>,
        jobs: &[NewJob],
        now: Timestamp,
    ) -> anyhow::Result<StatusChange> {
        const UPDATE: &str =
            "UPDATE action_items SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4";
        let now_s = now.as_second();
        on_db!(self, "change action item status", |pool| {
            let mut tx = pool.begin_write().await?;
            let Some(current): Option<ActionItem> = sqlx::query_as(LOAD_ITEM)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(StatusChange::Missing);
            };
            if current.team_id != team_id {
                return Ok(StatusChange::Missing);
            }
            if current.status == to {
                return Ok(StatusChange::AlreadyThere(current));
            }
            if expected.is_some_and(|e| e != current.status) {
                return Ok(StatusChange::Stale(current));
            }
            let updated = sqlx::query(UPDATE)
                .bind(id)
                .bind(to.code())
                .bind(now_s)
                .bind(current.status.code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if updated == 0 {
                // Changed between our read and our write (PostgreSQL, another replica).
                return Ok(StatusChange::Stale(current));
            }
            sqlx::query(INSERT_HISTORY)
                .bind(id)
                .bind(now_s)
                .bind(actor)
                .bind(to.code())
                .bind("status")
                .bind(reason)
                .execute(&mut *tx)
                .await?;
            insert_jobs!(tx, jobs, now_s);
            let row: ActionItem = sqlx::query_as(LOAD_ITEM)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(StatusChange::Changed(row))
        })
    }

    /// A workspace's items matching `filter`, by id, at most `filter.limit`.
    pub async fn action_items(
        &self,
        team_id: &str,
        filter: &ItemFilter,
    ) -> anyhow::Result<Vec<ActionItem>> {
        const SQL: &str = concat!(
            "SELECT ",
            item_columns!(),
            " FROM action_items a LEFT JOIN incidents i ON i.id = a.incident_id
             WHERE a.team_id = $1
               AND ($2 IS NULL OR a.owner_id = $2)
               AND ($3 = FALSE OR a.status IN ('open', 'in_progress'))
               AND ($4 IS NULL OR (a.due_on < $4 AND a.status IN ('open', 'in_progress')))
               AND ($5 IS NULL OR ',' || COALESCE(NULLIF(a.services, ''), i.services, '') || ',' LIKE '%,' || $5 || ',%')
             ORDER BY a.id LIMIT $6 OFFSET $7"
        );
        on_db!(self, "list action items", |pool| Ok(sqlx::query_as(SQL)
            .bind(team_id)
            .bind(&filter.owner)
            .bind(filter.open_only)
            .bind(&filter.due_before)
            .bind(&filter.service)
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(pool)
            .await?))
    }

    /// The items of one incident, by id.
    pub async fn action_items_of_incident(
        &self,
        incident_id: i64,
    ) -> anyhow::Result<Vec<ActionItem>> {
        const SQL: &str = concat!(
            "SELECT ",
            item_columns!(),
            " FROM action_items a LEFT JOIN incidents i ON i.id = a.incident_id
             WHERE a.incident_id = $1 ORDER BY a.id"
        );
        on_db!(self, "list an incident's action items", |pool| Ok(
            sqlx::query_as(SQL)
                .bind(incident_id)
                .fetch_all(pool)
                .await?
        ))
    }

    /// An item's history, oldest first.
    pub async fn action_item_history(&self, id: i64) -> anyhow::Result<Vec<HistoryRow>> {
        const SQL: &str =
            "SELECT item_id, at, actor, status, change, reason FROM action_item_history
                            WHERE item_id = $1 ORDER BY at, id";
        on_db!(self, "action item history", |pool| Ok(sqlx::query_as(SQL)
            .bind(id)
            .fetch_all(pool)
            .await?))
    }

    /// Remembers the message that shows an item, so a status change updates it in place.
    pub async fn set_action_item_message(
        &self,
        id: i64,
        channel: &str,
        ts: &str,
    ) -> anyhow::Result<()> {
        const SQL: &str =
            "UPDATE action_items SET message_channel = $2, message_ts = $3 WHERE id = $1";
        on_db!(self, "set action item message", |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(channel)
                .bind(ts)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Open and in-progress items of one owner, oldest first.
    pub async fn open_items_of(&self, owner_id: &str) -> anyhow::Result<Vec<ActionItem>> {
        const SQL: &str = concat!(
            "SELECT ",
            item_columns!(),
            " FROM action_items a LEFT JOIN incidents i ON i.id = a.incident_id
             WHERE a.owner_id = $1 AND a.status IN ('open', 'in_progress')
             ORDER BY a.created_at, a.id"
        );
        on_db!(self, "open items of", |pool| Ok(sqlx::query_as(SQL)
            .bind(owner_id)
            .fetch_all(pool)
            .await?))
    }

    /// Slack users who own open items and did not opt out of the weekly digest.
    pub async fn digest_recipients(&self) -> anyhow::Result<Vec<String>> {
        const SQL: &str = "SELECT DISTINCT a.owner_id FROM action_items a
                            WHERE a.status IN ('open', 'in_progress') AND a.owner_id LIKE 'U%'
                              AND NOT EXISTS (SELECT 1 FROM digest_opt_outs o WHERE o.user_id = a.owner_id)
                            ORDER BY a.owner_id";
        on_db!(self, "digest recipients", |pool| Ok(sqlx::query_scalar(
            SQL
        )
        .fetch_all(pool)
        .await?))
    }

    /// Turns someone's weekly digest off (`true`) or back on.
    pub async fn set_digest_opt_out(
        &self,
        user_id: &str,
        opted_out: bool,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        const OUT: &str = "INSERT INTO digest_opt_outs (user_id, at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING";
        const IN: &str = "DELETE FROM digest_opt_outs WHERE user_id = $1";
        on_db!(self, "set digest opt-out", |pool| {
            if opted_out {
                sqlx::query(OUT)
                    .bind(user_id)
                    .bind(now.as_second())
                    .execute(pool)
                    .await?;
            } else {
                sqlx::query(IN).bind(user_id).execute(pool).await?;
            }
            Ok(())
        })
    }

    pub async fn digest_opted_out(&self, user_id: &str) -> anyhow::Result<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM digest_opt_outs WHERE user_id = $1";
        let n: i64 = on_db!(self, "digest opted out", |pool| Ok(sqlx::query_scalar(SQL)
            .bind(user_id)
            .fetch_one(pool)
            .await?))?;
        Ok(n > 0)
    }
}

/// A counterfactual about to become an action item, with where its review lives.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CounterfactualOrigin {
    pub id: i64,
    pub body: String,
    pub team_id: String,
    pub incident_id: i64,
    pub channel_id: String,
    pub facilitator_id: String,
    /// The item already made from it, if any.
    pub item_id: Option<i64>,
}

impl Store {
    pub async fn counterfactual_origin(
        &self,
        id: i64,
    ) -> anyhow::Result<Option<CounterfactualOrigin>> {
        const SQL: &str = "SELECT c.id, c.body, r.team_id, r.incident_id, r.channel_id, r.facilitator_id,
                                  (SELECT MIN(a.id) FROM action_items a WHERE a.counterfactual_id = c.id) AS item_id
                             FROM counterfactuals c JOIN reviews r ON r.id = c.review_id
                            WHERE c.id = $1";
        on_db!(self, "counterfactual origin", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(id)
        .fetch_optional(pool)
        .await?))
    }
}

impl Store {
    /// One item, whichever workspace it belongs to (for jobs, which carry only its id).
    pub async fn action_item_any_team(&self, id: i64) -> anyhow::Result<Option<ActionItem>> {
        on_db!(self, "action item by id", |pool| Ok(sqlx::query_as(
            LOAD_ITEM
        )
        .bind(id)
        .fetch_optional(pool)
        .await?))
    }
}
