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
use crate::slack::{SlackCallError, blocks};
use crate::store::learning::LearningReviewSchedule;
use crate::user_error;

/// How long `every=quarter` waits for Slack to say whether debrief can post in the
/// channel, leaving the rest of the command's 2.4 s deadline for the database and the reply.
const MEMBERSHIP_CHECK: std::time::Duration = std::time::Duration::from_millis(1_000);

/// Whether `user` may move or stop the workspace's automatic learning review: whoever
/// chose its channel (anyone, for a choice made before debrief recorded who), or a
/// workspace admin or owner.
async fn require_may_change(
    state: &AppState,
    schedule: &LearningReviewSchedule,
    user: &str,
) -> Result<(), Error> {
    let chooser = schedule.set_by.as_deref().unwrap_or_default();
    super::require_holder_or_admin(
        state,
        user,
        schedule.set_by.as_deref(),
        &format!(
            "The quarterly learning review goes to <#{}>: <@{chooser}> chose that channel, and only they or a workspace admin can move or stop it. Nothing changed.",
            schedule.channel_id
        ),
        &format!(
            "debrief could not ask Slack whether you are a workspace admin just now, and <@{chooser}> chose where the learning review goes; nothing changed. Try again in a minute."
        ),
    )
    .await
}

/// `/debrief learning-review every=quarter`: this channel gets the workspace's review on
/// each quarter's first weekday, in place of any channel chosen before. Refused where
/// debrief is not a member, since the post would fail three months later with nobody
/// watching.
async fn schedule(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    let channel = &request.channel_id;
    let current = state
        .store
        .learning_review_schedule(&request.team_id)
        .await?;
    if let Some(current) = &current {
        if current.channel_id == *channel
            && let Some(chooser) = current
                .set_by
                .as_deref()
                .filter(|chooser| *chooser != request.user_id)
        {
            return Ok(Reply::ephemeral(format!(
                "This channel already gets the learning review every quarter; <@{chooser}> chose it. `/debrief learning-review` posts one now."
            )));
        }
        require_may_change(state, current, &request.user_id).await?;
    }
    let unchecked = match state.slack.can_post_in(channel, MEMBERSHIP_CHECK).await {
        Ok(true) => false,
        Ok(false) | Err(SlackCallError::Rejected { .. }) => user_error!(
            "I'm not a member of this channel, so I couldn't post the learning review here. Invite me with `/invite @debrief`, then type `/debrief learning-review every=quarter` again. Nothing changed."
        ),
        // Slack slow or down: the choice is kept, and a failed post is reported later.
        Err(err) => {
            tracing::warn!(error = %err, "could not check channel membership");
            true
        }
    };
    state
        .store
        .set_learning_review_channel(&request.team_id, channel, &request.user_id, now)
        .await?;
    // Read just before for the permission check; only the reply's wording depends on it.
    let replaced = current
        .map(|current| current.channel_id)
        .filter(|before| before != channel);
    post::ensure_automatic(state, now).await?;
    let tz = &state.config.learning.timezone;
    let (opening, at) = post::next_automatic(now, tz);
    let instead = replaced
        .map(|before| format!(" It no longer goes to <#{before}>."))
        .unwrap_or_default();
    let caveat = if unchecked {
        " Slack did not answer when I checked that I can post here; if a quarter's post fails, I'll tell you by DM."
    } else {
        " If a quarter's post fails, I'll tell you by DM."
    };
    Ok(Reply::ephemeral(format!(
        "This channel gets the learning review every quarter, on the quarter's first weekday. The next, of {}, comes {}.{instead}{caveat} `/debrief learning-review every=off` stops it.",
        opening.previous(),
        blocks::date(at.as_second())
    )))
}

/// `/debrief learning-review every=off`.
async fn unschedule(state: &AppState, request: &CommandRequest) -> Result<Reply, Error> {
    let current = state
        .store
        .learning_review_schedule(&request.team_id)
        .await?;
    if let Some(current) = &current {
        require_may_change(state, current, &request.user_id).await?;
        state
            .store
            .remove_learning_review_channel(&request.team_id)
            .await?;
    }
    let removed = current.map(|current| current.channel_id);
    // The operator's setting still applies to the workspace it is taken to belong to.
    if let Some(configured) = &state.config.learning.review_channel
        && state.store.busiest_team().await?.as_deref() == Some(request.team_id.as_str())
    {
        return Ok(Reply::ephemeral(format!(
            "The learning review still goes to <#{configured}> every quarter: debrief's operator set that channel (DEBRIEF_LEARNING_REVIEW_CHANNEL), and only they can stop it. `/debrief learning-review every=quarter` in a channel sends it there instead."
        )));
    }
    Ok(Reply::ephemeral(match removed {
        Some(channel) => format!(
            "The quarterly learning review stops: <#{channel}> gets no more. `/debrief learning-review` still posts one whenever you ask."
        ),
        None => "This workspace gets no quarterly learning review, so there is nothing to stop. `/debrief learning-review every=quarter` in a channel starts one there.".into(),
    }))
}

/// `/debrief learning-review [quarter=2026-Q3] [format=markdown]`: posts the report in this
/// channel. Without `quarter=`, the last complete quarter.
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    super::require_channel(request, "learning-review")?;
    match inv.choice("every") {
        Some("quarter") => return schedule(state, request, now).await,
        Some("off") => return unschedule(state, request).await,
        _ => {}
    }
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
