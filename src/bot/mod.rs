//! Purpose: the transport-agnostic core. A slash command, an interaction or an event
//! comes in (over HTTP or Socket Mode), a Slack reply goes out. This is the only
//! place that knows every feature; it dispatches with one `match` and maps errors
//! to what Slack shows, once.

pub mod commands;
pub mod grammar;
pub mod ids;

use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::{Error, internal_error_text, new_reference};
use crate::slack::blocks;

/// A slash command as debrief needs it, whichever transport delivered it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct CommandRequest {
    pub team_id: String,
    pub channel_id: String,
    pub user_id: String,
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub response_url: String,
    pub trigger_id: String,
}

impl From<SlackCommandEvent> for CommandRequest {
    fn from(ev: SlackCommandEvent) -> Self {
        Self {
            team_id: ev.team_id.to_string(),
            channel_id: ev.channel_id.to_string(),
            user_id: ev.user_id.to_string(),
            command: ev.command.to_string(),
            text: ev.text.unwrap_or_default(),
            response_url: ev.response_url.value().to_string(),
            trigger_id: ev.trigger_id.to_string(),
        }
    }
}

/// What the person who typed a command (or pressed a button) sees right away.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub blocks: Vec<SlackBlock>,
    /// Ephemeral unless a feature deliberately posts in the channel.
    pub in_channel: bool,
}

impl Reply {
    pub fn ephemeral(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            blocks: Vec::new(),
            in_channel: false,
        }
    }

    pub fn ephemeral_blocks(fallback: impl Into<String>, blocks: Vec<SlackBlock>) -> Self {
        Self {
            text: fallback.into(),
            blocks,
            in_channel: false,
        }
    }

    pub fn into_command_response(self) -> SlackCommandEventResponse {
        let kind = if self.in_channel {
            SlackMessageResponseType::InChannel
        } else {
            SlackMessageResponseType::Ephemeral
        };
        SlackCommandEventResponse::new(blocks::message(self.text, self.blocks))
            .with_response_type(kind)
    }
}

/// Turns a feature's error into what the person sees. Internal errors are logged here,
/// once, with the reference the person is shown.
pub fn reply_for_error(err: Error) -> Reply {
    match err {
        Error::User(user) => Reply::ephemeral(user.0),
        Error::Form(fields) => {
            // Commands have no fields; a form error reaching here is still the user's to fix.
            Reply::ephemeral(fields.0.into_values().collect::<Vec<_>>().join(" "))
        }
        Error::Internal(err) => {
            let reference = new_reference();
            tracing::error!(reference, error = ?err, "internal error");
            Reply::ephemeral(internal_error_text(&reference))
        }
    }
}

/// Handles a slash command. Always answers: a user mistake is an ephemeral sentence.
#[tracing::instrument(name = "command", skip_all)]
pub async fn on_command(state: &AppState, request: CommandRequest) -> Reply {
    let now = state.clock.now();
    match commands::dispatch(state, &request, now).await {
        Ok(reply) => reply,
        Err(err) => reply_for_error(err),
    }
}

/// Handles an interaction (button, modal submission, shortcut).
#[tracing::instrument(name = "interaction", skip_all)]
pub async fn on_interaction(
    state: &AppState,
    event: SlackInteractionEvent,
) -> SlackInteractionResponse {
    let now = state.clock.now();
    ids::dispatch(state, event, now).await
}

/// Where an Events API delivery came from, for deduplication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    First,
    /// Slack's own retry (`X-Slack-Retry-Num`).
    Retry(u32),
}

/// Handles an Events API callback exactly once per `event_id`.
#[tracing::instrument(name = "event", skip_all, fields(event_id = %callback.event_id))]
pub async fn on_event(
    state: &AppState,
    callback: SlackPushEventCallback,
    delivery: Delivery,
) -> anyhow::Result<EventOutcome> {
    let now = state.clock.now();
    // A retry of an event we never saw (the first delivery was lost) is still handled;
    // a retry or duplicate of one we recorded is acknowledged and ignored.
    if !state
        .store
        .record_event_once(callback.event_id.value(), now)
        .await?
    {
        tracing::debug!(?delivery, "duplicate event ignored");
        return Ok(EventOutcome::Duplicate);
    }
    crate::features::on_event(state, callback, now).await?;
    Ok(EventOutcome::Handled)
}

/// Whether an event was acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    Handled,
    Duplicate,
}
