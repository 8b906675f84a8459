//! Purpose: pseudonymous pre-meeting surveys by DM: send, remind, close, answer, edit,
//! and show the answers to the facilitator once the k-floor is met.
//!
//! Nothing on the answer path logs or stores who answered beyond the per-participant
//! "answered" flag; answers are found again only through the keyed respondent hash.

pub mod questions;
pub mod render;

use crate::domain::{ReviewId, SurveyStatus};
use jiff::Timestamp;
use rand::RngExt;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::{Error, FieldErrors};
use crate::queue::{self, Job, JobContext, JobError, Requester};
use crate::request::{CommandRequest, Reply};
use crate::slack::SlackCallError;
use crate::slack::blocks::{self, Style};
use crate::slack::forms::{self, FormValues};
use crate::store::reviews::{Incident, Review};
use crate::store::surveys::{ResponseRefused, ResponseSaved};
use crate::user_error;

use questions::{Answers, SurveyModal};

/// `/debrief survey`: queue one DM per participant (facilitator only).
pub async fn send(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (incident, review) = super::require_review(state, request).await?;
    super::require_facilitator(&review, &request.user_id, "send the survey")?;
    match review.survey_status {
        SurveyStatus::Open => user_error!(
            "The survey is already out (sent {}). Nothing was resent. `/debrief status` shows how many have answered.",
            review.survey_sent_at.map(blocks::date).unwrap_or_default()
        ),
        SurveyStatus::Closed => user_error!(
            "This review's survey has already closed. `/debrief answers` shows what came in."
        ),
        SurveyStatus::Draft => {}
    }
    if !review.participants_ready {
        user_error!(
            "I'm still gathering the participants; try `/debrief survey` again in a minute."
        );
    }
    let participants = state.store.participants(review.id).await?;
    if participants.is_empty() {
        user_error!(
            "Nobody takes part in this review yet. Name people with `/debrief review participants=@a,@b`."
        );
    }
    if (participants.len() as i64) < review.min_responses {
        user_error!(
            "Only {} people take part, but answers are shown once at least {} have answered, so you would never see them. Add participants, or lower the floor with `/debrief review min={}`.",
            participants.len(),
            review.min_responses,
            participants.len().max(2)
        );
    }
    let deadline = review.deadline_at.unwrap_or_else(|| {
        now.as_second()
            + review
                .deadline_offset
                .unwrap_or(crate::domain::DEFAULT_OPEN_WITHOUT_MEETING.as_secs() as i64)
    });
    if deadline <= now.as_second() + 60 {
        user_error!(
            "The survey deadline ({}) has passed or is less than a minute away. Set a later meeting with `/debrief review meeting=…` or a shorter `deadline=`.",
            blocks::date(deadline)
        );
    }
    let mut rows = Vec::new();
    for p in &participants {
        let job = Job::SendSurveyInvite {
            review_id: review.id,
            user_id: p.user_id.clone(),
        };
        rows.push(job.to_row(now));
    }
    for (pass, at) in reminder_times(now.as_second(), deadline, review.reminders)
        .into_iter()
        .enumerate()
    {
        let job = Job::RemindSurvey {
            review_id: review.id,
            pass: pass as i64 + 1,
        };
        rows.push(job.to_row(ts(at)));
    }
    let close = Job::CloseSurvey {
        review_id: review.id,
        deadline,
    };
    rows.push(close.to_row(ts(deadline)));
    if !state
        .store
        .open_survey(review.id, deadline, &rows, now)
        .await?
    {
        user_error!(
            "The survey is already out. Nothing was resent. `/debrief status` shows how many have answered."
        );
    }
    state.job_wakeup.notify_one();
    Ok(Reply::ephemeral(format!(
        "Sending the survey for *{}* to {} participants by DM. It closes {}. `/debrief status` shows how many have answered (never who).",
        blocks::escape(&incident.title),
        participants.len(),
        blocks::date(deadline)
    )))
}

fn ts(seconds: i64) -> Timestamp {
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

/// `/debrief survey close`: close early (facilitator only).
pub async fn close_command(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (_, review) = super::require_review(state, request).await?;
    super::require_facilitator(&review, &request.user_id, "close the survey")?;
    match review.survey_status {
        SurveyStatus::Draft => user_error!(
            "The survey hasn't been sent yet, so there is nothing to close. `/debrief survey` sends it."
        ),
        SurveyStatus::Closed => {
            user_error!("The survey is already closed. `/debrief answers` shows what came in.")
        }
        SurveyStatus::Open => {}
    }
    let answered = close(state, &review, now).await?;
    let participants = state.store.participants(review.id).await?.len();
    Ok(Reply::ephemeral(format!(
        "Closed the survey: {answered} of {participants} answered. {}",
        answers_hint(answered, review.min_responses)
    )))
}

fn answers_hint(answered: i64, k: i64) -> String {
    if answered >= k {
        "`/debrief answers` sends you the answers by DM.".into()
    } else {
        format!(
            "Answers are shown only once at least {k} people have answered, so they stay hidden."
        )
    }
}

/// Closes an open survey and queues the DM updates. Returns how many answered.
async fn close(state: &AppState, review: &Review, now: Timestamp) -> Result<i64, Error> {
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
    Ok(state.store.answered_count(review.id).await?)
}

/// `/debrief answers`: the answers by DM once k people answered; before that, only the count.
pub async fn answers_command(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (_, review) = super::require_review(state, request).await?;
    super::require_facilitator(&review, &request.user_id, "read the answers")?;
    if review.survey_status == SurveyStatus::Draft {
        user_error!("The survey hasn't been sent yet. `/debrief survey` sends it.");
    }
    let answered = state.store.answered_count(review.id).await?;
    let participants = state.store.participants(review.id).await?.len();
    if answered < review.min_responses {
        return Ok(Reply::ephemeral(format!(
            "{answered} of {participants} have answered. Answers are shown once at least {} have, so that no answer can be traced to its author.",
            review.min_responses
        )));
    }
    let seed: u64 = rand::rng().random();
    let job = Job::DeliverAnswers {
        review_id: review.id,
        to_user: request.user_id.clone(),
        seed,
        next_part: 0,
    };
    queue::enqueue(state, &job, now).await?;
    Ok(Reply::ephemeral(format!(
        "Sending you the answers of {answered} respondents by DM, grouped by question."
    )))
}

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
    let content = invite_message(&incident, &review, InviteState::Open);
    match state.slack.post_message(&dm, content, None).await {
        Ok(ts) => {
            state.store.set_invite_sent(review_id, user_id, &ts).await?;
            Ok(())
        }
        Err(SlackCallError::Rejected { code, .. }) => {
            unreachable(state, &review, &participant.display_name, user_id, &code).await
        }
        Err(other) => Err(other.into()),
    }
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

async fn load_incident(state: &AppState, review: &Review) -> Result<Incident, JobError> {
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

/// The survey DM: why it exists, how anonymity works, and the buttons.
pub fn invite_message(
    incident: &Incident,
    review: &Review,
    state: InviteState,
) -> SlackMessageContent {
    let meeting = review
        .meeting_at
        .map(|at| format!(" on {}", blocks::date(at)))
        .unwrap_or_default();
    let mut content = vec![
        blocks::section(format!(
            "*Review of “{}”*\n<@{}> is preparing the review meeting{meeting} and would like to hear from everyone who took part, before the meeting starts.",
            blocks::escape(&incident.title),
            review.facilitator_id
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

/// Job: one reminder pass. Queues a DM for each participant who has not answered.
pub async fn remind(
    state: &AppState,
    review_id: ReviewId,
    pass: i64,
    now: Timestamp,
) -> Result<(), JobError> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    if !review.survey_open() || review.deadline_at.is_some_and(|d| d <= now.as_second()) {
        return Ok(());
    }
    for p in state.store.participants_to_remind(review_id).await? {
        let job = Job::SendReminder {
            review_id,
            user_id: p.user_id.clone(),
            pass,
        };
        queue::enqueue(state, &job, now).await?;
    }
    Ok(())
}

/// Job: DM one reminder, in the participant's DM with the bot, never in a channel.
pub async fn send_reminder(
    state: &AppState,
    review_id: ReviewId,
    user_id: &str,
) -> Result<(), JobError> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    let Some(p) = state.store.participant(review_id, user_id).await? else {
        return Ok(());
    };
    // Checked again at send time: they may have answered or opted out since the pass began.
    if !review.survey_open() || p.answered || !p.wants_reminders {
        return Ok(());
    }
    let Some(dm) = p.dm_channel else {
        return Ok(());
    };
    let incident = load_incident(state, &review).await?;
    let text = format!(
        "A reminder: the survey for the review of “{}” closes {}. It takes a few minutes and every question is optional; use the *Answer the survey* button above.",
        blocks::escape(&incident.title),
        review.deadline_at.map(blocks::date).unwrap_or_default()
    );
    let content = blocks::message(
        text.clone(),
        vec![
            blocks::section(text),
            blocks::actions(
                None,
                vec![
                    blocks::button(
                        "Answer the survey",
                        crate::ids::SURVEY_OPEN,
                        &review_id.to_string(),
                        Style::Primary,
                    ),
                    blocks::button(
                        "Don't remind me",
                        crate::ids::SURVEY_MUTE,
                        &review_id.to_string(),
                        Style::Default,
                    ),
                ],
            ),
        ],
    );
    state.slack.post_message(&dm, content, None).await?;
    Ok(())
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
    let answered = close(state, &review, now).await.map_err(|e| match e {
        Error::Internal(err) => JobError::Internal(err),
        other => JobError::Permanent(other.to_string()),
    })?;
    let incident = load_incident(state, &review).await?;
    let participants = state.store.participants(review.id).await?.len();
    let text = format!(
        "The survey for the review of “{}” has closed: {answered} of {participants} answered. {}",
        blocks::escape(&incident.title),
        answers_hint(answered, review.min_responses).replace(
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
    let shown = if p.answered {
        InviteState::ClosedAnswered
    } else {
        InviteState::ClosedUnanswered
    };
    match state
        .slack
        .update_message(dm, ts, invite_message(&incident, &review, shown))
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
    let answered = state.store.answered_count(review_id).await?;
    if answered < review.min_responses {
        return Err(JobError::Permanent(
            "fewer people have answered than the k-floor".into(),
        ));
    }
    let incident = load_incident(state, &review).await?;
    let responses = state.store.survey_responses(review_id).await?;
    let parts = render::answer_messages(&incident, &review, &responses, seed);
    let dm = state.slack.open_dm(to_user).await?;
    for (index, part) in parts.into_iter().enumerate().skip(next_part) {
        state.slack.post_message(&dm, part, None).await?;
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

/// Button "Answer the survey": opens the modal (prefilled when editing). Must use the
/// trigger id within 3 s, so it calls views.open inline.
pub async fn open_modal(
    state: &AppState,
    user_id: &str,
    trigger_id: &str,
    value: &str,
) -> Result<(), Error> {
    let view = survey_view_for(state, user_id, value).await?;
    state
        .slack
        .open_view(trigger_id, view)
        .await
        .map_err(|e| anyhow::anyhow!("could not open the survey modal: {e}"))?;
    Ok(())
}

async fn survey_view_for(state: &AppState, user_id: &str, value: &str) -> Result<SlackView, Error> {
    let Some(review) = (match value.parse::<ReviewId>() {
        Ok(id) => state.store.review(id).await?,
        Err(_) => None,
    }) else {
        user_error!("This survey no longer exists.");
    };
    if review.survey_closed() {
        user_error!("This survey has closed. You can still raise anything in the review meeting.");
    }
    if state.store.participant(review.id, user_id).await?.is_none() {
        user_error!("This survey is for the people who took part in the incident.");
    }
    let incident = state
        .store
        .incident(review.incident_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("incident missing"))?;
    let key = state.pseudonym_key.respondent_key(review.id, user_id);
    let existing: Option<Answers> = match state.store.own_survey_answers(review.id, &key).await? {
        Some(json) => Some(serde_json::from_str(&json).map_err(anyhow::Error::from)?),
        None => None,
    };
    Ok(SurveyModal {
        review_id: review.id,
        incident_title: &incident.title,
        vendor: incident.vendor.as_deref(),
        min_responses: review.min_responses,
        existing: existing.as_ref(),
        nudges: &[],
    }
    .view())
}

/// Button "Don't remind me".
pub async fn stop_reminders(
    state: &AppState,
    user_id: &str,
    value: &str,
    response_url: Option<&str>,
    now: Timestamp,
) -> Result<(), Error> {
    let Ok(review_id) = value.parse::<ReviewId>() else {
        return Ok(());
    };
    state.store.stop_reminders(review_id, user_id).await?;
    if let Some(url) = response_url {
        let requester = Requester {
            user_id: user_id.to_string(),
            channel_id: String::new(),
            response_url: Some(url.to_string()),
            asked_at: now.as_second(),
        };
        let text = "Okay, no reminders for this survey. You can still answer it until it closes."
            .to_string();
        queue::enqueue(state, &Job::TellRequester { requester, text }, now).await?;
    }
    Ok(())
}

/// The survey modal was submitted: validate, then store under the keyed hash.
/// Returns the view that replaces the modal (a thank-you note).
pub async fn submit(
    state: &AppState,
    user_id: &str,
    view: &SlackStatefulView,
    private_metadata: &str,
) -> Result<SlackView, Error> {
    let (review_part, nudged) = match private_metadata.split_once(':') {
        Some((id, flag)) => (id, flag == "nudged"),
        None => (private_metadata, false),
    };
    let review_id: ReviewId = review_part
        .parse()
        .map_err(|_| anyhow::anyhow!("survey modal metadata"))?;
    let Some(review) = state.store.review(review_id).await? else {
        return Err(field_error(
            "This survey no longer exists; your text was not saved, so copy it if you want to keep it.",
        ));
    };
    let incident = state
        .store
        .incident(review.incident_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("incident missing"))?;
    let answers =
        questions::parse_submission(&FormValues::from_view(view), incident.vendor.as_deref())
            .map_err(Error::Form)?;
    if !nudged {
        let nudges = blame_nudges(&answers);
        if !nudges.is_empty() {
            // Shown once, with every answer kept; the next submit records them as written.
            return Ok(SurveyModal {
                review_id: review.id,
                incident_title: &incident.title,
                vendor: incident.vendor.as_deref(),
                min_responses: review.min_responses,
                existing: Some(&answers),
                nudges: &nudges,
            }
            .view());
        }
    }
    let key = &state.pseudonym_key;
    let respondent = key.respondent_key(review.id, user_id);
    let json = serde_json::to_string(&answers).map_err(anyhow::Error::from)?;
    let saved = state
        .store
        .save_survey_response(
            review.id,
            user_id,
            &respondent,
            |n| key.pseudonym_candidate(review.id, user_id, n),
            &json,
        )
        .await?;
    match saved {
        Ok(ResponseSaved::Created { .. }) | Ok(ResponseSaved::Updated { .. }) => {
            // No log line here: even without the user, its time would say when someone answered.
            Ok(forms::notice(
                "Incident survey",
                "Thank you, your answers are saved. You can edit them from the survey message until the survey closes.",
            ))
        }
        Err(ResponseRefused::SurveyNotOpen) => Err(field_error(
            "This survey closed before you submitted, so your text was not saved. Copy it if you want to raise it in the meeting.",
        )),
        Err(ResponseRefused::NotAParticipant) => Err(field_error(
            "This survey is for the people who took part in the incident.",
        )),
    }
}

/// One line per blame phrase found in the answers.
fn blame_nudges(answers: &Answers) -> Vec<String> {
    answers
        .values()
        .flat_map(|text| super::blame::detect(text))
        .map(|n| {
            format!(
                "You wrote “{}”. A question that teaches more: _{}_",
                blocks::escape(&n.found),
                n.reframing
            )
        })
        .collect()
}

fn field_error(message: &str) -> Error {
    let mut errors = FieldErrors::default();
    errors.add(questions::CORE[0].id, message);
    Error::Form(errors)
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
