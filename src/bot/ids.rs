//! Purpose: callback, action and block ids of every interactive element, and the one
//! `match` that routes an interaction to its feature.

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;

/// Routes an interaction. Unknown ones (an old message's button after an upgrade)
/// are acknowledged so Slack shows no error, and logged.
pub async fn dispatch(
    _state: &AppState,
    event: SlackInteractionEvent,
    _now: Timestamp,
) -> SlackInteractionResponse {
    let kind = match &event {
        SlackInteractionEvent::BlockActions(_) => "block_actions",
        SlackInteractionEvent::ViewSubmission(_) => "view_submission",
        SlackInteractionEvent::ViewClosed(_) => "view_closed",
        SlackInteractionEvent::Shortcut(_) => "shortcut",
        SlackInteractionEvent::MessageAction(_) => "message_action",
        SlackInteractionEvent::BlockSuggestion(_) => "block_suggestion",
        SlackInteractionEvent::DialogSubmission(_) => "dialog_submission",
    };
    tracing::debug!(kind, "interaction with no handler acknowledged");
    SlackInteractionResponse::Empty
}
