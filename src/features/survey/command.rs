//! Purpose: the survey's slash commands: send it, close it early, and deliver the answers
//! once the k-floor is met. Facilitator only.

use jiff::Timestamp;
use rand::RngExt;

use crate::app::AppState;
use crate::domain::SurveyStatus;
use crate::error::Error;
use crate::queue::{self, Job};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, Style};
use crate::store::reviews::{Incident, Participant, Review};
use crate::user_error;
use slack_morphism::prelude::SlackBlock;

use super::{answers_hint, close, load_incident, reminder_times, ts};

/// A survey that may go out now: who gets it and when it closes.
struct Ready {
    incident: Incident,
    review: Review,
    participants: Vec<Participant>,
    deadline: i64,
}

/// Everything that must hold before anyone is messaged; a user error says what to do instead.
async fn check_ready(
    state: &AppState,
    incident: Incident,
    review: Review,
    now: Timestamp,
) -> Result<Ready, Error> {
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
    Ok(Ready {
        incident,
        review,
        participants,
        deadline,
    })
}

/// `/debrief survey`: show the facilitator, privately, who is about to be messaged and
/// what, with **Send** and **Edit participants**. Nothing is sent until Send.
pub async fn send(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (incident, review) = crate::features::require_review(state, request).await?;
    crate::features::require_facilitator(&review, &request.user_id, "send the survey")?;
    let ready = check_ready(state, incident, review, now).await?;
    let left_out = state.store.left_out(ready.review.id).await?;
    let questions =
        super::template::questions_of(state, ready.review.id, ready.incident.vendor.as_deref())
            .await?;
    let (fallback, blocks) =
        confirmation(&ready, &questions, &left_out, state.config.confirm_above);
    Ok(Reply::ephemeral_blocks(fallback, blocks))
}

/// The confirmation shown before the survey goes out. Pure.
fn confirmation(
    ready: &Ready,
    questions: &[super::questions::Question],
    left_out: &[(String, String)],
    confirm_above: usize,
) -> (String, Vec<SlackBlock>) {
    let Ready {
        incident,
        review,
        participants,
        deadline,
    } = ready;
    let count = participants.len();
    let people = if count == 1 { "person" } else { "people" };
    let fallback = format!(
        "Ready to send the survey for “{}” to {count} {people}. Nothing is sent until you press Send.",
        incident.title
    );
    let mut content = vec![blocks::section(format!(
        "*Ready to send the survey for “{}”* to {count} {people} by DM. Nothing is sent until you press *Send*.",
        blocks::escape(&incident.title)
    ))];
    if count > confirm_above {
        content.push(blocks::section(format!(
            ":warning: That is more than {confirm_above} people. Each gets a DM{}; check the list is the one you mean.",
            match review.reminders {
                0 => String::new(),
                1 => " and a reminder".to_string(),
                n => format!(" and up to {n} reminders"),
            }
        )));
    }
    let names: Vec<String> = participants
        .iter()
        .map(|p| format!("<@{}>", p.user_id))
        .collect();
    content.push(blocks::section(format!("*Who:* {}", names.join(", "))));
    if !left_out.is_empty() {
        content.push(blocks::section(format!(
            "*Left out:* {}.",
            crate::features::review::left_out_list(left_out)
        )));
    }
    let vendor = incident.vendor.as_deref();
    let questions: Vec<String> = questions
        .iter()
        .enumerate()
        .map(|(n, q)| format!("{}. {}", n + 1, super::questions::prompt(q, vendor)))
        .collect();
    content.push(blocks::section(format!(
        "*The questions* (all optional):\n{}",
        questions.join("\n")
    )));
    content.push(blocks::context(format!(
        "The survey closes {}. Answers are shown to you under pseudonyms once at least {} people other than you have answered.",
        blocks::date(*deadline),
        review.min_responses
    )));
    let value = review.id.to_string();
    content.push(blocks::actions(
        Some("survey_confirm"),
        vec![
            blocks::button("Send", crate::ids::SURVEY_SEND, &value, Style::Primary),
            blocks::button(
                "Edit participants",
                crate::ids::SURVEY_EDIT_PARTICIPANTS,
                &value,
                Style::Default,
            ),
        ],
    ));
    (fallback, content)
}

/// **Send** on the confirmation: queue one DM per participant, once. A second press (a
/// double click, or another copy of the confirmation) finds the survey out and sends nothing.
pub async fn send_confirmed(
    state: &AppState,
    user_id: &str,
    review_id: &str,
    now: Timestamp,
) -> Result<String, Error> {
    let (incident, review) = review_by_button(state, review_id).await?;
    crate::features::require_facilitator(&review, user_id, "send the survey")?;
    let Ready {
        incident,
        review,
        participants,
        deadline,
    } = check_ready(state, incident, review, now).await?;
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
    Ok(format!(
        "Sending the survey for *{}* to {} participants by DM. It closes {}. `/debrief status` shows how many have answered (never who).",
        blocks::escape(&incident.title),
        participants.len(),
        blocks::date(deadline)
    ))
}

/// **Edit participants** on the confirmation: how to change the list, starting from the
/// current one, so nobody has to retype the names that stay.
pub async fn edit_participants(
    state: &AppState,
    user_id: &str,
    review_id: &str,
) -> Result<String, Error> {
    let (_, review) = review_by_button(state, review_id).await?;
    crate::features::require_facilitator(&review, user_id, "change the participants")?;
    let participants = state.store.participants(review.id).await?;
    let names: Vec<String> = participants
        .iter()
        .map(|p| format!("<@{}>", p.user_id))
        .collect();
    Ok(format!(
        "Nothing was sent. Today's list: {}.\nTo change it, type `/debrief review participants=` followed by the people, e.g. `participants=@maria,@li` (or `min=` to change how many answers are needed), then `/debrief survey` again.",
        names.join(", ")
    ))
}

/// The review a confirmation button belongs to, with its incident.
async fn review_by_button(state: &AppState, value: &str) -> Result<(Incident, Review), Error> {
    let stale = || {
        crate::error::Error::User(crate::error::UserError(
            "This confirmation is out of date. Type `/debrief survey` again.".into(),
        ))
    };
    let id = value
        .parse::<i64>()
        .map(crate::domain::ReviewId)
        .map_err(|_| stale())?;
    let review = state.store.review(id).await?.ok_or_else(stale)?;
    let incident = load_incident(state, &review).await?;
    Ok((incident, review))
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
