//! Purpose: building, running and stopping the service. The only place that starts the
//! HTTP server, the Socket Mode listener and the job runner.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::{AppState, TokenCheck};
use crate::clock::Clock;
use crate::config::Config;
use crate::pseudonym::PseudonymKey;
use crate::store::Store;

/// Refuses to start with a different pseudonym key than the database was used with:
/// every respondent would silently lose the link to their answers.
async fn check_key_fingerprint(store: &Store, key: &PseudonymKey) -> anyhow::Result<()> {
    let fingerprint = key.fingerprint();
    let stored = store
        .setting_or_insert("pseudonym_key_fingerprint", &fingerprint)
        .await?;
    if stored != fingerprint {
        anyhow::bail!(
            "DEBRIEF_PSEUDONYM_KEY: this is not the key this database was used with (fingerprint {fingerprint}, expected {stored}); restore the original key file or variable"
        );
    }
    Ok(())
}

/// How long the start-up token check waits for Slack before starting anyway.
const TOKEN_CHECK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// The wait before the `attempt`-th background retry of the token check (1 from the
/// first): 1 s, doubling, at most a minute, so a long outage costs a call a minute.
pub fn token_retry_delay(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_secs(1u64 << attempt.saturating_sub(1).min(6))
        .min(std::time::Duration::from_secs(60))
}

/// Asks Slack whose token this is. A refused token is a configuration mistake: the error
/// names the variable to fix, and start-up stops. Slack out of reach is not: the service
/// starts, says so, and the check is retried in the background.
async fn check_token(state: &AppState) -> anyhow::Result<()> {
    if state.config.slack_bot_token.is_none() {
        // OAuth distribution alone: each workspace's token arrives with its install.
        tracing::info!("no SLACK_BOT_TOKEN: workspaces install debrief at /slack/install");
        state.set_token_check(TokenCheck::Confirmed);
        return Ok(());
    }
    // Unmetered: the check reports its own outcome in one line, not a client warning too.
    match state.slack.unmetered().identify(TOKEN_CHECK_DEADLINE).await {
        Ok(identity) => confirmed(state, identity).await,
        Err(err) => match err.refused_token() {
            Some(code) => anyhow::bail!(
                "SLACK_BOT_TOKEN: Slack refused this token ({code}); set it to the app's Bot User OAuth Token (xoxb-…) from its OAuth & Permissions page"
            ),
            None => {
                tracing::warn!(error = %err, "could not reach Slack to check the bot token; starting anyway and retrying in the background");
                state.set_token_check(TokenCheck::Unreachable { attempts: 1 });
                Ok(())
            }
        },
    }
}

/// Slack accepted SLACK_BOT_TOKEN. With OAuth distribution on as well, its workspace is
/// recorded like an installed one, so that every workspace is found the same way.
async fn confirmed(state: &AppState, identity: crate::slack::BotIdentity) -> anyhow::Result<()> {
    tracing::info!(
        workspace = %identity.team,
        team_id = %identity.team_id,
        bot = identity.bot_name.as_deref().unwrap_or(&identity.bot_user_id),
        "Slack accepted the bot token"
    );
    if let (Some(_), Some(token)) = (&state.config.oauth, &state.config.slack_bot_token) {
        state
            .save_workspace_credentials(
                &identity.team_id,
                &identity.team,
                &identity.bot_user_id,
                token.expose(),
                None,
            )
            .await?;
    }
    state.remember_bot_user_id(identity.bot_user_id);
    state.set_token_check(TokenCheck::Confirmed);
    Ok(())
}

/// Retries the token check until Slack answers or the service stops.
async fn retry_token_check(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut attempt = 1;
    while let TokenCheck::Unreachable { .. } = state.token_check() {
        tokio::select! {
            _ = tokio::time::sleep(token_retry_delay(attempt)) => {}
            _ = stop.changed() => return,
        }
        attempt += 1;
        match state.slack.unmetered().identify(TOKEN_CHECK_DEADLINE).await {
            Ok(identity) => {
                if let Err(err) = confirmed(&state, identity).await {
                    tracing::error!(error = ?err, "could not record the configured workspace");
                }
            }
            Err(err) => match err.refused_token() {
                Some(code) => {
                    tracing::error!(
                        code,
                        "Slack refused the bot token; set SLACK_BOT_TOKEN to the app's Bot User OAuth Token and restart"
                    );
                    state.set_token_check(TokenCheck::Refused(code.to_string()));
                }
                None => {
                    tracing::warn!(attempt, error = %err, "Slack is still out of reach; the bot token is not checked yet");
                    state.set_token_check(TokenCheck::Unreachable { attempts: attempt });
                }
            },
        }
    }
}

/// A built service: listening, migrated, ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Connects and migrates the database, binds the listener (port 0 picks a free one).
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // The database first: a key file is not created for a database that cannot open.
        if let Some(folder) = crate::config::sqlite_path(&config.database_url)
            .as_deref()
            .and_then(std::path::Path::parent)
            .filter(|folder| !folder.as_os_str().is_empty() && !folder.is_dir())
        {
            anyhow::bail!(
                "DATABASE_URL: the folder {} does not exist; create it or point DATABASE_URL at an existing folder",
                folder.display()
            );
        }
        let store = Store::connect(&config.database_url).await?;
        let pseudonym_key = crate::pseudonym::load_or_create(&config.pseudonym_key)?;
        check_key_fingerprint(&store, &pseudonym_key).await?;
        if store.backend() == crate::store::Backend::Sqlite {
            // SQLite is one process by design: leases left behind are a dead process's,
            // so its jobs are taken over at once rather than when the leases run out.
            let released = store.release_all_leases().await?;
            if released > 0 {
                tracing::info!(
                    jobs = released,
                    "took over jobs a stopped process was running"
                );
            }
        }
        let sealed =
            crate::features::survey::responses::seal_legacy(&store, &pseudonym_key).await?;
        if sealed > 0 {
            tracing::info!(
                rows = sealed,
                "sealed anonymous content stored by an earlier version"
            );
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("could not listen on {}", config.listen))?;
        let state = AppState::new(config, store, clock, pseudonym_key)?;
        check_token(&state).await?;
        Ok(Self { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves HTTP (and Socket Mode, and the job runner, as configured) until `shutdown` resolves.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let token_retry = matches!(self.state.token_check(), TokenCheck::Unreachable { .. })
            .then(|| tokio::spawn(retry_token_check(self.state.clone(), stop_rx.clone())));
        if self.state.config.run_worker {
            // A process that runs jobs keeps the recurring ones queued.
            crate::bot::jobs::schedule_recurring(&self.state, self.state.clock.now()).await?;
        }
        let worker = self.state.config.run_worker.then(|| {
            tokio::spawn(crate::jobs::runner::run(
                self.state.clone(),
                stop_rx.clone(),
            ))
        });
        let socket_mode = match &self.state.config.slack_app_token {
            Some(token) => {
                Some(crate::socket_mode::start(self.state.clone(), token.clone()).await?)
            }
            None => None,
        };
        let router = crate::http::router(self.state.clone());
        let mut http_stop = stop_rx.clone();
        let served = axum::serve(self.listener, router)
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = shutdown => {}
                    _ = http_stop.changed() => {}
                }
            })
            .await;
        let _ = stop_tx.send(true);
        if let Some(listener) = socket_mode {
            listener.shutdown().await;
        }
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        if let Some(retry) = token_retry {
            let _ = retry.await;
        }
        // Another replica exports the database-derived metrics from its next scrape.
        if let Err(err) = self.state.metrics.release_export(&self.state.store).await {
            tracing::warn!(error = ?err, "could not release the metrics lease");
        }
        self.state.store.close().await;
        served.context("the HTTP server stopped with an error")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn token_retries_double_from_a_second_up_to_a_minute() {
        let delays: Vec<u64> = (1..=9).map(|n| token_retry_delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(token_retry_delay(u32::MAX), Duration::from_secs(60));
    }
}
