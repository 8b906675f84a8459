//! Purpose: log output. Operations are traced, payloads never: no survey answer,
//! observation text or token is ever a field, and no user id sits next to survey content.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// What is logged unless `RUST_LOG` says otherwise. Libraries stay at warn: their debug
/// output can include request bodies, and those may hold survey or observation text.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,slack_morphism=warn,tower_http=warn,hyper=warn";

/// Installs the global subscriber; `RUST_LOG` (for example `debug` or
/// `info,debrief=debug`) replaces [`DEFAULT_FILTER`].
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes are noise in journald, files and log pipelines: only a terminal gets them.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    // A second init (tests, the demo) keeps the first subscriber.
    let _ = result;
}
