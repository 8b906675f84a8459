//! Purpose: exactly-once handling of Events API deliveries, keyed on Slack's `event_id`.

use jiff::Timestamp;

use super::{Store, on_db};

impl Store {
    /// Records an event id; returns true the first time it is seen, false for a retry or duplicate.
    ///
    /// The time kept is the hour, not the second: an event may be a DM that records an
    /// anonymous observation, and no row may say when one was written. The hour is enough
    /// to forget ids a day later.
    pub async fn record_event_once(&self, event_id: &str, now: Timestamp) -> anyhow::Result<bool> {
        const SQL: &str = "INSERT INTO processed_events (event_id, received_at) VALUES ($1, $2)
                           ON CONFLICT (event_id) DO NOTHING";
        let hour = now.as_second() - now.as_second().rem_euclid(3600);
        let affected = on_db!(self, "record event once", |pool| Ok(sqlx::query(SQL)
            .bind(event_id)
            .bind(hour)
            .execute(pool)
            .await?
            .rows_affected()))?;
        Ok(affected == 1)
    }

    /// Forgets event ids older than `before`; Slack stops retrying after about five minutes.
    pub async fn prune_processed_events(&self, before: Timestamp) -> anyhow::Result<u64> {
        const SQL: &str = "DELETE FROM processed_events WHERE received_at < $1";
        Ok(on_db!(self, "prune processed events", |pool| Ok(
            sqlx::query(SQL)
                .bind(before.as_second())
                .execute(pool)
                .await?
                .rows_affected()
        ))?)
    }

    pub async fn processed_event_count(&self) -> anyhow::Result<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM processed_events";
        on_db!(self, "processed event count", |pool| Ok(
            sqlx::query_scalar(SQL).fetch_one(pool).await?
        ))
    }
}

impl Store {
    /// Undoes [`Store::record_event_once`] when handling failed, so Slack's retry is processed.
    pub async fn forget_event(&self, event_id: &str) -> anyhow::Result<()> {
        const SQL: &str = "DELETE FROM processed_events WHERE event_id = $1";
        on_db!(self, "forget event", |pool| {
            sqlx::query(SQL).bind(event_id).execute(pool).await?;
            Ok(())
        })?;
        Ok(())
    }
}
