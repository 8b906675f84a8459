//! Purpose: one module per feature. Each has the same shape: pure decision logic,
//! plus thin functions that load state, decide, store, and queue Slack work.

pub mod agenda;
pub mod blame;
pub mod checkin;
pub mod counterfactual;
pub mod incident;
pub mod observation;
pub mod participation;
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
    state: &AppState,
    callback: SlackPushEventCallback,
    now: Timestamp,
) -> anyhow::Result<()> {
    match callback.event {
        SlackEventCallbackBody::Message(message) => {
            on_message(state, callback.team_id.as_ref(), message, now).await
        }
        SlackEventCallbackBody::AppHomeOpened(opened)
            if opened.tab.as_deref() != Some("messages") =>
        {
            let job = crate::jobs::Job::PublishHome {
                user: opened.user.to_string(),
            };
            crate::jobs::enqueue(state, &job, now, None).await?;
            Ok(())
        }
        SlackEventCallbackBody::AppUninstalled(_) => {
            tracing::warn!("debrief was uninstalled from a workspace");
            Ok(())
        }
        _ => {
            tracing::debug!("event with no handler ignored");
            Ok(())
        }
    }
}

/// A message the bot can see: a check-in reply, a DM "observe …", or a message counted
/// for participation. Edits, deletions, joins and bots' messages are not turns.
async fn on_message(
    state: &AppState,
    team_id: &str,
    message: SlackMessageEvent,
    now: Timestamp,
) -> anyhow::Result<()> {
    let person_wrote = matches!(
        message.subtype,
        None | Some(SlackMessageEventType::ThreadBroadcast)
            | Some(SlackMessageEventType::FileShare)
    );
    let (Some(user), Some(channel)) = (
        message.sender.user.as_ref(),
        message.origin.channel.as_ref(),
    ) else {
        return Ok(());
    };
    if !person_wrote || message.sender.bot_id.is_some() {
        return Ok(());
    }
    let (user, channel) = (user.to_string(), channel.to_string());
    if matches!(state.bot_user_id().await, Ok(bot) if bot == user) {
        return Ok(());
    }
    let text = message
        .content
        .as_ref()
        .and_then(|c| c.text.clone())
        .unwrap_or_default();
    let is_dm = message
        .origin
        .channel_type
        .as_ref()
        .is_some_and(|t| t.to_string() == "im")
        || channel.starts_with('D');
    if is_dm {
        if observation::is_observe_message(&text) {
            observation::on_direct_message(state, &channel, &user, &text, now).await?;
        }
        return Ok(());
    }
    if let Some(thread_ts) = message.origin.thread_ts.as_ref().map(|t| t.to_string())
        && checkin::on_thread_reply(state, &channel, &thread_ts, &user, now).await?
    {
        return Ok(());
    }
    if let Some(review) = state.store.review_for_channel(team_id, &channel).await? {
        // Without a scheduled meeting, a check-in round marks when the meeting happens.
        let checkin_started = match review.meeting_at {
            Some(_) => None,
            None => state
                .store
                .checkins_of(review.id)
                .await?
                .last()
                .map(|c| c.started_at),
        };
        if in_meeting_window(review.meeting_at.or(checkin_started), now) {
            state.store.count_message(review.id, &user).await?;
        }
    }
    Ok(())
}

/// Channel messages count for participation from 15 minutes before the meeting (or the
/// check-in, when no meeting was scheduled) to three hours after it starts.
pub fn in_meeting_window(meeting_start: Option<i64>, now: Timestamp) -> bool {
    meeting_start.is_some_and(|start| (start - 900..=start + 3 * 3600).contains(&now.as_second()))
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

/// Extra lines other features add to `/debrief status`: the check-in, and, once the
/// meeting has started or a check-in ran, the participation figures.
pub async fn status_extras(
    state: &AppState,
    review: &Review,
    now: Timestamp,
) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    let checkin = checkin::status_line(state, review.id).await?;
    let meeting_started = review.meeting_at.is_some_and(|m| m <= now.as_second());
    if meeting_started || checkin.is_some() {
        let participants: Vec<String> = state
            .store
            .participants(review.id)
            .await?
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        let recorded = state.store.participation(review.id).await?;
        if !recorded.is_empty() {
            lines.push(participation::summary_line(&participation::figures(
                &participants,
                &recorded,
            )));
        }
    }
    lines.extend(checkin);
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::in_meeting_window;
    use jiff::Timestamp;

    #[test]
    fn the_meeting_window_runs_from_a_quarter_before_to_three_hours_after() {
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        let start = 100_000;
        assert!(!in_meeting_window(Some(start), at(start - 901)));
        assert!(in_meeting_window(Some(start), at(start - 900)));
        assert!(in_meeting_window(Some(start), at(start + 3 * 3600)));
        assert!(!in_meeting_window(Some(start), at(start + 3 * 3600 + 1)));
        assert!(!in_meeting_window(None, at(start)), "no meeting, no window");
    }
}
