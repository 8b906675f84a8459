//! Purpose: verify that a request really comes from Slack before anything reads it.
//!
//! Order matters: the size limit applies while the body streams in (a 5 MiB unsigned
//! body is refused at 1 MiB, not read whole), then the v0 HMAC-SHA256 signature and
//! the 300 s timestamp window are checked, and only then does a handler see the body.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use slack_morphism::prelude::SlackSigningSecret;
use slack_morphism::signature_verifier::{
    SlackEventSignatureVerifier, SlackEventSignatureVerifierError,
};

use crate::app::AppState;

/// Slack's payloads are a few KiB; anything above 1 MiB is refused.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The verified raw body, handed to the route handler.
#[derive(Clone, Debug)]
pub struct VerifiedBody(pub String);

fn route_label(path: &str) -> &'static str {
    match path {
        "/slack/commands" => "commands",
        "/slack/events" => "events",
        _ => "interactions",
    }
}

pub async fn verify_slack_request(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = route_label(request.uri().path());
    let Some(secret) = state.config.slack_signing_secret.as_ref() else {
        // Socket Mode only: the HTTP Slack routes are not in use.
        return StatusCode::NOT_FOUND.into_response();
    };
    let declared_length = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        state.metrics.count_request(route, "too_large");
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let (parts, body) = request.into_parts();
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            state.metrics.count_request(route, "too_large");
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        }
        Err(_) => {
            state.metrics.count_request(route, "malformed");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (
        header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER),
        header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP),
    ) else {
        state.metrics.count_request(route, "bad_signature");
        return StatusCode::UNAUTHORIZED.into_response();
    };
    // A body that is not UTF-8 cannot have been signed by Slack over this text, so its
    // lossy form fails the check below. Slack's bodies are UTF-8: validated in one pass.
    let body = match std::str::from_utf8(&bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    };
    let verifier =
        SlackEventSignatureVerifier::new(&SlackSigningSecret::new(secret.expose().into()));
    match verifier.verify(signature, &body, timestamp) {
        Ok(()) => {}
        Err(SlackEventSignatureVerifierError::IncorrectOrExpiredTimestampError(_)) => {
            state.metrics.count_request(route, "stale");
            return StatusCode::UNAUTHORIZED.into_response();
        }
        Err(_) => {
            state.metrics.count_request(route, "bad_signature");
            return StatusCode::UNAUTHORIZED.into_response();
        }
    }
    let mut request = Request::from_parts(parts, axum::body::Body::empty());
    request.extensions_mut().insert(VerifiedBody(body));
    next.run(request).await
}
