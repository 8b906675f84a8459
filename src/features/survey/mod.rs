//! Purpose: pseudonymous pre-meeting surveys by DM: send, remind, close, answer, edit,
//! and show the answers to the facilitator once the k-floor is met.
//!
//! Nothing on the answer path logs, counts or stores who answered: responses are sealed
//! under the keyed respondent hash (see `responses`), and who has answered is worked out
//! with the key when a reminder or the App Home needs to know.

pub mod command;
pub mod jobs;
pub mod modal;
pub mod questions;
pub mod render;
pub mod responses;
pub mod template;

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::Error;
use crate::queue::{Job, JobError};
use crate::slack::blocks::{self, Style};
use crate::store::reviews::{Incident, Review};

pub(super) fn ts(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::MAX)
}

/// When reminders go out: evenly spaced between sending and the deadline
/// (one reminder: halfway). Pure.
pub fn reminder_times(sent_at: i64, deadline: i64, reminders: i64) -> Vec<i64> {
    let n = reminders.clamp(0, 2);
    (1..=n)
        .map(|i| sent_at + (deadline - sent_at) * i / (n + 1))
        .collect()
}

pub(super) fn answers_hint(review: &Review, counts: responses::Counts) -> String {
    if responses::k_met(review, counts) {
        "`/debrief answers` sends you the answers by DM.".into()
    } else {
        format!(
            "Answers are shown only once at least {} people other than the facilitator have answered, so they stay hidden.",
            review.min_responses
        )
    }
}

/// Closes an open survey and queues the DM updates. Returns how many answered.
pub(super) async fn close(
    state: &AppState,
    review: &Review,
    now: Timestamp,
) -> Result<responses::Counts, Error> {
    let participants = state.store.participants(review.id).await?;
    let rows: Vec<_> = participants
        .iter()
        .filter(|p| p.invite_ts.is_some())
        .map(|p| {
            Job::MarkInviteClosed {
                review_id: review.id,
                user_id: p.user_id.clone(),
            }
            .to_row(now)
        })
        .collect();
    state.store.close_survey(review.id, &rows, now).await?;
    state.job_wakeup.notify_one();
    Ok(responses::counts(state, review).await?)
}

pub(super) async fn load_incident(state: &AppState, review: &Review) -> Result<Incident, JobError> {
    state
        .store
        .incident(review.incident_id)
        .await?
        .ok_or_else(|| JobError::Permanent("the incident no longer exists".into()))
}

/// What the invitation's buttons look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteState {
    Open,
    ClosedAnswered,
    ClosedUnanswered,
}

/// Who an invitation is for: how many were invited, and whether this one goes to the
/// facilitator (who is then spoken to as "you", not named as a third person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invitee {
    pub invited: usize,
    pub is_facilitator: bool,
}

/// The survey DM: why it exists, how anonymity works, and the buttons.
pub fn invite_message(
    incident: &Incident,
    review: &Review,
    invitee: Invitee,
    state: InviteState,
) -> SlackMessageContent {
    let meeting = review
        .meeting_at
        .map(|at| format!(" on {}", blocks::date(at)))
        .unwrap_or_default();
    let invited = match invitee.invited {
        1 => "1 person".to_string(),
        n => format!("{n} people"),
    };
    let opening = if invitee.is_facilitator {
        format!(
            "You are preparing the review meeting{meeting} and invited {invited}, yourself among them, to share their view before it starts. Your answers shape the agenda like anyone's; they never count towards the {} needed before answers are shown.",
            review.min_responses
        )
    } else {
        format!(
            "<@{}> is preparing the review meeting{meeting} and invited {invited} who took part, you among them, to share their view before it starts.",
            review.facilitator_id
        )
    };
    let mut content = vec![
        blocks::section(format!(
            "*Review of “{}”*\n{opening}",
            blocks::escape(&incident.title),
        )),
        blocks::section(
            "*Why a survey:* a few minutes of your view now shapes the agenda, so the meeting discusses what people actually ran into, not only what the loudest voices remember.",
        ),
        blocks::section(format!(
            "*How anonymity works:* your answers are stored without your name and without a time. The facilitator sees them under a pseudonym, and only once at least {} people have answered. Nobody, the facilitator included, can see who wrote what.",
            review.min_responses
        )),
    ];
    let deadline = review.deadline_at.map(blocks::date).unwrap_or_default();
    match state {
        InviteState::Open => {
            content.push(blocks::context(format!(
                "Every question is optional. You can reopen the survey and edit your answers until it closes {deadline}."
            )));
            let value = review.id.to_string();
            content.push(blocks::actions(
                Some("survey_invite"),
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
            ));
        }
        InviteState::ClosedAnswered => content.push(blocks::context(format!(
            ":white_check_mark: This survey closed {}. Thank you, your answers are in.",
            review
                .survey_closed_at
                .map(blocks::date)
                .unwrap_or(deadline)
        ))),
        InviteState::ClosedUnanswered => content.push(blocks::context(format!(
            "This survey closed {}. You can still raise anything in the review meeting.",
            review
                .survey_closed_at
                .map(blocks::date)
                .unwrap_or(deadline)
        ))),
    }
    blocks::message(
        format!("Survey before the review of “{}”", incident.title),
        content,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reminder_goes_out_halfway_and_two_split_the_time_in_thirds() {
        assert_eq!(reminder_times(0, 3600, 1), vec![1800]);
        assert_eq!(reminder_times(0, 3600, 2), vec![1200, 2400]);
        assert!(reminder_times(0, 3600, 0).is_empty());
        assert_eq!(reminder_times(0, 3600, 9).len(), 2);
    }
}
