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
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::clock::after;
use crate::metrics::JobLabels;
use crate::slack::{SlackCallError, blocks};
use crate::store::jobs::{ClaimedJob, NewJob};
use slack_morphism::prelude::SlackMessageContent;

/// How long a claimed job is held before another worker may take it over.
pub const LEASE_SECONDS: i64 = 120;
/// Attempts (not counting rate-limit waits) before a job gives up. With the backoff
/// below that is well over an hour of Slack being down.
pub const MAX_ATTEMPTS: i64 = 25;
const BACKOFF_BASE: Duration = Duration::from_secs(2);
const BACKOFF_CAP: Duration = Duration::from_secs(300);

/// Who asked for a piece of work, so a permanent failure can be explained to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    pub user_id: String,
    pub channel_id: String,
    /// The command's `response_url`, usable for 30 minutes after `asked_at`.
    pub response_url: Option<String>,
    pub asked_at: i64,
}

impl Requester {
    /// Whoever typed this slash command, reachable through its `response_url` for a while.
    pub fn of_command(request: &crate::bot::CommandRequest, now: Timestamp) -> Self {
        Self {
            user_id: request.user_id.clone(),
            channel_id: request.channel_id.clone(),
            response_url: Some(request.response_url.clone()),
            asked_at: now.as_second(),
        }
    }
}

/// Every kind of background work. The serde tag is the stored `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Post one message (optionally in a thread).
    PostMessage {
        channel: String,
        text: String,
        thread_ts: Option<String>,
        requester: Option<Requester>,
    },
    /// Tell someone something privately (a failure, a result of work they asked for).
    TellRequester { requester: Requester, text: String },
    /// An ephemeral message to one person in a channel.
    PostEphemeral {
        channel: String,
        user: String,
        text: String,
        #[serde(default)]
        thread_ts: Option<String>,
    },
    /// Reply in a DM with prepared content. Deleted when done: a DM reply about an
    /// anonymous observation must not stay next to the person's DM channel.
    DirectReply {
        channel: String,
        content: serde_json::Value,
    },
    /// Post a check-in's parent message and call the first person.
    StartCheckin { checkin_id: i64 },
    /// Mention the person whose turn it is, with the turn's buttons.
    CheckinCall {
        checkin_id: i64,
        turn: u64,
        user: String,
    },
    /// A turn's time ran out (ignored when the turn has already moved on).
    CheckinTimeout { checkin_id: i64, turn: u64 },
    /// Post a line in a check-in's thread ("moving on", the summary).
    CheckinPost { checkin_id: i64, text: String },
    /// Post held anonymous observations in the review thread, then schedule the next batch.
    ReleaseObservations {
        review_id: i64,
        /// The release time this job was scheduled for; stale when the review's
        /// schedule has moved on.
        #[serde(default)]
        scheduled_for: Option<i64>,
    },
    /// DM the facilitator the agenda, replacing an earlier version. `scheduled_for` is the
    /// automatic post time it was queued for (None when asked for by command).
    PostAgenda {
        review_id: i64,
        scheduled_for: Option<i64>,
        /// Who asked, when asked by command (told if it cannot be done).
        #[serde(default)]
        requester: Option<Requester>,
    },
    /// Upload the agenda as a Markdown file to someone's DM.
    AgendaMarkdown {
        review_id: i64,
        to_user: String,
        #[serde(default)]
        requester: Option<Requester>,
        /// Snippet fallback: the first part not yet posted (a retry resumes there).
        #[serde(default)]
        next_part: usize,
    },
    /// Refresh someone's App Home tab.
    PublishHome { user: String },
    /// Gather a review's participants (the channel's people, or those named).
    ResolveParticipants {
        review_id: i64,
        explicit: Option<Vec<String>>,
        requester: Requester,
    },
    /// DM one participant the survey invitation.
    SendSurveyInvite { review_id: i64, user_id: String },
    /// One reminder pass: queue a reminder for each participant who has not answered.
    RemindSurvey { review_id: i64, pass: i64 },
    /// DM one reminder. Deleted when done, so the table does not keep who was reminded.
    SendReminder {
        review_id: i64,
        user_id: String,
        pass: i64,
    },
    /// Close the survey at this deadline.
    CloseSurvey { review_id: i64, deadline: i64 },
    /// Replace the buttons of one closed survey's DM.
    MarkInviteClosed { review_id: i64, user_id: String },
    /// DM the facilitator the answers; `next_part` is the first message not yet sent.
    DeliverAnswers {
        review_id: i64,
        to_user: String,
        seed: u64,
        next_part: usize,
    },
}

impl Job {
    /// The stored `kind`, also the metrics label.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::PostMessage { .. } => "post_message",
            Job::TellRequester { .. } => "tell_requester",
            Job::PostEphemeral { .. } => "post_ephemeral",
            Job::DirectReply { .. } => "direct_reply",
            Job::StartCheckin { .. } => "start_checkin",
            Job::CheckinCall { .. } => "checkin_call",
            Job::CheckinTimeout { .. } => "checkin_timeout",
            Job::CheckinPost { .. } => "checkin_post",
            Job::ReleaseObservations { .. } => "release_observations",
            Job::PostAgenda { .. } => "post_agenda",
            Job::AgendaMarkdown { .. } => "agenda_markdown",
            Job::PublishHome { .. } => "publish_home",
            Job::ResolveParticipants { .. } => "resolve_participants",
            Job::SendSurveyInvite { .. } => "send_survey_invite",
            Job::RemindSurvey { .. } => "remind_survey",
            Job::SendReminder { .. } => "send_reminder",
            Job::CloseSurvey { .. } => "close_survey",
            Job::MarkInviteClosed { .. } => "mark_invite_closed",
            Job::DeliverAnswers { .. } => "deliver_answers",
        }
    }

    /// Jobs whose row says something about a person that should not outlive its purpose
    /// (who had not answered a survey by reminder time; a DM reply about an observation)
    /// are deleted when done, or when they fail for good.
    pub fn forget_when_done(&self) -> bool {
        matches!(self, Job::SendReminder { .. } | Job::DirectReply { .. })
    }

    fn requester(&self) -> Option<&Requester> {
        match self {
            Job::PostMessage { requester, .. } => requester.as_ref(),
            Job::ResolveParticipants { requester, .. } => Some(requester),
            Job::PostAgenda { requester, .. } | Job::AgendaMarkdown { requester, .. } => {
                requester.as_ref()
            }
            // Never report a failed report: that could loop. The rest explain themselves.
            _ => None,
        }
    }

    /// A row for the jobs table.
    pub fn to_row(&self, run_at: Timestamp, dedupe_key: Option<String>) -> NewJob {
        NewJob {
            kind: self.kind(),
            payload: serde_json::to_string(self).expect("jobs serialise"),
            run_at,
            dedupe_key,
        }
    }
}

/// Why a job's run did not complete.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Slack(#[from] SlackCallError),
    /// Retrying cannot help (the review was deleted, the payload is stale).
    #[error("{0}")]
    Permanent(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

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

/// Queues a job to run now (or at `run_at`) and wakes the in-process runner.
pub async fn enqueue(
    state: &AppState,
    job: &Job,
    run_at: Timestamp,
    dedupe_key: Option<String>,
) -> anyhow::Result<Option<i64>> {
    let id = state
        .store
        .enqueue(&job.to_row(run_at, dedupe_key), state.clock.now())
        .await?;
    state.job_wakeup.notify_one();
    Ok(id)
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

/// Which claimed row a running job is, so it can record progress as it goes.
pub struct JobContext {
    pub id: i64,
    pub worker: String,
}

impl JobContext {
    /// Replaces the job's stored payload with `progress`, so a retry resumes from there.
    pub async fn checkpoint(&self, state: &AppState, progress: &Job) -> Result<(), JobError> {
        let payload = serde_json::to_string(progress).map_err(anyhow::Error::from)?;
        state
            .store
            .checkpoint_job(self.id, &self.worker, &payload)
            .await?;
        Ok(())
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
    let result = match &job {
        Ok(job) => run(state, &ctx, job).await,
        Err(err) => Err(JobError::Permanent(format!("unreadable payload: {err}"))),
    };
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
                tell_requester_later(state, requester, &explain_failure(job, err)).await?;
            }
        }
    }
    Ok(outcome)
}

async fn run(state: &AppState, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    use crate::features::{agenda, checkin, observation, review, survey};
    let now = state.clock.now();
    match job {
        Job::PostMessage {
            channel,
            text,
            thread_ts,
            ..
        } => {
            state
                .slack
                .post_message(channel, blocks::text(text), thread_ts.as_deref())
                .await?;
            Ok(())
        }
        Job::TellRequester { requester, text } => tell_requester_now(state, requester, text).await,
        Job::PostEphemeral {
            channel,
            user,
            text,
            thread_ts,
        } => match state
            .slack
            .post_ephemeral(channel, user, blocks::text(text), thread_ts.as_deref())
            .await
        {
            // Not in that channel (a modal submitted from a channel the bot was never
            // invited to): say it by DM instead of losing it.
            Err(SlackCallError::Rejected { code, .. })
                if code == "not_in_channel" || code == "channel_not_found" =>
            {
                let dm = state.slack.open_dm(user).await?;
                state
                    .slack
                    .post_message(&dm, blocks::text(text), None)
                    .await?;
                Ok(())
            }
            other => Ok(other?),
        },
        Job::ResolveParticipants {
            review_id,
            explicit,
            requester,
        } => {
            review::resolve_participants(state, *review_id, explicit.as_deref(), requester, now)
                .await
        }
        Job::SendSurveyInvite { review_id, user_id } => {
            survey::send_invite(state, *review_id, user_id).await
        }
        Job::RemindSurvey { review_id, pass } => {
            survey::remind(state, *review_id, *pass, now).await
        }
        Job::SendReminder {
            review_id, user_id, ..
        } => survey::send_reminder(state, *review_id, user_id).await,
        Job::CloseSurvey {
            review_id,
            deadline,
        } => survey::close_at_deadline(state, *review_id, *deadline, now).await,
        Job::MarkInviteClosed { review_id, user_id } => {
            survey::mark_invite_closed(state, *review_id, user_id).await
        }
        Job::DeliverAnswers {
            review_id,
            to_user,
            seed,
            next_part,
        } => survey::deliver_answers(state, ctx, *review_id, to_user, *seed, *next_part).await,
        Job::DirectReply { channel, content } => {
            let content: SlackMessageContent =
                serde_json::from_value(content.clone()).map_err(anyhow::Error::from)?;
            state.slack.post_message(channel, content, None).await?;
            Ok(())
        }
        Job::StartCheckin { checkin_id } => checkin::start(state, *checkin_id, now).await,
        Job::CheckinCall {
            checkin_id,
            turn,
            user,
        } => checkin::call(state, *checkin_id, *turn, user).await,
        Job::CheckinTimeout { checkin_id, turn } => {
            checkin::apply(
                state,
                *checkin_id,
                checkin::machine::Event::Timeout { turn: *turn },
                now,
            )
            .await
        }
        Job::CheckinPost { checkin_id, text } => checkin::post(state, *checkin_id, text).await,
        Job::ReleaseObservations {
            review_id,
            scheduled_for,
        } => observation::release(state, *review_id, *scheduled_for).await,
        Job::PostAgenda {
            review_id,
            scheduled_for,
            ..
        } => agenda::post(state, *review_id, *scheduled_for).await,
        Job::AgendaMarkdown {
            review_id,
            to_user,
            requester,
            next_part,
        } => {
            let resume = agenda::MarkdownProgress {
                review_id: *review_id,
                to_user,
                requester,
                next_part: *next_part,
            };
            agenda::post_markdown(state, ctx, resume).await
        }
        Job::PublishHome { user } => agenda::publish_home(state, user).await,
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
    enqueue(state, &job, state.clock.now(), None).await?;
    Ok(())
}

/// Slack keeps a `response_url` usable for 30 minutes.
const RESPONSE_URL_LIFETIME_SECONDS: i64 = 30 * 60;

/// Replies privately: through the command's `response_url` while it is fresh, else by DM.
pub async fn tell_requester_now(
    state: &AppState,
    requester: &Requester,
    text: &str,
) -> Result<(), JobError> {
    let now = state.clock.now().as_second();
    if let Some(url) = &requester.response_url
        && now - requester.asked_at < RESPONSE_URL_LIFETIME_SECONDS
    {
        match state.slack.respond(url, blocks::text(text)).await {
            Ok(()) => return Ok(()),
            // An expired or used-up URL is not worth failing over: fall back to a DM.
            Err(SlackCallError::Rejected { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    let dm = state.slack.open_dm(&requester.user_id).await?;
    state
        .slack
        .post_message(&dm, blocks::text(text), None)
        .await?;
    Ok(())
}

/// A sentence for the person whose request failed, with what to do about it.
pub fn explain_failure(job: &Job, err: &JobError) -> String {
    let what = match job {
        Job::PostMessage { channel, .. } => format!("post in <#{channel}>"),
        Job::ResolveParticipants { .. } => "gather the review's participants".to_string(),
        Job::PostAgenda { .. } => "send you the agenda".to_string(),
        Job::AgendaMarkdown { .. } => "send you the agenda as Markdown".to_string(),
        _ => "finish what you asked".to_string(),
    };
    let why = match err {
        JobError::Slack(SlackCallError::Rejected { code, .. }) => explain_slack_code(code),
        JobError::Slack(other) => format!("Slack kept failing ({other})."),
        JobError::Permanent(reason) => format!("{reason}."),
        JobError::Internal(_) => "of an error on debrief's side.".to_string(),
    };
    format!("I couldn't {what}: {why}")
}

/// Slack's error codes, in words, with the fix.
pub fn explain_slack_code(code: &str) -> String {
    match code {
        "channel_not_found" => {
            "Slack can't find that channel; if it is private, invite me with `/invite @debrief`."
                .into()
        }
        "not_in_channel" => {
            "I'm not a member of that channel. Invite me with `/invite @debrief` and try again."
                .into()
        }
        "is_archived" => "that channel is archived.".into(),
        "cannot_dm_bot" => "that account is a bot, and bots can't be messaged.".into(),
        "user_not_found" | "user_not_visible" => "Slack can't find that person.".into(),
        "account_inactive" | "user_disabled" => "that account is deactivated.".into(),
        "restricted_action" => "a workspace setting stops me from posting there.".into(),
        "msg_too_long" | "msg_blocks_too_long" | "invalid_blocks" => {
            "the message was too large for Slack; this is a debrief bug, please report it.".into()
        }
        other => format!("Slack answered `{other}`."),
    }
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
    fn jobs_round_trip_through_their_stored_kind() {
        let jobs = [
            Job::PostMessage {
                channel: "C1".into(),
                text: "hi".into(),
                thread_ts: None,
                requester: None,
            },
            Job::TellRequester {
                requester: Requester {
                    user_id: "U1".into(),
                    channel_id: "C1".into(),
                    response_url: None,
                    asked_at: 0,
                },
                text: "x".into(),
            },
        ];
        for job in jobs {
            let row = job.to_row(at(0), None);
            let value: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
            assert_eq!(value["kind"], job.kind());
            assert_eq!(serde_json::from_str::<Job>(&row.payload).unwrap(), job);
        }
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
