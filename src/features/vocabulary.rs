//! Purpose: failure modes as a shared vocabulary. Recurrence means "the same class of failure
//! again", so a new tag close to an existing one (a small edit distance, a shared stem, a
//! listed synonym) gets a private suggestion with buttons; `/debrief modes` lists the tags;
//! `/debrief modes merge from=… into=…` rewrites history and recomputes recurrence marks.
//!
//! Who may merge: anyone who facilitates or has facilitated a review in the workspace. A
//! merge changes every past recurrence mark, so it is for the people who run reviews, and
//! each merge is recorded with who made it.

use std::collections::BTreeSet;

use jiff::Timestamp;
use slack_morphism::prelude::SlackBlock;

use crate::app::AppState;
use crate::error::Error;
use crate::grammar::Invocation;
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, Style};
use crate::store::reviews::IncidentValues;
use crate::user_error;

/// Words that name the same thing in a failure mode; the first is the canonical one.
const SYNONYMS: &[&[&str]] = &[
    &["timeout", "timeouts", "timed", "deadline"],
    &[
        "outage",
        "downtime",
        "down",
        "unavailable",
        "unavailability",
    ],
    &[
        "config",
        "configuration",
        "cfg",
        "settings",
        "misconfiguration",
    ],
    &["database", "db", "postgres", "mysql"],
    &["certificate", "cert", "certs", "tls", "ssl"],
    &["deploy", "deployment", "release", "rollout"],
    &["cache", "caching", "cached"],
    &["invalidation", "purge", "flush", "eviction"],
    &["latency", "slowness", "slow"],
    &[
        "capacity",
        "saturation",
        "exhaustion",
        "exhausted",
        "overload",
    ],
    &["memory", "oom", "ram"],
    &["expiry", "expiration", "expired"],
    &["dependency", "vendor", "third-party", "upstream"],
    &["retry", "retries"],
    &["storm", "cascade", "cascading"],
    &["dns", "resolution", "resolver"],
    &["queue", "backlog"],
    &["leak", "leaks", "leaking"],
];

/// Strips the common English endings, so "invalidations" and "invalidating" meet.
fn stem(word: &str) -> String {
    for suffix in [
        "ations", "ation", "ings", "ing", "ions", "ion", "ies", "es", "ed", "s",
    ] {
        if let Some(root) = word.strip_suffix(suffix)
            && root.chars().count() >= 3
        {
            return root.to_string();
        }
    }
    word.to_string()
}

/// The canonical stems of a tag's words.
fn stems(tag: &str) -> BTreeSet<String> {
    tag.split('-')
        .filter(|w| !w.is_empty())
        .map(|word| {
            let canonical = SYNONYMS
                .iter()
                .find(|group| group.contains(&word))
                .map_or(word, |group| group[0]);
            stem(canonical)
        })
        .collect()
}

/// Whether `new` is plausibly another spelling of `existing`. Pure.
pub fn is_close(new: &str, existing: &str) -> bool {
    if new == existing {
        return false;
    }
    let distance = strsim::levenshtein(new, existing);
    if distance <= 2.max(new.len().min(existing.len()) / 4) {
        return true;
    }
    let (a, b) = (stems(new), stems(existing));
    let (small, large) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    !small.is_empty() && small.is_subset(large)
}

/// Existing tags close to `new`, nearest first (at most five).
pub fn rank_suggestions(new: &str, known: &[String]) -> Vec<String> {
    if known.iter().any(|k| k == new) {
        return Vec::new();
    }
    let mut close: Vec<&String> = known.iter().filter(|k| is_close(new, k)).collect();
    close.sort_by_key(|k| (strsim::levenshtein(new, k), k.to_string()));
    close.into_iter().take(5).cloned().collect()
}

/// Suggestions for a mode about to be saved in a workspace: none when the tag is in use.
pub async fn suggestions(
    state: &AppState,
    team_id: &str,
    mode: &str,
) -> anyhow::Result<Vec<String>> {
    let known: Vec<String> = state
        .store
        .mode_counts(team_id)
        .await?
        .into_iter()
        .map(|m| m.mode)
        .collect();
    Ok(rank_suggestions(mode, &known))
}

/// What a suggestion retags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Incident(i64),
    Item(i64),
}

impl Target {
    fn code(&self) -> String {
        match self {
            Target::Incident(id) => format!("incident:{id}"),
            Target::Item(id) => format!("item:{id}"),
        }
    }
}

/// The private suggestion: a sentence and one button per existing tag.
pub fn suggestion_blocks(target: &Target, new: &str, suggestions: &[String]) -> Vec<SlackBlock> {
    if suggestions.is_empty() {
        return Vec::new();
    }
    let buttons = suggestions
        .iter()
        .enumerate()
        .map(|(n, s)| {
            blocks::button(
                &format!("Use {s}"),
                &crate::ids::numbered(crate::ids::MODE_USE, n),
                &format!("{}:{s}", target.code()),
                Style::Default,
            )
        })
        .collect();
    vec![
        blocks::section(format!(
            "The failure mode `{new}` is new, and close to {}. Recurrence counts only the same tag, so if this is the same class of failure, use the existing one:",
            suggestions
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        blocks::actions(None, buttons),
    ]
}

/// "Use <existing mode>" was pressed: retag the incident or item.
pub async fn on_use(
    state: &AppState,
    team_id: &str,
    user: &str,
    value: &str,
    now: Timestamp,
) -> Result<String, Error> {
    let mut parts = value.splitn(3, ':');
    let (kind, id, mode) = (parts.next(), parts.next(), parts.next());
    let (Some(kind), Some(Ok(id)), Some(mode)) = (kind, id.map(str::parse::<i64>), mode) else {
        user_error!(
            "That button is from an older version of debrief; set the mode with `/debrief incident mode=…`."
        );
    };
    match kind {
        "incident" => {
            let Some(incident) = state
                .store
                .incident(id)
                .await?
                .filter(|i| i.team_id == team_id)
            else {
                user_error!("That incident no longer exists.");
            };
            let values = IncidentValues {
                title: incident.title.clone(),
                severity: incident.severity.clone(),
                services: incident.services(),
                failure_mode: Some(mode.to_string()),
                vendor: incident.vendor.clone(),
                deploy_related: incident.deploy_related,
                started_at: incident.started_at,
                resolved_at: incident.resolved_at,
                trigger: incident.trigger.clone(),
            };
            let saved = state
                .store
                .save_incident(team_id, &incident.channel_id, user, &values, now)
                .await?;
            let recurrence = match saved.recurrence_of_title {
                Some(title) => format!(" It is now a recurrence of “{}”.", blocks::escape(&title)),
                None => String::new(),
            };
            Ok(format!(
                "The incident's failure mode is now `{mode}`.{recurrence}"
            ))
        }
        "item" => {
            if state.store.action_item(team_id, id).await?.is_none() {
                user_error!("That action item no longer exists.");
            }
            state
                .store
                .set_action_item_mode(id, mode, user, now)
                .await?;
            Ok(format!("Action item #{id}'s failure mode is now `{mode}`."))
        }
        _ => user_error!("That button is from an older version of debrief."),
    }
}

/// `/debrief modes`: the tags with their counts.
pub async fn list(state: &AppState, request: &CommandRequest) -> Result<Reply, Error> {
    let counts = state.store.mode_counts(&request.team_id).await?;
    if counts.is_empty() {
        return Ok(Reply::ephemeral(
            "No failure modes yet. Tag an incident with `/debrief incident mode=…`.",
        ));
    }
    let mut lines = vec![format!("*Failure modes ({})*", counts.len())];
    for m in counts.iter().take(100) {
        lines.push(format!(
            "• `{}`: {} incident{}, {} action item{}",
            m.mode,
            m.incidents,
            if m.incidents == 1 { "" } else { "s" },
            m.items,
            if m.items == 1 { "" } else { "s" }
        ));
    }
    if counts.len() > 100 {
        lines.push(format!("…and {} more.", counts.len() - 100));
    }
    lines.push(
        "Two spellings of one class of failure? A facilitator can run `/debrief modes merge from=… into=…`."
            .into(),
    );
    let text = lines.join("\n");
    Ok(Reply::ephemeral_blocks(
        "Failure modes",
        blocks::long_section(&text),
    ))
}

/// `/debrief modes merge from=… into=…` (facilitators only).
pub async fn merge(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (Some(from), Some(into)) = (inv.tag("from"), inv.tag("into")) else {
        user_error!(
            "Write it like `/debrief modes merge from=cache-invalidaton into=cache-invalidation`."
        );
    };
    if from == into {
        user_error!("`from=` and `into=` are the same tag; nothing to merge.");
    }
    if !state
        .store
        .is_facilitator(&request.team_id, &request.user_id)
        .await?
    {
        user_error!(
            "Only facilitators (people who run or have run a review here) can merge failure modes, because a merge rewrites every past recurrence mark. Ask one of them, or open a review with `/debrief review`."
        );
    }
    let counts = state.store.mode_counts(&request.team_id).await?;
    if !counts.iter().any(|m| m.mode == from) {
        user_error!("No incident or action item uses `{from}`. `/debrief modes` lists the tags.");
    }
    let outcome = state
        .store
        .merge_modes(&request.team_id, from, into, &request.user_id, now)
        .await?;
    Ok(Reply::ephemeral(format!(
        "Merged `{from}` into `{into}`: {} incident{} and {} action item{} retagged, {} recurrence mark{} recomputed. The merge is recorded with your name.",
        outcome.incidents,
        if outcome.incidents == 1 { "" } else { "s" },
        outcome.items,
        if outcome.items == 1 { "" } else { "s" },
        outcome.marks,
        if outcome.marks == 1 { "" } else { "s" },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_means_a_typo_a_shared_stem_or_a_synonym() {
        assert!(is_close("cache-invalidaton", "cache-invalidation"), "typo");
        assert!(
            is_close("cache-invalidations", "cache-invalidation"),
            "plural"
        );
        assert!(
            is_close("db-timeouts", "database-timeout"),
            "synonym and stem"
        );
        assert!(is_close("config-drift", "configuration-drift"), "synonym");
        assert!(!is_close("dns-outage", "cache-invalidation"));
        assert!(
            !is_close("cache-invalidation", "cache-invalidation"),
            "itself"
        );
    }

    #[test]
    fn suggestions_are_nearest_first_and_none_for_a_known_tag() {
        let known: Vec<String> = ["cache-invalidation", "cache-stampede", "dns-outage"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            rank_suggestions("cache-invalidations", &known),
            vec!["cache-invalidation"]
        );
        assert!(rank_suggestions("cache-invalidation", &known).is_empty());
        assert!(rank_suggestions("disk-full", &known).is_empty());
    }
}
