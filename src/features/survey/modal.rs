//! Purpose: the survey modal: opening it (prefilled when editing), "Don't remind me", and
//! a submission stored under the keyed respondent hash, with a framing nudge shown once.

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::domain::ReviewId;
use crate::error::{Error, FieldErrors};
use crate::features::framing::{self, Nudge};
use crate::queue::{self, Job, Requester};
use crate::slack::forms::{self, FormValues};
use crate::store::surveys::ResponseRefused;
use crate::user_error;

use super::questions::{Answers, Kind, Question, SurveyModal};

/// Button "Answer the survey": opens the modal (prefilled when editing). Must use the
/// trigger id within 3 s, so it calls views.open inline.
pub async fn open_modal(
    state: &AppState,
    user_id: &str,
    trigger_id: &str,
    value: &str,
) -> Result<(), Error> {
    let view = survey_view_for(state, user_id, value).await?;
    // Unmetered: the moment someone opens the form is the start of an anonymous action.
    state
        .slack
        .unmetered()
        .open_view(trigger_id, view)
        .await
        .map_err(|e| crate::features::form_did_not_open("the survey", e))?;
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
    let existing: Option<Answers> = super::responses::own(state, &review, user_id).await?;
    let questions =
        super::template::questions_of(state, review.id, incident.vendor.as_deref()).await?;
    Ok(SurveyModal {
        review_id: review.id,
        incident_title: &incident.title,
        vendor: incident.vendor.as_deref(),
        questions: &questions,
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
    let questions =
        super::template::questions_of(state, review.id, incident.vendor.as_deref()).await?;
    let answers = super::questions::parse_submission(&FormValues::from_view(view), &questions)
        .map_err(Error::Form)?;
    if !nudged {
        let nudges = framing_nudges(&answers, &questions);
        if !nudges.is_empty() {
            // Shown once, with every answer kept; the next submit records them as written.
            return Ok(SurveyModal {
                review_id: review.id,
                incident_title: &incident.title,
                vendor: incident.vendor.as_deref(),
                questions: &questions,
                min_responses: review.min_responses,
                existing: Some(&answers),
                nudges: &nudges,
            }
            .view());
        }
    }
    // Nothing else is written, logged or counted here: any trace of the moment would say
    // when someone answered, and next to their name, what.
    match super::responses::save(state, &review, user_id, &answers).await? {
        Ok(_) => Ok(forms::notice(
            "Incident survey",
            "Thank you, your answers are saved. You can edit them from the survey message until the survey closes.",
        )),
        Err(ResponseRefused::SurveyNotOpen) => Err(field_error(
            "This survey closed before you submitted, so your text was not saved. Copy it if you want to raise it in the meeting.",
        )),
        Err(ResponseRefused::NotAParticipant) => Err(field_error(
            "This survey is for the people who took part in the incident.",
        )),
    }
}

/// Every framing found in the free-text answers, in the order of the questions (choices
/// and numbers carry no wording to reframe).
fn framing_nudges(answers: &Answers, questions: &[Question]) -> Vec<Nudge> {
    questions
        .iter()
        .filter(|q| q.kind == Kind::Open)
        .filter_map(|q| answers.get(q.id.as_ref()))
        .flat_map(|text| framing::detect(text))
        .collect()
}

fn field_error(message: &str) -> Error {
    let mut errors = FieldErrors::default();
    errors.add(super::questions::FIRST_ID, message);
    Error::Form(errors)
}
