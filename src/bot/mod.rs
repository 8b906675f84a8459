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
/// in words before then even when its database or Slack itself is stuck. 2.4 s, not 2.5:
/// building and sending the out-of-time reply takes a few milliseconds more (the outage
/// trial measured replies 2.504 s after the request with a 2.5 s deadline), and the
/// promise is an answer within 2.5 s.
pub const COMMAND_DEADLINE: std::time::Duration = std::time::Duration::from_millis(2_400);

/// Handles a slash command. Always answers, within [`COMMAND_DEADLINE`]: a user mistake
/// is an ephemeral sentence, and a failure says honestly that the command may not have
/// been carried out, with what was typed so it can be sent again.
#[tracing::instrument(level = "debug", name = "command", skip_all)]
pub async fn on_command(state: &AppState, request: CommandRequest) -> Reply {
    // One deadline for everything the command waits for, its workspace's credentials
    // included: with installs on, those are read from the database once a minute, and a
    // database that hangs must not hold that read past Slack's 3 s either.
    let outcome = tokio::time::timeout(
        COMMAND_DEADLINE,
        Box::pin(command_in_workspace(state, &request)),
    )
    .await;
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

/// What someone in a workspace that has not installed debrief (or uninstalled it) sees.
const NOT_INSTALLED: &str = "debrief isn't installed in this workspace, so it can't act here. Ask a workspace admin to add it with the “Add to Slack” link from whoever runs debrief.";

async fn command_in_workspace(state: &AppState, request: &CommandRequest) -> Result<Reply, Error> {
    match state
        .workspace_access(&request.team_id)
        .await
        .map_err(Error::Internal)?
    {
        WorkspaceAccess::NotInstalled => Ok(Reply::ephemeral(NOT_INSTALLED)),
        access => {
            let now = state.clock.now();
            acting_for(access.acting(), commands::dispatch(state, request, now)).await
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
    // A submitted form must be answered within Slack's 3 s, counted from here: reading
    // the workspace's credentials (from the database, once a minute) is part of it.
    let deadline = tokio::time::Instant::now() + COMMAND_DEADLINE;
    let team_id = interaction_team(&event).to_string();
    let access = tokio::time::timeout_at(deadline, state.workspace_access(&team_id)).await;
    match access {
        Ok(Ok(WorkspaceAccess::NotInstalled)) => {
            tracing::info!(team = %team_id, "interaction from a workspace without debrief ignored");
            SlackInteractionResponse::Empty
        }
        Ok(Ok(access)) => {
            let now = state.clock.now();
            acting_for(
                access.acting(),
                Box::pin(interactions::dispatch(state, event, now, deadline)),
            )
            .await
        }
        Ok(Err(err)) => {
            tracing::error!(error = ?err, "could not read the workspace of an interaction");
            answer_unhandled(&event)
        }
        Err(_) => {
            tracing::error!("the workspace of an interaction could not be read in time");
            answer_unhandled(&event)
        }
    }
}

/// What an interaction debrief could not handle gets: a form stays open with its text and
/// a sentence saying why; a button press is acknowledged, and can be pressed again.
fn answer_unhandled(event: &SlackInteractionEvent) -> SlackInteractionResponse {
    match event {
        SlackInteractionEvent::ViewSubmission(ev) => interactions::late_submission(ev),
        _ => SlackInteractionResponse::Empty,
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
