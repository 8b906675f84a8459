//! Purpose: the list of `/debrief` subcommands and the one `match` that runs them.
//!
//! [`SUBCOMMANDS`] is the single source of truth: the parser validates against it,
//! `/debrief help` is generated from it, and a test checks it against manifest.yaml.

use jiff::Timestamp;

use super::grammar::{self, CommandSpec};
use super::{CommandRequest, Reply};
use crate::app::AppState;
use crate::error::{Error, UserError};
use crate::metrics::CommandLabels;

/// The slash command this app registers (see manifest.yaml).
pub const SLASH: &str = "/debrief";

/// Every subcommand, in the order `/debrief help` lists them.
pub static SUBCOMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "help",
    summary: "List every subcommand with what it does.",
    args: &[],
    rest: None,
}];

/// `/debrief help`, generated from [`SUBCOMMANDS`].
pub fn help_text() -> String {
    let mut lines = vec![format!(
        "*debrief* runs incident reviews that produce learning. Subcommands:"
    )];
    for spec in SUBCOMMANDS {
        lines.push(format!("• `{}` — {}", spec.usage(SLASH), spec.summary));
    }
    lines.push("Values with spaces go in double quotes: `title=\"Checkout outage\"`.".into());
    lines.join("\n")
}

/// Parses and runs one slash command.
pub async fn dispatch(
    state: &AppState,
    request: &CommandRequest,
    _now: Timestamp,
) -> Result<Reply, Error> {
    let invocation = match grammar::parse(SLASH, &request.text, SUBCOMMANDS) {
        Ok(invocation) => invocation,
        Err(err) => {
            state
                .metrics
                .commands
                .get_or_create(&CommandLabels {
                    subcommand: "unknown".into(),
                })
                .inc();
            return Err(UserError(err.0).into());
        }
    };
    state
        .metrics
        .commands
        .get_or_create(&CommandLabels {
            subcommand: invocation.name().to_string(),
        })
        .inc();
    match invocation.name() {
        "help" => Ok(Reply::ephemeral(help_text())),
        other => Err(Error::Internal(anyhow::anyhow!(
            "subcommand `{other}` is declared but has no handler"
        ))),
    }
}
