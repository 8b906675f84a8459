//! Purpose: the two browser-facing routes of "Add to Slack". Thin: the state check and
//! the install itself live in `features::install`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::features::install::{self, InstallFailure, STATE_COOKIE, STATE_LIFETIME_SECONDS};

/// `GET /slack/install`: a page with the "Add to Slack" link, and the cookie that lets
/// only this browser finish the install.
pub async fn install(State(state): State<AppState>) -> Response {
    let Some(oauth) = &state.config.oauth else {
        return page(
            StatusCode::NOT_FOUND,
            "Not available",
            "This debrief serves one workspace and is not set up for “Add to Slack” (set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET).",
            None,
        );
    };
    let install_state =
        install::issue_state(&state.pseudonym_key, state.clock.now(), rand::random());
    let link = install::authorize_url(
        &state.config.slack_api_url,
        &oauth.client_id,
        &install_state,
        oauth.redirect_url.as_deref(),
    );
    let mut response = page(
        StatusCode::OK,
        "Add debrief to Slack",
        "debrief runs incident reviews that people learn from. Installing it lets it post in the channels you invite it to and send survey invitations by DM.",
        Some(("Add to Slack", &link)),
    );
    let secure = if oauth
        .redirect_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"))
    {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{STATE_COOKIE}={install_state}; Path=/slack; Max-Age={STATE_LIFETIME_SECONDS}; HttpOnly; SameSite=Lax{secure}"
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(serde::Deserialize)]
pub struct RedirectQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /slack/oauth_redirect`: Slack sends the installer's browser back here with a code
/// (or with `error` when they cancelled).
pub async fn redirect(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<RedirectQuery>,
) -> Response {
    if state.config.oauth.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let failure = |failure: InstallFailure| {
        let status = match failure {
            InstallFailure::Cancelled(_) => StatusCode::OK,
            InstallFailure::SlackUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        page(
            status,
            "debrief was not installed",
            &failure.explain(),
            None,
        )
    };
    if let Some(error) = query.error {
        return failure(InstallFailure::Cancelled(error));
    }
    let cookie = cookie_value(&headers, STATE_COOKIE);
    let returned = query.state.unwrap_or_default();
    if let Err(problem) = install::check_state(
        &state.pseudonym_key,
        &returned,
        cookie.as_deref(),
        state.clock.now(),
    ) {
        tracing::warn!(?problem, "an OAuth redirect was refused");
        return failure(InstallFailure::State(problem));
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return failure(InstallFailure::Refused("no code".into()));
    };
    let mut response = match install::complete(&state, &code).await {
        Ok(Ok(installation)) => {
            let open = format!(
                "slack://app?team={}&id=",
                url::form_urlencoded::byte_serialize(installation.team_id.as_bytes())
                    .collect::<String>()
            );
            page(
                StatusCode::OK,
                "debrief is installed",
                &format!(
                    "debrief is now part of {}. You'll find a message from it in Slack with the first three steps.",
                    installation.team_name
                ),
                Some(("Open Slack", &open)),
            )
        }
        Ok(Err(failed)) => failure(failed),
        Err(err) => {
            tracing::error!(error = ?err, "an install could not be stored");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "debrief was not installed",
                "debrief could not save the installation. Start again from /slack/install in a minute.",
                None,
            )
        }
    };
    // The state is single-use: the cookie goes whatever happened.
    let expired = format!("{STATE_COOKIE}=; Path=/slack; Max-Age=0; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The value of cookie `name` in the request, if any.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// A small HTML page: a heading, a sentence, and optionally one link styled as a button.
fn page(status: StatusCode, title: &str, text: &str, link: Option<(&str, &str)>) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let button = link.map_or(String::new(), |(label, href)| {
        format!(
            "<p><a class=\"button\" href=\"{}\">{}</a></p>",
            escape(href),
            escape(label)
        )
    });
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<meta name=\"viewport\" content=\"width=device-width\">\
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5}}\
.button{{display:inline-block;padding:.6em 1.2em;background:#4A154B;color:#fff;border-radius:6px;text-decoration:none}}</style>\
</head><body><h1>{title}</h1><p>{text}</p>{button}</body></html>\n",
        title = escape(title),
        text = escape(text),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
