//! Purpose: durable background work. Anything that calls Slack more than once, or
//! may be slow, is a [`Job`] row; the runner claims due rows with a lease and runs them.
//!
//! Outcomes: done → completed; HTTP 429 → rescheduled after `Retry-After` (not counted
//! as an attempt); 5xx / network → retried with capped exponential backoff; a permanent
//! Slack error → the job fails, the error is recorded, and whoever asked is told.
//! Delivery is at-least-once: a crash between Slack accepting a message and the
//! completion being written can repeat that one call, so handlers keep their Slack
//! side effects to one call where they can and record progress as they go.

pub mod runner;

use std::time::Duration;

use jiff::Timestamp;
use rand::RngExt;

use crate::app::{AppState, WorkspaceAccess};
use crate::clock::after;
use crate::metrics::JobLabels;
use crate::queue::{Job, JobContext, JobError, Requester, enqueue, explain_slack_code};
use crate::slack::SlackCallError;
use crate::store::jobs::ClaimedJob;
use crate::workspace::acting_for;

/// How long a claim holds without a heartbeat: a worker that dies (`kill -9`, a lost
/// network) has its jobs taken over this long after its last heartbeat.
pub const LEASE_SECONDS: i64 = 15;
/// How often a running job renews its lease; a third of the lease leaves room for a slow
/// database round trip.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// Attempts (not counting rate-limit waits) before a job gives up. With the backoff
/// below that is well over an hour of Slack being down.
const MAX_ATTEMPTS: i64 = 25;
const BACKOFF_BASE: Duration = Duration::from_secs(2);
const BACKOFF_CAP: Duration = Duration::from_secs(300);

/// What happened to one claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Will run again at this time.
    Rescheduled(Timestamp),
    Failed(String),
}

/// Result of one `run_one` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionOutcome {
    Ran {
        id: i64,
        kind: String,
        outcome: JobOutcome,
    },
    Idle,
}

/// Capped exponential backoff with jitter: 2 s, 4 s, 8 s … up to 5 minutes.
pub fn backoff(attempt: i64, jitter: f64) -> Duration {
    let exponent = attempt.clamp(1, 20) - 1;
    let raw = BACKOFF_BASE.saturating_mul(1u32 << exponent.min(16) as u32);
    let capped = raw.min(BACKOFF_CAP);
    // Jitter in [0.5, 1.0] spreads retries from many jobs that failed together.
    capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// Decides what to do with a finished run: pure, so every branch is unit-tested.
pub fn decide(
    result: &Result<(), JobError>,
    attempts: i64,
    now: Timestamp,
    jitter: f64,
) -> JobOutcome {
    match result {
        Ok(()) => JobOutcome::Done,
        Err(JobError::Slack(SlackCallError::RateLimited { retry_after, .. })) => {
            JobOutcome::Rescheduled(after(now, *retry_after))
        }
        Err(JobError::Slack(SlackCallError::Rejected { method, code })) => {
            JobOutcome::Failed(format!("{method}: {code}"))
        }
        Err(JobError::Permanent(reason)) => JobOutcome::Failed(reason.clone()),
        Err(
            err @ (JobError::Slack(SlackCallError::Unavailable { .. }) | JobError::Internal(_)),
        ) => {
            if attempts >= MAX_ATTEMPTS {
                JobOutcome::Failed(format!("gave up after {attempts} attempts: {err}"))
            } else {
                JobOutcome::Rescheduled(after(now, backoff(attempts, jitter)))
            }
        }
    }
}

/// Claims and runs at most one due job. The runner loop and the tests both call this.
pub async fn run_one(state: &AppState, worker: &str) -> anyhow::Result<ExecutionOutcome> {
    let now = state.clock.now();
    let Some(claimed) = state
        .store
        .claim_due_job(worker, now, LEASE_SECONDS)
        .await?
    else {
        return Ok(ExecutionOutcome::Idle);
    };
    let outcome = execute(state, worker, &claimed).await?;
    Ok(ExecutionOutcome::Ran {
        id: claimed.id,
        kind: claimed.kind,
        outcome,
    })
}

/// Runs every job that is due now, one at a time, until none is left. The tests and
/// `debrief demo` drive a [`crate::clock::ManualClock`] with this instead of the runner.
pub async fn run_due_jobs(state: &AppState, worker: &str) -> anyhow::Result<Vec<ExecutionOutcome>> {
    let mut outcomes = Vec::new();
    // A job that keeps re-enqueueing itself for "now" would spin forever; stop loudly.
    for _ in 0..10_000 {
        match run_one(state, worker).await? {
            ExecutionOutcome::Idle => return Ok(outcomes),
            ran => outcomes.push(ran),
        }
    }
    anyhow::bail!("jobs kept coming; is one re-enqueueing itself?")
}

/// Runs due jobs, then moves `clock` to the next scheduled one, until the queue holds
/// nothing due by `until`. The clock stays at the last job run.
pub async fn run_jobs_until(
    state: &AppState,
    clock: &crate::clock::ManualClock,
    until: Timestamp,
    worker: &str,
) -> anyhow::Result<Vec<ExecutionOutcome>> {
    let mut outcomes = run_due_jobs(state, worker).await?;
    while let Some(next) = state.store.next_job_run_at().await? {
        if next > until {
            break;
        }
        clock.advance_to(next);
        outcomes.extend(run_due_jobs(state, worker).await?);
    }
    Ok(outcomes)
}

/// Runs a claimed job and records its outcome.
pub async fn execute(
    state: &AppState,
    worker: &str,
    claimed: &ClaimedJob,
) -> anyhow::Result<JobOutcome> {
    let job: Result<Job, _> = serde_json::from_str(&claimed.payload);
    let ctx = JobContext {
        id: claimed.id,
        worker: worker.to_string(),
    };
    // A job acts for the workspace that queued it, with that workspace's token.
    let access = match &claimed.team_id {
        Some(team_id) => Some(state.workspace_access(team_id).await?),
        None => None,
    };
    let acting = access.as_ref().and_then(WorkspaceAccess::acting);
    let run = async {
        match (&job, &access) {
            (_, Some(WorkspaceAccess::NotInstalled)) => Err(JobError::Permanent(
                "the workspace uninstalled debrief".into(),
            )),
            // Boxed: every job's future in one enum is large, and it is held across awaits.
            (Ok(job), _) => {
                acting_for(
                    acting.clone(),
                    Box::pin(crate::bot::on_job(state, &ctx, job)),
                )
                .await
            }
            (Err(err), _) => Err(JobError::Permanent(format!("unreadable payload: {err}"))),
        }
    };
    let result = with_heartbeat(state, claimed.id, worker, run).await;
    let now = state.clock.now();
    let jitter: f64 = rand::rng().random();
    let outcome = decide(&result, claimed.attempts, now, jitter);
    let label = |outcome: &'static str| JobLabels {
        kind: claimed.kind.clone(),
        outcome,
    };
    match &outcome {
        JobOutcome::Done => {
            if job.as_ref().is_ok_and(Job::forget_when_done) {
                state.store.delete_job(claimed.id, worker).await?;
            } else {
                state.store.complete_job(claimed.id, worker, now).await?;
            }
            state.metrics.jobs.get_or_create(&label("done")).inc();
        }
        JobOutcome::Rescheduled(at) => {
            let rate_limited = matches!(
                result,
                Err(JobError::Slack(SlackCallError::RateLimited { .. }))
            );
            let error = result
                .as_ref()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            state
                .store
                .reschedule_job(claimed.id, worker, *at, &error, !rate_limited)
                .await?;
            state
                .metrics
                .jobs
                .get_or_create(&label("rescheduled"))
                .inc();
            tracing::info!(job = claimed.id, kind = %claimed.kind, %error, "job rescheduled");
        }
        JobOutcome::Failed(reason) => {
            if job.as_ref().is_ok_and(Job::forget_when_done) {
                // Its payload says something about a person (a DM channel next to a
                // reply): a failure is logged by kind, and the row goes.
                state.store.delete_job(claimed.id, worker).await?;
            } else {
                state
                    .store
                    .fail_job(claimed.id, worker, reason, now)
                    .await?;
            }
            state.metrics.jobs.get_or_create(&label("failed")).inc();
            tracing::warn!(job = claimed.id, kind = %claimed.kind, %reason, "job failed for good");
            if let Ok(job) = &job
                && let (Some(requester), Err(err)) = (job.requester(), &result)
            {
                let explained = explain_failure(job, err);
                acting_for(
                    acting.clone(),
                    tell_requester_later(state, requester, &explained),
                )
                .await?;
            }
            // Slack refusing an installed workspace's token is an uninstall nobody told us
            // about (Socket Mode never delivers `tokens_revoked`; a missed event): stop
            // that workspace's other jobs now rather than have each fail when it comes due.
            if let (Some(WorkspaceAccess::Installed(workspace)), Err(JobError::Slack(err))) =
                (&access, &result)
                && let Some(code) = err.token_gone()
            {
                crate::bot::events::workspace_lost(state, &workspace.team_id, code).await?;
            }
        }
    }
    Ok(outcome)
}

/// Runs `work` while renewing the job's lease every [`HEARTBEAT`], so a long job (a
/// reminder pass over hundreds of people, Slack asking us to slow down) keeps its claim
/// while a dead worker's claim runs out within [`LEASE_SECONDS`].
async fn with_heartbeat<T>(
    state: &AppState,
    id: i64,
    worker: &str,
    work: impl Future<Output = T>,
) -> T {
    let renew = async {
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            let until = state.clock.now().as_second() + LEASE_SECONDS;
            match state.store.renew_lease(id, worker, until).await {
                Ok(true) => {}
                Ok(false) => {
                    // Another worker holds it now; whatever this run records will be refused.
                    tracing::warn!(job = id, "lost the lease of a running job");
                    std::future::pending::<()>().await;
                }
                Err(err) => tracing::warn!(job = id, error = ?err, "could not renew a job's lease"),
            }
        }
    };
    tokio::select! {
        done = work => done,
        _ = renew => unreachable!("renewing never finishes"),
    }
}

async fn tell_requester_later(
    state: &AppState,
    requester: &Requester,
    text: &str,
) -> anyhow::Result<()> {
    let job = Job::TellRequester {
        requester: requester.clone(),
        text: text.to_string(),
    };
    enqueue(state, &job, state.clock.now()).await?;
    Ok(())
}

/// A sentence for the person whose request failed, with what to do about it.
fn explain_failure(job: &Job, err: &JobError) -> String {
    let what = match job {
        Job::PostMessage { channel, .. } => format!("post in <#{channel}>"),
        Job::ResolveParticipants { .. } => "gather the review's participants".to_string(),
        Job::PostAgenda { .. } => "send you the agenda".to_string(),
        Job::AgendaMarkdown { .. } => "send you the agenda as Markdown".to_string(),
        Job::PostLearningReview {
            quarter, channel, ..
        } => format!("post the learning review of {quarter} in <#{channel}>"),
        _ => "finish what you asked".to_string(),
    };
    let why = match err {
        JobError::Slack(SlackCallError::Rejected { code, .. }) => explain_slack_code(code),
        JobError::Slack(other) => format!("Slack kept failing ({other})."),
        JobError::Permanent(reason) => format!("{reason}."),
        JobError::Internal(_) => "of an error on debrief's side.".to_string(),
    };
    // Once the cause is fixed, the person can post the report themselves: an automatic
    // quarterly post is not retried by anyone else.
    let again = match job {
        Job::PostLearningReview {
            quarter, channel, ..
        } => format!(
            " Once that is done, `/debrief learning-review quarter={quarter}` in <#{channel}> posts it."
        ),
        _ => String::new(),
    };
    format!("I couldn't {what}: {why}{again}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(2, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(5, 1.0), Duration::from_secs(32));
        assert_eq!(backoff(9, 1.0), Duration::from_secs(300));
        assert_eq!(backoff(24, 1.0), Duration::from_secs(300));
        assert_eq!(backoff(9, 0.0), Duration::from_secs(150));
    }

    #[test]
    fn rate_limits_wait_exactly_retry_after() {
        let result = Err(JobError::Slack(SlackCallError::RateLimited {
            method: "chat.postMessage",
            retry_after: Duration::from_secs(7),
        }));
        assert_eq!(
            decide(&result, 24, at(1000), 0.3),
            JobOutcome::Rescheduled(at(1007))
        );
    }

    #[test]
    fn outages_retry_until_the_attempt_cap() {
        let result = Err(JobError::Slack(SlackCallError::Unavailable {
            method: "chat.postMessage",
            detail: "HTTP 503".into(),
        }));
        assert_eq!(
            decide(&result, 1, at(1000), 1.0),
            JobOutcome::Rescheduled(at(1002))
        );
        assert!(matches!(
            decide(&result, MAX_ATTEMPTS, at(1000), 1.0),
            JobOutcome::Failed(_)
        ));
    }

    #[test]
    fn permanent_slack_errors_fail_at_once() {
        let result = Err(JobError::Slack(SlackCallError::Rejected {
            method: "chat.postMessage",
            code: "channel_not_found".into(),
        }));
        assert_eq!(
            decide(&result, 1, at(1000), 0.5),
            JobOutcome::Failed("chat.postMessage: channel_not_found".into())
        );
    }

    #[test]
    fn failures_are_explained_with_the_fix() {
        let job = Job::PostMessage {
            channel: "C9".into(),
            text: "x".into(),
            thread_ts: None,
            requester: None,
        };
        let err = JobError::Slack(SlackCallError::Rejected {
            method: "chat.postMessage",
            code: "not_in_channel".into(),
        });
        let text = explain_failure(&job, &err);
        assert!(
            text.contains("<#C9>") && text.contains("/invite @debrief"),
            "{text}"
        );
    }
}
