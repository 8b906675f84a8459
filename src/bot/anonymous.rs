//! Purpose: which requests are anonymous actions: writing or opening a survey or pulse answer, and
//! every route to an observation. They are handled like any other request, but the
//! transports count no metric for them and nothing in their path logs or counts its
//! moment: a per-request series or log line would say when someone wrote.

use slack_morphism::prelude::*;

use crate::grammar;
use crate::ids;

/// A slash command whose subcommand is anonymous (`/debrief observe …`).
pub fn is_anonymous_command(text: &str) -> bool {
    grammar::parse(super::commands::SLASH, text, super::commands::SUBCOMMANDS)
        .is_ok_and(|invocation| is_anonymous_invocation(&invocation))
}

/// [`is_anonymous_command`] for a command already parsed.
pub fn is_anonymous_invocation(invocation: &grammar::Invocation) -> bool {
    invocation.name() == "observe"
}

/// A button, form or shortcut on an anonymous path.
pub fn is_anonymous_interaction(event: &SlackInteractionEvent) -> bool {
    match event {
        SlackInteractionEvent::BlockActions(ev) => ev.actions.iter().flatten().any(|a| {
            let id = a.action_id.value();
            id == ids::SURVEY_OPEN || id == ids::PULSE_OPEN || ids::is_observe_record(id)
        }),
        SlackInteractionEvent::ViewSubmission(ev) => match &ev.view.view {
            SlackView::Modal(modal) => modal.callback_id.as_ref().is_some_and(|id| {
                [ids::SURVEY_SUBMIT, ids::OBSERVE_SUBMIT, ids::PULSE_SUBMIT]
                    .contains(&id.value().as_str())
            }),
            SlackView::Home(_) => false,
        },
        SlackInteractionEvent::MessageAction(ev) => ev.callback_id.value() == ids::OBSERVE_SHORTCUT,
        _ => false,
    }
}

/// An event that is an anonymous action: a DM to the bot starting with "observe".
pub fn is_anonymous_event(callback: &SlackPushEventCallback) -> bool {
    match &callback.event {
        SlackEventCallbackBody::Message(message) => message
            .content
            .as_ref()
            .and_then(|c| c.text.as_deref())
            .is_some_and(crate::features::observation::is_observe_message),
        _ => false,
    }
}
