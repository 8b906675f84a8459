//! Purpose: [`AppState`], what every handler and job is given: configuration, store, Slack
//! client, metrics, clock and key. State only; starting and stopping live in `startup`.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use tokio::sync::{Notify, OnceCell};

use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::pseudonym::PseudonymKey;
use crate::slack::{SlackApi, SlackCallError};
use crate::store::Store;
use crate::workspace::{self, ActingWorkspace};

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
    /// Installed workspaces' credentials, opened from the store and kept for
    /// [`WORKSPACE_CACHE_LIFETIME_SECONDS`] from when they were read (the app's clock, in seconds).
    workspaces: std::sync::Mutex<HashMap<String, (i64, Option<ActingWorkspace>)>>,
}

/// How long a workspace's opened credentials are reused: long enough that a burst of
/// requests unseals its token once, short enough that a reinstall or uninstall seen by
/// another replica is picked up here within a minute.
const WORKSPACE_CACHE_LIFETIME_SECONDS: i64 = 60;

/// Whether debrief may act in a workspace, and with which token.
#[derive(Debug, Clone)]
pub enum WorkspaceAccess {
    /// A single-workspace install: SLACK_BOT_TOKEN serves every request.
    Configured,
    /// Installed through OAuth: its own token.
    Installed(ActingWorkspace),
    /// OAuth distribution, and this workspace never installed debrief or has uninstalled it.
    NotInstalled,
}

impl WorkspaceAccess {
    /// What [`workspace::acting_for`] should be given.
    pub fn acting(&self) -> Option<ActingWorkspace> {
        match self {
            WorkspaceAccess::Installed(acting) => Some(acting.clone()),
            _ => None,
        }
    }
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
            config.slack_bot_token.as_ref().map(|t| t.expose()),
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
            workspaces: Default::default(),
        })))
    }

    /// The bot's user id; asked of Slack the first time it is needed, so that a Slack
    /// outage at start-up does not stop the service from starting.
    pub async fn bot_user_id(&self) -> Result<String, SlackCallError> {
        if let Some(acting) = workspace::acting() {
            return Ok(acting.bot_user_id);
        }
        self.bot_user_id
            .get_or_try_init(|| self.slack.bot_user_id())
            .await
            .cloned()
    }

    /// Whether debrief may act in `team_id`, and with which token. Without OAuth
    /// distribution every request is the configured workspace's.
    pub async fn workspace_access(&self, team_id: &str) -> anyhow::Result<WorkspaceAccess> {
        if self.config.oauth.is_none() {
            return Ok(WorkspaceAccess::Configured);
        }
        let now = self.clock.now().as_second();
        let cached = self
            .workspaces
            .lock()
            .expect("workspace cache lock")
            .get(team_id)
            .filter(|(read_at, _)| now - read_at < WORKSPACE_CACHE_LIFETIME_SECONDS)
            .map(|(_, acting)| acting.clone());
        let acting = match cached {
            Some(acting) => acting,
            None => {
                let acting = match self.store.workspace(team_id).await? {
                    Some(stored) => match stored.sealed_token {
                        Some(sealed) => Some(ActingWorkspace {
                            token: slack_morphism::prelude::SlackApiToken::new(
                                self.pseudonym_key.open_token(team_id, &sealed)?.into(),
                            ),
                            team_id: stored.team_id,
                            bot_user_id: stored.bot_user_id,
                        }),
                        None => None,
                    },
                    None => None,
                };
                self.workspaces
                    .lock()
                    .expect("workspace cache lock")
                    .insert(team_id.to_string(), (now, acting.clone()));
                acting
            }
        };
        Ok(acting.map_or(WorkspaceAccess::NotInstalled, WorkspaceAccess::Installed))
    }

    /// Records a workspace's bot token, sealed (an OAuth install, or SLACK_BOT_TOKEN's
    /// workspace when installs are on), and drops any credentials cached for it, so the
    /// next request opens the new token. [`AppState::workspace_access`] opens what this seals.
    pub async fn save_workspace_credentials(
        &self,
        team_id: &str,
        team_name: &str,
        bot_user_id: &str,
        bot_token: &str,
        installed_by: Option<&str>,
    ) -> anyhow::Result<()> {
        let stored = crate::store::workspaces::StoredWorkspace {
            team_id: team_id.to_string(),
            team_name: team_name.to_string(),
            bot_user_id: bot_user_id.to_string(),
            sealed_token: Some(self.pseudonym_key.seal_token(team_id, bot_token)),
            installed_by: installed_by.map(str::to_string),
        };
        self.store.save_workspace(&stored, self.clock.now()).await?;
        self.forget_workspace_credentials(team_id);
        Ok(())
    }

    /// Drops a workspace's cached credentials after it installed or uninstalled.
    pub fn forget_workspace_credentials(&self, team_id: &str) {
        self.workspaces
            .lock()
            .expect("workspace cache lock")
            .remove(team_id);
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
