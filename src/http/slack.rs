//! Purpose: adapters from Slack's three wire formats to `bot::on_*`.
//!
//! Slack waits 3 s for an answer. These handlers only parse, call the core (which
//! queues anything slow as a job) and answer. A user mistake is still HTTP 200 with
//! an ephemeral sentence; only a payload that is not Slack's shape is a 400.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use slack_morphism::prelude::*;

use super::verify::VerifiedBody;
use crate::app::AppState;
use crate::bot::{self, Delivery, EventOutcome};
use crate::request::CommandRequest;

/// `POST /slack/commands`: form-encoded slash command.
pub async fn command(
    State(state): State<AppState>,
    Extension(VerifiedBody(body)): Extension<VerifiedBody>,
) -> Response {
    // Slack occasionally checks the certificate with a signed `ssl_check=1` request.
    if body.split('&').any(|pair| pair == "ssl_check=1") {
        return StatusCode::OK.into_response();
    }
    let request = match serde_urlencoded::from_str::<CommandRequest>(&body) {
        Ok(request) => CommandRequest {
            text: crate::slack::blocks::storable(&request.text),
            ..request
        },
        Err(err) => {
            state.metrics.count_request("commands", "malformed");
            tracing::warn!(error = %err, "slash command payload did not parse");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let anonymous = bot::anonymous::is_anonymous_command(&request.text);
    if !anonymous {
        state.metrics.count_request("commands", "accepted");
    }
    let response = (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bot::on_command(&state, request).await.into_http_body(),
    )
        .into_response();
    super::mark_anonymous(response, anonymous)
}

#[derive(serde::Deserialize)]
struct InteractionForm {
    payload: String,
}

/// `POST /slack/interactions`: form with one `payload` field holding JSON.
pub async fn interaction(
    State(state): State<AppState>,
    Extension(VerifiedBody(body)): Extension<VerifiedBody>,
) -> Response {
    // Parse errors are logged by position only: serde's messages can quote the offending
    // value, and an interaction payload may hold survey or observation text.
    let event = serde_urlencoded::from_str::<InteractionForm>(&body)
        .map_err(|_| "the form has no payload field".to_string())
        .and_then(|form| {
            serde_json::from_str::<SlackInteractionEvent>(&form.payload).map_err(|e| {
                format!(
                    "{:?} error at line {} column {}",
                    e.classify(),
                    e.line(),
                    e.column()
                )
            })
        });
    let event = match event {
        Ok(event) => event,
        Err(err) => {
            state.metrics.count_request("interactions", "malformed");
            tracing::warn!(error = %err, "interaction payload did not parse");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let anonymous = bot::anonymous::is_anonymous_interaction(&event);
    if !anonymous {
        state.metrics.count_request("interactions", "accepted");
    }
    let response = match bot::on_interaction(&state, event).await {
        SlackInteractionResponse::Empty => StatusCode::OK.into_response(),
        response => Json(response).into_response(),
    };
    super::mark_anonymous(response, anonymous)
}

/// `POST /slack/events`: JSON envelope (url_verification, event_callback, app_rate_limited).
pub async fn event(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(VerifiedBody(body)): Extension<VerifiedBody>,
) -> Response {
    let Ok(envelope) = serde_json::from_str::<serde_json::Value>(&body) else {
        state.metrics.count_request("events", "malformed");
        return StatusCode::BAD_REQUEST.into_response();
    };
    // slack-morphism does not model `tokens_revoked`; it matters when it names a bot
    // token, which can only be debrief's own. Handling it twice is harmless.
    if envelope["type"] == "event_callback"
        && envelope["event"]["type"] == "tokens_revoked"
        && envelope["event"]["tokens"]["bot"]
            .as_array()
            .is_some_and(|bots| !bots.is_empty())
    {
        state.metrics.count_request("events", "accepted");
        let team_id = envelope["team_id"].as_str().unwrap_or_default();
        return match bot::events::workspace_lost(&state, team_id, "tokens_revoked").await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(err) => {
                tracing::error!(error = ?err, "could not cancel jobs after tokens_revoked");
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        };
    }
    let push = match serde_json::from_value::<SlackPushEvent>(envelope.clone()) {
        Ok(push) => push,
        Err(err) => {
            // A well-formed callback whose inner event we cannot model is acknowledged,
            // or Slack would retry it three times for nothing.
            let is_callback =
                envelope["type"] == "event_callback" && envelope["event_id"].is_string();
            state.metrics.count_request(
                "events",
                if is_callback {
                    "unmodelled"
                } else {
                    "malformed"
                },
            );
            tracing::warn!(
                kind = ?err.classify(), line = err.line(), column = err.column(),
                "event payload did not parse"
            );
            let status = if is_callback {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            return status.into_response();
        }
    };
    match push {
        SlackPushEvent::UrlVerification(verification) => {
            state.metrics.count_request("events", "accepted");
            Json(serde_json::json!({ "challenge": verification.challenge })).into_response()
        }
        SlackPushEvent::AppRateLimited(_) => {
            tracing::warn!("Slack is rate-limiting event deliveries to this app");
            StatusCode::OK.into_response()
        }
        SlackPushEvent::EventCallback(callback) => {
            let delivery = headers
                .get("x-slack-retry-num")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .map_or(Delivery::First, Delivery::Retry);
            let anonymous = bot::anonymous::is_anonymous_event(&callback);
            let response = match bot::on_event(&state, callback, delivery).await {
                Ok(EventOutcome::Handled) => {
                    if !anonymous {
                        state.metrics.count_request("events", "accepted");
                    }
                    StatusCode::OK.into_response()
                }
                Ok(EventOutcome::Duplicate) => {
                    state.metrics.count_request("events", "duplicate");
                    StatusCode::OK.into_response()
                }
                // Not acknowledged: Slack asks again once the first delivery is done.
                Ok(EventOutcome::StillHandling) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
                Err(err) => {
                    // The core forgot the id, so Slack's retry gets a second chance at it.
                    tracing::error!(error = ?err, "event handling failed; Slack will retry");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            };
            super::mark_anonymous(response, anonymous)
        }
    }
}
