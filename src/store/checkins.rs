//! Purpose: check-in rounds and participation counts (who spoke, never what).

use crate::domain::ReviewId;
use jiff::Timestamp;

use super::jobs::NewJob;
use super::{BeginWrite, Store, insert_jobs, on_db};

/// A stored check-in round.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Checkin {
    pub id: i64,
    pub review_id: ReviewId,
    pub channel_id: String,
    pub thread_ts: Option<String>,
    pub seed: i64,
    /// The state machine's state, JSON.
    pub state: String,
    pub version: i64,
    pub ended: bool,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

/// One person's part in a review's conversation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Participation {
    pub user_id: String,
    pub messages: i64,
    pub checkin_shared: bool,
}

const COLUMNS: &str =
    "id, review_id, channel_id, thread_ts, seed, state, version, ended, started_at, ended_at";

impl Store {
    /// Starts a round and queues its first job, atomically.
    pub async fn create_checkin(
        &self,
        review_id: ReviewId,
        channel_id: &str,
        seed: i64,
        state_json: &str,
        jobs_for: impl Fn(i64) -> Vec<NewJob>,
        now: Timestamp,
    ) -> anyhow::Result<Option<i64>> {
        const INSERT: &str = "INSERT INTO checkins (review_id, channel_id, seed, state, started_at, turn_seconds) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        // The turn length is kept in a column too, so the learning review can compare
        // formats without reading every round's state.
        let turn_seconds = serde_json::from_str::<serde_json::Value>(state_json)
            .ok()
            .and_then(|state| state["turn_seconds"].as_i64());
        on_db!(self, "create checkin", |pool| {
            let mut tx = pool.begin_write().await?;
            let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(INSERT)
                .bind(review_id)
                .bind(channel_id)
                .bind(seed)
                .bind(state_json)
                .bind(now.as_second())
                .bind(turn_seconds)
                .fetch_one(&mut *tx)
                .await;
            let id = match inserted {
                Ok(id) => id,
                // Another round started first (the one-running-round index).
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
                Err(other) => return Err(other.into()),
            };
            insert_jobs!(tx, jobs_for(id), now.as_second());
            tx.commit().await?;
            Ok(Some(id))
        })
    }

    pub async fn checkin(&self, id: i64) -> anyhow::Result<Option<Checkin>> {
        const SQL: &str = "SELECT id, review_id, channel_id, thread_ts, seed, state, version, ended, started_at, ended_at FROM checkins WHERE id = $1";
        debug_assert!(SQL.contains(COLUMNS));
        on_db!(self, "checkin", |pool| Ok(sqlx::query_as(SQL)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }

    /// The round running in this thread, if any (ended ones too: late replies are ignored by the machine).
    pub async fn checkin_by_thread(
        &self,
        channel_id: &str,
        thread_ts: &str,
    ) -> anyhow::Result<Option<Checkin>> {
        const SQL: &str = "SELECT id, review_id, channel_id, thread_ts, seed, state, version, ended, started_at, ended_at
                             FROM checkins WHERE channel_id = $1 AND thread_ts = $2";
        Ok(on_db!(self, "checkin by thread", |pool| Ok(
            sqlx::query_as(SQL)
                .bind(channel_id)
                .bind(thread_ts)
                .fetch_optional(pool)
                .await?
        ))?)
    }

    /// The review's round that has not ended, if any.
    pub async fn running_checkin(&self, review_id: ReviewId) -> anyhow::Result<Option<Checkin>> {
        const SQL: &str = "SELECT id, review_id, channel_id, thread_ts, seed, state, version, ended, started_at, ended_at
                             FROM checkins WHERE review_id = $1 AND ended = FALSE ORDER BY id DESC LIMIT 1";
        on_db!(self, "running checkin", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .fetch_optional(pool)
            .await?))
    }

    /// Every round of a review, oldest first.
    pub async fn checkins_of(&self, review_id: ReviewId) -> anyhow::Result<Vec<Checkin>> {
        const SQL: &str = "SELECT id, review_id, channel_id, thread_ts, seed, state, version, ended, started_at, ended_at
                             FROM checkins WHERE review_id = $1 ORDER BY id";
        on_db!(self, "checkins of", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .fetch_all(pool)
            .await?))
    }

    pub async fn set_checkin_thread(&self, id: i64, thread_ts: &str) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE checkins SET thread_ts = $2 WHERE id = $1 AND thread_ts IS NULL";
        on_db!(self, "set checkin thread", |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(thread_ts)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// Stores a new state if nobody else changed it since `version` was read, and queues the
    /// transition's jobs in the same transaction. Returns false on a lost race (re-read and retry).
    pub async fn update_checkin(
        &self,
        id: i64,
        version: i64,
        state_json: &str,
        ended: bool,
        jobs: &[NewJob],
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const UPDATE: &str = "UPDATE checkins SET state = $3, version = version + 1, ended = $4,
                                     ended_at = CASE WHEN $4 THEN $5 ELSE ended_at END
                               WHERE id = $1 AND version = $2";
        on_db!(self, "update checkin", |pool| {
            let mut tx = pool.begin_write().await?;
            let won = sqlx::query(UPDATE)
                .bind(id)
                .bind(version)
                .bind(state_json)
                .bind(ended)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if won {
                insert_jobs!(tx, jobs, now.as_second());
                tx.commit().await?;
            }
            Ok(won)
        })
    }

    /// Counts one message by `user_id` in the review's conversation.
    pub async fn count_message(&self, review_id: ReviewId, user_id: &str) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO participation (review_id, user_id, messages) VALUES ($1, $2, 1)
                           ON CONFLICT (review_id, user_id) DO UPDATE SET messages = participation.messages + 1";
        on_db!(self, "count message", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(user_id)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// Records that `user_id` shared in a check-in of the review.
    pub async fn record_checkin_share(
        &self,
        review_id: ReviewId,
        user_id: &str,
    ) -> anyhow::Result<()> {
        const SQL: &str =
            "INSERT INTO participation (review_id, user_id, checkin_shared) VALUES ($1, $2, TRUE)
                           ON CONFLICT (review_id, user_id) DO UPDATE SET checkin_shared = TRUE";
        on_db!(self, "record checkin share", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(user_id)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    pub async fn participation(&self, review_id: ReviewId) -> anyhow::Result<Vec<Participation>> {
        const SQL: &str = "SELECT user_id, messages, checkin_shared FROM participation WHERE review_id = $1 ORDER BY user_id";
        on_db!(self, "participation", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .fetch_all(pool)
            .await?))
    }
}
