//! Purpose: `/debrief review done` (and the agenda's button): the facilitator marks a
//! postmortem completed once its meeting has happened. Reviews past their meeting and not
//! done count as outstanding in the learning review.

use jiff::Timestamp;

use crate::app::AppState;
use crate::error::Error;
use crate::queue::{self, Job};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks;
use crate::store::reviews::{Incident, Review};
use crate::user_error;

/// `/debrief review done`.
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (incident, review) = super::require_review(state, request).await?;
    let (text, newly_done) = mark_done(state, &incident, &review, &request.user_id, now).await?;
    if !newly_done {
        return Ok(Reply::ephemeral(text));
    }
    // Marking it done is the moment to write the outcome down for the channel.
    let mut content = vec![blocks::section(&text)];
    content.extend(super::summary::offer(&review));
    Ok(Reply::ephemeral_blocks(text, content))
}

/// "Mark the review done" on the agenda (in the facilitator's DM).
pub async fn on_button(
    state: &AppState,
    user: &str,
    value: &str,
    now: Timestamp,
) -> Result<String, Error> {
    let review = super::review_from_button(state, value).await?;
    let Some(incident) = state.store.incident(review.incident_id).await? else {
        user_error!("That review's incident no longer exists.");
    };
    let (text, newly_done) = mark_done(state, &incident, &review, user, now).await?;
    Ok(if newly_done {
        format!(
            "{text} `/debrief review summary` drafts a summary to post in <#{}>.",
            review.channel_id
        )
    } else {
        text
    })
}

async fn mark_done(
    state: &AppState,
    incident: &Incident,
    review: &Review,
    user: &str,
    now: Timestamp,
) -> Result<(String, bool), Error> {
    super::require_facilitator(review, user, "mark the review done")?;
    if let Some(meeting) = review.meeting_at
        && meeting > now.as_second()
    {
        user_error!(
            "The meeting is {}; mark the review done after it has happened.",
            blocks::date(meeting)
        );
    }
    let title = blocks::escape(&incident.title);
    if !state.store.mark_review_done(review.id, user, now).await? {
        return Ok((
            format!("The review of *{title}* was already marked done; nothing changed."),
            false,
        ));
    }
    // Shown privately and after the fact: they never block closing a review.
    let warnings = super::review::vendor_review_warnings(state, review).await?;
    if !warnings.is_empty() {
        let job = Job::PostEphemeral {
            channel: review.channel_id.clone(),
            user: user.to_string(),
            text: format!(
                "*Still open in this vendor review:*\n{}",
                warnings
                    .iter()
                    .map(|gap| format!("• {gap}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            thread_ts: None,
        };
        queue::enqueue(state, &job, now).await?;
    }
    Ok((
        format!(
            "The review of *{title}* is marked done: it counts as a completed postmortem in the learning review. Its action items live on: `/debrief actions open`."
        ),
        true,
    ))
}
