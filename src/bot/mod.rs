//! Purpose: the transport-agnostic core. A slash command, an interaction or an event
//! comes in (over HTTP or Socket Mode), a Slack reply goes out. This is the only
//! place that knows every feature; it dispatches with one `match` and maps errors
//! to what Slack shows, once.

pub mod anonymous;
pub mod commands;
pub mod events;
pub mod interactions;
pub mod jobs;

use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::{Error, internal_error_text, new_reference};
use crate::request::{CommandRequest, Reply};

pub use events::{Delivery, EventOutcome, on_event};
pub use jobs::on_job;

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
    interactions::dispatch(state, event, now).await
}
