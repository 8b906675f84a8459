//! Purpose: the quarterly learning review's pure core: from plain facts, a quarter, the
//! team's time zone and "now", every figure of the report, plus its Markdown and Slack
//! renderings. The core (facts → report → text) reads no clock, database or Slack;
//! `load` reads the facts from the store, `post` runs the Slack side, `lookup` answers
//! `/debrief learnings`, and `import` backfills history from files.

pub mod actions;
mod adapters;
pub mod charts;
mod compute;
pub mod facts;
pub mod import;
pub mod load;
pub mod lookup;
mod markdown;
mod outline;
pub mod post;
pub mod quarter;
pub mod report;
mod serde_text;
mod slack;

#[cfg(test)]
mod tests;

pub use actions::{ActionItem, ActionKind, ItemStatus, StatusChange};
pub use compute::{RUNNING_ORDER, ReportRequest, Settings, compute};
pub use facts::Facts;
pub use markdown::{to_markdown, to_markdown_with_images};
pub use quarter::{Quarter, QuarterParseError};
pub use report::LearningReport;
pub use slack::{SECTION_LIMIT, SlackSection, to_slack_sections};

use jiff::Timestamp;

use crate::app::AppState;
use crate::error::Error;
use crate::grammar::Invocation;
use crate::queue::{self, Job, Requester};
use crate::request::{CommandRequest, Reply};
use crate::user_error;

/// `/debrief learning-review [quarter=2026-Q3] [format=markdown]`: posts the report in this
/// channel. Without `quarter=`, the last complete quarter.
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    super::require_channel(request, "learning-review")?;
    let current = Quarter::containing(now, &state.config.learning.timezone);
    let quarter = match inv.text("quarter") {
        Some(raw) => match raw.parse::<Quarter>() {
            Ok(q) => q,
            Err(err) => user_error!("{err}, e.g. `/debrief learning-review quarter=2026-Q3`."),
        },
        None => current.previous(),
    };
    if quarter > current {
        user_error!(
            "{quarter} has not started yet. The current quarter is {current}; the last complete one is {}.",
            current.previous()
        );
    }
    let markdown = inv.choice("format") == Some("markdown");
    let facilitator = state
        .store
        .user_name(&request.user_id)
        .await?
        .unwrap_or_else(|| request.user_id.clone());
    let job = Job::PostLearningReview {
        team_id: request.team_id.clone(),
        quarter: quarter.to_string(),
        channel: request.channel_id.clone(),
        markdown,
        facilitator: Some(facilitator),
        requester: Some(Requester::of_command(request, now)),
        next_part: 0,
    };
    queue::enqueue(state, &job, now).await?;
    let running = if quarter == current {
        " The quarter is still running, so its figures are as of now."
    } else {
        ""
    };
    Ok(Reply::ephemeral(if markdown {
        format!(
            "Uploading the learning review of {quarter} to this channel as a Markdown document.{running}"
        )
    } else {
        format!("Posting the learning review of {quarter} in this channel.{running}")
    }))
}
