//! Purpose: group commit for anonymous observations on SQLite.
//!
//! SQLite has one writer at a time; connections that want to write while another holds
//! the lock wait in SQLite's busy handler, which sleeps in steps of milliseconds. Under
//! a burst of `/debrief observe`, that sleeping, not the writing, sets the pace. So
//! observations go to one writer, which takes everything waiting (up to a batch), writes
//! it in one transaction and commits once. Each request is answered only after the commit
//! that holds it: an acknowledged observation is exactly as durable as one written alone,
//! and a failed batch is retried item by item so one bad row cannot take the others with
//! it.
//!
//! The writer is an OS thread with a connection of its own, not a task on sqlx's pool:
//! sqlx runs each SQLite connection on a thread and every statement crosses to it and
//! back, and on two busy cores each crossing waits to be scheduled. The four crossings of
//! a batch (begin, insert, commit, and the task's own wake-up) made the commit cycle, and
//! with it every `observe`, about 11 ms at 64 requests in flight; here a batch wakes one
//! thread once.

use std::path::Path;

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot};

use super::observations::Recorded;
use super::{SQLITE_BUSY_TIMEOUT, SQLITE_PRAGMAS, random_id};
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
    /// When it was sent (Unix seconds): whether the review still takes it is decided then.
    pub now: i64,
    pub done: oneshot::Sender<Result<Recorded, String>>,
}

/// Opens the writer's connection to the database file at `path` and starts its thread,
/// which stops when every sender is gone.
pub(crate) fn spawn(path: &Path) -> anyhow::Result<mpsc::Sender<ObservationWrite>> {
    let connection = open(path)?;
    let (sender, receiver) = mpsc::channel(QUEUE);
    std::thread::Builder::new()
        .name("observation-writer".into())
        .spawn(move || run(connection, receiver))
        .context("could not start the observation writer")?;
    Ok(sender)
}

/// A connection with the pool's settings (`SQLITE_PRAGMAS`): the same durability
/// (`synchronous=FULL`: synced before anyone is told), the same wait for the write lock,
/// deleted content overwritten, foreign keys enforced.
fn open(path: &Path) -> anyhow::Result<Connection> {
    let connection = Connection::open(path)
        .with_context(|| format!("could not open {} for observations", path.display()))?;
    connection.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    // Safe to splice: the names and values are constants, not input.
    let settings: String = SQLITE_PRAGMAS
        .iter()
        .map(|(name, value)| format!("PRAGMA {name} = {value};"))
        .collect();
    connection.execute_batch(&settings)?;
    Ok(connection)
}

fn run(mut connection: Connection, mut receiver: mpsc::Receiver<ObservationWrite>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let results = match write(&mut connection, &batch) {
            Ok(results) => results.into_iter().map(Ok).collect(),
            // A failed batch is retried row by row, so one bad row cannot fail the others.
            Err(_) => batch
                .iter()
                .map(|item| {
                    write(&mut connection, std::slice::from_ref(item))
                        .map(|written| written[0])
                        .map_err(|e| e.to_string())
                })
                .collect::<Vec<_>>(),
        };
        for (item, result) in batch.drain(..).zip(results) {
            // The requester may have given up (its deadline passed); nothing to tell.
            let _ = item.done.send(result);
        }
    }
}

/// Writes `items` in one transaction; per item, what became of it.
fn write(
    connection: &mut Connection,
    items: &[ObservationWrite],
) -> rusqlite::Result<Vec<Recorded>> {
    use super::observations::{INSERT, REVIEW_WINDOW, USE_TOKEN};
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(items.len());
    {
        let mut review_window = transaction.prepare_cached(REVIEW_WINDOW)?;
        let mut use_token = transaction.prepare_cached(USE_TOKEN)?;
        let mut insert = transaction.prepare_cached(INSERT)?;
        for item in items {
            let window = review_window
                .query_row([item.review_id.0], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            if let Some(refused) = Recorded::refusal(window, item.now) {
                outcomes.push(refused);
                continue;
            }
            if let Some(token) = &item.token
                && use_token.execute([token])? == 0
            {
                outcomes.push(Recorded::AlreadyStored);
                continue;
            }
            insert.execute(params![random_id(), item.review_id.0, item.sealed])?;
            outcomes.push(Recorded::Stored);
        }
    }
    transaction.commit()?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::open;

    #[test]
    fn the_writers_connection_has_the_pools_settings() {
        let folder = tempfile::tempdir().unwrap();
        let connection = open(&folder.path().join("debrief.db")).unwrap();
        let setting = |name: &str| -> i64 {
            connection
                .query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
                .unwrap()
        };
        assert_eq!(setting("synchronous"), 2, "FULL");
        assert_eq!(setting("secure_delete"), 1);
        assert_eq!(setting("foreign_keys"), 1);
        assert_eq!(setting("cache_size"), -256);
        assert_eq!(setting("busy_timeout"), 5_000);
    }
}
