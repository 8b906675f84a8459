//! Purpose: action items: `/debrief action add`, `/debrief action <id> status=…`,
//! `/debrief actions …`, the status buttons (on the item's message, in listings and in the
//! App Home), "Make this an action item" on a ranked counterfactual, and the weekly digest.
//! Items are accountable, not anonymous: every change is stored with who made it and when.

pub mod digest;
pub mod render;

use jiff::Timestamp;
use jiff::civil::Date;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::domain::{ActionKind, ItemStatus};
use crate::error::{Error, FieldErrors, UserError};
use crate::grammar::{self, ArgKind, ArgSpec, CommandSpec, Invocation};
use crate::queue::{self, Job, JobError};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks;
use crate::slack::forms::{self, FormValues};
use crate::store::actions::{ActionItem, ItemFilter, NewActionItem, StatusChange};
use crate::user_error;

/// The values `kind=` takes.
pub const KINDS: &[&str] = &["fix", "mitigation", "detection", "process", "tech-debt"];

/// The day it is on the team's calendar.
pub fn team_today(state: &AppState, now: Timestamp) -> Date {
    state.config.learning.timezone.to_datetime(now).date()
}

/// Whether a title reads as an individual fix ("more training", "be more careful"):
/// the framing detector's judgement, stored on the item so the report can count them.
pub fn reads_as_individual_fix(title: &str) -> bool {
    super::framing::is_individual_fix(title)
}

/// `due=` as a day on the calendar.
fn parse_due(raw: &str) -> Result<String, Error> {
    match raw.trim().parse::<Date>() {
        Ok(date) => Ok(date.to_string()),
        Err(_) => {
            user_error!("`due={raw}` is not a date: write it like due=2027-01-15 (year-month-day).")
        }
    }
}

/// `url=` must be a web link (a Jira, Linear or GitHub issue, or any tracker).
fn parse_url(raw: &str) -> Result<String, Error> {
    let raw = raw.trim();
    match url::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(raw.to_string()),
        _ => user_error!(
            "`url={raw}` is not a web link: give the tracker's address, e.g. url=https://linear.app/acme/issue/OPS-12."
        ),
    }
}

/// `/debrief action add title="…" [owner=@…] [due=…] [services=…] [mode=…] [kind=…] [url=…]`
pub async fn add(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    super::require_channel(request, "action add")?;
    let incident = state
        .store
        .incident_for_channel(&request.team_id, &request.channel_id)
        .await?;
    let title = inv.text("title").unwrap_or_default().trim().to_string();
    if title.chars().count() > 200 {
        user_error!("Keep the title under 200 characters; put the details in the tracker (url=…).");
    }
    let item = NewActionItem {
        team_id: request.team_id.clone(),
        incident_id: incident.as_ref().map(|i| i.id),
        individual: reads_as_individual_fix(&title),
        title,
        owner_id: inv.user("owner").map(str::to_string),
        kind: inv.choice("kind").map(str::to_string),
        services: inv
            .tags("services")
            .map(<[String]>::to_vec)
            .unwrap_or_default(),
        failure_mode: inv.tag("mode").map(str::to_string),
        due_on: inv.text("due").map(parse_due).transpose()?,
        url: inv.text("url").map(parse_url).transpose()?,
        counterfactual_id: None,
        created_by: request.user_id.clone(),
    };
    let suggestions = match &item.failure_mode {
        Some(mode) => super::vocabulary::suggestions(state, &request.team_id, mode).await?,
        None => Vec::new(),
    };
    let saved = create(state, &item, &request.channel_id, now).await?;
    let mut text = format!(
        "Added action item {}: *{}*.",
        render::item_ref(saved.id),
        blocks::escape(&saved.title)
    );
    match &incident {
        Some(i) => text.push_str(&format!(" It belongs to “{}”.", blocks::escape(&i.title))),
        None => text.push_str(" This channel has no incident, so it belongs to none."),
    }
    if saved.individual {
        text.push_str(" It reads as an individual fix: what would make the right action the default, for everyone?");
    }
    text.push_str(
        " Change it with the buttons on its message or `/debrief action <id> status=done`.",
    );
    let mut content = vec![blocks::section(&text)];
    content.extend(super::vocabulary::suggestion_blocks(
        &super::vocabulary::Target::Item(saved.id),
        item.failure_mode.as_deref().unwrap_or_default(),
        &suggestions,
    ));
    Ok(Reply::ephemeral_blocks(text, content))
}

/// Stores an item and queues its message in `channel`.
async fn create(
    state: &AppState,
    item: &NewActionItem,
    channel: &str,
    now: Timestamp,
) -> Result<ActionItem, Error> {
    let channel = channel.to_string();
    let saved = state
        .store
        .add_action_item(
            item,
            |item_id| {
                vec![
                    Job::PostActionItem {
                        item_id,
                        channel: channel.clone(),
                    }
                    .to_row(now),
                ]
            },
            now,
        )
        .await?;
    if let Some(owner) = &saved.owner_id {
        queue::enqueue(
            state,
            &Job::PublishHome {
                user: owner.clone(),
            },
            now,
        )
        .await?;
    }
    state.job_wakeup.notify_one();
    Ok(saved)
}

/// The arguments after `/debrief action <id>`.
static SET_SPEC: &[CommandSpec] = &[CommandSpec {
    name: "set",
    summary: "",
    args: &[
        ArgSpec {
            key: "status",
            kind: ArgKind::Choice(&["open", "in_progress", "done", "deprioritized"]),
            required: true,
        },
        ArgSpec {
            key: "reason",
            kind: ArgKind::Text,
            required: false,
        },
    ],
    rest: None,
}];

/// `/debrief action <id> status=open|in_progress|done|deprioritized [reason="…"]`
pub async fn set_status(
    state: &AppState,
    request: &CommandRequest,
    rest: Option<&str>,
    now: Timestamp,
) -> Result<Reply, Error> {
    let usage = "Write it like `/debrief action 12 status=done reason=\"…\"`, or `/debrief action add title=\"…\"` for a new one.";
    let rest = rest.unwrap_or_default().trim();
    let (id, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let Ok(id) = id.trim_start_matches('#').parse::<i64>() else {
        user_error!("`{id}` is not an action item number. {usage}");
    };
    let inv = grammar::parse("/debrief action <id>", &format!("set {args}"), SET_SPEC)
        .map_err(|e| UserError(e.0.replace(" set", "")))?;
    let to = inv
        .choice("status")
        .and_then(ItemStatus::parse)
        .ok_or_else(|| UserError(usage.into()))?;
    let outcome = change(
        state,
        &request.team_id,
        id,
        None,
        to,
        &request.user_id,
        inv.text("reason"),
        now,
    )
    .await?;
    Ok(Reply::ephemeral(outcome_text(&outcome, to)?))
}

/// Applies a status change and queues the refreshes it needs (the item's message, the
/// owner's and the actor's App Home).
#[allow(clippy::too_many_arguments)]
async fn change(
    state: &AppState,
    team_id: &str,
    id: i64,
    expected: Option<ItemStatus>,
    to: ItemStatus,
    actor: &str,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<StatusChange, Error> {
    let mut jobs = vec![Job::RefreshActionItem { item_id: id }.to_row(now)];
    jobs.push(
        Job::PublishHome {
            user: actor.to_string(),
        }
        .to_row(now),
    );
    let outcome = state
        .store
        .change_action_item_status(team_id, id, expected, to, actor, reason, &jobs, now)
        .await?;
    if let StatusChange::Changed(item) = &outcome
        && let Some(owner) = item.owner_id.as_ref().filter(|o| o.as_str() != actor)
    {
        queue::enqueue(
            state,
            &Job::PublishHome {
                user: owner.clone(),
            },
            now,
        )
        .await?;
    }
    state.job_wakeup.notify_one();
    Ok(outcome)
}

/// What the person who asked for a change is told.
fn outcome_text(outcome: &StatusChange, to: ItemStatus) -> Result<String, Error> {
    match outcome {
        StatusChange::Changed(item) => Ok(format!(
            "{} *{}* is now {}.",
            render::item_ref(item.id),
            blocks::escape(&item.title),
            to.label()
        )),
        StatusChange::AlreadyThere(item) => Ok(format!(
            "{} was already {}; nothing changed.",
            render::item_ref(item.id),
            to.label()
        )),
        StatusChange::Stale(item) => user_error!(
            "That button was out of date: {} is now {}, so nothing changed. Its message shows the current buttons.",
            render::item_ref(item.id),
            item.status.label()
        ),
        StatusChange::Missing => user_error!(
            "There's no action item with that number in this workspace. `/debrief actions all` lists them."
        ),
    }
}

/// A status button was pressed (on an item's message, a listing, or the App Home).
pub async fn on_button(
    state: &AppState,
    team_id: &str,
    user: &str,
    value: &str,
    now: Timestamp,
) -> Result<String, Error> {
    let Some((id, from, to)) = render::parse_button_value(value) else {
        user_error!(
            "That button is from an older version of debrief; use `/debrief action <id> status=…` instead."
        );
    };
    let outcome = change(state, team_id, id, Some(from), to, user, None, now).await?;
    outcome_text(&outcome, to)
}

/// `/debrief actions [mine|open|overdue|all] [service=…] [page=N]`.
pub async fn list(
    state: &AppState,
    request: &CommandRequest,
    which: &str,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    let today = team_today(state, now);
    let page = inv.int("page").unwrap_or(1).max(1);
    let service = inv.tag("service").map(str::to_string);
    let mut filter = ItemFilter {
        service: service.clone(),
        offset: (page - 1) * render::PAGE_SIZE as i64,
        limit: render::PAGE_SIZE as i64 + 1,
        ..ItemFilter::default()
    };
    let heading = match which {
        "mine" => {
            filter.owner = Some(request.user_id.clone());
            filter.open_only = true;
            "Your open action items"
        }
        "overdue" => {
            filter.due_before = Some(today.to_string());
            "Overdue action items"
        }
        "all" => "All action items",
        _ => {
            filter.open_only = true;
            "Open action items"
        }
    };
    let heading = match &service {
        Some(s) => format!("{heading} on {s}, page {page}"),
        None => format!("{heading}, page {page}"),
    };
    let mut items = state.store.action_items(&request.team_id, &filter).await?;
    let more = (items.len() > render::PAGE_SIZE).then(|| {
        let service = service.map(|s| format!(" service={s}")).unwrap_or_default();
        format!(
            "More on the next page: `/debrief actions {which}{service} page={}`.",
            page + 1
        )
    });
    items.truncate(render::PAGE_SIZE);
    let content = render::listing(&heading, &items, more, now, today);
    Ok(Reply::ephemeral_blocks(heading, content))
}

/// `/debrief digest off|on`: the weekly DM of one's open items.
pub async fn set_digest(
    state: &AppState,
    request: &CommandRequest,
    off: bool,
    now: Timestamp,
) -> Result<Reply, Error> {
    state
        .store
        .set_digest_opt_out(&request.user_id, off, now)
        .await?;
    Ok(Reply::ephemeral(if off {
        "You'll get no weekly digest of your open action items. `/debrief digest on` brings it back."
    } else {
        "You'll get a weekly DM of your open action items, oldest first. `/debrief digest off` stops it."
    }))
}

/// Job: post an item's message, with its buttons, where it was added.
pub async fn post_message(state: &AppState, item_id: i64, channel: &str) -> Result<(), JobError> {
    let Some(item) = item_anywhere(state, item_id).await? else {
        return Ok(());
    };
    if item.message_ts.is_some() {
        // A retried job: the message is there already.
        return Ok(());
    }
    let now = state.clock.now();
    let content = render::item_message(&item, now, team_today(state, now));
    let ts = state.slack.post_message(channel, content, None).await?;
    state
        .store
        .set_action_item_message(item_id, channel, &ts)
        .await?;
    Ok(())
}

/// Job: show an item's current status and buttons on its message.
pub async fn refresh_message(state: &AppState, item_id: i64) -> Result<(), JobError> {
    let Some(item) = item_anywhere(state, item_id).await? else {
        return Ok(());
    };
    let (Some(channel), Some(ts)) = (&item.message_channel, &item.message_ts) else {
        return Ok(());
    };
    let now = state.clock.now();
    let content = render::item_message(&item, now, team_today(state, now));
    match state.slack.update_message(channel, ts, content).await {
        Ok(()) => Ok(()),
        // Deleted by hand: the item lives on in listings and the App Home.
        Err(crate::slack::SlackCallError::Rejected { code, .. }) if code == "message_not_found" => {
            Ok(())
        }
        Err(other) => Err(other.into()),
    }
}

async fn item_anywhere(state: &AppState, item_id: i64) -> anyhow::Result<Option<ActionItem>> {
    state.store.action_item_any_team(item_id).await
}

/// The App Home's part: the person's open items with their buttons.
pub async fn home_blocks(state: &AppState, user: &str) -> anyhow::Result<Vec<SlackBlock>> {
    let items = state.store.open_items_of(user).await?;
    let now = state.clock.now();
    let today = team_today(state, now);
    let mut content = vec![blocks::section("*Your open action items*")];
    if items.is_empty() {
        content.push(blocks::context("None right now."));
    }
    for item in items.iter().take(10) {
        content.extend(render::item_blocks(item, now, today));
    }
    if items.len() > 10 {
        content.push(blocks::context(format!(
            "{} more: `/debrief actions mine`.",
            items.len() - 10
        )));
    }
    Ok(content)
}

/// "Make this an action item" on a ranked counterfactual: the item form, filled in.
pub async fn open_from_counterfactual(
    state: &AppState,
    user: &str,
    trigger_id: &str,
    value: &str,
) -> Result<(), Error> {
    let Some(origin) = (match value.parse::<i64>() {
        Ok(id) => state.store.counterfactual_origin(id).await?,
        Err(_) => None,
    }) else {
        user_error!("That counterfactual no longer exists.");
    };
    if let Some(item) = origin.item_id {
        user_error!(
            "This condition is already action item {}. `/debrief actions all` lists it.",
            render::item_ref(item)
        );
    }
    let kinds: Vec<(&str, &str)> = KINDS.iter().map(|k| (*k, *k)).collect();
    let view = forms::modal(
        "New action item",
        "Add",
        crate::ids::ACTION_SUBMIT,
        &origin.id.to_string(),
        vec![
            forms::text_input(
                "title",
                "What will be done",
                Some(&origin.body),
                false,
                false,
                200,
            ),
            forms::user_input("owner", "Owner", Some(user), true),
            forms::text_input("due", "Due (e.g. 2027-01-15)", None, false, true, 10),
            forms::select_input("kind", "Kind", &kinds, None, true),
            forms::text_input(
                "url",
                "Tracker link (Jira, Linear, GitHub)",
                None,
                false,
                true,
                500,
            ),
        ],
    );
    state
        .slack
        .open_view(trigger_id, view)
        .await
        .map_err(|e| anyhow::anyhow!("could not open the action item form: {e}"))?;
    Ok(())
}

/// The form opened from a counterfactual was submitted.
pub async fn submit_from_counterfactual(
    state: &AppState,
    user: &str,
    view: &SlackStatefulView,
    metadata: &str,
    now: Timestamp,
) -> Result<SlackView, Error> {
    let id: i64 = metadata
        .parse()
        .map_err(|_| anyhow::anyhow!("action item form metadata"))?;
    let Some(origin) = state.store.counterfactual_origin(id).await? else {
        user_error!("That counterfactual no longer exists.");
    };
    let values = FormValues::from_view(view);
    let mut errors = FieldErrors::default();
    let title = values.text("title").unwrap_or_default();
    if title.is_empty() {
        errors.add("title", "Say what will be done.");
    }
    let due = values.text("due").map(|d| parse_due(&d));
    if let Some(Err(_)) = &due {
        errors.add("due", "Write the date like 2027-01-15.");
    }
    let url = values.text("url").map(|u| parse_url(&u));
    if let Some(Err(_)) = &url {
        errors.add("url", "Give a web link, starting with https://.");
    }
    if !errors.is_empty() {
        return Err(Error::Form(errors));
    }
    if let Some(item) = origin.item_id {
        return Ok(forms::notice(
            "New action item",
            &format!(
                "This condition is already action item {}.",
                render::item_ref(item)
            ),
        ));
    }
    let item = NewActionItem {
        team_id: origin.team_id.clone(),
        incident_id: Some(origin.incident_id),
        individual: reads_as_individual_fix(&title),
        title,
        owner_id: values.user("owner"),
        kind: values
            .selected("kind")
            .filter(|k| ActionKind::parse(k).is_some()),
        services: Vec::new(),
        failure_mode: None,
        due_on: due.transpose()?,
        url: url.transpose()?,
        counterfactual_id: Some(origin.id),
        created_by: user.to_string(),
    };
    let saved = create(state, &item, &origin.channel_id, now).await?;
    Ok(forms::notice(
        "New action item",
        &format!(
            "Added {}. The condition is no longer a proposal; its message is in <#{}>.",
            render::item_ref(saved.id),
            origin.channel_id
        ),
    ))
}
