//! Purpose: group commit for anonymous observations on SQLite.
//!
//! SQLite has one writer at a time; connections that want to write while another holds
//! the lock wait in SQLite's busy handler, which sleeps in steps of milliseconds. Under
//! a burst of `/debrief observe`, that sleeping, not the writing, sets the pace. So
//! observations go to one writer task, which takes everything waiting (up to a batch),
//! writes it in one transaction and commits once. Each request is answered only after
//! the commit that holds it: an acknowledged observation is exactly as durable as one
//! written alone, and a failed batch is retried item by item so one bad row cannot
//! take the others with it.

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::{BeginWrite, random_id};
use crate::domain::ReviewId;

/// The most observations one commit carries.
const MAX_BATCH: usize = 256;
/// Requests waiting for the writer; senders wait when it is full (back-pressure).
const QUEUE: usize = 4096;

/// One observation to write, and where to say whether it was written.
pub(crate) struct ObservationWrite {
    pub review_id: ReviewId,
    pub sealed: Vec<u8>,
    /// A button's single-use token: a second use writes nothing.
    pub token: Option<String>,
    pub done: oneshot::Sender<Result<bool, String>>,
}

/// Starts the writer; it stops when every sender is gone.
pub(crate) fn spawn(pool: SqlitePool) -> mpsc::Sender<ObservationWrite> {
    let (sender, receiver) = mpsc::channel(QUEUE);
    tokio::spawn(run(pool, receiver));
    sender
}

async fn run(pool: SqlitePool, mut receiver: mpsc::Receiver<ObservationWrite>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let results = match write(&pool, &batch).await {
            Ok(results) => results,
            // One failing row (its review deleted meanwhile) must not fail the others.
            Err(_) => {
                let mut results = Vec::with_capacity(batch.len());
                for item in &batch {
                    results.push(
                        write(&pool, std::slice::from_ref(item))
                            .await
                            .map(|mut r| r.remove(0))
                            .map_err(|e| format!("{e:#}")),
                    );
                }
                results
                    .into_iter()
                    .map(|r| r.and_then(|written| written))
                    .collect()
            }
        };
        for (item, result) in batch.drain(..).zip(results) {
            // The requester may have given up (its deadline passed); nothing to tell.
            let _ = item.done.send(result);
        }
    }
}

/// Writes `items` in one transaction; per item, whether it was written (false: its token
/// was already used).
///
/// Observations without a token (every typed `/debrief observe`) go in as one multi-row
/// `INSERT`: each statement is a round trip to SQLite's connection thread, and a statement
/// per row made a burst of 64 wait on 64 thread hand-offs before its one commit.
async fn write(
    pool: &SqlitePool,
    items: &[ObservationWrite],
) -> anyhow::Result<Vec<Result<bool, String>>> {
    use super::observations::{INSERT, USE_TOKEN, insert_many_sql};
    let mut tx = pool.begin_write().await?;
    let mut results = Vec::with_capacity(items.len());
    let mut untokened = Vec::with_capacity(items.len());
    for item in items {
        let Some(token) = &item.token else {
            untokened.push(item);
            results.push(Ok(true));
            continue;
        };
        let fresh = sqlx::query(USE_TOKEN)
            .bind(token)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if fresh == 0 {
            results.push(Ok(false));
            continue;
        }
        sqlx::query(INSERT)
            .bind(random_id())
            .bind(item.review_id)
            .bind(&item.sealed)
            .execute(&mut *tx)
            .await?;
        results.push(Ok(true));
    }
    if !untokened.is_empty() {
        let sql = insert_many_sql(untokened.len());
        // Not kept prepared: one statement per batch size would crowd the connection's
        // statement cache, and preparing it costs less than one saved round trip.
        // Safe: the text is built from placeholders only; every value is bound.
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for item in untokened {
            insert = insert
                .bind(random_id())
                .bind(item.review_id)
                .bind(&item.sealed);
        }
        insert.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::MAX_BATCH;
    use crate::store::observations::{INSERT, insert_many_sql};

    #[test]
    fn one_statement_numbers_every_rows_parameters() {
        assert_eq!(insert_many_sql(1), INSERT);
        assert_eq!(
            insert_many_sql(2),
            "INSERT INTO observations (id, review_id, sealed, released) VALUES ($1, $2, $3, FALSE), ($4, $5, $6, FALSE)"
        );
        // SQLite allows 32,766 parameters; a full batch uses 768.
        assert!(insert_many_sql(MAX_BATCH).matches('$').count() <= 32_766);
    }
}
