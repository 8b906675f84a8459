//! Purpose: retention: which reviews have outlived `DEBRIEF_RETENTION_DAYS`, erasing their
//! anonymous content and their per-person rows, pruning finished bookkeeping, and giving
//! the space back.

use super::{BeginWrite, Db, Store, on_db};
use crate::domain::ReviewId;

/// What one erasure removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub answers: u64,
    pub observations: u64,
    pub participants: u64,
    pub message_counts: u64,
    pub checkins: u64,
}

/// Finished bookkeeping deleted by age.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub jobs: u64,
    pub events: u64,
    pub sent_records: u64,
}

impl Store {
    /// Reviews not yet erased whose latest date (creation, last change, meeting, survey
    /// deadline or close) is before `cutoff`.
    pub async fn reviews_older_than(&self, cutoff: i64) -> anyhow::Result<Vec<ReviewId>> {
        const SQL: &str = "SELECT id FROM reviews WHERE erased_at IS NULL
                             AND created_at < $1 AND updated_at < $1
                             AND COALESCE(meeting_at, 0) < $1 AND COALESCE(deadline_at, 0) < $1
                             AND COALESCE(survey_closed_at, 0) < $1
                           ORDER BY id";
        let ids: Vec<i64> = on_db!(self, "reviews past retention", |pool| Ok(
            sqlx::query_scalar(SQL).bind(cutoff).fetch_all(pool).await?
        ))?;
        Ok(ids.into_iter().map(ReviewId).collect())
    }

    /// Erases one review's anonymous content and, in a second transaction (no write naming
    /// a person shares a transaction with anonymous content), its per-person rows; then
    /// marks the review erased. Idempotent: a retry after a crash between the two finds
    /// nothing left of the first and finishes the second.
    pub async fn erase_review(&self, review_id: ReviewId, now: i64) -> anyhow::Result<Erased> {
        const ANONYMOUS: &[&str] = &[
            "DELETE FROM responses WHERE review_id = $1",
            "DELETE FROM observations WHERE review_id = $1",
        ];
        const PERSONAL: &[&str] = &[
            "DELETE FROM participants WHERE review_id = $1",
            "DELETE FROM participation WHERE review_id = $1",
            "DELETE FROM checkins WHERE review_id = $1",
        ];
        const MARK: &str = "UPDATE reviews SET erased_at = $1, left_out = '' WHERE id = $2";
        let id = review_id.0;
        on_db!(self, "erase a review", |pool| {
            let mut counts = Vec::new();
            for (group, is_last) in [(ANONYMOUS, false), (PERSONAL, true)] {
                let mut tx = pool.begin_write().await?;
                for &sql in group {
                    let deleted = sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                    counts.push(deleted.rows_affected());
                }
                if is_last {
                    sqlx::query(MARK)
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            Ok(Erased {
                answers: counts[0],
                observations: counts[1],
                participants: counts[2],
                message_counts: counts[3],
                checkins: counts[4],
            })
        })
    }

    /// Deletes a review's pending jobs (invitations, reminders, its close, agenda posts):
    /// after its content is deleted on request there is nothing left for them to do. A
    /// job names its review as `"review_id":N` in its payload.
    pub async fn cancel_review_jobs(&self, review_id: ReviewId) -> anyhow::Result<u64> {
        const SQL: &str = "DELETE FROM jobs WHERE done_at IS NULL AND failed_at IS NULL
                             AND (payload LIKE $1 OR payload LIKE $2)";
        let id = review_id.0;
        on_db!(self, "cancel a review's jobs", |pool| Ok(sqlx::query(SQL)
            .bind(format!("%\"review_id\":{id},%"))
            .bind(format!("%\"review_id\":{id}}}%"))
            .execute(pool)
            .await?
            .rows_affected()))
    }

    /// Deletes every pending job: the single workspace of SLACK_BOT_TOKEN uninstalled
    /// debrief (or revoked its token), so every call they would make is refused. (With
    /// OAuth installs, [`Store::workspace_lost`] deletes one workspace's jobs instead.)
    pub async fn cancel_pending_jobs(&self) -> anyhow::Result<u64> {
        const SQL: &str = "DELETE FROM jobs WHERE done_at IS NULL AND failed_at IS NULL";
        on_db!(self, "cancel pending jobs", |pool| Ok(sqlx::query(SQL)
            .execute(pool)
            .await?
            .rows_affected()))
    }

    /// Records (or, with `None`, clears) why gathering a review's participants failed.
    pub async fn set_participants_error(
        &self,
        review_id: ReviewId,
        error: Option<&str>,
    ) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE reviews SET participants_error = $1 WHERE id = $2";
        on_db!(self, "record a gathering error", |pool| {
            sqlx::query(SQL)
                .bind(error)
                .bind(review_id.0)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Why gathering a review's participants failed for good, if it did.
    pub async fn participants_error(&self, review_id: ReviewId) -> anyhow::Result<Option<String>> {
        const SQL: &str = "SELECT participants_error FROM reviews WHERE id = $1";
        on_db!(self, "read a gathering error", |pool| Ok(
            sqlx::query_scalar::<_, Option<String>>(SQL)
                .bind(review_id.0)
                .fetch_optional(pool)
                .await?
                .flatten()
        ))
    }

    /// Deletes finished jobs, handled event ids and sent-message records older than
    /// `cutoff`. Pending work is never touched.
    pub async fn prune_finished(&self, cutoff: i64) -> anyhow::Result<Pruned> {
        on_db!(self, "prune finished bookkeeping", |pool| {
            let mut counts = [0u64; 3];
            for (slot, sql) in [
                "DELETE FROM jobs WHERE (done_at IS NOT NULL AND done_at < $1)
                                     OR (failed_at IS NOT NULL AND failed_at < $1)",
                "DELETE FROM processed_events WHERE finished AND received_at < $1",
                "DELETE FROM outbox WHERE created_at < $1",
            ]
            .into_iter()
            .enumerate()
            {
                counts[slot] = sqlx::query(sql)
                    .bind(cutoff)
                    .execute(pool)
                    .await?
                    .rows_affected();
            }
            Ok(Pruned {
                jobs: counts[0],
                events: counts[1],
                sent_records: counts[2],
            })
        })
    }

    /// Gives deleted pages back. SQLite keeps them (with their old bytes) in the file until
    /// a VACUUM rewrites it, and the write-ahead log keeps copies until it is truncated;
    /// PostgreSQL's autovacuum reuses dead tuples on its own.
    pub async fn reclaim_space(&self) -> anyhow::Result<()> {
        if let Db::Sqlite(pool) = &self.db {
            super::within("reclaim space", async {
                sqlx::query("VACUUM").execute(pool).await?;
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(pool)
                    .await?;
                Ok(())
            })
            .await?;
        }
        Ok(())
    }
}
