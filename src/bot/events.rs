//! Purpose: Events API callbacks, the same whichever transport delivered them: handled
//! once per `event_id`, then routed to the feature that wants them.
//!
//! Exactly-once is a rule of the core, not of a transport: the id is recorded before the
//! work and marked finished after it, and forgotten again when the work fails, so that
//! Slack's redelivery (an HTTP retry, or a Socket Mode envelope that was not acknowledged)
//! gets a second chance. A process killed mid-way leaves the id unfinished; its
//! redelivery is handled again rather than dropped as a duplicate.

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::{AppState, WorkspaceAccess};
use crate::features::{checkin, observation, onboarding, participation};
use crate::queue::{self, Job};
use crate::store::events::EventClaim;
use crate::workspace::acting_for;

/// Where an Events API delivery came from, for deduplication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    First,
    /// Slack's own retry (`X-Slack-Retry-Num`).
    Retry(u32),
}

/// Whether an event was acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    Handled,
    Duplicate,
    /// A redelivery of an event this process is still handling: not acknowledged, so
    /// Slack asks again later, when the first delivery has finished or failed.
    StillHandling,
}

/// Keeps an event id in the process's in-flight set while its work runs.
struct InFlight<'a> {
    state: &'a AppState,
    event_id: String,
}

impl<'a> InFlight<'a> {
    /// None when this process is already handling `event_id`.
    fn enter(state: &'a AppState, event_id: &str) -> Option<Self> {
        let mut running = state
            .events_in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        running.insert(event_id.to_string()).then(|| Self {
            state,
            event_id: event_id.to_string(),
        })
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.state
            .events_in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.event_id);
    }
}

/// Handles an Events API callback exactly once per `event_id`. An error means the event
/// was not handled and its id was forgotten: the transport must not acknowledge it.
#[tracing::instrument(name = "event", skip_all, fields(event_id = %callback.event_id))]
pub async fn on_event(
    state: &AppState,
    callback: SlackPushEventCallback,
    delivery: Delivery,
) -> anyhow::Result<EventOutcome> {
    let now = state.clock.now();
    let event_id = callback.event_id.to_string();
    let Some(_running) = InFlight::enter(state, &event_id) else {
        tracing::debug!(?delivery, "redelivery of an event still being handled");
        return Ok(EventOutcome::StillHandling);
    };
    // A retry of an event we never saw (the first delivery was lost) is handled; so is
    // one whose first handling died unfinished. A finished one is acknowledged and ignored.
    match state.store.claim_event(&event_id, now).await? {
        EventClaim::Finished => {
            tracing::debug!(?delivery, "duplicate event ignored");
            return Ok(EventOutcome::Duplicate);
        }
        EventClaim::Unfinished => {
            tracing::warn!(
                ?delivery,
                "an event left unfinished by a stopped process is handled again"
            );
        }
        EventClaim::New => {}
    }
    let routed = match state.workspace_access(callback.team_id.as_ref()).await {
        Ok(WorkspaceAccess::NotInstalled) => {
            tracing::info!(team = %callback.team_id, "event from a workspace without debrief ignored");
            Ok(())
        }
        Ok(access) => acting_for(access.acting(), Box::pin(route(state, callback, now))).await,
        Err(err) => Err(err),
    };
    match routed {
        Ok(()) => {
            state.store.finish_event(&event_id).await?;
            Ok(EventOutcome::Handled)
        }
        Err(err) => {
            if let Err(forget) = state.store.forget_event(&event_id).await {
                tracing::error!(error = ?forget, "could not forget a failed event; its redelivery will be ignored");
            }
            Err(err)
        }
    }
}

/// Routes a callback (already deduplicated) to the feature that wants it.
async fn route(
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
            let job = Job::PublishHome {
                user: opened.user.to_string(),
            };
            queue::enqueue(state, &job, now).await?;
            Ok(())
        }
        SlackEventCallbackBody::AppMention(mention) => {
            let thread_ts = mention.origin.thread_ts.as_ref().map(|t| t.to_string());
            onboarding::on_mention(
                state,
                mention.channel.as_ref(),
                mention.user.as_ref(),
                thread_ts.as_deref(),
            )
            .await
        }
        SlackEventCallbackBody::AppUninstalled(_) => {
            workspace_lost(state, callback.team_id.as_ref(), "app_uninstalled").await
        }
        _ => {
            tracing::debug!("event with no handler ignored");
            Ok(())
        }
    }
}

/// The workspace uninstalled debrief or revoked its bot token: every pending job would be
/// refused by Slack, and retried, so they are deleted. With OAuth distribution only that
/// workspace's jobs go, with its stored token; a single-workspace install's jobs are all
/// its own. The data stays until an operator runs `debrief purge`.
pub async fn workspace_lost(state: &AppState, team_id: &str, why: &str) -> anyhow::Result<()> {
    let cancelled = if state.config.oauth.is_some() {
        let cancelled = state
            .store
            .workspace_lost(team_id, state.clock.now())
            .await?;
        state.forget_workspace_credentials(team_id);
        cancelled
    } else {
        state.store.cancel_pending_jobs().await?
    };
    tracing::warn!(
        event = why,
        team = team_id,
        jobs = cancelled,
        "debrief lost its access to a workspace; its pending jobs were cancelled (the data stays until `debrief purge`)"
    );
    Ok(())
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
        .and_then(|c| c.text.as_deref())
        .map(crate::slack::blocks::storable)
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
        } else if onboarding::is_help_message(&text) {
            onboarding::on_direct_help(state, &channel).await?;
        }
        return Ok(());
    }
    if let Some(thread_ts) = message.origin.thread_ts.as_ref().map(|t| t.to_string())
        && checkin::on_thread_reply(state, &channel, &thread_ts, &user, now).await?
    {
        return Ok(());
    }
    participation::count_channel_message(state, team_id, &channel, &user, now).await
}
