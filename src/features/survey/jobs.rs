//! Purpose: the survey's durable jobs: invitations, reminder passes and reminders, the
//! close at the deadline, and the answers delivered part by part.

use jiff::Timestamp;
use slack_morphism::prelude::SlackMessageContent;

use crate::app::AppState;
use crate::domain::ReviewId;
use crate::error::Error;
use crate::queue::{self, Job, JobContext, JobError, Requester};
use crate::slack::SlackCallError;
use crate::slack::blocks::{self, Style};
use crate::store::reviews::{Incident, Participant, Review};

use super::{InviteState, Invitee, answers_hint, close, invite_message, load_incident};

/// Job: DM one participant the survey invitation, once.
pub async fn send_invite(
    state: &AppState,
    review_id: ReviewId,
    user_id: &str,
) -> Result<(), JobError> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    let Some(participant) = state.store.participant(review_id, user_id).await? else {
        return Ok(());
    };
    if !review.survey_open() || participant.invite_state != "pending" {
        return Ok(());
    }
    let incident = load_incident(state, &review).await?;
    let dm = match participant.dm_channel {
        Some(dm) => dm,
        None => match state.slack.open_dm(user_id).await {
            Ok(dm) => {
                state
                    .store
                    .set_participant_dm(review_id, user_id, &dm)
                    .await?;
                dm
            }
            Err(SlackCallError::Rejected { code, .. }) => {
                return unreachable(state, &review, &participant.display_name, user_id, &code)
                    .await;
            }
            Err(other) => return Err(other.into()),
        },
    };
    let content = invite_message(
        &incident,
        &review,
        invitee(state, &review, user_id).await?,
        InviteState::Open,
    );
    let key = format!("invite:{review_id}:{user_id}");
    match crate::outbox::post_once(state, &key, &dm, None, content).await {
        Ok(ts) => {
            state.store.set_invite_sent(review_id, user_id, &ts).await?;
            Ok(())
        }
        Err(JobError::Slack(SlackCallError::Rejected { code, .. })) => {
            unreachable(state, &review, &participant.display_name, user_id, &code).await
        }
        Err(other) => Err(other),
    }
}

/// Who an invitation speaks to: the size of the list it went to, and whether it is the facilitator's.
async fn invitee(state: &AppState, review: &Review, user_id: &str) -> Result<Invitee, JobError> {
    Ok(Invitee {
        invited: state.store.participants(review.id).await?.len(),
        is_facilitator: user_id == review.facilitator_id,
    })
}

/// Records that a participant could not be reached and tells the facilitator, by name
/// (who could not be reached is not an answer, so naming them reveals nothing).
async fn unreachable(
    state: &AppState,
    review: &Review,
    name: &str,
    user_id: &str,
    code: &str,
) -> Result<(), JobError> {
    state
        .store
        .set_unreachable(review.id, user_id, code)
        .await?;
    let text = format!(
        "I couldn't send the survey to {} (<@{user_id}>): {}",
        blocks::escape(name),
        queue::explain_slack_code(code)
    );
    let requester = Requester {
        user_id: review.facilitator_id.clone(),
        channel_id: review.channel_id.clone(),
        response_url: None,
        asked_at: 0,
    };
    queue::enqueue(
        state,
        &Job::TellRequester { requester, text },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// Job: one reminder pass. Goes through every participant the invitation reached, in a
/// fixed order, and DMs those who have not answered yet (worked out with the key at that
/// moment, never stored). Progress is recorded after every participant, reminded or not,
/// so neither the stored progress nor any row per person says who had not answered.
///
/// Each reminder is sent once even if the job runs twice: progress is written before and
/// after each participant (for everyone alike), and a run that resumes in the middle of
/// one looks for that reminder in their DM before sending it.
pub async fn remind(
    state: &AppState,
    ctx: &JobContext,
    review_id: ReviewId,
    pass: i64,
    (next, in_flight): (usize, bool),
    now: Timestamp,
) -> Result<(), JobError> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    if !review.survey_open() || review.deadline_at.is_some_and(|d| d <= now.as_second()) {
        return Ok(());
    }
    let mut reached: Vec<Participant> = state
        .store
        .participants(review_id)
        .await?
        .into_iter()
        .filter(|p| p.invite_state == "sent" && p.dm_channel.is_some())
        .collect();
    reached.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    let incident = load_incident(state, &review).await?;
    let sent_at = Timestamp::from_second(review.survey_sent_at.unwrap_or(0)).unwrap_or(now);
    for (index, p) in reached.iter().enumerate().skip(next) {
        let progress = |next, in_flight| Job::RemindSurvey {
            review_id,
            pass,
            next,
            in_flight,
        };
        ctx.checkpoint(state, &progress(index, true)).await?;
        if p.wants_reminders
            && !super::responses::has_answered(state, review_id, &p.user_id).await?
            && let Some(dm) = &p.dm_channel
        {
            // The key only marks the DM (hashed); no row keeps it.
            let key = format!("remind:{review_id}:{pass}:{}", p.user_id);
            let resumed_here = index == next && in_flight;
            if !(resumed_here && crate::outbox::already_posted(state, &key, dm, sent_at).await?) {
                crate::outbox::post_marked(state, &key, dm, reminder_message(&incident, &review))
                    .await?;
            }
        }
        ctx.checkpoint(state, &progress(index + 1, false)).await?;
    }
    Ok(())
}

/// The reminder DM, with its own buttons (it may be read without the invitation in view).
fn reminder_message(incident: &Incident, review: &Review) -> SlackMessageContent {
    let text = format!(
        "A reminder: the survey for the review of “{}” closes {}. It takes a few minutes and every question is optional.",
        blocks::escape(&incident.title),
        review.deadline_at.map(blocks::date).unwrap_or_default()
    );
    let value = review.id.to_string();
    blocks::message(
        text.clone(),
        vec![
            blocks::section(text),
            blocks::actions(
                None,
                vec![
                    blocks::button(
                        "Answer the survey",
                        crate::ids::SURVEY_OPEN,
                        &value,
                        Style::Primary,
                    ),
                    blocks::button(
                        "Don't remind me",
                        crate::ids::SURVEY_MUTE,
                        &value,
                        Style::Default,
                    ),
                ],
            ),
        ],
    )
}

/// Job: close the survey at its deadline (unless the deadline moved; a newer job exists then).
pub async fn close_at_deadline(
    state: &AppState,
    review_id: ReviewId,
    deadline: i64,
    now: Timestamp,
) -> Result<(), JobError> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    if !review.survey_open() || review.deadline_at != Some(deadline) || now.as_second() < deadline {
        return Ok(());
    }
    let counts = close(state, &review, now).await.map_err(|e| match e {
        Error::Internal(err) => JobError::Internal(err),
        other => JobError::Permanent(other.to_string()),
    })?;
    let incident = load_incident(state, &review).await?;
    let participants = state.store.participants(review.id).await?.len();
    let text = format!(
        "The survey for the review of “{}” has closed: {} of {participants} answered. {}",
        blocks::escape(&incident.title),
        counts.answered,
        answers_hint(&review, counts).replace(
            "`/debrief answers`",
            &format!("`/debrief answers` in <#{}>", review.channel_id)
        )
    );
    let requester = Requester {
        user_id: review.facilitator_id.clone(),
        channel_id: review.channel_id.clone(),
        response_url: None,
        asked_at: 0,
    };
    queue::enqueue(state, &Job::TellRequester { requester, text }, now).await?;
    Ok(())
}

/// Job: replace the buttons of a closed survey's DM with a line saying it closed.
pub async fn mark_invite_closed(
    state: &AppState,
    review_id: ReviewId,
    user_id: &str,
) -> Result<(), JobError> {
    let (Some(review), Some(p)) = (
        state.store.review(review_id).await?,
        state.store.participant(review_id, user_id).await?,
    ) else {
        return Ok(());
    };
    let (Some(dm), Some(ts)) = (p.dm_channel.as_deref(), p.invite_ts.as_deref()) else {
        return Ok(());
    };
    let incident = load_incident(state, &review).await?;
    let shown = if super::responses::has_answered(state, review_id, user_id).await? {
        InviteState::ClosedAnswered
    } else {
        InviteState::ClosedUnanswered
    };
    match state
        .slack
        .update_message(
            dm,
            ts,
            invite_message(
                &incident,
                &review,
                invitee(state, &review, user_id).await?,
                shown,
            ),
        )
        .await
    {
        Ok(()) => Ok(()),
        // The person deleted the DM: nothing left to update.
        Err(SlackCallError::Rejected { code, .. })
            if code == "message_not_found" || code == "channel_not_found" =>
        {
            Ok(())
        }
        Err(other) => Err(other.into()),
    }
}

/// Job: DM the facilitator the answers, several messages in order, resuming after a failure.
pub async fn deliver_answers(
    state: &AppState,
    ctx: &JobContext,
    review_id: ReviewId,
    to_user: &str,
    seed: u64,
    next_part: usize,
) -> Result<(), JobError> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    let counts = super::responses::counts(state, &review).await?;
    if !super::responses::k_met(&review, counts) {
        return Err(JobError::Permanent(
            "fewer people have answered than the k-floor".into(),
        ));
    }
    let incident = load_incident(state, &review).await?;
    let visible = super::responses::visible(state, &review).await?;
    let asked = super::template::questions_of(state, review.id, incident.vendor.as_deref()).await?;
    let parts = super::render::answer_messages(&incident, &review, &asked, &visible, seed);
    let dm = state.slack.open_dm(to_user).await?;
    for (index, part) in parts.into_iter().enumerate().skip(next_part) {
        let key = format!("answers:{}:{index}", ctx.id);
        crate::outbox::post_once(state, &key, &dm, None, part).await?;
        let progress = Job::DeliverAnswers {
            review_id,
            to_user: to_user.to_string(),
            seed,
            next_part: index + 1,
        };
        ctx.checkpoint(state, &progress).await?;
    }
    Ok(())
}
