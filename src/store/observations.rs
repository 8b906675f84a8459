//! Purpose: anonymous observations. The table has no author and no time, its ids are
//! random, and the text is sealed (see `pseudonym`), so neither a row, its place in a
//! page, nor the order rows reached the write-ahead log points at whoever wrote it.

use crate::domain::ReviewId;

use super::{BeginWrite, Store, insert_jobs, on_db, placeholders, random_id};

/// An observation as stored: its text is sealed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredObservation {
    pub id: String,
    pub sealed: Vec<u8>,
}

/// Spends a button's single-use token; a used one affects no row. Shared with the SQLite
/// group-commit writer (`store/batch.rs`).
pub(super) const USE_TOKEN: &str =
    "INSERT INTO observation_tokens (token) VALUES ($1) ON CONFLICT (token) DO NOTHING";
/// One observation, unreleased, under a random id. Shared with the SQLite group-commit
/// writer.
pub(super) const INSERT: &str =
    "INSERT INTO observations (id, review_id, sealed, released) VALUES ($1, $2, $3, FALSE)";

/// What became of an observation handed to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Stored,
    /// Its button's single-use token was spent before: stored once already.
    AlreadyStored,
    /// The review was deleted.
    ReviewGone,
    /// The review stopped taking observations (`domain::takes_observations`).
    ReviewClosed,
}

impl Recorded {
    /// Why an observation for the review whose [`REVIEW_WINDOW`] row is `window` is
    /// refused at `now`, if it is.
    pub(super) fn refusal(window: Option<(Option<i64>, i64)>, now: i64) -> Option<Self> {
        match window {
            None => Some(Self::ReviewGone),
            Some((meeting_at, created_at))
                if !crate::domain::takes_observations(meeting_at, created_at, now) =>
            {
                Some(Self::ReviewClosed)
            }
            Some(_) => None,
        }
    }
}

/// What decides whether a review still takes observations: its meeting and its opening.
/// Shared with the SQLite group-commit writer.
pub(super) const REVIEW_WINDOW: &str = "SELECT meeting_at, created_at FROM reviews WHERE id = $1";

/// Ids per `UPDATE` when marking observations released. A release held back for agenda
/// review marks everything gathered since the last one, thousands at a busy review; a
/// statement per row held SQLite's write lock (and `observe`'s group commit behind it) for
/// 100–200 ms in the soak. 500 ids stay far below either database's parameter limit.
const RELEASE_CHUNK: usize = 500;

/// Marks `ids` (`$2`…) of review `$1` released, in one statement.
fn release_sql(ids: usize) -> String {
    format!(
        "UPDATE observations SET released = TRUE WHERE review_id = $1 AND id IN ({})",
        placeholders(2, ids)
    )
}

impl Store {
    /// Stores a sealed observation at `now` (Unix seconds); the caller has already
    /// dropped who wrote it.
    pub async fn add_observation(
        &self,
        review_id: ReviewId,
        sealed: &[u8],
        now: i64,
    ) -> anyhow::Result<Recorded> {
        self.add_observation_once(review_id, sealed, None, now)
            .await
    }

    /// Stores a sealed observation unless `token` (a button's single-use token) was used
    /// before, or the review is gone or no longer takes observations at `now`: that is
    /// checked again in the transaction that writes, since the caller may have read the
    /// review a moment earlier (`review_for_channel_hint`).
    pub async fn add_observation_once(
        &self,
        review_id: ReviewId,
        sealed: &[u8],
        token: Option<&str>,
        now: i64,
    ) -> anyhow::Result<Recorded> {
        if let Some(writer) = &self.observation_writer {
            let (done, written) = tokio::sync::oneshot::channel();
            let request = super::batch::ObservationWrite {
                review_id,
                sealed: sealed.to_vec(),
                token: token.map(str::to_string),
                now,
                done,
            };
            writer
                .send(request)
                .await
                .map_err(|_| anyhow::anyhow!("the observation writer has stopped"))?;
            return written
                .await
                .map_err(|_| anyhow::anyhow!("the observation writer has stopped"))?
                .map_err(|e| {
                    anyhow::anyhow!("database operation `add an observation` failed: {e}")
                });
        }
        on_db!(self, "add an observation", |pool| {
            let mut tx = pool.begin_write().await?;
            let window: Option<(Option<i64>, i64)> = sqlx::query_as(REVIEW_WINDOW)
                .bind(review_id)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(refused) = Recorded::refusal(window, now) {
                return Ok(refused);
            }
            if let Some(token) = token {
                let fresh = sqlx::query(USE_TOKEN)
                    .bind(token)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if fresh == 0 {
                    return Ok(Recorded::AlreadyStored);
                }
            }
            sqlx::query(INSERT)
                .bind(random_id())
                .bind(review_id)
                .bind(sealed)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Recorded::Stored)
        })
    }

    /// Observations not yet posted in the review's thread.
    pub async fn unreleased_observations(
        &self,
        review_id: ReviewId,
    ) -> anyhow::Result<Vec<StoredObservation>> {
        const SQL: &str = "SELECT id, sealed FROM observations WHERE review_id = $1 AND released = FALSE ORDER BY id";
        on_db!(self, "unreleased observations", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(review_id)
        .fetch_all(pool)
        .await?))
    }

    pub async fn mark_observations_released(
        &self,
        review_id: ReviewId,
        ids: &[String],
    ) -> anyhow::Result<()> {
        on_db!(self, "mark observations released", |pool| {
            let mut tx = pool.begin_write().await?;
            for chunk in ids.chunks(RELEASE_CHUNK) {
                // Safe: the text is built from placeholders only; every value is bound.
                let mut update =
                    sqlx::query(sqlx::AssertSqlSafe(release_sql(chunk.len()))).persistent(false);
                update = update.bind(review_id);
                for id in chunk {
                    update = update.bind(id);
                }
                update.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })?;
        Ok(())
    }

    /// The observations already released (the ones the agenda may show), in storage order.
    pub async fn released_observations(
        &self,
        review_id: ReviewId,
    ) -> anyhow::Result<Vec<StoredObservation>> {
        const SQL: &str = "SELECT id, sealed FROM observations WHERE review_id = $1 AND released = TRUE ORDER BY id";
        on_db!(self, "released observations", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(review_id)
        .fetch_all(pool)
        .await?))
    }

    /// Every observation of a review, released or not, in storage order.
    pub async fn observations(
        &self,
        review_id: ReviewId,
    ) -> anyhow::Result<Vec<StoredObservation>> {
        const SQL: &str = "SELECT id, sealed FROM observations WHERE review_id = $1 ORDER BY id";
        on_db!(self, "observations", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .fetch_all(pool)
            .await?))
    }

    /// Makes `at` the review's live release time and queues `job` for it, together.
    pub async fn schedule_release(
        &self,
        review_id: ReviewId,
        at: i64,
        job: &super::jobs::NewJob,
        created_at: i64,
    ) -> anyhow::Result<()> {
        const SET: &str = "UPDATE reviews SET next_release_at = $2 WHERE id = $1";
        on_db!(self, "schedule release", |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(SET)
                .bind(review_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            insert_jobs!(tx, [job], created_at);
            tx.commit().await?;
            Ok(())
        })?;
        Ok(())
    }

    /// The review's current live release time.
    pub async fn next_release_at(&self, review_id: ReviewId) -> anyhow::Result<Option<i64>> {
        const SQL: &str = "SELECT next_release_at FROM reviews WHERE id = $1";
        let at: Option<Option<i64>> =
            on_db!(self, "next release at", |pool| Ok(sqlx::query_scalar(SQL)
                .bind(review_id)
                .fetch_optional(pool)
                .await?))?;
        Ok(at.flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::release_sql;

    #[test]
    fn one_release_statement_numbers_its_ids_after_the_review() {
        assert_eq!(
            release_sql(3),
            "UPDATE observations SET released = TRUE WHERE review_id = $1 AND id IN ($2, $3, $4)"
        );
    }
}
