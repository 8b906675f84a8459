//! Purpose: one module per feature. Each has the same shape: pure decision logic,
//! plus thin functions that load state, decide, store, and queue Slack work.

pub mod incident;
pub mod review;
pub mod survey;

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::bot::CommandRequest;
use crate::error::Error;
use crate::store::reviews::{Incident, Review};
use crate::user_error;

/// Routes an Events API callback (already deduplicated) to the feature that wants it.
pub async fn on_event(
    _state: &AppState,
    callback: SlackPushEventCallback,
    _now: Timestamp,
) -> anyhow::Result<()> {
    match callback.event {
        SlackEventCallbackBody::AppUninstalled(_) => {
            tracing::warn!("debrief was uninstalled from a workspace");
        }
        _ => tracing::debug!("event with no handler ignored"),
    }
    Ok(())
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

/// Only the facilitator may do `what`.
pub fn require_facilitator(review: &Review, user_id: &str, what: &str) -> Result<(), Error> {
    if review.facilitator_id != user_id {
        user_error!(
            "Only the facilitator, <@{}>, can {what}. `/debrief status` shows where the review stands.",
            review.facilitator_id
        );
    }
    Ok(())
}

/// Extra lines other features add to `/debrief status`.
pub async fn status_extras(_state: &AppState, _review: &Review) -> anyhow::Result<Vec<String>> {
    Ok(Vec::new())
}
