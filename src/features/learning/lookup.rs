//! Purpose: `/debrief learnings <service|failure mode|words>`: what past reviews learned,
//! for someone about to make a decision: incidents, themes, counterfactuals and action
//! items, each linked to its incident. Themes come only from reviews whose survey reached
//! its k-floor, and never as quotes: no survey answer or observation is returned. Each
//! lookup is counted per quarter (a number, never who asked or what for).

use jiff::Timestamp;

use super::quarter::Quarter;
use crate::app::AppState;
use crate::domain::ReviewId;
use crate::error::Error;
use crate::features::agenda::{self, synth};
use crate::features::counterfactual;
use crate::grammar;
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, limits};
use crate::store::learning::{FoundIncident, LookupQuery};
use crate::user_error;

/// Incidents shown per lookup.
const MAX_INCIDENTS: i64 = 8;
/// Incidents whose themes are worked out (each is a clustering run).
const MAX_THEMED: usize = 4;

/// What the words typed name: a service, a failure mode, or free words.
pub fn query_for(text: &str, is_service: bool, is_mode: bool) -> LookupQuery {
    let tag = grammar::normalize_tag(text);
    if is_mode {
        LookupQuery {
            mode: Some(tag),
            ..LookupQuery::default()
        }
    } else if is_service {
        LookupQuery {
            service: Some(tag),
            ..LookupQuery::default()
        }
    } else {
        let escaped = text.trim().to_lowercase().replace(['%', '_'], " ");
        LookupQuery {
            pattern: Some(format!("%{escaped}%")),
            ..LookupQuery::default()
        }
    }
}

/// Where an incident lives: its channel, or the file it was imported from.
fn incident_link(i: &FoundIncident) -> String {
    match &i.external_id {
        Some(external) if i.channel_id.starts_with("import:") => {
            format!("imported as `{}`", blocks::escape(external))
        }
        _ => format!("<#{}>", i.channel_id),
    }
}

/// `/debrief learnings …`
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    rest: Option<&str>,
    now: Timestamp,
) -> Result<Reply, Error> {
    let text = rest.unwrap_or_default().trim();
    if text.chars().count() < 2 {
        user_error!(
            "Tell me what to look up: a service (`/debrief learnings checkout`), a failure mode, or a few words."
        );
    }
    let tag = grammar::normalize_tag(text);
    let (is_service, is_mode) = state.store.tag_kind(&request.team_id, &tag).await?;
    let query = query_for(text, is_service, is_mode);
    let found = state
        .store
        .find_incidents(&request.team_id, &query, MAX_INCIDENTS + 1)
        .await?;
    let quarter = Quarter::containing(now, &state.config.learning.timezone);
    state
        .store
        .count_lookup(&request.team_id, &quarter.to_string())
        .await?;
    let what = if is_mode {
        format!("failure mode `{tag}`")
    } else if is_service {
        format!("service `{tag}`")
    } else {
        format!("“{}”", blocks::escape(text))
    };
    if found.is_empty() {
        return Ok(Reply::ephemeral(format!(
            "Nothing learned yet about {what}. `/debrief modes` lists the failure modes in use."
        )));
    }
    let mut sections = vec![format!("*What past reviews learned about {what}*")];
    for (n, incident) in found.iter().take(MAX_INCIDENTS as usize).enumerate() {
        sections.push(incident_entry(state, incident, n < MAX_THEMED).await?);
    }
    if found.len() > MAX_INCIDENTS as usize {
        sections.push(
            "More incidents match; narrow it down with a service or a failure mode.".to_string(),
        );
    }
    let mut content: Vec<_> = sections
        .iter()
        .flat_map(|s| blocks::long_section(s))
        .collect();
    content.truncate(limits::MESSAGE_BLOCKS);
    Ok(Reply::ephemeral_blocks(
        format!("What past reviews learned about {what}"),
        content,
    ))
}

/// One incident: what it was, its themes, its counterfactuals, its action items.
async fn incident_entry(
    state: &AppState,
    incident: &FoundIncident,
    with_themes: bool,
) -> anyhow::Result<String> {
    let day = Timestamp::from_second(incident.occurred_at)
        .map(|t| {
            state
                .config
                .learning
                .timezone
                .to_datetime(t)
                .date()
                .to_string()
        })
        .unwrap_or_default();
    let mut facts = vec![day];
    facts.extend(incident.severity.clone());
    if let Some(mode) = &incident.failure_mode {
        facts.push(format!("mode `{mode}`"));
    }
    if !incident.services.is_empty() {
        facts.push(format!("services {}", incident.services.replace(',', ", ")));
    }
    let mut lines = vec![format!(
        "*{}* ({}) · {}",
        blocks::escape(&incident.title),
        facts.join(", "),
        incident_link(incident)
    )];
    if let Some(review_id) = incident.review_id.map(ReviewId) {
        if with_themes {
            lines.extend(themes(state, review_id).await?);
        }
        let ranked = counterfactual::rank(state.store.counterfactuals(review_id).await?);
        for c in ranked.iter().take(3) {
            lines.push(format!(
                "• What would have had to be true: {}",
                blocks::escape(&counterfactual::describe(c))
            ));
        }
    }
    for (id, title, status, url) in state
        .store
        .items_of_incident(incident.id)
        .await?
        .iter()
        .take(5)
    {
        let title = match url {
            Some(url) => format!("<{url}|{}>", blocks::escape(title)),
            None => blocks::escape(title),
        };
        let status =
            crate::domain::ItemStatus::parse(status).map_or(status.as_str(), |s| s.label());
        lines.push(format!("• Action item #{id}: {title} ({status})"));
    }
    Ok(lines.join("\n"))
}

/// Theme labels of a review, only once its survey reached the k-floor: below it nothing
/// of what people wrote (answers or observations) is used at all.
async fn themes(state: &AppState, review_id: ReviewId) -> anyhow::Result<Vec<String>> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(Vec::new());
    };
    let counts = crate::features::survey::responses::counts(state, &review).await?;
    if !crate::features::survey::responses::k_met(&review, counts) {
        return Ok(Vec::new());
    }
    let agenda = synth::synthesize(&agenda::inputs(state, &review).await?);
    Ok(agenda
        .themes
        .iter()
        // A theme one person raised would say what that person wrote.
        .filter(|t| t.respondents >= 2)
        .take(3)
        .map(|t| {
            format!(
                "• Theme: {} ({} respondent{})",
                blocks::escape(&t.label),
                t.respondents,
                if t.respondents == 1 { "" } else { "s" }
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_a_pattern_and_tags_stay_tags() {
        assert_eq!(
            query_for("Checkout", true, false).service.as_deref(),
            Some("checkout")
        );
        assert_eq!(
            query_for("Cache Invalidation", false, true).mode.as_deref(),
            Some("cache-invalidation")
        );
        assert_eq!(
            query_for("Stale 100%_cache", false, false)
                .pattern
                .as_deref(),
            Some("%stale 100  cache%")
        );
    }
}
