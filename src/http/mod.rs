//! Purpose: the HTTP edge. Routes, the request-verification layer, and thin adapters
//! that turn Slack's wire formats into calls to `bot::on_*`. No decisions here.

mod oauth;
mod ops;
mod slack;
mod verify;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
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
    // Routes a browser follows to install debrief in a workspace ("Add to Slack").
    let install_routes = Router::new()
        .route("/slack/install", get(oauth::install))
        .route("/slack/oauth_redirect", get(oauth::redirect));
    // Routes used by operators and Prometheus.
    let ops_routes = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics));
    Router::new()
        .merge(slack_routes)
        .merge(install_routes)
        .merge(ops_routes)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            measure_request,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Set on the response of an anonymous action (writing an observation or a survey
/// answer): [`measure_request`] then records nothing, because a per-request series would
/// say when someone wrote.
#[derive(Clone, Copy)]
struct AnonymousAction;

/// Marks `response` as an anonymous action's when `anonymous`.
fn mark_anonymous(mut response: Response, anonymous: bool) -> Response {
    if anonymous {
        response.extensions_mut().insert(AnonymousAction);
    }
    response
}

/// Counts each request by route template and status, and its latency, unless the
/// handler marked it anonymous.
async fn measure_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    if response.extensions().get::<AnonymousAction>().is_none() {
        state.metrics.observe_http(
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    response
}
