//! Purpose: the survey's slash commands: send it, close it early, and deliver the answers
//! once the k-floor is met. Facilitator only.

use jiff::Timestamp;
use rand::RngExt;

use crate::app::AppState;
use crate::domain::SurveyStatus;
use crate::error::Error;
use crate::queue::{self, Job};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self};
use crate::user_error;

use super::{answers_hint, close, reminder_times, ts};

/// `/debrief survey`: queue one DM per participant (facilitator only).
pub async fn send(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (incident, review) = crate::features::require_review(state, request).await?;
    crate::features::require_facilitator(&review, &request.user_id, "send the survey")?;
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
    // The facilitator's own answer never counts towards k: it tells them nothing.
    let others = participants
        .iter()
        .filter(|p| p.user_id != review.facilitator_id)
        .count();
    if (others as i64) < review.min_responses {
        user_error!(
            "Only {others} people besides you take part, but answers are shown once at least {} of them have answered, so you would never see them. Add participants, or lower the floor with `/debrief review min={}`.",
            review.min_responses,
            others.max(2)
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
            next: 0,
            in_flight: false,
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

/// `/debrief survey close`: close early (facilitator only).
pub async fn close_command(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (_, review) = crate::features::require_review(state, request).await?;
    crate::features::require_facilitator(&review, &request.user_id, "close the survey")?;
    match review.survey_status {
        SurveyStatus::Draft => user_error!(
            "The survey hasn't been sent yet, so there is nothing to close. `/debrief survey` sends it."
        ),
        SurveyStatus::Closed => {
            user_error!("The survey is already closed. `/debrief answers` shows what came in.")
        }
        SurveyStatus::Open => {}
    }
    let counts = close(state, &review, now).await?;
    let participants = state.store.participants(review.id).await?.len();
    Ok(Reply::ephemeral(format!(
        "Closed the survey: {} of {participants} answered. {}",
        counts.answered,
        answers_hint(&review, counts)
    )))
}

/// `/debrief answers`: the answers by DM once k people answered; before that, only the count.
pub async fn answers_command(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (_, review) = crate::features::require_review(state, request).await?;
    crate::features::require_facilitator(&review, &request.user_id, "read the answers")?;
    if review.survey_status == SurveyStatus::Draft {
        user_error!("The survey hasn't been sent yet. `/debrief survey` sends it.");
    }
    let counts = super::responses::counts(state, &review).await?;
    let participants = state.store.participants(review.id).await?.len();
    if !super::responses::k_met(&review, counts) {
        return Ok(Reply::ephemeral(format!(
            "{} of {participants} have answered. Answers are shown once at least {} people other than you have, so that no answer can be traced to its author.",
            counts.answered, review.min_responses
        )));
    }
    let answered = counts.answered;
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
