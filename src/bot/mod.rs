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

/// How long a command may take: Slack shows its own error after 3 s, so debrief answers
/// in words before then even when its database or Slack itself is stuck.
pub const COMMAND_DEADLINE: std::time::Duration = std::time::Duration::from_millis(2_500);

/// Handles a slash command. Always answers, within [`COMMAND_DEADLINE`]: a user mistake
/// is an ephemeral sentence, and a failure says honestly that the command may not have
/// been carried out, with what was typed so it can be sent again.
#[tracing::instrument(level = "debug", name = "command", skip_all)]
pub async fn on_command(state: &AppState, request: CommandRequest) -> Reply {
    let now = state.clock.now();
    let outcome =
        tokio::time::timeout(COMMAND_DEADLINE, commands::dispatch(state, &request, now)).await;
    match outcome {
        Ok(Ok(reply)) => reply,
        Ok(Err(err @ Error::Internal(_))) => with_what_was_typed(reply_for_error(err), &request),
        Ok(Err(err)) => reply_for_error(err),
        Err(_) => {
            tracing::error!(
                deadline_ms = COMMAND_DEADLINE.as_millis() as u64,
                "a command ran out of time"
            );
            with_what_was_typed(
                Reply::ephemeral(
                    "debrief could not finish this in time (its database or Slack is not answering), so I can't tell you it was done. Please try again in a few minutes.",
                ),
                &request,
            )
        }
    }
}

/// Appends what the person typed, so nothing they wrote is lost with a failed command.
fn with_what_was_typed(mut reply: Reply, request: &CommandRequest) -> Reply {
    if !request.text.trim().is_empty() {
        reply.text.push_str(&format!(
            "\nWhat you typed, to send again:\n```{} {}```",
            commands::SLASH,
            crate::slack::blocks::escape(request.text.trim())
        ));
    }
    reply
}

/// Handles an interaction (button, modal submission, shortcut).
#[tracing::instrument(level = "debug", name = "interaction", skip_all)]
pub async fn on_interaction(
    state: &AppState,
    event: SlackInteractionEvent,
) -> SlackInteractionResponse {
    let now = state.clock.now();
    interactions::dispatch(state, event, now).await
}
