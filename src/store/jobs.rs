//! Purpose: the durable jobs table: enqueue, claim with a lease, complete, reschedule, fail.

use jiff::Timestamp;

use super::{Store, on_db};

/// A job row claimed by one worker; the lease is held until `complete`, `reschedule` or `fail`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    /// Claims so far, this one included (rate-limit waits are not counted).
    pub attempts: i64,
    /// The workspace it acts for; `None` for the single configured workspace.
    pub team_id: Option<String>,
}

/// A job to insert: its kind, its JSON payload, and when it may run.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: String,
    pub run_at: Timestamp,
    /// Same key twice → the second enqueue is ignored.
    pub dedupe_key: Option<String>,
}

/// Counts used by `/metrics` and by tests that assert nothing is left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub pending: i64,
    pub failed: i64,
    pub done: i64,
}

/// A job that gave up, for tests and operators.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FailedJob {
    pub id: i64,
    pub kind: String,
    pub last_error: Option<String>,
}

pub(crate) const INSERT_JOB: &str =
    "INSERT INTO jobs (kind, payload, dedupe_key, run_at, created_at, team_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (dedupe_key) DO NOTHING
     RETURNING id";

/// SQLite serialises writers, so one autocommit UPDATE is an atomic claim.
const CLAIM_SQLITE: &str = "UPDATE jobs
        SET locked_by = $1, locked_until = $2 + $3, attempts = attempts + 1
      WHERE id = (SELECT id FROM jobs
                   WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $2
                     AND (locked_until IS NULL OR locked_until < $2)
                   ORDER BY run_at, id LIMIT 1)
  RETURNING id, kind, payload, attempts, team_id";

/// On PostgreSQL several replicas claim at once; SKIP LOCKED makes them take different rows.
const CLAIM_POSTGRES: &str = "UPDATE jobs
        SET locked_by = $1, locked_until = $2 + $3, attempts = attempts + 1
      WHERE id = (SELECT id FROM jobs
                   WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $2
                     AND (locked_until IS NULL OR locked_until < $2)
                   ORDER BY run_at, id LIMIT 1
                   FOR UPDATE SKIP LOCKED)
  RETURNING id, kind, payload, attempts, team_id";

impl Store {
    /// Inserts a job; returns its id, or `None` when its dedupe key was already used.
    pub async fn enqueue(&self, job: &NewJob, now: Timestamp) -> anyhow::Result<Option<i64>> {
        let id: Option<i64> = on_db!(self, "enqueue", |pool| Ok(sqlx::query_scalar(INSERT_JOB)
            .bind(&job.kind)
            .bind(&job.payload)
            .bind(job.dedupe_key.as_deref())
            .bind(job.run_at.as_second())
            .bind(now.as_second())
            .bind(crate::workspace::acting_team_id())
            .fetch_optional(pool)
            .await?))?;
        Ok(id)
    }

    /// Claims the oldest due job that nobody holds a live lease on.
    pub async fn claim_due_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease_seconds: i64,
    ) -> anyhow::Result<Option<ClaimedJob>> {
        let now = now.as_second();
        // The one statement that differs by backend; the rest of the store shares its SQL.
        let claim = match self.db {
            super::Db::Sqlite(_) => CLAIM_SQLITE,
            super::Db::Postgres(_) => CLAIM_POSTGRES,
        };
        on_db!(self, "claim a due job", |pool| Ok(sqlx::query_as(claim)
            .bind(worker)
            .bind(now)
            .bind(lease_seconds)
            .fetch_optional(pool)
            .await?))
    }

    /// Extends a running job's lease; false when this worker no longer holds it.
    pub async fn renew_lease(&self, id: i64, worker: &str, until: i64) -> anyhow::Result<bool> {
        const SQL: &str = "UPDATE jobs SET locked_until = $3
                            WHERE id = $1 AND locked_by = $2 AND done_at IS NULL AND failed_at IS NULL";
        on_db!(self, "renew a job's lease", |pool| Ok(sqlx::query(SQL)
            .bind(id)
            .bind(worker)
            .bind(until)
            .execute(pool)
            .await?
            .rows_affected()
            == 1))
    }

    /// Releases every lease. Only for SQLite, where one process is the only worker: any
    /// lease found at start-up belongs to a process that has died.
    pub async fn release_all_leases(&self) -> anyhow::Result<u64> {
        const SQL: &str = "UPDATE jobs SET locked_by = NULL, locked_until = NULL
                            WHERE locked_by IS NOT NULL AND done_at IS NULL AND failed_at IS NULL";
        on_db!(self, "release the leases of a dead process", |pool| Ok(
            sqlx::query(SQL).execute(pool).await?.rows_affected()
        ))
    }

    /// Marks a job done. Returns false if this worker no longer held the lease.
    pub async fn complete_job(
        &self,
        id: i64,
        worker: &str,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const SQL: &str = "UPDATE jobs SET done_at = $2, locked_by = NULL, locked_until = NULL
                            WHERE id = $1 AND locked_by = $3 AND done_at IS NULL";
        let affected = on_db!(self, "complete job", |pool| Ok(sqlx::query(SQL)
            .bind(id)
            .bind(now.as_second())
            .bind(worker)
            .execute(pool)
            .await?
            .rows_affected()))?;
        Ok(affected == 1)
    }

    /// Releases the lease and sets a new run time. A rate-limit wait does not count
    /// as an attempt (`counts_as_attempt = false`), so Slack throttling never exhausts a job.
    pub async fn reschedule_job(
        &self,
        id: i64,
        worker: &str,
        run_at: Timestamp,
        error: &str,
        counts_as_attempt: bool,
    ) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE jobs
              SET run_at = $2, last_error = $3, locked_by = NULL, locked_until = NULL,
                  attempts = attempts - $4
            WHERE id = $1 AND locked_by = $5";
        let refund: i64 = if counts_as_attempt { 0 } else { 1 };
        on_db!(self, "reschedule job", |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(run_at.as_second())
                .bind(error)
                .bind(refund)
                .bind(worker)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// Gives up on a job for good and records why.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        const SQL: &str =
            "UPDATE jobs SET failed_at = $2, last_error = $3, locked_by = NULL, locked_until = NULL
                            WHERE id = $1 AND locked_by = $4";
        on_db!(self, "fail job", |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(now.as_second())
                .bind(error)
                .bind(worker)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// Records a running job's progress (its new payload) while the lease is held.
    pub async fn checkpoint_job(&self, id: i64, worker: &str, payload: &str) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE jobs SET payload = $3 WHERE id = $1 AND locked_by = $2";
        on_db!(self, "checkpoint job", |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(worker)
                .bind(payload)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// Removes a finished job whose row should not be kept.
    pub async fn delete_job(&self, id: i64, worker: &str) -> anyhow::Result<()> {
        const SQL: &str = "DELETE FROM jobs WHERE id = $1 AND locked_by = $2";
        on_db!(self, "delete job", |pool| {
            sqlx::query(SQL).bind(id).bind(worker).execute(pool).await?;
            Ok(())
        })?;
        Ok(())
    }

    pub async fn job_counts(&self) -> anyhow::Result<JobCounts> {
        const SQL: &str = "SELECT
              COALESCE(SUM(CASE WHEN done_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0),
              COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0),
              COALESCE(SUM(CASE WHEN done_at IS NOT NULL THEN 1 ELSE 0 END), 0)
            FROM jobs";
        let (pending, failed, done): (i64, i64, i64) =
            on_db!(self, "job counts", |pool| Ok(sqlx::query_as(SQL)
                .fetch_one(pool)
                .await?))?;
        Ok(JobCounts {
            pending,
            failed,
            done,
        })
    }

    /// Pending jobs per kind, for the `debrief_jobs_pending` gauge.
    pub async fn pending_jobs_by_kind(&self) -> anyhow::Result<Vec<(String, i64)>> {
        const SQL: &str = "SELECT kind, COUNT(*) FROM jobs
                            WHERE done_at IS NULL AND failed_at IS NULL GROUP BY kind ORDER BY kind";
        on_db!(self, "pending jobs by kind", |pool| Ok(sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?))
    }

    /// When the next pending job can be claimed (its run time, or its lease's end if it is
    /// held): the runner sleeps until then, and tests and the demo jump the clock to it.
    pub async fn next_job_run_at(&self) -> anyhow::Result<Option<Timestamp>> {
        const SQL: &str = "SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > run_at
                                           THEN locked_until ELSE run_at END)
                             FROM jobs WHERE done_at IS NULL AND failed_at IS NULL";
        let at: Option<i64> = on_db!(self, "next job run at", |pool| Ok(sqlx::query_scalar(SQL)
            .fetch_one(pool)
            .await?))?;
        Ok(at.and_then(|s| Timestamp::from_second(s).ok()))
    }

    /// How long the longest-waiting due job has waited for a worker (none held or
    /// rescheduled into the future counts), in seconds.
    pub async fn oldest_due_wait(&self, now: Timestamp) -> anyhow::Result<Option<i64>> {
        const SQL: &str = "SELECT $1 - MIN(run_at) FROM jobs
                            WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $1
                              AND (locked_until IS NULL OR locked_until < $1)";
        on_db!(self, "measure the job backlog", |pool| Ok(
            sqlx::query_scalar(SQL)
                .bind(now.as_second())
                .fetch_one(pool)
                .await?
        ))
    }

    /// Pending jobs that were due at `now` and that no worker holds: work a test (or an
    /// idle runner) left undone.
    pub async fn overdue_jobs(&self, now: Timestamp) -> anyhow::Result<Vec<(i64, String)>> {
        const SQL: &str = "SELECT id, kind FROM jobs
                            WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $1
                              AND (locked_until IS NULL OR locked_until < $1)
                            ORDER BY id";
        on_db!(self, "list overdue jobs", |pool| Ok(sqlx::query_as(SQL)
            .bind(now.as_second())
            .fetch_all(pool)
            .await?))
    }

    pub async fn failed_jobs(&self) -> anyhow::Result<Vec<FailedJob>> {
        const SQL: &str =
            "SELECT id, kind, last_error FROM jobs WHERE failed_at IS NOT NULL ORDER BY id";
        on_db!(self, "failed jobs", |pool| Ok(sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?))
    }

    /// Deletes finished jobs older than `before`; the table would otherwise grow forever.
    pub async fn prune_finished_jobs(&self, before: Timestamp) -> anyhow::Result<u64> {
        const SQL: &str = "DELETE FROM jobs WHERE (done_at IS NOT NULL AND done_at < $1)
                                            OR (failed_at IS NOT NULL AND failed_at < $1)";
        Ok(on_db!(self, "prune finished jobs", |pool| Ok(
            sqlx::query(SQL)
                .bind(before.as_second())
                .execute(pool)
                .await?
                .rows_affected()
        ))?)
    }
}
