//! Purpose: operator endpoints: health and Prometheus metrics.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::{AppState, TokenCheck};

/// How long the health check waits for the database: a load balancer probing every
/// few seconds needs a prompt "no" more than a slow "yes".
const HEALTH_DEADLINE: std::time::Duration = std::time::Duration::from_millis(800);

/// A due job waiting longer than this means the workers are stuck or gone.
const BACKLOG_LIMIT_SECONDS: i64 = 300;

/// 200 only when the database answers promptly, due jobs are being run, Slack accepted
/// the bot token, and Slack calls are not failing in a row; otherwise 503 with the reason, one per line. Load balancers
/// take the instance out, and a person reading it knows where to look.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let check = async {
        if !state.store.ping().await {
            return vec!["database unavailable".to_string()];
        }
        let mut problems = Vec::new();
        if let Ok(Some(wait)) = state.store.oldest_due_wait(state.clock.now()).await
            && wait > BACKLOG_LIMIT_SECONDS
        {
            problems.push(format!(
                "degraded: a due job has waited {wait} s for a worker"
            ));
        }
        match state.token_check() {
            TokenCheck::Unreachable { attempts } => problems.push(format!(
                "degraded: Slack could not be reached to check the bot token ({attempts} attempts so far; retrying)"
            )),
            TokenCheck::Refused(code) => problems.push(format!(
                "Slack refused the bot token ({code}): set SLACK_BOT_TOKEN and restart"
            )),
            TokenCheck::Pending | TokenCheck::Confirmed => {}
        }
        if state.slack.failing() {
            problems.push("degraded: Slack calls are failing".to_string());
        }
        problems
    };
    match tokio::time::timeout(HEALTH_DEADLINE, check).await {
        Ok(problems) if problems.is_empty() => (StatusCode::OK, "ok\n").into_response(),
        Ok(problems) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{}\n", problems.join("\n")),
        )
            .into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response(),
    }
}

/// `GET /metrics`. The participation and pulse figures are features', so they are worked out here
/// and handed to the metrics layer.
/// Prometheus asks for OpenMetrics; anything else (`curl`, `promtool`) gets the classic format.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let rendered = async {
        let now = state.clock.now();
        let features = crate::metrics::FeatureFigures {
            participation: crate::features::participation::latest_completed_ratios(&state).await?,
            pulse: crate::features::pulse::current_quarter_figures(&state, now).await?,
        };
        (state.metrics).render(&state.store, now, &features).await
    };
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/openmetrics-text"));
    match rendered.await {
        Ok(text) if openmetrics => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            crate::metrics::classic_text(&text),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = ?err, "could not render metrics");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
