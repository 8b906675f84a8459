//! Purpose: anonymous observations. The table has no author and no time, and its rows are
//! kept in random order (WITHOUT ROWID with random ids on SQLite, a shuffled rewrite on
//! PostgreSQL), so neither a row nor its position points at whoever wrote it.

use rand::RngExt;
use rand::seq::SliceRandom;

use super::{BeginWrite, Db, Store, on_db};

/// An observation as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredObservation {
    pub id: String,
    pub body: String,
}

fn random_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

impl Store {
    /// Stores an observation; the caller has already dropped who wrote it.
    pub async fn add_observation(&self, review_id: i64, body: &str) -> anyhow::Result<()> {
        const INSERT: &str =
            "INSERT INTO observations (id, review_id, body, released) VALUES ($1, $2, $3, $4)";
        const ALL: &str = "SELECT id, body, released FROM observations WHERE review_id = $1";
        const DELETE_ALL: &str = "DELETE FROM observations WHERE review_id = $1";
        let rewrite_in_random_order = matches!(self.db, Db::Postgres(_));
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(INSERT).bind(random_id()).bind(review_id).bind(body).bind(false).execute(&mut *tx).await?;
            if rewrite_in_random_order {
                // Same ids (the release job marks by id), new physical order.
                let mut rows: Vec<(String, String, bool)> = sqlx::query_as(ALL).bind(review_id).fetch_all(&mut *tx).await?;
                rows.shuffle(&mut rand::rng());
                sqlx::query(DELETE_ALL).bind(review_id).execute(&mut *tx).await?;
                for (id, body, released) in rows {
                    sqlx::query(INSERT).bind(id).bind(review_id).bind(body).bind(released).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Observations not yet posted in the review's thread.
    pub async fn unreleased_observations(
        &self,
        review_id: i64,
    ) -> anyhow::Result<Vec<StoredObservation>> {
        const SQL: &str = "SELECT id, body FROM observations WHERE review_id = $1 AND released = FALSE ORDER BY id";
        Ok(on_db!(self, pool => sqlx::query_as(SQL).bind(review_id).fetch_all(pool).await?))
    }

    pub async fn mark_observations_released(&self, ids: &[String]) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE observations SET released = TRUE WHERE id = $1";
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for id in ids {
                sqlx::query(SQL).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every observation of a review (for the agenda), in storage order.
    pub async fn observations(&self, review_id: i64) -> anyhow::Result<Vec<StoredObservation>> {
        const SQL: &str = "SELECT id, body FROM observations WHERE review_id = $1 ORDER BY id";
        Ok(on_db!(self, pool => sqlx::query_as(SQL).bind(review_id).fetch_all(pool).await?))
    }
}
