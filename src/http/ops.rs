//! Purpose: operator endpoints: health and Prometheus metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// How long the health check waits for the database: a load balancer probing every
/// few seconds needs a prompt "no" more than a slow "yes".
const HEALTH_DEADLINE: std::time::Duration = std::time::Duration::from_millis(800);

/// 200 only when the database answers promptly; load balancers take the instance out otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let answered = tokio::time::timeout(HEALTH_DEADLINE, state.store.ping()).await;
    if answered.unwrap_or(false) {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state.store).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = ?err, "could not render metrics");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
