//! Purpose: "Add to Slack": a workspace installs debrief through Slack's OAuth v2 flow,
//! its bot token is stored sealed, and whoever installed it is welcomed by DM.
//!
//! The `state` parameter that goes to Slack and comes back is what stops a forged
//! redirect (someone sending a victim's browser to `/slack/oauth_redirect` with the
//! attacker's code): it is issued with a cookie holding the same value, is signed with a
//! key derived from the pseudonym key, and expires after ten minutes. Nothing about it is
//! stored, so any replica can finish an install another one started.

use jiff::Timestamp;

use crate::app::AppState;
use crate::pseudonym::PseudonymKey;
use crate::queue::{self, Job};
use crate::slack::{Installation, SlackCallError};
use crate::workspace::{ActingWorkspace, acting_for};

/// How long an install link stays good between leaving for Slack and coming back.
pub const STATE_LIFETIME_SECONDS: i64 = 600;

/// The cookie that binds an install to the browser that started it.
pub const STATE_COOKIE: &str = "debrief_oauth_state";

/// A fresh `state` value: when it was issued, a random nonce, and a signature over both.
pub fn issue_state(key: &PseudonymKey, now: Timestamp, nonce: [u8; 16]) -> String {
    let body = format!("{}.{}", now.as_second(), hex::encode(nonce));
    let signature = key.opaque("oauth install state", &body);
    format!("{body}.{signature}")
}

/// Why an OAuth redirect was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateProblem {
    /// No cookie, or a cookie for another install: opened in another browser, or forged.
    NotThisBrowser,
    /// Not signed by this service.
    Forged,
    /// Older than [`STATE_LIFETIME_SECONDS`] (or from the future).
    Expired,
}

/// Checks a redirect's `state` against the browser's cookie, its signature and its age.
pub fn check_state(
    key: &PseudonymKey,
    returned: &str,
    cookie: Option<&str>,
    now: Timestamp,
) -> Result<(), StateProblem> {
    if cookie != Some(returned) {
        return Err(StateProblem::NotThisBrowser);
    }
    let mut parts = returned.rsplitn(2, '.');
    let (Some(signature), Some(body)) = (parts.next(), parts.next()) else {
        return Err(StateProblem::Forged);
    };
    let expected = key.opaque("oauth install state", body);
    // Compared in full whatever the first difference, so timing says nothing about it.
    let same = expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(StateProblem::Forged);
    }
    let issued: i64 = body
        .split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or(StateProblem::Forged)?;
    let age = now.as_second() - issued;
    if !(0..=STATE_LIFETIME_SECONDS).contains(&age) {
        return Err(StateProblem::Expired);
    }
    Ok(())
}

/// Slack's authorize page for this app: the Web API's host with `/oauth/v2/authorize`
/// (https://slack.com/api → https://slack.com/oauth/v2/authorize), asking for exactly the
/// scopes debrief uses.
pub fn authorize_url(
    api_url: &str,
    client_id: &str,
    state: &str,
    redirect_url: Option<&str>,
) -> String {
    let base = api_url.trim_end_matches('/').trim_end_matches("/api");
    let mut url = url::Url::parse(&format!("{base}/oauth/v2/authorize"))
        .expect("the API URL was validated at start-up");
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("scope", &crate::slack::REQUIRED_BOT_SCOPES.join(","))
        .append_pair("state", state);
    if let Some(redirect) = redirect_url {
        url.query_pairs_mut().append_pair("redirect_uri", redirect);
    }
    url.to_string()
}

/// Why an install did not complete, in words for the person in the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallFailure {
    /// The person pressed Cancel on Slack's page (Slack says why, e.g. `access_denied`).
    Cancelled(String),
    State(StateProblem),
    /// Slack refused the code (used twice, expired, wrong app): start again.
    Refused(String),
    /// Slack did not answer; the same link cannot be retried (codes are single-use).
    SlackUnavailable,
}

impl InstallFailure {
    pub fn explain(&self) -> String {
        match self {
            InstallFailure::Cancelled(why) => format!(
                "The installation was cancelled on Slack's page ({why}). Nothing was installed."
            ),
            InstallFailure::State(StateProblem::NotThisBrowser | StateProblem::Forged) => {
                "This install link was not started in this browser, so it was not accepted. Start again from /slack/install in the same browser.".into()
            }
            InstallFailure::State(StateProblem::Expired) => {
                "This install link is more than ten minutes old. Start again from /slack/install.".into()
            }
            InstallFailure::Refused(code) => format!(
                "Slack did not accept this installation ({code}). Start again from /slack/install."
            ),
            InstallFailure::SlackUnavailable => {
                "Slack did not answer, so the installation could not finish. Start again from /slack/install in a minute.".into()
            }
        }
    }
}

/// Finishes an install: exchanges the code for the workspace's token, stores it sealed,
/// and queues the installer's welcome (acting for the new workspace, with its token).
pub async fn complete(
    state: &AppState,
    code: &str,
) -> anyhow::Result<Result<Installation, InstallFailure>> {
    let oauth = state
        .config
        .oauth
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("OAuth installs are not configured"))?;
    let installation = match state
        .slack
        .exchange_oauth_code(
            &oauth.client_id,
            oauth.client_secret.expose(),
            code,
            oauth.redirect_url.as_deref(),
        )
        .await
    {
        Ok(installation) => installation,
        Err(SlackCallError::Rejected { code, .. }) => {
            return Ok(Err(InstallFailure::Refused(code)));
        }
        Err(_) => return Ok(Err(InstallFailure::SlackUnavailable)),
    };
    let now = state.clock.now();
    state
        .save_workspace_credentials(
            &installation.team_id,
            &installation.team_name,
            &installation.bot_user_id,
            &installation.bot_token,
            Some(&installation.installer),
        )
        .await?;
    let acting = ActingWorkspace {
        team_id: installation.team_id.clone(),
        bot_user_id: installation.bot_user_id.clone(),
        token: slack_morphism::prelude::SlackApiToken::new(installation.bot_token.clone().into()),
    };
    let welcome = Job::WelcomeInstaller {
        team_id: installation.team_id.clone(),
        user: installation.installer.clone(),
    };
    acting_for(Some(acting), queue::enqueue(state, &welcome, now)).await?;
    tracing::info!(
        team = %installation.team_id,
        workspace = %installation.team_name,
        "a workspace installed debrief"
    );
    Ok(Ok(installation))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PseudonymKey {
        PseudonymKey::from_bytes([7; 32])
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    #[test]
    fn a_state_is_accepted_once_back_in_the_same_browser_within_ten_minutes() {
        let state = issue_state(&key(), at(1_000_000), [1; 16]);
        assert_eq!(
            check_state(&key(), &state, Some(&state), at(1_000_000 + 600)),
            Ok(())
        );
        assert_eq!(
            check_state(&key(), &state, Some(&state), at(1_000_000 + 601)),
            Err(StateProblem::Expired)
        );
        assert_eq!(
            check_state(&key(), &state, None, at(1_000_001)),
            Err(StateProblem::NotThisBrowser)
        );
        let other = issue_state(&key(), at(1_000_000), [2; 16]);
        assert_eq!(
            check_state(&key(), &state, Some(&other), at(1_000_001)),
            Err(StateProblem::NotThisBrowser)
        );
    }

    #[test]
    fn a_state_signed_with_another_key_or_altered_is_forged() {
        let foreign = issue_state(&PseudonymKey::from_bytes([8; 32]), at(1_000_000), [1; 16]);
        assert_eq!(
            check_state(&key(), &foreign, Some(&foreign), at(1_000_001)),
            Err(StateProblem::Forged)
        );
        // Moving the issue time forward to stretch the lifetime breaks the signature.
        let genuine = issue_state(&key(), at(1_000_000), [1; 16]);
        let stretched = genuine.replacen("1000000", "1000500", 1);
        assert_eq!(
            check_state(&key(), &stretched, Some(&stretched), at(1_000_700)),
            Err(StateProblem::Forged)
        );
        assert_eq!(
            check_state(&key(), "nonsense", Some("nonsense"), at(1)),
            Err(StateProblem::Forged)
        );
    }

    #[test]
    fn the_authorize_page_is_on_slacks_host_with_exactly_the_scopes_used() {
        let url = authorize_url(
            "https://slack.com/api",
            "123.456",
            "s.t.u",
            Some("https://debrief.example.com/slack/oauth_redirect"),
        );
        let parsed = url::Url::parse(&url).unwrap();
        assert_eq!(parsed.host_str(), Some("slack.com"));
        assert_eq!(parsed.path(), "/oauth/v2/authorize");
        let query: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(query["client_id"], "123.456");
        assert_eq!(query["state"], "s.t.u");
        assert_eq!(
            query["redirect_uri"],
            "https://debrief.example.com/slack/oauth_redirect"
        );
        let scopes: Vec<&str> = query["scope"].split(',').collect();
        assert_eq!(scopes, crate::slack::REQUIRED_BOT_SCOPES);
    }
}
