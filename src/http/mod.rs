//! Purpose: the HTTP edge. Routes, the request-verification layer, and thin adapters
//! that turn Slack's wire formats into calls to `bot::on_*`. No decisions here.

mod ops;
mod slack;
mod verify;

use axum::Router;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use crate::app::AppState;

pub use verify::MAX_BODY_BYTES;

/// Every route the service answers.
pub fn router(state: AppState) -> Router {
    // Routes used by Slack: every request is size-limited and signature-checked first.
    let slack_routes = Router::new()
        .route("/slack/commands", post(slack::command))
        .route("/slack/events", post(slack::event))
        .route("/slack/interactions", post(slack::interaction))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            verify::verify_slack_request,
        ));
    // Routes used by operators and Prometheus.
    let ops_routes = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics));
    Router::new()
        .merge(slack_routes)
        .merge(ops_routes)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
