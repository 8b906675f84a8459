//! Purpose: the one typed configuration of `debrief serve`, read once at start-up.
//!
//! This is the only module that reads the process environment (through clap's `env`
//! attributes). Everything downstream receives a validated [`Config`]; tests build one
//! directly with [`Config::for_tests`]-style literals and never touch the environment.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A value that must never reach a log line or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is handed to the thing that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Flags of `debrief serve`; each one can also come from the environment variable it names.
/// Secrets are read from the environment only ([`ServeArgs::with_environment`]): a flag
/// would show in `ps` and in shell history.
///
/// Values stay strings here so that [`ServeArgs::into_config`] can reject a bad one
/// with a single sentence naming the variable, instead of clap's multi-line usage dump.
#[derive(Clone, clap::Args)]
#[command(after_help = SECRETS_HELP)]
pub struct ServeArgs {
    /// SLACK_BOT_TOKEN: the bot token (xoxb-…) of a single-workspace install.
    #[arg(skip)]
    pub slack_bot_token: Option<String>,
    /// SLACK_CLIENT_ID: the app's client id; with SLACK_CLIENT_SECRET it turns on
    /// "Add to Slack" installs by any number of workspaces (OAuth distribution).
    #[arg(skip)]
    pub slack_client_id: Option<String>,
    /// SLACK_CLIENT_SECRET: the app's client secret, environment only.
    #[arg(skip)]
    pub slack_client_secret: Option<String>,
    /// The address Slack and browsers reach this service at (https://debrief.example.com);
    /// the OAuth redirect is this followed by /slack/oauth_redirect.
    #[arg(long, env = "DEBRIEF_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SLACK_SIGNING_SECRET: verifies requests from Slack (required unless only Socket Mode is used).
    #[arg(skip)]
    pub slack_signing_secret: Option<String>,
    /// SLACK_APP_TOKEN: the app-level token (xapp-…); when set the bot also connects over Socket Mode.
    #[arg(skip)]
    pub slack_app_token: Option<String>,
    /// Web API base URL, without a trailing slash.
    #[arg(long, env = "SLACK_API_URL", default_value = "https://slack.com/api")]
    pub slack_api_url: String,
    /// sqlite://path (created and migrated on start) or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://debrief.db",
        hide_env_values = true
    )]
    pub database_url: String,
    /// Address the HTTP server listens on.
    #[arg(long, env = "DEBRIEF_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: String,
    /// DEBRIEF_PSEUDONYM_KEY: the anonymity key (64 hex characters), environment only.
    #[arg(skip)]
    pub pseudonym_key: Option<String>,
    /// Where the anonymity key file lives when DEBRIEF_PSEUDONYM_KEY is not set (created
    /// with mode 0600 on first start). Default: $XDG_CONFIG_HOME/debrief/pseudonym.key,
    /// away from the database, so that a copy of the database folder does not carry it.
    #[arg(long, env = "DEBRIEF_PSEUDONYM_KEY_FILE")]
    pub pseudonym_key_file: Option<String>,
    /// The user's configuration folder ($XDG_CONFIG_HOME, else $HOME/.config), where the
    /// key file goes by default.
    #[arg(skip)]
    pub config_home: Option<PathBuf>,
    /// How many background jobs this process runs at once.
    #[arg(long, env = "DEBRIEF_WORKERS", default_value = "4")]
    pub workers: String,
    /// Seconds one Slack Web API call may take before it is given up and retried.
    #[arg(long, env = "DEBRIEF_SLACK_TIMEOUT", default_value = "10")]
    pub slack_timeout: String,
    /// Log format: `text` for people, `json` for log pipelines.
    #[arg(long, env = "DEBRIEF_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Distinct failure modes `incident_opened_total` labels before folding new ones into `other`.
    #[arg(long, env = "DEBRIEF_METRICS_FAILURE_MODES", default_value = "50")]
    pub metrics_failure_modes: String,
    /// `/debrief survey` warns before messaging more people than this.
    #[arg(long, env = "DEBRIEF_CONFIRM_ABOVE", default_value = "25")]
    pub confirm_above: String,
    /// Days after a review's last date when its survey answers, observations and
    /// per-person rows are deleted; 400 keeps a full year of learning reviews.
    #[arg(long, env = "DEBRIEF_RETENTION_DAYS", default_value = "400")]
    pub retention_days: String,
    #[command(flatten)]
    pub learning: LearningArgs,
}

/// Settings of the quarterly learning review, shared by `serve` and the offline commands.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LearningArgs {
    /// The team's time zone (IANA name such as Europe/Berlin): quarters, hours of day and
    /// due dates are read on its clock.
    #[arg(long, env = "DEBRIEF_TIMEZONE", default_value = "UTC")]
    pub timezone: String,
    /// An incident started within this many hours after a deploy counts as deploy-related.
    #[arg(long, env = "DEBRIEF_DEPLOY_WINDOW_HOURS", default_value = "24")]
    pub deploy_window_hours: String,
    /// Channel id (C…) where the learning review is posted on the first weekday of each quarter.
    #[arg(long, env = "DEBRIEF_LEARNING_REVIEW_CHANNEL")]
    pub learning_review_channel: Option<String>,
    /// Who facilitates the automatic learning review (shown in its header).
    #[arg(long, env = "DEBRIEF_LEARNING_REVIEW_FACILITATOR")]
    pub learning_review_facilitator: Option<String>,
    /// The participants line of the learning review's header.
    #[arg(
        long,
        env = "DEBRIEF_LEARNING_REVIEW_PARTICIPANTS",
        default_value = "SRE leads, Engineering managers, On-call representatives"
    )]
    pub learning_review_participants: String,
}

/// The validated settings of the learning review.
#[derive(Debug, Clone)]
pub struct LearningConfig {
    pub timezone: jiff::tz::TimeZone,
    pub deploy_window_hours: u32,
    pub review_channel: Option<String>,
    pub facilitator: Option<String>,
    pub participants: String,
}

impl Default for LearningConfig {
    fn default() -> Self {
        Self {
            timezone: jiff::tz::TimeZone::UTC,
            deploy_window_hours: 24,
            review_channel: None,
            facilitator: None,
            participants: "SRE leads, Engineering managers, On-call representatives".into(),
        }
    }
}

impl LearningArgs {
    /// Validates every value; the first problem found is returned.
    pub fn into_config(self) -> Result<LearningConfig, ConfigError> {
        let name = self.timezone.trim();
        let timezone = if name.eq_ignore_ascii_case("utc") {
            jiff::tz::TimeZone::UTC
        } else {
            jiff::tz::TimeZone::get(name).map_err(|_| {
                problem(
                    "DEBRIEF_TIMEZONE",
                    format!("`{name}` is not a time zone name such as Europe/Berlin or UTC"),
                )
            })?
        };
        let deploy_window_hours = match self.deploy_window_hours.trim().parse::<u32>() {
            Ok(n) if (1..=720).contains(&n) => n,
            _ => {
                return Err(problem(
                    "DEBRIEF_DEPLOY_WINDOW_HOURS",
                    format!(
                        "`{}` is not a whole number of hours from 1 to 720",
                        self.deploy_window_hours
                    ),
                ));
            }
        };
        let review_channel = match self.learning_review_channel.map(|c| c.trim().to_string()) {
            Some(c) if c.is_empty() => None,
            Some(c)
                if !c.starts_with(['C', 'G']) || !c.chars().all(|x| x.is_ascii_alphanumeric()) =>
            {
                return Err(problem(
                    "DEBRIEF_LEARNING_REVIEW_CHANNEL",
                    format!(
                        "`{c}` is not a channel id such as C0123ABCD (copy it from the channel's details)"
                    ),
                ));
            }
            other => other,
        };
        Ok(LearningConfig {
            timezone,
            deploy_window_hours,
            review_channel,
            facilitator: self
                .learning_review_facilitator
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty()),
            participants: self.learning_review_participants.trim().to_string(),
        })
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the pseudonym key comes from. Never from the database: a copy of the
/// database alone must not be enough to link answers to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PseudonymKeySource {
    /// Given directly (DEBRIEF_PSEUDONYM_KEY), 32 bytes.
    Inline(Secret),
    /// Read from, or created at, this file with mode 0600.
    File(PathBuf),
}

/// The validated configuration the whole service runs on.
#[derive(Clone)]
pub struct Config {
    /// `None` only with OAuth distribution, where each workspace's token is stored.
    pub slack_bot_token: Option<Secret>,
    /// "Add to Slack" installs (`/slack/install`), when the app's client id and secret are set.
    pub oauth: Option<OAuthConfig>,
    /// `None` only when Socket Mode is the sole transport; the HTTP Slack routes then answer 404.
    pub slack_signing_secret: Option<Secret>,
    pub slack_app_token: Option<Secret>,
    pub slack_api_url: String,
    pub database_url: String,
    pub listen: SocketAddr,
    pub pseudonym_key: PseudonymKeySource,
    pub workers: usize,
    pub log_format: LogFormat,
    /// Whether `Application` starts its in-process job runner. Tests turn it off
    /// and drive jobs explicitly so that they never sleep waiting for one.
    pub run_worker: bool,
    /// How often an idle job runner looks for due work (it is also woken on enqueue).
    pub worker_poll: std::time::Duration,
    /// How long one Slack Web API call may take before it counts as failed (and is
    /// retried): a hung connection must not hold a worker or a request forever.
    pub slack_timeout: std::time::Duration,
    /// The quarterly learning review and the owner digests.
    pub learning: LearningConfig,
    /// The cap on distinct `failure_mode` label values in `/metrics`.
    pub metrics_failure_modes: usize,
    /// A survey to more people than this gets a warning in its confirmation.
    pub confirm_above: usize,
    /// Anonymous content and per-person rows are deleted this many days after a review's
    /// last date.
    pub retention_days: u32,
}

// Written by hand so that a debug print never shows a secret or the database password.
impl fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeArgs")
            .field("slack_api_url", &self.slack_api_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("pseudonym_key_file", &self.pseudonym_key_file)
            .field("workers", &self.workers)
            .field("slack_timeout", &self.slack_timeout)
            .field("log_format", &self.log_format)
            .field("learning", &self.learning)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("slack_bot_token", &self.slack_bot_token)
            .field("oauth", &self.oauth)
            .field("slack_signing_secret", &self.slack_signing_secret)
            .field("slack_app_token", &self.slack_app_token)
            .field("slack_api_url", &self.slack_api_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("pseudonym_key", &self.pseudonym_key)
            .field("workers", &self.workers)
            .field("log_format", &self.log_format)
            .field("run_worker", &self.run_worker)
            .field("worker_poll", &self.worker_poll)
            .field("slack_timeout", &self.slack_timeout)
            .field("learning", &self.learning)
            .finish()
    }
}

/// What OAuth distribution needs: the app's credentials and where Slack sends installers back.
#[derive(Clone)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_secret: Secret,
    /// `DEBRIEF_PUBLIC_URL` + `/slack/oauth_redirect`; `None` lets Slack use the app's
    /// only configured redirect URL.
    pub redirect_url: Option<String>,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

/// A configuration problem, reported as one line that names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// Shown under `debrief serve --help`: what cannot be a flag.
const SECRETS_HELP: &str =
    "Secrets are read from the environment only, never from flags (flags show in `ps`):
  SLACK_BOT_TOKEN         bot token, xoxb-… (one workspace)
  SLACK_CLIENT_ID         with SLACK_CLIENT_SECRET: Add-to-Slack installs by many workspaces
  SLACK_CLIENT_SECRET     the app's client secret
  SLACK_SIGNING_SECRET    signing secret (required unless only Socket Mode is used)
  SLACK_APP_TOKEN         app-level token, xapp-… (turns on Socket Mode)
  DEBRIEF_PSEUDONYM_KEY   anonymity key, 64 hex characters (else the key file is used)";

/// The user's configuration folder: $XDG_CONFIG_HOME, else $HOME/.config.
pub fn config_home_from_environment() -> Option<PathBuf> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".config")))
}

/// Where the key file goes when no path is given: in the configuration folder, away from
/// the database, so that a copy of the database's folder does not carry it.
pub fn default_key_file(config_home: &std::path::Path) -> PathBuf {
    config_home.join("debrief").join("pseudonym.key")
}

impl ServeArgs {
    /// Fills in what only the environment may give: the secrets, and where the user's
    /// configuration folder is. The only place the process environment is read by hand.
    pub fn with_environment(mut self) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        self.slack_bot_token = var("SLACK_BOT_TOKEN");
        self.slack_client_id = var("SLACK_CLIENT_ID");
        self.slack_client_secret = var("SLACK_CLIENT_SECRET");
        self.slack_signing_secret = var("SLACK_SIGNING_SECRET");
        self.slack_app_token = var("SLACK_APP_TOKEN");
        self.pseudonym_key = var("DEBRIEF_PSEUDONYM_KEY");
        self.config_home = config_home_from_environment();
        self
    }

    /// Validates every value; the first problem found is returned.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let oauth = match (
            self.slack_client_id.filter(|v| !v.trim().is_empty()),
            self.slack_client_secret.filter(|v| !v.trim().is_empty()),
        ) {
            (Some(client_id), Some(secret)) => {
                let redirect_url = match self.public_url.filter(|u| !u.trim().is_empty()) {
                    None => None,
                    Some(url) => {
                        let parsed = url::Url::parse(url.trim()).ok().filter(|u| {
                            matches!(u.scheme(), "https" | "http") && u.host_str().is_some()
                        });
                        let Some(parsed) = parsed else {
                            return Err(problem(
                                "DEBRIEF_PUBLIC_URL",
                                format!(
                                    "`{url}` is not an http(s) address such as https://debrief.example.com"
                                ),
                            ));
                        };
                        Some(format!(
                            "{}/slack/oauth_redirect",
                            parsed.as_str().trim_end_matches('/')
                        ))
                    }
                };
                Some(OAuthConfig {
                    client_id,
                    client_secret: Secret::new(secret),
                    redirect_url,
                })
            }
            (Some(_), None) => {
                return Err(problem(
                    "SLACK_CLIENT_SECRET",
                    "is not set; OAuth installs need both the Client ID and the Client Secret from your Slack app's Basic Information page",
                ));
            }
            (None, Some(_)) => {
                return Err(problem(
                    "SLACK_CLIENT_ID",
                    "is not set; OAuth installs need both the Client ID and the Client Secret from your Slack app's Basic Information page",
                ));
            }
            (None, None) => None,
        };
        let slack_bot_token = match self.slack_bot_token.filter(|t| !t.trim().is_empty()) {
            None if oauth.is_some() => None,
            None => {
                return Err(problem(
                    "SLACK_BOT_TOKEN",
                    "is not set; copy the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth page (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for installs by many workspaces)",
                ));
            }
            Some(token) if !token.starts_with("xoxb-") => {
                return Err(problem(
                    "SLACK_BOT_TOKEN",
                    "must be a bot token starting with xoxb-",
                ));
            }
            Some(token) => Some(Secret::new(token)),
        };
        let slack_app_token = match self.slack_app_token.filter(|t| !t.trim().is_empty()) {
            Some(token) if !token.starts_with("xapp-") => {
                return Err(problem(
                    "SLACK_APP_TOKEN",
                    "must be an app-level token starting with xapp-",
                ));
            }
            other => other.map(Secret::new),
        };
        let slack_signing_secret = match self.slack_signing_secret.filter(|s| !s.trim().is_empty())
        {
            Some(secret) if !secret.chars().all(|c| c.is_ascii_alphanumeric()) => {
                return Err(problem(
                    "SLACK_SIGNING_SECRET",
                    "must be letters and digits only; copy the Signing Secret from your Slack app's Basic Information page",
                ));
            }
            Some(secret) => Some(Secret::new(secret)),
            None if slack_app_token.is_none() => {
                return Err(problem(
                    "SLACK_SIGNING_SECRET",
                    "is not set; it is required unless SLACK_APP_TOKEN enables Socket Mode",
                ));
            }
            None => None,
        };
        let slack_api_url = parse_api_url(&self.slack_api_url)?;
        let database_url = parse_database_url(&self.database_url)?;
        let listen = parse_listen(&self.listen)?;
        let pseudonym_key = match (self.pseudonym_key, self.pseudonym_key_file) {
            (Some(key), _) => {
                if key.len() != 64 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(problem(
                        "DEBRIEF_PSEUDONYM_KEY",
                        "must be 64 hexadecimal characters (32 bytes); generate one with `openssl rand -hex 32`",
                    ));
                }
                PseudonymKeySource::Inline(Secret::new(key))
            }
            (None, Some(path)) => PseudonymKeySource::File(PathBuf::from(path)),
            (None, None) if !database_url.starts_with("sqlite:") => {
                // Replicas each creating their own key file would each see different links.
                return Err(problem(
                    "DEBRIEF_PSEUDONYM_KEY",
                    "is required with PostgreSQL so every replica uses the same key (or set DEBRIEF_PSEUDONYM_KEY_FILE to a shared file)",
                ));
            }
            (None, None) => match &self.config_home {
                Some(folder) => PseudonymKeySource::File(default_key_file(folder)),
                None => {
                    return Err(problem(
                        "DEBRIEF_PSEUDONYM_KEY_FILE",
                        "is not set and there is no $HOME or $XDG_CONFIG_HOME to put the key file in; give a path outside the database's folder",
                    ));
                }
            },
        };
        let workers = match self.workers.parse::<usize>() {
            Ok(n) if (1..=64).contains(&n) => n,
            _ => {
                return Err(problem(
                    "DEBRIEF_WORKERS",
                    format!("`{}` is not a whole number from 1 to 64", self.workers),
                ));
            }
        };
        let slack_timeout = match self.slack_timeout.parse::<u64>() {
            Ok(seconds) if (1..=120).contains(&seconds) => std::time::Duration::from_secs(seconds),
            _ => {
                return Err(problem(
                    "DEBRIEF_SLACK_TIMEOUT",
                    format!(
                        "`{}` is not a whole number of seconds from 1 to 120",
                        self.slack_timeout
                    ),
                ));
            }
        };
        let metrics_failure_modes = match self.metrics_failure_modes.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(problem(
                    "DEBRIEF_METRICS_FAILURE_MODES",
                    format!(
                        "`{}` is not a whole number from 1 to 1000",
                        self.metrics_failure_modes
                    ),
                ));
            }
        };
        let learning = self.learning.into_config()?;
        let confirm_above = self.confirm_above.parse::<usize>().map_err(|_| {
            problem(
                "DEBRIEF_CONFIRM_ABOVE",
                format!("`{}` is not a whole number of people", self.confirm_above),
            )
        })?;
        let retention_days = self
            .retention_days
            .parse::<u32>()
            .ok()
            .filter(|days| (1..=36_500).contains(days))
            .ok_or_else(|| {
                problem(
                    "DEBRIEF_RETENTION_DAYS",
                    format!(
                        "`{}` is not a number of days from 1 to 36500",
                        self.retention_days
                    ),
                )
            })?;
        let log_format = match self.log_format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(problem(
                    "DEBRIEF_LOG_FORMAT",
                    format!("`{other}` is not `text` or `json`"),
                ));
            }
        };
        Ok(Config {
            slack_bot_token,
            oauth,
            slack_signing_secret,
            slack_app_token,
            slack_api_url,
            database_url,
            listen,
            pseudonym_key,
            workers,
            log_format,
            run_worker: true,
            worker_poll: std::time::Duration::from_secs(1),
            slack_timeout,
            learning,
            metrics_failure_modes,
            confirm_above,
            retention_days,
        })
    }
}

/// An IP address and port, or a host name such as `localhost:3000`, resolved once here.
fn parse_listen(raw: &str) -> Result<SocketAddr, ConfigError> {
    use std::net::ToSocketAddrs as _;
    let raw = raw.trim();
    let not_an_address = || {
        problem(
            "DEBRIEF_LISTEN",
            format!("`{raw}` is not an address like 127.0.0.1:3000 or localhost:3000"),
        )
    };
    if let Ok(address) = raw.parse::<SocketAddr>() {
        return Ok(address);
    }
    // Resolving without a port would fail anyway; checking first keeps the sentence the same.
    if !raw
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
    {
        return Err(not_an_address());
    }
    let mut candidates: Vec<SocketAddr> = raw
        .to_socket_addrs()
        .map_err(|_| not_an_address())?
        .collect();
    // localhost usually resolves to ::1 and 127.0.0.1; IPv4 is the one every client tries.
    candidates.sort_by_key(|address| !address.is_ipv4());
    candidates.into_iter().next().ok_or_else(not_an_address)
}

fn parse_api_url(raw: &str) -> Result<String, ConfigError> {
    // slack-morphism joins "{base}/{method}", so a trailing slash would produce "//method".
    let trimmed = raw.trim().trim_end_matches('/');
    let valid = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        && trimmed
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty());
    if valid {
        Ok(trimmed.to_string())
    } else {
        Err(problem(
            "SLACK_API_URL",
            format!("`{raw}` is not an http(s) URL such as https://slack.com/api"),
        ))
    }
}

fn parse_database_url(raw: &str) -> Result<String, ConfigError> {
    let url = raw.trim();
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if known.iter().any(|prefix| url.starts_with(prefix)) && url.len() > "sqlite:".len() {
        Ok(url.to_string())
    } else {
        Err(problem(
            "DATABASE_URL",
            format!("`{url}` is not a sqlite://path or postgres://… URL"),
        ))
    }
}

/// A database URL fit to print: any password is replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            let hidden = if credentials.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{scheme}://{hidden}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

/// The file behind a `sqlite:` URL, if it names one (not `:memory:`).
pub fn sqlite_path(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ServeArgs {
        ServeArgs {
            slack_bot_token: Some("xoxb-1-2-abc".into()),
            slack_client_id: None,
            slack_client_secret: None,
            public_url: None,
            slack_signing_secret: Some("8f742231b10e8888abcd99yyyzzz85a5".into()),
            slack_app_token: None,
            slack_api_url: "https://slack.com/api".into(),
            database_url: "sqlite://debrief.db".into(),
            listen: "127.0.0.1:3000".into(),
            pseudonym_key: None,
            pseudonym_key_file: None,
            config_home: Some(PathBuf::from("/home/maria/.config")),
            workers: "4".into(),
            slack_timeout: "10".into(),
            log_format: "text".into(),
            metrics_failure_modes: "50".into(),
            confirm_above: "25".into(),
            retention_days: "400".into(),
            learning: LearningArgs {
                timezone: "UTC".into(),
                deploy_window_hours: "24".into(),
                learning_review_participants: "SRE leads".into(),
                ..LearningArgs::default()
            },
        }
    }

    #[test]
    fn a_host_name_is_accepted_as_listen_address() {
        let mut given = args();
        given.listen = "localhost:3000".into();
        let config = given.into_config().unwrap();
        assert_eq!(config.listen.port(), 3000);
        assert!(config.listen.ip().is_loopback());
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let mut given = args();
        given.database_url = "postgres://app:s3cret@db:5432/debrief".into();
        given.pseudonym_key_file = Some("/etc/debrief/pseudonym.key".into());
        assert!(!format!("{given:?}").contains("s3cret"));
        let config = given.into_config().unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn a_complete_set_of_values_is_accepted() {
        let config = args().into_config().unwrap();
        assert_eq!(config.listen.port(), 3000);
        assert_eq!(
            config.pseudonym_key,
            PseudonymKeySource::File(PathBuf::from("/home/maria/.config/debrief/pseudonym.key"))
        );
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        type Mutation = Box<dyn Fn(&mut ServeArgs)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("SLACK_BOT_TOKEN", Box::new(|a| a.slack_bot_token = None)),
            (
                "SLACK_BOT_TOKEN",
                Box::new(|a| a.slack_bot_token = Some("xoxp-user".into())),
            ),
            (
                "SLACK_SIGNING_SECRET",
                Box::new(|a| a.slack_signing_secret = None),
            ),
            (
                "SLACK_SIGNING_SECRET",
                Box::new(|a| a.slack_signing_secret = Some("not a secret!".into())),
            ),
            (
                "SLACK_APP_TOKEN",
                Box::new(|a| a.slack_app_token = Some("xoxb-wrong".into())),
            ),
            (
                "SLACK_API_URL",
                Box::new(|a| a.slack_api_url = "slack.com/api".into()),
            ),
            (
                "DATABASE_URL",
                Box::new(|a| a.database_url = "mysql://x".into()),
            ),
            (
                "DEBRIEF_LISTEN",
                Box::new(|a| a.listen = "localhost".into()),
            ),
            (
                "DEBRIEF_PSEUDONYM_KEY",
                Box::new(|a| a.pseudonym_key = Some("short".into())),
            ),
            ("DEBRIEF_WORKERS", Box::new(|a| a.workers = "0".into())),
            (
                "DEBRIEF_LOG_FORMAT",
                Box::new(|a| a.log_format = "xml".into()),
            ),
            (
                "DEBRIEF_TIMEZONE",
                Box::new(|a| a.learning.timezone = "Mars/Olympus".into()),
            ),
            (
                "DEBRIEF_DEPLOY_WINDOW_HOURS",
                Box::new(|a| a.learning.deploy_window_hours = "0".into()),
            ),
            (
                "DEBRIEF_LEARNING_REVIEW_CHANNEL",
                Box::new(|a| a.learning.learning_review_channel = Some("#general".into())),
            ),
            (
                "SLACK_CLIENT_SECRET",
                Box::new(|a| a.slack_client_id = Some("1111.2222".into())),
            ),
            (
                "SLACK_CLIENT_ID",
                Box::new(|a| a.slack_client_secret = Some("abc".into())),
            ),
            (
                "DEBRIEF_PUBLIC_URL",
                Box::new(|a| {
                    a.slack_client_id = Some("1111.2222".into());
                    a.slack_client_secret = Some("abc".into());
                    a.public_url = Some("debrief.example.com".into());
                }),
            ),
        ];
        for (variable, mutate) in cases {
            let mut a = args();
            mutate(&mut a);
            let err = a.into_config().unwrap_err();
            assert_eq!(err.variable, variable, "{err}");
            assert!(!err.to_string().contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn oauth_installs_need_no_bot_token_and_redirect_to_the_public_url() {
        let mut a = args();
        a.slack_bot_token = None;
        a.slack_client_id = Some("1111.2222".into());
        a.slack_client_secret = Some("0123456789abcdef".into());
        a.public_url = Some("https://debrief.example.com/".into());
        let config = a.into_config().unwrap();
        assert!(config.slack_bot_token.is_none());
        let oauth = config.oauth.expect("OAuth installs are on");
        assert_eq!(
            oauth.redirect_url.as_deref(),
            Some("https://debrief.example.com/slack/oauth_redirect")
        );
        assert!(!format!("{oauth:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn socket_mode_alone_needs_no_signing_secret() {
        let mut a = args();
        a.slack_signing_secret = None;
        a.slack_app_token = Some("xapp-1-A-2-xyz".into());
        assert!(a.into_config().unwrap().slack_signing_secret.is_none());
    }

    #[test]
    fn a_trailing_slash_on_the_api_url_is_removed() {
        let mut a = args();
        a.slack_api_url = "http://127.0.0.1:9/api/".into();
        assert_eq!(
            a.into_config().unwrap().slack_api_url,
            "http://127.0.0.1:9/api"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let config = args().into_config().unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("xoxb-1-2-abc"));
        assert!(!printed.contains("8f742231"));
    }

    #[test]
    fn sqlite_paths_are_read_from_urls() {
        assert_eq!(
            sqlite_path("sqlite://a/b.db?mode=rwc"),
            Some(PathBuf::from("a/b.db"))
        );
        assert_eq!(sqlite_path("sqlite:x.db"), Some(PathBuf::from("x.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://h/db"), None);
    }
}
