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

use crate::app::{AppState, WorkspaceAccess};
use crate::error::{Error, internal_error_text, new_reference};
use crate::request::{CommandRequest, Reply};
use crate::workspace::acting_for;

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
    match state.workspace_access(&request.team_id).await {
        Ok(WorkspaceAccess::NotInstalled) => Reply::ephemeral(NOT_INSTALLED),
        Ok(access) => {
            acting_for(
                access.acting(),
                Box::pin(command_in_workspace(state, request)),
            )
            .await
        }
        Err(err) => with_what_was_typed(reply_for_error(Error::Internal(err)), &request),
    }
}

/// What someone in a workspace that has not installed debrief (or uninstalled it) sees.
const NOT_INSTALLED: &str = "debrief isn't installed in this workspace, so it can't act here. Ask a workspace admin to add it with the “Add to Slack” link from whoever runs debrief.";

async fn command_in_workspace(state: &AppState, request: CommandRequest) -> Reply {
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
        reply.append_text(&format!(
            "What you typed, to send again:\n```{} {}```",
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
    let team_id = interaction_team(&event).to_string();
    match state.workspace_access(&team_id).await {
        Ok(WorkspaceAccess::NotInstalled) => {
            tracing::info!(team = %team_id, "interaction from a workspace without debrief ignored");
            SlackInteractionResponse::Empty
        }
        Ok(access) => {
            let now = state.clock.now();
            acting_for(
                access.acting(),
                Box::pin(interactions::dispatch(state, event, now)),
            )
            .await
        }
        Err(err) => {
            tracing::error!(error = ?err, "could not read the workspace of an interaction");
            SlackInteractionResponse::Empty
        }
    }
}

/// The workspace an interaction came from.
fn interaction_team(event: &SlackInteractionEvent) -> &str {
    match event {
        SlackInteractionEvent::BlockActions(ev) => ev.team.id.value(),
        SlackInteractionEvent::BlockSuggestion(ev) => ev.team.id.value(),
        SlackInteractionEvent::DialogSubmission(ev) => ev.team.id.value(),
        SlackInteractionEvent::MessageAction(ev) => ev.team.id.value(),
        SlackInteractionEvent::Shortcut(ev) => ev.team.id.value(),
        SlackInteractionEvent::ViewSubmission(ev) => ev.team.id.value(),
        SlackInteractionEvent::ViewClosed(ev) => ev.team.id.value(),
    }
}
