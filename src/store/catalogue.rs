//! Purpose: the shared vocabulary of a workspace: failure modes (counts, merges, and the
//! recurrence marks that depend on them), the service catalogue, named format trials,
//! completed postmortems and the count of `learnings` lookups.

use std::collections::HashMap;

use jiff::Timestamp;

use super::{BeginWrite, Store, on_db};
use crate::domain::ReviewId;

/// Sets every incident's recurrence mark of a workspace from scratch, inside the caller's
/// transaction: an incident recurs when an earlier one (by start, or by when it was recorded
/// when the start is unknown; ties by id) had the same failure mode, and it points at the
/// latest such one. Computed in memory and written only where it changed, so a merge or an
/// import of thousands of rows costs one read and a few writes.
macro_rules! recompute_recurrence {
    ($tx:expr, $team:expr) => {{
        const LOAD: &str =
            "SELECT id, failure_mode, COALESCE(started_at, created_at), recurrence_of
                              FROM incidents WHERE team_id = $1";
        const SET: &str = "UPDATE incidents SET recurrence_of = $2 WHERE id = $1";
        let rows: Vec<(i64, Option<String>, i64, Option<i64>)> = sqlx::query_as(LOAD)
            .bind($team)
            .fetch_all(&mut *$tx)
            .await?;
        let changes = $crate::store::catalogue::recurrence_changes(rows);
        for (id, mark) in &changes {
            sqlx::query(SET)
                .bind(id)
                .bind(mark)
                .execute(&mut *$tx)
                .await?;
        }
        changes.len()
    }};
}
pub(crate) use recompute_recurrence;

/// The marks that differ from what is stored: (incident, new mark). Pure.
pub(crate) fn recurrence_changes(
    mut rows: Vec<(i64, Option<String>, i64, Option<i64>)>,
) -> Vec<(i64, Option<i64>)> {
    rows.sort_by_key(|(id, _, at, _)| (*at, *id));
    let mut last_of_mode: HashMap<String, i64> = HashMap::new();
    let mut changes = Vec::new();
    for (id, mode, _, stored) in rows {
        let mark = match mode.filter(|m| !m.is_empty()) {
            Some(mode) => last_of_mode.insert(mode, id),
            None => None,
        };
        if mark != stored {
            changes.push((id, mark));
        }
    }
    changes
}

/// A failure mode and how often it was used.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ModeCount {
    pub mode: String,
    pub incidents: i64,
    pub items: i64,
}

/// What a merge rewrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeOutcome {
    pub incidents: u64,
    pub items: u64,
    /// Incidents whose recurrence mark changed.
    pub marks: usize,
}

impl Store {
    /// Every failure mode of a workspace, on incidents or items, most used first.
    pub async fn mode_counts(&self, team_id: &str) -> anyhow::Result<Vec<ModeCount>> {
        // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back so both backends give i64.
        const SQL: &str = "SELECT mode, CAST(SUM(incidents) AS BIGINT) AS incidents, CAST(SUM(items) AS BIGINT) AS items FROM (
                SELECT failure_mode AS mode, COUNT(*) AS incidents, CAST(0 AS BIGINT) AS items FROM incidents
                 WHERE team_id = $1 AND failure_mode IS NOT NULL GROUP BY failure_mode
                UNION ALL
                SELECT failure_mode AS mode, CAST(0 AS BIGINT) AS incidents, COUNT(*) AS items FROM action_items
                 WHERE team_id = $1 AND failure_mode IS NOT NULL GROUP BY failure_mode
            ) t GROUP BY mode ORDER BY SUM(incidents) + SUM(items) DESC, mode";
        on_db!(self, "mode counts", |pool| Ok(sqlx::query_as(SQL)
            .bind(team_id)
            .fetch_all(pool)
            .await?))
    }

    /// Rewrites failure mode `from` as `into` on every incident and item of a workspace,
    /// writes a history row for each item and a record of the merge, and recomputes the
    /// recurrence marks, all in one transaction.
    pub async fn merge_modes(
        &self,
        team_id: &str,
        from: &str,
        into: &str,
        actor: &str,
        now: Timestamp,
    ) -> anyhow::Result<MergeOutcome> {
        const INCIDENTS: &str = "UPDATE incidents SET failure_mode = $3, updated_at = $4 WHERE team_id = $1 AND failure_mode = $2";
        const HISTORY: &str = "INSERT INTO action_item_history (item_id, at, actor, status, change, reason)
                               SELECT id, $4, $5, status, 'mode', $6 FROM action_items WHERE team_id = $1 AND failure_mode = $2 AND $3 <> ''";
        const ITEMS: &str = "UPDATE action_items SET failure_mode = $3, updated_at = $4 WHERE team_id = $1 AND failure_mode = $2";
        const RECORD: &str = "INSERT INTO mode_merges (team_id, from_mode, into_mode, merged_by, at, incidents, items)
                              VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let now_s = now.as_second();
        let reason = format!("failure mode {from} merged into {into}");
        on_db!(self, "merge failure modes", |pool| {
            let mut tx = pool.begin_write().await?;
            let incidents = sqlx::query(INCIDENTS)
                .bind(team_id)
                .bind(from)
                .bind(into)
                .bind(now_s)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(HISTORY)
                .bind(team_id)
                .bind(from)
                .bind(into)
                .bind(now_s)
                .bind(actor)
                .bind(&reason)
                .execute(&mut *tx)
                .await?;
            let items = sqlx::query(ITEMS)
                .bind(team_id)
                .bind(from)
                .bind(into)
                .bind(now_s)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let marks = recompute_recurrence!(tx, team_id);
            sqlx::query(RECORD)
                .bind(team_id)
                .bind(from)
                .bind(into)
                .bind(actor)
                .bind(now_s)
                .bind(incidents as i64)
                .bind(items as i64)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(MergeOutcome {
                incidents,
                items,
                marks,
            })
        })
    }

    /// Whether someone facilitates, or has facilitated, a review in this workspace.
    pub async fn is_facilitator(&self, team_id: &str, user_id: &str) -> anyhow::Result<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM reviews WHERE team_id = $1 AND facilitator_id = $2";
        let n: i64 = on_db!(self, "is facilitator", |pool| Ok(sqlx::query_scalar(SQL)
            .bind(team_id)
            .bind(user_id)
            .fetch_one(pool)
            .await?))?;
        Ok(n > 0)
    }

    /// Sets one item's failure mode, with a history row saying who changed it.
    pub async fn set_action_item_mode(
        &self,
        item_id: i64,
        mode: &str,
        actor: &str,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const UPDATE: &str =
            "UPDATE action_items SET failure_mode = $2, updated_at = $3 WHERE id = $1";
        const HISTORY: &str = "INSERT INTO action_item_history (item_id, at, actor, status, change, reason)
                               SELECT id, $2, $3, status, 'mode', $4 FROM action_items WHERE id = $1";
        let reason = format!("failure mode set to {mode}");
        on_db!(self, "set action item mode", |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(UPDATE)
                .bind(item_id)
                .bind(mode)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(HISTORY)
                .bind(item_id)
                .bind(now.as_second())
                .bind(actor)
                .bind(&reason)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Adds a service to the catalogue or changes its domain and owner team.
    pub async fn save_service(
        &self,
        team_id: &str,
        service: &str,
        domain: &str,
        owner_team: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        const SQL: &str =
            "INSERT INTO services (team_id, service, domain, owner_team, updated_by, updated_at)
                           VALUES ($1, $2, $3, $4, $5, $6)
                           ON CONFLICT (team_id, service) DO UPDATE SET domain = excluded.domain,
                               owner_team = COALESCE(excluded.owner_team, services.owner_team),
                               updated_by = excluded.updated_by, updated_at = excluded.updated_at";
        on_db!(self, "save service", |pool| {
            sqlx::query(SQL)
                .bind(team_id)
                .bind(service)
                .bind(domain)
                .bind(owner_team)
                .bind(actor)
                .bind(now.as_second())
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The catalogue: (service, domain, owner team).
    pub async fn services(
        &self,
        team_id: &str,
    ) -> anyhow::Result<Vec<(String, String, Option<String>)>> {
        const SQL: &str = "SELECT service, domain, owner_team FROM services WHERE team_id = $1 ORDER BY domain, service";
        on_db!(self, "services", |pool| Ok(sqlx::query_as(SQL)
            .bind(team_id)
            .fetch_all(pool)
            .await?))
    }

    /// Names a format trial; false when a trial of that name exists.
    pub async fn start_trial(
        &self,
        team_id: &str,
        name: &str,
        starts_on: &str,
        actor: &str,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const SQL: &str = "INSERT INTO trials (team_id, name, starts_on, created_by, created_at)
                           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team_id, name) DO NOTHING";
        on_db!(self, "start trial", |pool| Ok(sqlx::query(SQL)
            .bind(team_id)
            .bind(name)
            .bind(starts_on)
            .bind(actor)
            .bind(now.as_second())
            .execute(pool)
            .await?
            .rows_affected()
            == 1))
    }

    /// Marks a review's postmortem completed; false when it already was.
    pub async fn mark_review_done(
        &self,
        review_id: ReviewId,
        actor: &str,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const SQL: &str = "UPDATE reviews SET done_at = $2, done_by = $3, updated_at = $2 WHERE id = $1 AND done_at IS NULL";
        on_db!(self, "mark review done", |pool| Ok(sqlx::query(SQL)
            .bind(review_id)
            .bind(now.as_second())
            .bind(actor)
            .execute(pool)
            .await?
            .rows_affected()
            == 1))
    }

    /// When a review was marked done, if it was.
    pub async fn review_done_at(&self, review_id: ReviewId) -> anyhow::Result<Option<i64>> {
        const SQL: &str = "SELECT done_at FROM reviews WHERE id = $1";
        let at: Option<Option<i64>> =
            on_db!(self, "review done at", |pool| Ok(sqlx::query_scalar(SQL)
                .bind(review_id)
                .fetch_optional(pool)
                .await?))?;
        Ok(at.flatten())
    }

    /// Counts one `learnings` lookup in a quarter: a number, never who or what.
    pub async fn count_lookup(&self, team_id: &str, quarter: &str) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO learnings_lookups (team_id, quarter, count) VALUES ($1, $2, 1)
                           ON CONFLICT (team_id, quarter) DO UPDATE SET count = learnings_lookups.count + 1";
        on_db!(self, "count lookup", |pool| {
            sqlx::query(SQL)
                .bind(team_id)
                .bind(quarter)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recurrence_points_at_the_latest_earlier_incident_of_its_mode() {
        let m = |s: &str| Some(s.to_string());
        let rows = vec![
            // id, mode, occurred at, stored mark
            (1, m("cache"), 100, None),
            (2, m("dns"), 50, Some(1)),
            (3, m("cache"), 300, None),
            // Imported later (higher id) but it happened first.
            (4, m("cache"), 10, None),
            (5, None, 400, Some(3)),
        ];
        let mut changes = recurrence_changes(rows);
        changes.sort();
        assert_eq!(
            changes,
            vec![(1, Some(4)), (2, None), (3, Some(1)), (5, None)]
        );
    }
}
