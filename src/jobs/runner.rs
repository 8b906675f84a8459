//! Purpose: the in-process job runner: claim due jobs, run up to N at once, sleep
//! until woken (by an enqueue) or the poll interval, stop cleanly on shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::{LEASE_SECONDS, execute};
use crate::app::AppState;

/// How often old event ids and finished jobs are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Event ids are kept a day (Slack retries within minutes); finished jobs two weeks.
const KEEP_EVENTS: Duration = Duration::from_secs(86_400);
const KEEP_FINISHED_JOBS: Duration = Duration::from_secs(14 * 86_400);

/// A unique name for this process's leases.
fn worker_name() -> String {
    use rand::RngExt;
    let suffix: u32 = rand::rng().random();
    format!("worker-{}-{suffix:08x}", std::process::id())
}

/// Runs until `shutdown` turns true. Jobs in flight are awaited; a job that is
/// interrupted anyway (the process is killed) is retaken when its lease expires.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let worker = Arc::new(worker_name());
    let slots = Arc::new(Semaphore::new(state.config.workers));
    let mut running = JoinSet::new();
    let mut last_prune = tokio::time::Instant::now()
        .checked_sub(PRUNE_EVERY)
        .unwrap_or_else(tokio::time::Instant::now);
    tracing::info!(worker = %worker, slots = state.config.workers, "job runner started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            prune(&state).await;
            last_prune = tokio::time::Instant::now();
        }
        // Fill every free slot with a due job.
        while let Ok(permit) = slots.clone().try_acquire_owned() {
            let now = state.clock.now();
            match state.store.claim_due_job(&worker, now, LEASE_SECONDS).await {
                Ok(Some(job)) => {
                    let state = state.clone();
                    let worker = worker.clone();
                    running.spawn(async move {
                        if let Err(err) = execute(&state, &worker, &job).await {
                            tracing::error!(job = job.id, error = ?err, "could not record a job outcome");
                        }
                        drop(permit);
                    });
                }
                Ok(None) => break,
                Err(err) => {
                    tracing::error!(error = ?err, "could not claim a job; will retry");
                    break;
                }
            }
        }
        while running.try_join_next().is_some() {}
        let idle = idle_time(&state).await;
        tokio::select! {
            _ = state.job_wakeup.notified() => {}
            _ = running.join_next(), if !running.is_empty() => {}
            _ = tokio::time::sleep(idle) => {}
            _ = shutdown.changed() => {}
        }
    }
    // Let jobs in flight finish; their leases cover a hard kill.
    let drain = async { while running.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(10), drain)
        .await
        .is_err()
    {
        tracing::warn!(
            "jobs still running at shutdown; their leases will expire and they will be retried"
        );
    }
    tracing::info!("job runner stopped");
}

/// Sleeps until the next scheduled job (a Retry-After, a reminder) or the poll interval,
/// whichever is sooner; the poll still catches work other replicas enqueue.
async fn idle_time(state: &AppState) -> Duration {
    let poll = state.config.worker_poll;
    match state.store.next_job_run_at().await {
        Ok(Some(next)) => {
            let until = next.duration_since(state.clock.now());
            let until = Duration::try_from(until).unwrap_or(Duration::ZERO);
            until.clamp(Duration::from_millis(20), poll)
        }
        _ => poll,
    }
}

async fn prune(state: &AppState) {
    let now = state.clock.now();
    let events_before = now.checked_sub(KEEP_EVENTS).unwrap_or(now);
    let jobs_before = now.checked_sub(KEEP_FINISHED_JOBS).unwrap_or(now);
    if let Err(err) = state.store.prune_processed_events(events_before).await {
        tracing::warn!(error = ?err, "could not prune processed events");
    }
    if let Err(err) = state.store.prune_finished_jobs(jobs_before).await {
        tracing::warn!(error = ?err, "could not prune finished jobs");
    }
    // A retry never runs two weeks late, so older ledger entries have done their work.
    if let Err(err) = state.store.prune_outbox(jobs_before).await {
        tracing::warn!(error = ?err, "could not prune the outbox");
    }
}
