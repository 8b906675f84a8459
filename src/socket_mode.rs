//! Purpose: the optional Socket Mode transport. It feeds the same `bot::on_*`
//! functions as the HTTP routes, so both transports behave identically.
//!
//! slack-morphism's callbacks are plain `fn` pointers that cannot capture state, so
//! the [`AppState`] travels in the listener's type-keyed user state. Socket Mode
//! acknowledges after the callback returns, so the callbacks stay as fast as the
//! HTTP handlers (slow work is queued as jobs either way).

use std::sync::Arc;

use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::bot::{self, Delivery};
use crate::config::Secret;

type Listener = SlackClientSocketModeListener<SlackClientHyperHttpsConnector>;

/// Connects to Slack over Socket Mode with the app-level token and starts listening.
pub async fn start(state: AppState, app_token: Secret) -> anyhow::Result<Arc<Listener>> {
    let environment = Arc::new(
        SlackClientEventsListenerEnvironment::new(state.slack.client())
            .with_error_handler(on_listener_error)
            .with_user_state(state.clone()),
    );
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_interaction_events(on_interaction)
        .with_push_events(on_push);
    let listener = Arc::new(SlackClientSocketModeListener::new(
        &SlackClientSocketModeConfig::new(),
        environment,
        callbacks,
    ));
    listener
        .listen_for(&SlackApiToken::new(app_token.expose().into()))
        .await
        .map_err(|e| anyhow::anyhow!("could not open a Socket Mode connection: {e}"))?;
    listener.start().await;
    tracing::info!("Socket Mode connected");
    Ok(listener)
}

async fn app_state(states: &SlackClientEventsUserState) -> AppState {
    states
        .read()
        .await
        .get_user_state::<AppState>()
        .cloned()
        .expect("the listener environment carries the AppState")
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let state = app_state(&states).await;
    Ok(bot::on_command(&state, event.into())
        .await
        .into_command_response())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let state = app_state(&states).await;
    Ok(bot::on_interaction(&state, event).await)
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let state = app_state(&states).await;
    // An error here means no ack, and Slack redelivers; dedupe makes that safe.
    match bot::on_event(&state, event, Delivery::First).await {
        Ok(bot::EventOutcome::StillHandling) => {
            Err("a redelivery of an event still being handled; left unacknowledged".into())
        }
        Ok(_) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn on_listener_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    tracing::warn!(error = %err, "Socket Mode listener error");
    // Not acknowledging makes Slack redeliver; event dedupe makes redelivery safe.
    HttpStatusCode::INTERNAL_SERVER_ERROR
}
