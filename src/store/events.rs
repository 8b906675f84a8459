//! Purpose: exactly-once handling of Events API deliveries, keyed on Slack's `event_id`.

use jiff::Timestamp;

use super::{Store, on_db};

/// What the events table knows about a delivery's `event_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventClaim {
    New,
    Unfinished,
    Finished,
}

impl Store {
    /// Records an event id before its work is done: `New` the first time, `Finished` when
    /// an earlier delivery completed, `Unfinished` when one began but never completed (or
    /// is still running; the caller tells the two apart by what it has in flight).
    ///
    /// The time kept is the hour, not the second: an event may be a DM that records an
    /// anonymous observation, and no row may say when one was written. The hour is enough
    /// to forget ids a day later.
    pub async fn claim_event(&self, event_id: &str, now: Timestamp) -> anyhow::Result<EventClaim> {
        const INSERT: &str = "INSERT INTO processed_events (event_id, received_at, finished)
                              VALUES ($1, $2, FALSE)
                              ON CONFLICT (event_id) DO NOTHING";
        const FINISHED: &str = "SELECT finished FROM processed_events WHERE event_id = $1";
        let hour = now.as_second() - now.as_second().rem_euclid(3600);
        on_db!(self, "claim an event", |pool| {
            let inserted = sqlx::query(INSERT)
                .bind(event_id)
                .bind(hour)
                .execute(pool)
                .await?
                .rows_affected();
            if inserted == 1 {
                return Ok(EventClaim::New);
            }
            let finished: Option<bool> = sqlx::query_scalar(FINISHED)
                .bind(event_id)
                .fetch_optional(pool)
                .await?;
            Ok(match finished {
                Some(true) => EventClaim::Finished,
                // Forgotten between the two statements: a failed delivery, so not finished.
                _ => EventClaim::Unfinished,
            })
        })
    }

    /// Marks an event's work complete, so every later delivery of it is a duplicate.
    pub async fn finish_event(&self, event_id: &str) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE processed_events SET finished = TRUE WHERE event_id = $1";
        on_db!(self, "finish an event", |pool| {
            sqlx::query(SQL).bind(event_id).execute(pool).await?;
            Ok(())
        })
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
