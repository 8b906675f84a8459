//! Purpose: one module per feature. Each has the same shape: pure decision logic,
//! plus thin functions that load state, decide, store, and queue Slack work.

pub mod actions;
pub mod agenda;
pub mod catalogue;
pub mod checkin;
pub mod completion;
pub mod counterfactual;
pub mod erasure;
pub mod framing;
pub mod incident;
pub mod install;
pub mod learning;
pub mod observation;
pub mod onboarding;
pub mod participation;
pub mod pulse;
pub mod retention;
pub mod review;
pub mod summary;
pub mod survey;
pub mod vocabulary;

use jiff::Timestamp;

use crate::app::AppState;
use crate::error::Error;
use crate::request::CommandRequest;
use crate::store::reviews::{Incident, Review};
use crate::user_error;

/// Lets `user` through when they hold a role (`holder`; anyone when nobody holds it) or
/// administer or own the workspace, asked of Slack now so that a revoked admin cannot.
/// Otherwise the user error `refused`, or `unavailable` when Slack cannot say.
pub async fn require_holder_or_admin(
    state: &AppState,
    user: &str,
    holder: Option<&str>,
    refused: &str,
    unavailable: &str,
) -> Result<(), Error> {
    if holder.is_none_or(|holder| holder == user) {
        return Ok(());
    }
    match state.slack.is_workspace_admin(user).await {
        Ok(true) => Ok(()),
        Ok(false) => user_error!("{refused}"),
        Err(err) => {
            tracing::warn!(error = %err, "could not check admin rights");
            user_error!("{unavailable}")
        }
    }
}

/// Review subcommands work in a channel, where the incident lives, not in a DM.
pub fn require_channel(request: &CommandRequest, subcommand: &str) -> Result<(), Error> {
    if request.channel_id.starts_with('D') {
        user_error!(
            "Run `/debrief {subcommand}` in the incident's channel, not in a direct message."
        );
    }
    Ok(())
}

/// The channel's incident, or a sentence saying how to record one.
pub async fn require_incident(
    state: &AppState,
    request: &CommandRequest,
) -> Result<Incident, Error> {
    match state
        .store
        .incident_for_channel(&request.team_id, &request.channel_id)
        .await?
    {
        Some(incident) => Ok(incident),
        None => user_error!(
            "There's no incident recorded for this channel yet. Start with `/debrief incident title=\"…\"`."
        ),
    }
}

/// The channel's review, or a sentence saying how to open one.
pub async fn require_review(
    state: &AppState,
    request: &CommandRequest,
) -> Result<(Incident, Review), Error> {
    require_channel(request, "review")?;
    let incident = require_incident(state, request).await?;
    match state
        .store
        .review_for_channel(&request.team_id, &request.channel_id)
        .await?
    {
        Some(review) => Ok((incident, review)),
        None => user_error!("This incident has no review yet. Open one with `/debrief review`."),
    }
}

/// The channel's review alone, in one query when it exists (the hot path of commands
/// that need no incident, such as `observe`); the same sentences as [`require_review`]
/// when it does not.
pub async fn require_review_only(
    state: &AppState,
    request: &CommandRequest,
) -> Result<Review, Error> {
    require_channel(request, "review")?;
    if let Some(review) = state
        .store
        .review_for_channel(&request.team_id, &request.channel_id)
        .await?
    {
        return Ok(review);
    }
    require_review(state, request)
        .await
        .map(|(_, review)| review)
}

/// Only the facilitator may do `what`.
/// The review a button names in its value; a review deleted since (or a value that is not
/// a review id) is a sentence for the presser.
pub async fn review_from_button(state: &AppState, value: &str) -> Result<Review, Error> {
    match value.parse::<crate::domain::ReviewId>() {
        Ok(id) => match state.store.review(id).await? {
            Some(review) => Ok(review),
            None => user_error!("That review no longer exists."),
        },
        Err(_) => user_error!("That review no longer exists."),
    }
}

/// The time zone to read `inv`'s times in: that of `user_id`'s Slack profile when a time
/// was typed on a wall clock (`meeting=tomorrow 15:00`), else (or when Slack does not say,
/// or cannot be asked just now) the team's, `DEBRIEF_TIMEZONE`. Slack is asked only when
/// it matters, and through the profile cache.
pub async fn person_time_zone(
    state: &AppState,
    inv: &crate::grammar::Invocation,
    user_id: &str,
    now: Timestamp,
) -> jiff::tz::TimeZone {
    let team = state.config.learning.timezone.clone();
    if !inv.has_wall_clock_time() {
        return team;
    }
    match review::user_info(state, user_id, now).await {
        Ok(user) => user
            .tz
            .and_then(|name| jiff::tz::TimeZone::get(&name).ok())
            .unwrap_or(team),
        Err(err) => {
            tracing::warn!(error = %err, "could not look up a time zone; using the team's");
            team
        }
    }
}

pub fn require_facilitator(review: &Review, user_id: &str, what: &str) -> Result<(), Error> {
    if review.facilitator_id != user_id {
        user_error!(
            "Only the facilitator, <@{}>, can {what}. `/debrief status` shows where the review stands.",
            review.facilitator_id
        );
    }
    Ok(())
}

/// Extra lines other features add to `/debrief status`: the check-in, once the meeting has
/// started or a check-in ran, the participation figures, and once the meeting has started,
/// what a vendor review still lacks before it is closed.
pub async fn status_extras(
    state: &AppState,
    review: &Review,
    now: Timestamp,
) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    let checkin = checkin::status_line(state, review.id).await?;
    let meeting_started = review.meeting_at.is_some_and(|m| m <= now.as_second());
    if meeting_started || checkin.is_some() {
        let participants = state.store.participant_ids(review.id).await?;
        let recorded = state.store.participation(review.id).await?;
        if !recorded.is_empty() {
            lines.push(participation::summary_line(&participation::figures(
                &participants,
                &recorded,
            )));
        }
    }
    lines.extend(checkin);
    if meeting_started {
        let gaps = review::vendor_review_warnings(state, review).await?;
        if !gaps.is_empty() {
            lines.push("*Before this review is closed:*".into());
            lines.extend(gaps.into_iter().map(|gap| format!("• {gap}")));
        }
    }
    Ok(lines)
}

/// A form that Slack did not open, in words for the person who asked: Slack's trigger
/// lives 3 s, so after a slow or failed `views.open` the only thing left to do is say so.
pub fn form_did_not_open(what: &str, err: crate::slack::SlackCallError) -> Error {
    let why = match &err {
        crate::slack::SlackCallError::Rejected { code, .. } if code.contains("trigger") => {
            "it took too long to open".to_string()
        }
        crate::slack::SlackCallError::Rejected { code, .. } => format!("Slack answered `{code}`"),
        _ => "Slack did not answer in time".to_string(),
    };
    tracing::warn!(%err, "a form did not open");
    Error::User(crate::error::UserError(format!(
        "I couldn't open {what}: {why}. Nothing was changed; please try again."
    )))
}
