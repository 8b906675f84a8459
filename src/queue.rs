//! Purpose: the vocabulary of background work. A [`Job`] is a row in the durable jobs
//! table; features queue them with [`enqueue`] (which also wakes the in-process runner)
//! and write their handlers against [`JobContext`] and [`JobError`]. Running jobs is the
//! engine's business (`jobs`), and deciding what each kind does is `bot::jobs`.

use crate::domain::ReviewId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::request::CommandRequest;
use crate::slack::{SlackCallError, blocks};
use crate::store::jobs::NewJob;

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
    pub fn of_command(request: &CommandRequest, now: Timestamp) -> Self {
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
        review_id: ReviewId,
        /// The release time this job was scheduled for; stale when the review's
        /// schedule has moved on.
        #[serde(default)]
        scheduled_for: Option<i64>,
    },
    /// DM the facilitator the agenda, replacing an earlier version. `scheduled_for` is the
    /// automatic post time it was queued for (None when asked for by command).
    PostAgenda {
        review_id: ReviewId,
        scheduled_for: Option<i64>,
        /// Who asked, when asked by command (told if it cannot be done).
        #[serde(default)]
        requester: Option<Requester>,
    },
    /// Upload the agenda as a Markdown file to someone's DM.
    AgendaMarkdown {
        review_id: ReviewId,
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
        review_id: ReviewId,
        explicit: Option<Vec<String>>,
        requester: Requester,
    },
    /// DM one participant the survey invitation.
    SendSurveyInvite {
        review_id: ReviewId,
        user_id: String,
    },
    /// One reminder pass: queue a reminder for each participant who has not answered.
    RemindSurvey { review_id: ReviewId, pass: i64 },
    /// DM one reminder. Deleted when done, so the table does not keep who was reminded.
    SendReminder {
        review_id: ReviewId,
        user_id: String,
        pass: i64,
    },
    /// Close the survey at this deadline.
    CloseSurvey { review_id: ReviewId, deadline: i64 },
    /// Replace the buttons of one closed survey's DM.
    MarkInviteClosed {
        review_id: ReviewId,
        user_id: String,
    },
    /// DM the facilitator the answers; `next_part` is the first message not yet sent.
    DeliverAnswers {
        review_id: ReviewId,
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

    pub fn requester(&self) -> Option<&Requester> {
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
