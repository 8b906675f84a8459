//! Purpose: [`AppState`], what every handler and job is given: configuration, store, Slack
//! client, metrics, clock and key. State only; starting and stopping live in `startup`.

use std::ops::Deref;
use std::sync::Arc;

use tokio::sync::{Notify, OnceCell};

use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::pseudonym::PseudonymKey;
use crate::slack::{SlackApi, SlackCallError};
use crate::store::Store;

/// Everything a handler or job needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

pub struct AppInner {
    /// The validated configuration.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// The only way to call Slack's Web API.
    pub slack: SlackApi,
    /// Counters and gauges exported at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Where "now" comes from (the wall clock, or a manual clock in tests and the demo).
    pub clock: Arc<dyn Clock>,
    /// Woken on every enqueue so the runner starts due work at once.
    pub job_wakeup: Notify,
    /// Links survey respondents to their answers; never stored in the database.
    pub pseudonym_key: PseudonymKey,
    /// The bot's own user id, asked of Slack once (`auth.test`) and then remembered.
    bot_user_id: OnceCell<String>,
    /// Event ids this process is handling right now. A redelivery of one of these is
    /// still in progress here; an unfinished id that is not here was left by a process
    /// that died, and is handled again.
    pub events_in_flight: std::sync::Mutex<std::collections::HashSet<String>>,
    /// What Slack said of the bot token at start-up; `/healthz` reports it.
    token_check: std::sync::Mutex<TokenCheck>,
}

/// The start-up check of the bot token (`auth.test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// Not asked yet.
    Pending,
    /// Slack accepted it.
    Confirmed,
    /// Slack could not be reached; the check is retried in the background.
    Unreachable { attempts: u32 },
    /// Slack refused it with this error code (after start-up: revoked while running).
    Refused(String),
}

impl Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        config: Config,
        store: Store,
        clock: Arc<dyn Clock>,
        pseudonym_key: PseudonymKey,
    ) -> anyhow::Result<Self> {
        let metrics = Arc::new(Metrics::new(config.metrics_failure_modes));
        let slack = SlackApi::new(
            &config.slack_api_url,
            config.slack_bot_token.expose(),
            metrics.clone(),
            clock.clone(),
            config.slack_timeout,
        )?;
        Ok(Self(Arc::new(AppInner {
            config,
            store,
            slack,
            metrics,
            clock,
            job_wakeup: Notify::new(),
            pseudonym_key,
            bot_user_id: OnceCell::new(),
            events_in_flight: Default::default(),
            token_check: std::sync::Mutex::new(TokenCheck::Pending),
        })))
    }

    /// The bot's user id; asked of Slack the first time it is needed, so that a Slack
    /// outage at start-up does not stop the service from starting.
    pub async fn bot_user_id(&self) -> Result<&str, SlackCallError> {
        self.bot_user_id
            .get_or_try_init(|| self.slack.bot_user_id())
            .await
            .map(String::as_str)
    }

    /// Remembers the bot's user id learned at start-up, so no handler asks for it again.
    pub fn remember_bot_user_id(&self, id: String) {
        let _ = self.bot_user_id.set(id);
    }

    pub fn token_check(&self) -> TokenCheck {
        self.token_check.lock().expect("token check lock").clone()
    }

    pub fn set_token_check(&self, check: TokenCheck) {
        *self.token_check.lock().expect("token check lock") = check;
    }
}
