//! Purpose: the vocabulary of background work. A [`Job`] is a row in the durable jobs
//! table; features queue them with [`enqueue`] (which also wakes the in-process runner)
//! and write their handlers against [`JobContext`] and [`JobError`]. Running jobs is the
//! engine's business (`jobs`), and deciding what each kind does is `bot::jobs`.

use crate::domain::ReviewId;
use crate::error::Error;
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
    CheckinPost {
        checkin_id: i64,
        text: String,
        line: CheckinLine,
    },
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
        /// The review's `updated_at` when an automatic post was scheduled: a meeting moved
        /// away and back gets its post again (an agenda already posted is then updated in
        /// place, never doubled).
        #[serde(default)]
        review_version: i64,
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
    /// Greet whoever installed debrief in a workspace, by DM, with the first steps.
    WelcomeInstaller { team_id: String, user: String },
    /// Gather a review's participants (the channel's people, or those named).
    ResolveParticipants {
        review_id: ReviewId,
        explicit: Option<Vec<String>>,
        requester: Requester,
        /// How far paging through the channel got, so a retry after Slack asked us to
        /// slow down resumes there instead of starting over.
        #[serde(default)]
        gathered: Gathered,
    },
    /// DM one participant the survey invitation.
    SendSurveyInvite {
        review_id: ReviewId,
        user_id: String,
    },
    /// One reminder pass: DM each participant who has not answered; `next` is the first
    /// participant (in user id order) not yet considered, so a retry resumes there.
    RemindSurvey {
        review_id: ReviewId,
        pass: i64,
        #[serde(default)]
        next: usize,
        /// Set while participant `next` is being handled: a run that finds it set may
        /// already have reminded them.
        #[serde(default)]
        in_flight: bool,
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
    /// Post an action item's message, with its status buttons, where it was added.
    PostActionItem { item_id: i64, channel: String },
    /// Show an action item's current status on its message.
    RefreshActionItem { item_id: i64 },
    /// Queue this week's owner digests (at the instant `at`), then next week's run.
    ScheduleDigests { at: i64 },
    /// DM one owner their open action items.
    OwnerDigest { owner: String, week: String },
    /// Post a quarter's learning review in a channel (or upload it as Markdown).
    PostLearningReview {
        team_id: String,
        quarter: String,
        channel: String,
        markdown: bool,
        facilitator: Option<String>,
        requester: Option<Requester>,
        /// The first message not yet posted (a retry resumes there).
        #[serde(default)]
        next_part: usize,
    },
    /// The automatic post of the quarter before `quarter`, on its first weekday.
    LearningReviewAuto { quarter: String },
    /// The daily retention pass for `day` (UTC, e.g. `2026-12-04`).
    Retention { day: String },
    /// Gather a pulse's people (a channel's members, or those named), then invite them.
    GatherPulse {
        pulse_id: i64,
        explicit: Option<Vec<String>>,
        /// Whoever typed the command; `None` for a scheduled pulse.
        requester: Option<Requester>,
        /// How far paging through the channel got, so a retry resumes there.
        #[serde(default)]
        gathered: Gathered,
    },
    /// DM one person a pulse.
    SendPulseInvite { pulse_id: i64, user_id: String },
    /// The pulse's one reminder pass (resumable like [`Job::RemindSurvey`]).
    RemindPulse {
        pulse_id: i64,
        #[serde(default)]
        next: usize,
        #[serde(default)]
        in_flight: bool,
    },
    /// Close a pulse at its deadline.
    ClosePulse { pulse_id: i64 },
    /// Replace the buttons of one closed pulse's DM.
    MarkPulseClosed { pulse_id: i64, user_id: String },
    /// Start a channel's quarterly pulse for `quarter`, then queue the next quarter's.
    ScheduledPulse {
        team_id: String,
        channel_id: String,
        quarter: String,
    },
}

impl Job {
    /// The stored `kind`, also the metrics label: the serde tag, so it cannot drift.
    pub fn kind(&self) -> String {
        self.tagged()["kind"]
            .as_str()
            .expect("jobs are tagged with their kind")
            .to_string()
    }

    fn tagged(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("jobs serialise")
    }

    /// Enqueueing the same logical work twice is a no-op: the second row has the same key.
    /// `None` for work that may legitimately repeat (a message asked for twice).
    pub fn dedupe_key(&self) -> Option<String> {
        Some(match self {
            Job::SendSurveyInvite { review_id, user_id } => format!("invite:{review_id}:{user_id}"),
            Job::RemindSurvey {
                review_id, pass, ..
            } => format!("remind:{review_id}:{pass}"),
            Job::CloseSurvey {
                review_id,
                deadline,
            } => format!("close:{review_id}:{deadline}"),
            Job::MarkInviteClosed { review_id, user_id } => {
                format!("invite-closed:{review_id}:{user_id}")
            }
            Job::StartCheckin { checkin_id } => format!("checkin:{checkin_id}:start"),
            Job::CheckinCall {
                checkin_id, turn, ..
            } => format!("checkin:{checkin_id}:call:{turn}"),
            Job::CheckinTimeout { checkin_id, turn } => {
                format!("checkin:{checkin_id}:timeout:{turn}")
            }
            Job::CheckinPost {
                checkin_id, line, ..
            } => match line {
                CheckinLine::MoveOn { turn } => format!("checkin:{checkin_id}:moveon:{turn}"),
                CheckinLine::Summary => format!("checkin:{checkin_id}:summary"),
            },
            Job::ReleaseObservations {
                review_id,
                scheduled_for: Some(at),
            } => format!("release:{review_id}:{at}"),
            Job::PostAgenda {
                review_id,
                scheduled_for: Some(at),
                review_version,
                ..
            } => format!("agenda:{review_id}:{at}:{review_version}"),
            Job::PostActionItem { item_id, .. } => format!("action-item:{item_id}:post"),
            Job::ScheduleDigests { at } => format!("digests:{at}"),
            // One digest per owner and week, however often the scheduler runs.
            Job::OwnerDigest { owner, week } => format!("digest:{owner}:{week}"),
            // One automatic post per quarter, whichever replica queued it.
            Job::LearningReviewAuto { quarter } => format!("learning-review:{quarter}"),
            // One pass a day, whichever replica queued it.
            Job::Retention { day } => format!("retention:{day}"),
            // Reinstalling (to add a scope, say) does not greet the same person again.
            Job::WelcomeInstaller { team_id, user } => format!("welcome:{team_id}:{user}"),
            Job::GatherPulse { pulse_id, .. } => format!("pulse-gather:{pulse_id}"),
            Job::SendPulseInvite { pulse_id, user_id } => {
                format!("pulse-invite:{pulse_id}:{user_id}")
            }
            Job::RemindPulse { pulse_id, .. } => format!("pulse-remind:{pulse_id}"),
            Job::ClosePulse { pulse_id } => format!("pulse-close:{pulse_id}"),
            Job::MarkPulseClosed { pulse_id, user_id } => {
                format!("pulse-closed:{pulse_id}:{user_id}")
            }
            // One run per channel and quarter, whichever replica queued it.
            Job::ScheduledPulse {
                team_id,
                channel_id,
                quarter,
            } => format!("pulse-schedule:{team_id}:{channel_id}:{quarter}"),
            _ => return None,
        })
    }

    /// Jobs whose row says when someone did something, for no purpose once done (a person
    /// opening their App Home, which may be how they went on to answer the survey), are
    /// deleted when done, or when they fail for good.
    pub fn forget_when_done(&self) -> bool {
        matches!(self, Job::PublishHome { .. })
    }

    pub fn requester(&self) -> Option<&Requester> {
        match self {
            Job::PostMessage { requester, .. } => requester.as_ref(),
            Job::ResolveParticipants { requester, .. } => Some(requester),
            Job::PostAgenda { requester, .. }
            | Job::AgendaMarkdown { requester, .. }
            | Job::PostLearningReview { requester, .. } => requester.as_ref(),
            // Never report a failed report: that could loop. The rest explain themselves.
            _ => None,
        }
    }

    /// A row for the jobs table.
    pub fn to_row(&self, run_at: Timestamp) -> NewJob {
        let tagged = self.tagged();
        NewJob {
            kind: tagged["kind"].as_str().unwrap_or_default().to_string(),
            payload: tagged.to_string(),
            run_at,
            dedupe_key: self.dedupe_key(),
        }
    }
}

/// Channel members gathered so far by a [`Job::ResolveParticipants`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gathered {
    pub members: Vec<String>,
    /// The next page's cursor; `None` before the first page and after the last.
    pub cursor: Option<String>,
    /// Every page was read.
    pub complete: bool,
    /// The requester was told that gathering is taking a while.
    pub told_slow: bool,
}

/// Which line of a check-in a [`Job::CheckinPost`] is, so that a retried transition
/// never posts it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckinLine {
    MoveOn { turn: u64 },
    Summary,
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

/// A job's failure reaching a person directly (a button that runs a job's step inline)
/// is ours to log, not theirs to fix; the whole cause chain is kept.
impl From<JobError> for Error {
    fn from(err: JobError) -> Self {
        Error::Internal(anyhow::Error::new(err))
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

/// Queues a job to run now (or at `run_at`) and wakes the in-process runner.
pub async fn enqueue(
    state: &AppState,
    job: &Job,
    run_at: Timestamp,
) -> anyhow::Result<Option<i64>> {
    let id = state
        .store
        .enqueue(&job.to_row(run_at), state.clock.now())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn requester() -> Requester {
        Requester {
            user_id: "U1".into(),
            channel_id: "C1".into(),
            response_url: None,
            asked_at: 0,
        }
    }

    /// One of every kind. The match below does not compile until a new kind is added here.
    fn one_of_each() -> Vec<Job> {
        let review_id = ReviewId(7);
        let jobs = vec![
            Job::PostMessage {
                channel: "C1".into(),
                text: "hi".into(),
                thread_ts: None,
                requester: Some(requester()),
            },
            Job::TellRequester {
                requester: requester(),
                text: "x".into(),
            },
            Job::PostEphemeral {
                channel: "C1".into(),
                user: "U1".into(),
                text: "x".into(),
                thread_ts: Some("1.2".into()),
            },
            Job::StartCheckin { checkin_id: 3 },
            Job::CheckinCall {
                checkin_id: 3,
                turn: 1,
                user: "U1".into(),
            },
            Job::CheckinTimeout {
                checkin_id: 3,
                turn: 1,
            },
            Job::CheckinPost {
                checkin_id: 3,
                text: "x".into(),
                line: CheckinLine::MoveOn { turn: 1 },
            },
            Job::ReleaseObservations {
                review_id,
                scheduled_for: Some(100),
            },
            Job::PostAgenda {
                review_id,
                scheduled_for: Some(100),
                review_version: 5,
                requester: None,
            },
            Job::AgendaMarkdown {
                review_id,
                to_user: "U1".into(),
                requester: None,
                next_part: 2,
            },
            Job::PublishHome { user: "U1".into() },
            Job::WelcomeInstaller {
                team_id: "T1".into(),
                user: "U1".into(),
            },
            Job::ResolveParticipants {
                review_id,
                explicit: Some(vec!["U1".into()]),
                requester: requester(),
                gathered: Gathered {
                    members: vec!["U2".into()],
                    cursor: Some("c".into()),
                    complete: false,
                    told_slow: true,
                },
            },
            Job::SendSurveyInvite {
                review_id,
                user_id: "U1".into(),
            },
            Job::RemindSurvey {
                review_id,
                pass: 1,
                next: 3,
                in_flight: true,
            },
            Job::CloseSurvey {
                review_id,
                deadline: 100,
            },
            Job::MarkInviteClosed {
                review_id,
                user_id: "U1".into(),
            },
            Job::DeliverAnswers {
                review_id,
                to_user: "U1".into(),
                seed: 9,
                next_part: 0,
            },
            Job::PostActionItem {
                item_id: 4,
                channel: "C1".into(),
            },
            Job::RefreshActionItem { item_id: 4 },
            Job::ScheduleDigests { at: 100 },
            Job::OwnerDigest {
                owner: "U1".into(),
                week: "2026-W49".into(),
            },
            Job::PostLearningReview {
                team_id: "T1".into(),
                quarter: "2026-Q3".into(),
                channel: "C1".into(),
                markdown: false,
                facilitator: None,
                requester: None,
                next_part: 1,
            },
            Job::LearningReviewAuto {
                quarter: "2026-Q4".into(),
            },
            Job::Retention {
                day: "2026-12-04".into(),
            },
            Job::GatherPulse {
                pulse_id: 3,
                explicit: None,
                requester: Some(requester()),
                gathered: Gathered::default(),
            },
            Job::SendPulseInvite {
                pulse_id: 3,
                user_id: "U1".into(),
            },
            Job::RemindPulse {
                pulse_id: 3,
                next: 1,
                in_flight: true,
            },
            Job::ClosePulse { pulse_id: 3 },
            Job::MarkPulseClosed {
                pulse_id: 3,
                user_id: "U1".into(),
            },
            Job::ScheduledPulse {
                team_id: "T1".into(),
                channel_id: "C1".into(),
                quarter: "2027-Q1".into(),
            },
        ];
        for job in &jobs {
            match job {
                Job::PostMessage { .. }
                | Job::TellRequester { .. }
                | Job::PostEphemeral { .. }
                | Job::StartCheckin { .. }
                | Job::CheckinCall { .. }
                | Job::CheckinTimeout { .. }
                | Job::CheckinPost { .. }
                | Job::ReleaseObservations { .. }
                | Job::PostAgenda { .. }
                | Job::AgendaMarkdown { .. }
                | Job::PublishHome { .. }
                | Job::WelcomeInstaller { .. }
                | Job::ResolveParticipants { .. }
                | Job::SendSurveyInvite { .. }
                | Job::RemindSurvey { .. }
                | Job::CloseSurvey { .. }
                | Job::MarkInviteClosed { .. }
                | Job::DeliverAnswers { .. }
                | Job::PostActionItem { .. }
                | Job::RefreshActionItem { .. }
                | Job::ScheduleDigests { .. }
                | Job::OwnerDigest { .. }
                | Job::PostLearningReview { .. }
                | Job::LearningReviewAuto { .. }
                | Job::Retention { .. }
                | Job::GatherPulse { .. }
                | Job::SendPulseInvite { .. }
                | Job::RemindPulse { .. }
                | Job::ClosePulse { .. }
                | Job::MarkPulseClosed { .. }
                | Job::ScheduledPulse { .. } => {}
            }
        }
        jobs
    }

    #[test]
    fn every_kind_round_trips_through_its_stored_row() {
        let jobs = one_of_each();
        let kinds: std::collections::BTreeSet<String> = jobs.iter().map(Job::kind).collect();
        assert_eq!(kinds.len(), jobs.len(), "kinds are distinct");
        for job in jobs {
            let row = job.to_row(Timestamp::UNIX_EPOCH);
            assert_eq!(row.kind, job.kind());
            let value: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
            assert_eq!(value["kind"], job.kind());
            assert_eq!(serde_json::from_str::<Job>(&row.payload).unwrap(), job);
            assert_eq!(row.dedupe_key, job.dedupe_key());
        }
    }

    #[test]
    fn dedupe_keys_tell_apart_work_that_differs_and_only_that() {
        let invite = |user: &str| Job::SendSurveyInvite {
            review_id: ReviewId(7),
            user_id: user.into(),
        };
        assert_eq!(invite("U1").dedupe_key().as_deref(), Some("invite:7:U1"));
        assert_ne!(invite("U1").dedupe_key(), invite("U2").dedupe_key());
        let post = |line| Job::CheckinPost {
            checkin_id: 3,
            text: "x".into(),
            line,
        };
        assert_ne!(
            post(CheckinLine::MoveOn { turn: 1 }).dedupe_key(),
            post(CheckinLine::MoveOn { turn: 2 }).dedupe_key()
        );
        assert_ne!(
            post(CheckinLine::Summary).dedupe_key(),
            post(CheckinLine::MoveOn { turn: 1 }).dedupe_key()
        );
        let agenda = |scheduled_for, review_version| Job::PostAgenda {
            review_id: ReviewId(7),
            scheduled_for,
            review_version,
            requester: None,
        };
        assert_eq!(agenda(None, 1).dedupe_key(), None, "asked for: always runs");
        assert_ne!(
            agenda(Some(100), 1).dedupe_key(),
            agenda(Some(100), 2).dedupe_key(),
            "a moved-and-back meeting posts again"
        );
    }
}
