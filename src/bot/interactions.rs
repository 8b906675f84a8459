//! Purpose: the one `match` that routes an interaction (button, modal submission,
//! shortcut) to its feature, by the ids in [`crate::ids`].

use jiff::Timestamp;
use slack_morphism::prelude::*;

use super::reply_for_error;
use crate::app::AppState;
use crate::error::Error;
use crate::features::{
    actions, agenda, checkin, completion, counterfactual, incident, observation, onboarding, pulse,
    summary, survey, vocabulary,
};
use crate::queue::{self, Job, Requester};
use crate::slack::forms;

/// Routes an interaction. Unknown ones (an old message's button after an upgrade)
/// are acknowledged so Slack shows no error, and logged.
/// A form submitted must be answered by `deadline` (see [`super::COMMAND_DEADLINE`]).
pub async fn dispatch(
    state: &AppState,
    event: SlackInteractionEvent,
    now: Timestamp,
    deadline: tokio::time::Instant,
) -> SlackInteractionResponse {
    match event {
        SlackInteractionEvent::BlockActions(ev) => {
            on_block_actions(state, ev, now).await;
            SlackInteractionResponse::Empty
        }
        SlackInteractionEvent::ViewSubmission(ev) => {
            on_view_submission(state, ev, now, deadline).await
        }
        SlackInteractionEvent::MessageAction(ev)
            if ev.callback_id.value() == crate::ids::OBSERVE_SHORTCUT =>
        {
            let channel = ev.channel.as_ref().map(|c| c.id.to_string());
            let result = observation::on_shortcut(
                state,
                channel.as_deref(),
                ev.team.id.value(),
                ev.trigger_id.value(),
            )
            .await;
            if let Err(err) = result {
                let presser = Presser {
                    user: ev.user.id.to_string(),
                    channel: channel.unwrap_or_default(),
                    response_url: Some(ev.response_url.value().to_string()),
                    trigger_id: None,
                };
                show_error(state, &presser, err, now).await;
            }
            SlackInteractionResponse::Empty
        }
        other => {
            tracing::debug!(
                kind = interaction_kind(&other),
                "interaction with no handler acknowledged"
            );
            SlackInteractionResponse::Empty
        }
    }
}

fn interaction_kind(event: &SlackInteractionEvent) -> &'static str {
    match event {
        SlackInteractionEvent::BlockActions(_) => "block_actions",
        SlackInteractionEvent::ViewSubmission(_) => "view_submission",
        SlackInteractionEvent::ViewClosed(_) => "view_closed",
        SlackInteractionEvent::Shortcut(_) => "shortcut",
        SlackInteractionEvent::MessageAction(_) => "message_action",
        SlackInteractionEvent::BlockSuggestion(_) => "block_suggestion",
        SlackInteractionEvent::DialogSubmission(_) => "dialog_submission",
    }
}

/// Who pressed a button, and the ways back to them.
struct Presser {
    user: String,
    channel: String,
    /// Present for buttons on messages: replies through it are private, in context.
    response_url: Option<String>,
    /// Opens a modal within 3 s of the press, once.
    trigger_id: Option<String>,
}

/// Shows the person who pressed a button what went wrong, privately: as a small modal
/// opened with the press's trigger (at once, and where they are looking), or when the
/// trigger is spent or expired, through the message's `response_url` (an ephemeral reply
/// under it), or else by DM. A button has no reply body, so an error that is only
/// returned would be lost.
async fn show_error(state: &AppState, presser: &Presser, err: Error, now: Timestamp) {
    let reply = reply_for_error(err);
    if let Some(trigger) = &presser.trigger_id
        && state
            .slack
            .open_view(trigger, forms::notice("debrief", reply.text()))
            .await
            .is_ok()
    {
        return;
    }
    let job = Job::TellRequester {
        requester: Requester {
            user_id: presser.user.clone(),
            channel_id: presser.channel.clone(),
            response_url: presser.response_url.clone(),
            asked_at: now.as_second(),
        },
        text: reply.into_text(),
    };
    if let Err(err) = queue::enqueue(state, &job, now).await {
        tracing::error!(error = ?err, "could not tell someone why their button did nothing");
    }
}

/// Tells the person who pressed a button how it went, privately (a success that their
/// screen does not already show).
async fn tell(state: &AppState, presser: &Presser, text: String, now: Timestamp) {
    let job = Job::TellRequester {
        requester: Requester {
            user_id: presser.user.clone(),
            channel_id: presser.channel.clone(),
            response_url: presser.response_url.clone(),
            asked_at: now.as_second(),
        },
        text,
    };
    if let Err(err) = queue::enqueue(state, &job, now).await {
        tracing::error!(error = ?err, "could not tell someone what their button did");
    }
}

/// Replaces the message whose button was pressed with `text`, so its buttons cannot be
/// pressed again; without a message to replace, tells the presser privately.
async fn replace_or_tell(state: &AppState, presser: &Presser, text: String, now: Timestamp) {
    if let Some(url) = &presser.response_url
        && state
            .slack
            .respond_replacing(url, crate::slack::blocks::text(text.clone()))
            .await
            .is_ok()
    {
        return;
    }
    tell(state, presser, text, now).await;
}

async fn on_block_actions(state: &AppState, ev: SlackInteractionBlockActionsEvent, now: Timestamp) {
    let Some(user) = ev.user.as_ref().map(|u| u.id.to_string()) else {
        return;
    };
    let response_url = ev.response_url.as_ref().map(|u| u.value().to_string());
    let presser = Presser {
        user: user.clone(),
        channel: ev
            .channel
            .as_ref()
            .map(|c| c.id.to_string())
            .unwrap_or_default(),
        response_url: response_url.clone(),
        trigger_id: Some(ev.trigger_id.to_string()),
    };
    // A button inside a modal opens its form on top (views.push); anywhere else, a new one.
    let in_modal = matches!(ev.view, Some(SlackView::Modal(_)));
    for action in ev.actions.iter().flatten() {
        let value = action.value.clone().unwrap_or_default();
        let result: Result<(), Error> = match crate::ids::kind_of(action.action_id.value()) {
            crate::ids::SURVEY_OPEN => {
                survey::modal::open_modal(state, &user, ev.trigger_id.value(), &value).await
            }
            crate::ids::SUMMARY_OPEN => {
                summary::open_form(state, &user, ev.trigger_id.value(), &value).await
            }
            crate::ids::PULSE_OPEN => {
                pulse::open_form(state, &user, ev.trigger_id.value(), &value).await
            }
            crate::ids::PULSE_MUTE => match pulse::stop_reminders(state, &user, &value).await {
                Ok(text) => {
                    tell(state, &presser, text, now).await;
                    Ok(())
                }
                Err(err) => Err(err),
            },
            crate::ids::PULSE_OPT_OUT => {
                match pulse::opt_out(state, ev.team.id.value(), &user, now).await {
                    Ok(text) => {
                        tell(state, &presser, text, now).await;
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            crate::ids::SURVEY_MUTE => {
                survey::modal::stop_reminders(state, &user, &value, response_url.as_deref(), now)
                    .await
            }
            crate::ids::CHECKIN_SHARE
            | crate::ids::CHECKIN_PASS
            | crate::ids::CHECKIN_SKIP
            | crate::ids::CHECKIN_END => {
                checkin::on_button(
                    state,
                    action.action_id.value(),
                    &value,
                    &user,
                    ev.trigger_id.value(),
                    now,
                )
                .await
            }
            crate::ids::AGENDA_OPEN_FROM_HOME => {
                agenda::open_from_home(state, &user, ev.trigger_id.value(), &value).await
            }
            crate::ids::COUNTERFACTUAL_OPEN => {
                counterfactual::open_from_button(state, ev.trigger_id.value(), &value, in_modal)
                    .await
            }
            crate::ids::COUNTERFACTUAL_RANK => {
                counterfactual::rank_from_agenda(
                    state,
                    &user,
                    ev.trigger_id.value(),
                    &value,
                    in_modal,
                )
                .await
            }
            // The item's message and the App Home show the change; only a stale or
            // unknown button has something to say (as an error).
            crate::ids::ACTION_STATUS => {
                actions::on_button(state, ev.team.id.value(), &user, &value, now)
                    .await
                    .map(|_| ())
            }
            crate::ids::COUNTERFACTUAL_TO_ACTION => {
                actions::open_from_counterfactual(state, &user, ev.trigger_id.value(), &value).await
            }
            crate::ids::MODE_USE => {
                match vocabulary::on_use(state, ev.team.id.value(), &user, &value, now).await {
                    Ok(text) => {
                        match &response_url {
                            // Replaces the suggestion, so its buttons cannot be pressed again.
                            Some(url) => {
                                let _ = state
                                    .slack
                                    .respond_replacing(url, crate::slack::blocks::text(text))
                                    .await;
                            }
                            None => tell(state, &presser, text, now).await,
                        }
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            crate::ids::SURVEY_SEND => {
                match survey::command::send_confirmed(state, &user, &value, now).await {
                    Ok(text) => {
                        replace_or_tell(state, &presser, text, now).await;
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            crate::ids::SURVEY_EDIT_PARTICIPANTS => {
                match survey::command::edit_participants(state, &user, &value).await {
                    Ok(text) => {
                        replace_or_tell(state, &presser, text, now).await;
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            crate::ids::REVIEW_DELETE => {
                match crate::features::erasure::confirmed(state, &user, &value, now).await {
                    Ok(text) => {
                        replace_or_tell(state, &presser, text, now).await;
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            crate::ids::HELP_ALL => {
                replace_or_tell(state, &presser, super::commands::help_text(), now).await;
                Ok(())
            }
            crate::ids::START_REVIEW => {
                onboarding::open_start_review(state, ev.trigger_id.value()).await
            }
            crate::ids::REVIEW_DONE => match completion::on_button(state, &user, &value, now).await
            {
                Ok(text) => {
                    tell(state, &presser, text, now).await;
                    Ok(())
                }
                Err(err) => Err(err),
            },
            id if crate::ids::is_observe_record(id) => {
                match observation::on_record_button(state, &value).await {
                    Ok(text) => {
                        if let Some(url) = &response_url {
                            // Replaces the message that carried the text, so it is not left on screen.
                            let _ = state
                                .slack
                                .unmetered()
                                .respond_replacing(url, crate::slack::blocks::text(text))
                                .await;
                        }
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            other => {
                tracing::debug!(action = other, "button with no handler");
                Ok(())
            }
        };
        if let Err(err) = result {
            show_error(state, &presser, err, now).await;
        }
    }
}

async fn on_view_submission(
    state: &AppState,
    ev: SlackInteractionViewSubmissionEvent,
    now: Timestamp,
    deadline: tokio::time::Instant,
) -> SlackInteractionResponse {
    let (callback, metadata) = match &ev.view.view {
        SlackView::Modal(modal) => (
            modal
                .callback_id
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            modal.private_metadata.clone().unwrap_or_default(),
        ),
        SlackView::Home(_) => return SlackInteractionResponse::Empty,
    };
    let user = ev.user.id.to_string();
    let handled = async {
        match callback.as_str() {
            crate::ids::SURVEY_SUBMIT => survey::modal::submit(state, &user, &ev.view, &metadata)
                .await
                .map(Some),
            crate::ids::REVIEW_SUBMIT => {
                crate::features::review::form::submit(state, &user, &ev.view, &metadata, now)
                    .await
                    .map(|()| None)
            }
            crate::ids::SUMMARY_SUBMIT => summary::submit(state, &user, &ev.view, &metadata, now)
                .await
                .map(|()| None),
            crate::ids::CHECKIN_SHARE_SUBMIT => {
                checkin::submit_share(state, &user, &ev.view, &metadata, now)
                    .await
                    .map(|()| None)
            }
            crate::ids::TEMPLATE_SUBMIT => {
                survey::template::submit(state, ev.team.id.value(), &user, &ev.view, &metadata, now)
                    .await
            }
            crate::ids::CHECKIN_SUBMIT => {
                checkin::submit_form(state, &user, &ev.view, &metadata, now)
                    .await
                    .map(|()| None)
            }
            crate::ids::PULSE_SUBMIT => pulse::submit(state, &user, &ev.view, &metadata)
                .await
                .map(Some),
            crate::ids::INCIDENT_SUBMIT => incident::submit(state, &user, &ev.view, &metadata, now)
                .await
                .map(|()| None),
            // The submitter's id is not passed on: observations are recorded without an author.
            crate::ids::OBSERVE_SUBMIT => observation::on_modal_submit(state, &ev.view, &metadata)
                .await
                .map(Some),
            crate::ids::ACTION_SUBMIT => {
                actions::submit_from_counterfactual(state, &user, &ev.view, &metadata, now)
                    .await
                    .map(Some)
            }
            crate::ids::COUNTERFACTUAL_SUBMIT => {
                counterfactual::submit(state, &ev.view, &metadata, now)
                    .await
                    .map(Some)
            }
            other => {
                tracing::debug!(callback = other, "modal with no handler");
                Ok(None)
            }
        }
    };
    // Past Slack's 3 s the person would see a generic failure and might close the modal;
    // answering in time keeps it open with their text in it.
    let result = tokio::time::timeout_at(deadline, handled)
        .await
        .unwrap_or_else(|_| Err(submission_out_of_time()));
    submission_response(&ev.view, result)
}

/// Why a form could not be saved in time; the form stays open with the person's text.
fn submission_out_of_time() -> Error {
    Error::User(crate::error::UserError(
        "debrief could not save this in time (its database is not answering). Your text is still here: submit again in a minute.".into(),
    ))
}

/// The answer to a form that debrief ran out of time for before it could even look at it
/// (its workspace's credentials could not be read in time): kept open, with the reason.
pub fn late_submission(ev: &SlackInteractionViewSubmissionEvent) -> SlackInteractionResponse {
    submission_response(&ev.view, Err(submission_out_of_time()))
}

/// What Slack is told about a submitted form: closed, replaced, or kept open with errors.
fn submission_response(
    view: &SlackStatefulView,
    result: Result<Option<SlackView>, Error>,
) -> SlackInteractionResponse {
    match result {
        Ok(None) => {
            SlackViewSubmissionResponse::Clear(SlackViewSubmissionClearResponse::new()).into()
        }
        Ok(Some(view)) => {
            SlackViewSubmissionResponse::Update(SlackViewSubmissionUpdateResponse::new(view)).into()
        }
        Err(Error::Form(fields)) => SlackViewSubmissionResponse::Errors(
            SlackViewSubmissionErrorsResponse::new(fields.0.into_iter().collect()),
        )
        .into(),
        Err(other) => {
            // Keep the modal open with the person's text in it, and say what happened.
            let reply = reply_for_error(other);
            let mut errors = std::collections::HashMap::new();
            errors.insert(
                first_input_block(view).unwrap_or_default(),
                reply.into_text(),
            );
            SlackViewSubmissionResponse::Errors(SlackViewSubmissionErrorsResponse::new(errors))
                .into()
        }
    }
}

/// The block id of a view's first input, where a general error can be shown.
fn first_input_block(view: &SlackStatefulView) -> Option<String> {
    let blocks = match &view.view {
        SlackView::Modal(m) => &m.blocks,
        SlackView::Home(h) => &h.blocks,
    };
    blocks.iter().find_map(|b| match b {
        SlackBlock::Input(input) => input.block_id.as_ref().map(|id| id.to_string()),
        _ => None,
    })
}
