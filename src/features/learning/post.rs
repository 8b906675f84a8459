//! Purpose: the learning review in Slack: `/debrief learning-review` and the automatic post
//! on the first weekday of each quarter. The report is computed from the store in a job
//! (it can take a moment on a long history), posted as messages within Slack's limits, or
//! uploaded as a Markdown document. The automatic post is claimed once per quarter, so
//! several workers or replicas post it once.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use slack_morphism::prelude::*;

use super::quarter::Quarter;
use super::{
    LearningReport, ReportRequest, Settings, compute, load, to_markdown, to_slack_sections,
};
use crate::app::AppState;
use crate::charts::Chart;
use crate::config::LearningConfig;
use crate::queue::{Job, JobContext, JobError, Requester};
use crate::slack::blocks::{self, limits};
use crate::store::Store;
use crate::store::learning::LearningReviewSchedule;

/// The automatic post goes out at this hour of the quarter's first weekday, team clock.
const POST_HOUR: i8 = 9;
/// A claim on the automatic post that has not finished after this long is taken over.
const CLAIM_STALE_SECONDS: i64 = 3600;

/// The report's request for a quarter, with the configured knobs.
pub fn request(
    config: &LearningConfig,
    quarter: Quarter,
    facilitator: Option<String>,
    now: Timestamp,
) -> ReportRequest {
    ReportRequest {
        quarter,
        tz: config.timezone.clone(),
        now,
        settings: Settings {
            facilitator: facilitator.or_else(|| config.facilitator.clone()),
            participants: config.participants.clone(),
            deploy_window_hours: config.deploy_window_hours,
            ..Settings::default()
        },
    }
}

/// Loads one workspace's facts and computes a quarter's report.
pub async fn report(
    store: &Store,
    key: Option<&crate::pseudonym::PseudonymKey>,
    config: &LearningConfig,
    team_id: &str,
    quarter: Quarter,
    facilitator: Option<String>,
    now: Timestamp,
) -> anyhow::Result<LearningReport> {
    Ok(
        report_and_charts(store, key, config, team_id, quarter, facilitator, now)
            .await?
            .0,
    )
}

/// The report and its charts, from one load of the facts.
pub async fn report_and_charts(
    store: &Store,
    key: Option<&crate::pseudonym::PseudonymKey>,
    config: &LearningConfig,
    team_id: &str,
    quarter: Quarter,
    facilitator: Option<String>,
    now: Timestamp,
) -> anyhow::Result<(LearningReport, Vec<Chart>)> {
    let facts = load::facts_for(store, key, team_id, quarter, &config.timezone).await?;
    let report = compute(&facts, &request(config, quarter, facilitator, now));
    let charts =
        crate::charts::quarter_charts(&super::charts::figures(&facts, &report, &config.timezone))?;
    Ok((report, charts))
}

/// One step of posting the report: a message, or a chart uploaded after the message that
/// holds the section it illustrates.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Message(Box<SlackMessageContent>),
    /// The index of the chart in the list given to [`parts`].
    Chart(usize),
}

/// The report as Slack messages, with each chart right after the message holding its
/// section: a header and a section per part of the template, each section under 3,000
/// characters, at most 50 blocks a message.
pub fn parts(report: &LearningReport, charts: &[Chart]) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut pending: Vec<SlackBlock> = Vec::new();
    let flush = |pending: &mut Vec<SlackBlock>, parts: &mut Vec<Part>| {
        for page in blocks::paginate(std::mem::take(pending), limits::MESSAGE_BLOCKS) {
            parts.push(Part::Message(Box::new(blocks::message(
                String::new(),
                page,
            ))));
        }
    };
    for (n, section) in to_slack_sections(report).into_iter().enumerate() {
        let mut content = vec![blocks::header(&section.title)];
        content.extend(blocks::long_section(&section.body));
        if pending.len() + content.len() > limits::MESSAGE_BLOCKS {
            flush(&mut pending, &mut parts);
        }
        pending.extend(content);
        let illustrated: Vec<usize> = (0..charts.len())
            .filter(|c| charts[*c].section == n)
            .collect();
        if !illustrated.is_empty() {
            flush(&mut pending, &mut parts);
            parts.extend(illustrated.into_iter().map(Part::Chart));
        }
    }
    flush(&mut pending, &mut parts);
    // Each message's fallback names its place among the messages.
    let title = format!("Quarterly learning review: {}", report.header.quarter);
    let total = parts
        .iter()
        .filter(|p| matches!(p, Part::Message(_)))
        .count();
    let mut number = 0;
    for part in &mut parts {
        if let Part::Message(content) = part {
            number += 1;
            content.text = Some(format!("{title} ({number} of {total})"));
        }
    }
    parts
}

/// The report as Slack messages alone (no charts).
pub fn messages(report: &LearningReport) -> Vec<SlackMessageContent> {
    parts(report, &[])
        .into_iter()
        .filter_map(|p| match p {
            Part::Message(content) => Some(*content),
            Part::Chart(_) => None,
        })
        .collect()
}

/// Where a [`Job::PostLearningReview`] stands.
pub struct Post<'a> {
    pub team_id: &'a str,
    pub quarter: &'a str,
    pub channel: &'a str,
    pub markdown: bool,
    pub facilitator: Option<&'a str>,
    pub requester: &'a Option<Requester>,
    pub next_part: usize,
}

/// Job: compute the report and post it (or upload it), resuming after the parts already
/// posted when retried.
pub async fn run(state: &AppState, ctx: &JobContext, post: Post<'_>) -> Result<(), JobError> {
    let quarter: Quarter = post
        .quarter
        .parse()
        .map_err(|e| JobError::Permanent(format!("{e}")))?;
    let now = state.clock.now();
    let config = &state.config.learning;
    let facilitator = post.facilitator.map(str::to_string);
    let (report, charts) = report_and_charts(
        &state.store,
        Some(&state.pseudonym_key),
        config,
        post.team_id,
        quarter,
        facilitator,
        now,
    )
    .await?;
    if post.markdown {
        let filename = format!("learning-review-{quarter}.md");
        let title = format!("Quarterly learning review: {quarter}");
        state
            .slack
            .upload_text_file(post.channel, &filename, &title, &to_markdown(&report))
            .await?;
        return Ok(());
    }
    for (part, step) in parts(&report, &charts)
        .into_iter()
        .enumerate()
        .skip(post.next_part)
    {
        match step {
            Part::Message(content) => {
                state
                    .slack
                    .post_message(post.channel, *content, None)
                    .await?;
            }
            Part::Chart(index) => {
                let chart = &charts[index];
                let filename = format!("{quarter}-{}", chart.file_name);
                state
                    .slack
                    .upload_file(
                        post.channel,
                        &filename,
                        &chart.title,
                        &chart.png,
                        "image/png",
                    )
                    .await?;
            }
        }
        let progress = Job::PostLearningReview {
            team_id: post.team_id.to_string(),
            quarter: post.quarter.to_string(),
            channel: post.channel.to_string(),
            markdown: false,
            facilitator: post.facilitator.map(str::to_string),
            requester: post.requester.clone(),
            next_part: part + 1,
        };
        ctx.checkpoint(state, &progress).await?;
    }
    Ok(())
}

/// 09:00 on the first weekday (Monday to Friday) of `quarter`, on the team's clock.
pub fn first_weekday_post(quarter: Quarter, tz: &TimeZone) -> Timestamp {
    let mut day = quarter.first_day();
    while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        day = day.checked_add(1.day()).unwrap_or(day);
    }
    day.to_datetime(Time::constant(POST_HOUR, 0, 0, 0))
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or_else(|_| quarter.start(tz))
}

/// The next automatic post after `now`: (the quarter it opens, when).
pub fn next_automatic(now: Timestamp, tz: &TimeZone) -> (Quarter, Timestamp) {
    let current = Quarter::containing(now, tz);
    let this = first_weekday_post(current, tz);
    if this > now {
        (current, this)
    } else {
        (current.next(), first_weekday_post(current.next(), tz))
    }
}

/// Queues the next automatic post, when any workspace has a channel for it (its own, or
/// DEBRIEF_LEARNING_REVIEW_CHANNEL). Every replica may call this: the job's dedupe key
/// keeps one row per quarter.
pub async fn ensure_automatic(state: &AppState, now: Timestamp) -> anyhow::Result<()> {
    if state.config.learning.review_channel.is_none()
        && state.store.learning_review_channels().await?.is_empty()
    {
        return Ok(());
    }
    let (quarter, at) = next_automatic(now, &state.config.learning.timezone);
    let job = Job::LearningReviewAuto {
        quarter: quarter.to_string(),
    };
    state.store.enqueue(&job.to_row(at), now).await?;
    Ok(())
}

/// Where the automatic post goes: each workspace's own channel, and the configured
/// channel for the workspace with the most incidents unless it chose one itself (with
/// nobody to tell of a failure there: the operator sees it in the logs and `/metrics`).
pub fn automatic_targets(
    chosen: Vec<LearningReviewSchedule>,
    configured: Option<&str>,
    busiest_team: Option<String>,
) -> Vec<LearningReviewSchedule> {
    let mut targets = chosen;
    if let (Some(channel), Some(team)) = (configured, busiest_team)
        && !targets.iter().any(|chosen| chosen.team_id == team)
    {
        targets.push(LearningReviewSchedule {
            team_id: team,
            channel_id: channel.to_string(),
            set_by: None,
        });
    }
    targets
}

/// Job: on the first weekday of `opening`, post the review of the quarter before it in
/// each workspace's channel, once per workspace: the first worker to claim a workspace's
/// quarter posts it, any other finds it claimed and does nothing. Then queue the next
/// quarter's.
pub async fn automatic(
    state: &AppState,
    ctx: &JobContext,
    opening: &str,
    now: Timestamp,
) -> Result<(), JobError> {
    let quarter: Quarter = opening
        .parse()
        .map_err(|e| JobError::Permanent(format!("{e}")))?;
    let stale = Timestamp::from_second(now.as_second() - CLAIM_STALE_SECONDS).unwrap_or(now);
    let reviewed = quarter.previous().to_string();
    let configured = state.config.learning.review_channel.as_deref();
    let busiest = match configured {
        Some(_) => state.store.busiest_team().await?,
        None => None,
    };
    let targets = automatic_targets(
        state.store.learning_review_channels().await?,
        configured,
        busiest,
    );
    for LearningReviewSchedule {
        team_id,
        channel_id: channel,
        set_by,
    } in targets
    {
        // Queued as that workspace's job, so that with OAuth distribution (no
        // SLACK_BOT_TOKEN) the post runs with the token its install stored. A workspace
        // that uninstalled debrief gets nothing: Slack would refuse every call.
        let access = state.workspace_access(&team_id).await?;
        if matches!(access, crate::app::WorkspaceAccess::NotInstalled)
            || !state
                .store
                .claim_learning_review_post(&team_id, &reviewed, &ctx.worker, now, stale)
                .await?
        {
            continue;
        }
        // Whoever chose the channel hears by DM if the post fails (debrief removed from
        // the channel, the channel archived): no command is waiting for it.
        let requester = set_by.map(|user_id| Requester {
            user_id,
            channel_id: channel.clone(),
            response_url: None,
            asked_at: now.as_second(),
        });
        let job = Job::PostLearningReview {
            team_id: team_id.clone(),
            quarter: reviewed.clone(),
            channel,
            markdown: false,
            facilitator: None,
            requester,
            next_part: 0,
        };
        crate::workspace::acting_for(access.acting(), state.store.enqueue(&job.to_row(now), now))
            .await?;
        state
            .store
            .finish_learning_review_post(&team_id, &reviewed, now)
            .await?;
    }
    ensure_automatic(state, now).await?;
    state.job_wakeup.notify_one();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspaces_own_channel_wins_over_the_operators() {
        let chosen = || {
            vec![LearningReviewSchedule {
                team_id: "T1".into(),
                channel_id: "C1".into(),
                set_by: Some("U1".into()),
            }]
        };
        let described = |targets: Vec<LearningReviewSchedule>| {
            targets
                .iter()
                .map(|t| format!("{}:{}:{:?}", t.team_id, t.channel_id, t.set_by))
                .collect::<Vec<_>>()
        };
        // The busiest workspace chose its own: the configured channel is not added.
        assert_eq!(
            described(automatic_targets(chosen(), Some("C9"), Some("T1".into()))),
            ["T1:C1:Some(\"U1\")"]
        );
        // Another workspace is the busiest: it gets the configured channel, with nobody
        // in the workspace answerable for it.
        assert_eq!(
            described(automatic_targets(chosen(), Some("C9"), Some("T2".into()))),
            ["T1:C1:Some(\"U1\")", "T2:C9:None"]
        );
        // No configured channel, or no incidents anywhere: only the chosen ones.
        assert_eq!(
            described(automatic_targets(chosen(), None, Some("T2".into()))),
            ["T1:C1:Some(\"U1\")"]
        );
        assert!(automatic_targets(Vec::new(), Some("C9"), None).is_empty());
    }

    #[test]
    fn the_automatic_post_waits_for_the_first_weekday() {
        let utc = TimeZone::UTC;
        // 1 August 2026 is a Saturday: Q3's first weekday is... 1 July, a Wednesday.
        let q3: Quarter = "2026-Q3".parse().unwrap();
        assert_eq!(
            first_weekday_post(q3, &utc).to_string(),
            "2026-07-01T09:00:00Z"
        );
        // 2027-Q3 starts on Thursday 1 July; 2028-Q4 starts on Sunday 1 October → Monday 2nd.
        let q4_2028: Quarter = "2028-Q4".parse().unwrap();
        assert_eq!(
            first_weekday_post(q4_2028, &utc).to_string(),
            "2028-10-02T09:00:00Z"
        );
        let (quarter, at) = next_automatic("2026-07-01T08:00:00Z".parse().unwrap(), &utc);
        assert_eq!(
            (quarter.to_string(), at.to_string()),
            ("2026-Q3".into(), "2026-07-01T09:00:00Z".into())
        );
        let (quarter, _) = next_automatic("2026-07-01T09:00:00Z".parse().unwrap(), &utc);
        assert_eq!(quarter.to_string(), "2026-Q4");
    }
}
