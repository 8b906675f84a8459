//! Purpose: persistence. Every SQL statement in the crate lives under this module.
//!
//! One [`Store`] works over SQLite (the zero-setup default) or PostgreSQL (several
//! replicas on one database). The SQL is written once with `$N` placeholders, which
//! both drivers accept, and the [`on_db!`] macro expands each method body once per
//! backend so the typed pools keep their native features (WAL, `SKIP LOCKED`).
//! Timestamps are stored as unix seconds (`BIGINT`), flags as `BOOLEAN`.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub mod actions;
pub mod agenda;
mod batch;
pub mod catalogue;
pub mod checkins;
pub mod copy;
pub mod erasure;
pub mod events;
mod hints;
pub mod import;
pub mod jobs;
pub mod learning;
pub mod metrics;
pub mod observations;
pub mod outbox;
pub mod pulses;
pub mod retention;
pub mod reviews;
pub mod surveys;
pub mod templates;
pub mod users;
pub mod workspaces;

/// Runs `body` with `pool` bound to whichever typed pool the store holds, and says which
/// operation failed when it fails (`what`, the store method's name in words). The body is
/// an `anyhow::Result`, expanded twice, once per backend, so it must compile for both.
/// Written as a closure so that rustfmt formats the body.
macro_rules! on_db {
    ($store:expr, $what:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite($pool) => $crate::store::within($what, async { $body }).await,
            $crate::store::Db::Postgres($pool) => {
                $crate::store::within($what, async { $body }).await
            }
        }
    };
}
pub(crate) use on_db;

/// Awaits one store operation, naming it in the error. Taking the body as a future with a
/// known output lets `?` inside it convert sqlx errors into `anyhow::Error`.
pub(crate) async fn within<T>(
    what: &'static str,
    operation: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    operation
        .await
        .with_context(|| format!("database operation `{what}` failed"))
}

/// Inserts job rows inside the caller's transaction, so that the work is queued if and
/// only if the state change that asks for it commits.
macro_rules! insert_jobs {
    ($tx:expr, $jobs:expr, $now:expr) => {
        for job in $jobs {
            sqlx::query($crate::store::jobs::INSERT_JOB)
                .bind(&job.kind)
                .bind(&job.payload)
                .bind(job.dedupe_key.as_deref())
                .bind(job.run_at.as_second())
                .bind($now)
                .bind($crate::workspace::acting_team_id())
                .execute(&mut *$tx)
                .await?;
        }
    };
}
pub(crate) use insert_jobs;

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later can fail
/// with "database is locked" instead of waiting for the busy timeout.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// `$first, $first+1, …`: `count` numbered placeholders for SQL built at run time (a
/// multi-row insert, an `IN` list), whose values are all bound.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// 128 random bits in hex: the ids of rows that must not reveal their order of arrival
/// (survey responses, observations), and other unguessable single-use values.
pub(crate) fn random_id() -> String {
    use rand::RngExt;
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// On PostgreSQL, rows rewritten in shuffled order (survey responses, observations) keep
/// their ids; writers of one review's rows take this row lock first, so two concurrent
/// rewrites (or a rewrite and an update by id) queue instead of colliding on those ids.
/// SQLite needs nothing: `BEGIN IMMEDIATE` already serialises writers.
pub(crate) const LOCK_REVIEW_ROWS: &str = "SELECT id FROM reviews WHERE id = $1 FOR NO KEY UPDATE";

/// Makes the SQLite file readable by its owner only before SQLite opens it. SQLite gives
/// the write-ahead log and shared-memory files the database file's permissions, so those
/// follow; files left by an older version are tightened too.
fn private_database_files(path: &std::path::Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty())
            && !folder.exists()
        {
            anyhow::bail!(
                "DATABASE_URL: the folder {} does not exist; create it, or point DATABASE_URL at an existing one",
                folder.display()
            );
        }
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        if let Err(err) = created
            && err.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(err).with_context(|| format!("could not create {}", path.display()));
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            if std::path::Path::new(&file).exists() {
                // Another process closing its last connection removes the -wal and -shm
                // files at any moment; one that is gone needs no protecting.
                match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                    other => other
                        .with_context(|| format!("could not make {} private", path.display()))?,
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// How long a SQLite connection waits for another's write lock before giving up.
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of every SQLite connection: the pool's and the observation writer's
/// (`store/batch.rs`), so that the two cannot drift apart.
pub(crate) const SQLITE_PRAGMAS: &[(&str, &str)] = &[
    // FULL: every commit is on disk before anyone is told it was stored, so an
    // acknowledged answer or observation survives a power cut, not only a crash. Group
    // commit (store/batch.rs) shares one sync among a burst.
    ("synchronous", "FULL"),
    // Overwrite deleted content, so an edited or removed answer does not linger in free
    // pages of a copied database file.
    ("secure_delete", "ON"),
    // 256 KiB of page cache per connection instead of 2 MiB: the hot pages (open reviews,
    // due jobs) fit, and the connections stay inside the memory budget. Other pages are
    // read from the OS's cache, which costs a copy, not a disk read (measured: no loss of
    // `observe` throughput).
    ("cache_size", "-256"),
    // sqlx's default, which a connection opened without sqlx does not have.
    ("foreign_keys", "ON"),
];

/// The two supported backends.
#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    /// SQLite's one writer for observations (group commit); `None` on PostgreSQL, which
    /// takes concurrent writers as they come.
    observation_writer: Option<tokio::sync::mpsc::Sender<batch::ObservationWrite>>,
    /// The review each channel's `observe` goes to, for a moment (`store/hints.rs`);
    /// `None` on PostgreSQL, where another replica's change would go unseen.
    channel_reviews: Option<std::sync::Arc<hints::ChannelReviews>>,
}

impl Store {
    /// Connects (creating a SQLite file if needed) and applies pending migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let mut channel_reviews = None;
        let db = if url.starts_with("sqlite:") {
            if let Some(path) = crate::config::sqlite_path(url) {
                private_database_files(&path)?;
            }
            let mut options = SqliteConnectOptions::from_str(url)
                .with_context(|| "DATABASE_URL is not a valid sqlite URL")?
                .create_if_missing(true)
                // WAL lets the HTTP handlers read while the job runner writes.
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT);
            for (name, value) in SQLITE_PRAGMAS {
                options = options.pragma(*name, *value);
            }
            let hints = std::sync::Arc::new(hints::ChannelReviews::default());
            let review_changes = hints.change_counter();
            channel_reviews = Some(hints);
            // All four connections from the start: a pool that grows only when a burst
            // arrives adds each connection's cache then, and RSS steps up mid-run for a
            // reason that is not a leak. Fixed, the memory is spent once, at start-up.
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .min_connections(4)
                // Every change to a review, through any pooled connection, retires the
                // remembered channel reviews (store/hints.rs).
                .after_connect(move |connection, _| {
                    let review_changes = std::sync::Arc::clone(&review_changes);
                    Box::pin(async move {
                        connection
                            .lock_handle()
                            .await?
                            .set_update_hook(move |change| {
                                if change.table == "reviews" {
                                    review_changes
                                        .fetch_add(1, std::sync::atomic::Ordering::Release);
                                }
                            });
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .with_context(|| "could not open the SQLite database")?;
            sqlx::migrate!("migrations/sqlite")
                .run(&pool)
                .await
                .with_context(|| "could not migrate the SQLite database")?;
            Db::Sqlite(pool)
        } else {
            // Four connections are opened at start-up and kept: a request that finds
            // every connection busy and has the pool open one pays for the new backend
            // (about 8 ms here) and its first, uncached statements; in soaks that was a
            // 99-138 ms request each time the pool grew. Bursts can still grow it to ten.
            let pool = PgPoolOptions::new()
                .min_connections(4)
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await
                .with_context(|| "could not connect to PostgreSQL")?;
            // Takes an advisory lock, so replicas starting together migrate once.
            sqlx::migrate!("migrations/postgres")
                .run(&pool)
                .await
                .with_context(|| "could not migrate the PostgreSQL database")?;
            Db::Postgres(pool)
        };
        // An in-memory SQLite database is private to its connection, so a second one
        // could not see it: without a file, observations take the pool's path.
        let observation_writer = match (&db, crate::config::sqlite_path(url)) {
            (Db::Sqlite(_), Some(path)) => Some(batch::spawn(&path)?),
            _ => None,
        };
        Ok(Self {
            db,
            observation_writer,
            channel_reviews,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// True when the database answers a trivial query (used by `/healthz`).
    pub async fn ping(&self) -> bool {
        const SQL: &str = "SELECT 1";
        let answered: anyhow::Result<i32> =
            on_db!(self, "ping", |pool| Ok(sqlx::query_scalar(SQL)
                .fetch_one(pool)
                .await?));
        answered.is_ok()
    }

    /// Closes every pooled connection (used when an application shuts down).
    pub async fn close(&self) {
        let _ = on_db!(self, "close", |pool| {
            pool.close().await;
            Ok(())
        });
    }
}
