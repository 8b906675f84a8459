//! Purpose: `/debrief review delete`: the facilitator or a workspace admin deletes a
//! review's anonymous content and participation data, after Slack's confirmation dialog.
//! The incident, the review's settings, counterfactuals and action items stay.

use jiff::Timestamp;

use crate::app::AppState;
use crate::error::Error;
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, Style};
use crate::store::reviews::Review;

/// Who may delete: the facilitator, or a workspace admin or owner.
async fn require_may_delete(state: &AppState, review: &Review, user: &str) -> Result<(), Error> {
    super::require_holder_or_admin(
        state,
        user,
        Some(&review.facilitator_id),
        &format!(
            "Only the facilitator, <@{}>, or a workspace admin can delete this review's answers and participation data.",
            review.facilitator_id
        ),
        "debrief could not ask Slack whether you are a workspace admin just now; nothing was deleted. Try again in a minute.",
    )
    .await
}

/// `/debrief review delete`: says exactly what goes and what stays, with a Delete button
/// behind a confirmation dialog.
pub async fn command(state: &AppState, request: &CommandRequest) -> Result<Reply, Error> {
    let (incident, review) = super::require_review(state, request).await?;
    require_may_delete(state, &review, &request.user_id).await?;
    let title = blocks::escape(&incident.title);
    let what = format!(
        "Delete the survey answers, anonymous observations, participant list, message counts and check-in rounds of the review of *{title}*?"
    );
    let kept = "The incident, the review's settings, counterfactuals and action items stay. Messages already posted in Slack (agendas, observations shown in a thread) are not deleted. This cannot be undone.";
    let button = blocks::behind_confirmation(
        blocks::button(
            "Delete",
            crate::ids::REVIEW_DELETE,
            &review.id.to_string(),
            Style::Danger,
        ),
        "Delete this review's data?",
        &format!("Answers, observations and participation data of *{title}* are deleted for good."),
        "Delete",
    );
    Ok(Reply::ephemeral_blocks(
        what.clone(),
        vec![
            blocks::section(what),
            blocks::context(kept),
            blocks::actions(Some("review_delete"), vec![button]),
        ],
    ))
}

/// **Delete**, confirmed in Slack's dialog. Permission is checked again: the button could
/// have been pressed by someone else, or after the facilitator changed.
pub async fn confirmed(
    state: &AppState,
    user: &str,
    value: &str,
    now: Timestamp,
) -> Result<String, Error> {
    let review = super::review_from_button(state, value).await?;
    require_may_delete(state, &review, user).await?;
    let cancelled = state.store.cancel_review_jobs(review.id).await?;
    let erased = state.store.erase_review(review.id, now.as_second()).await?;
    tracing::info!(review = %review.id, jobs = cancelled, "a review's data was deleted on request");
    Ok(format!(
        "Deleted: {} survey answer(s), {} observation(s), {} participant(s) and their message counts, {} check-in round(s). The incident, the review's settings, counterfactuals and action items stay.",
        erased.answers, erased.observations, erased.participants, erased.checkins
    ))
}
