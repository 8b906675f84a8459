//! Purpose: `/debrief incident`: record or update the channel's incident, by arguments
//! or through a modal, and mark recurrences of a failure mode.

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::{Error, FieldErrors, UserError};
use crate::grammar::{self, Invocation};
use crate::queue::{self, Job};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks;
use crate::slack::forms::{self, FormValues};
use crate::store::reviews::{Incident, IncidentValues, SavedIncident};

/// Changes asked for; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentChanges {
    pub title: Option<String>,
    pub severity: Option<String>,
    pub services: Option<Vec<String>>,
    pub failure_mode: Option<String>,
    pub vendor: Option<String>,
    pub deploy_related: Option<bool>,
    pub started_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub trigger: Option<String>,
}

impl IncidentChanges {
    /// `now` and `tz` (the person's) read times typed on a wall clock.
    pub fn from_invocation(inv: &Invocation, now: Timestamp, tz: &jiff::tz::TimeZone) -> Self {
        Self {
            title: inv.text("title").map(str::to_string),
            severity: inv.choice("sev").map(str::to_string),
            services: inv.tags("services").map(<[String]>::to_vec),
            failure_mode: inv.tag("mode").map(str::to_string),
            vendor: inv.text("vendor").map(str::to_string),
            deploy_related: inv.yes_no("deploy"),
            started_at: inv.time_in("started", now, tz).map(|t| t.as_second()),
            resolved_at: inv.time_in("resolved", now, tz).map(|t| t.as_second()),
            trigger: inv.text("trigger").map(str::to_string),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A vendor is a name: it is quoted inside survey questions and form labels.
const MAX_VENDOR: usize = 80;

/// The trigger is one event, told in a line; the conditions have their own form.
const MAX_TRIGGER: usize = 300;

/// Why a set of changes cannot be applied, and which modal field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

/// Applies changes to the existing incident (or none). Pure.
pub fn merge(
    existing: Option<&Incident>,
    changes: &IncidentChanges,
) -> Result<IncidentValues, Invalid> {
    let base = existing.map(|i| IncidentValues {
        title: i.title.clone(),
        severity: i.severity.clone(),
        services: i.services(),
        failure_mode: i.failure_mode.clone(),
        vendor: i.vendor.clone(),
        deploy_related: i.deploy_related,
        started_at: i.started_at,
        resolved_at: i.resolved_at,
        trigger: i.trigger.clone(),
    });
    let title = changes
        .title
        .clone()
        .or_else(|| base.as_ref().map(|b| b.title.clone()))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or(Invalid {
            field: "title",
            message: "Give the incident a title, e.g. title=\"Checkout errors after cache flush\"."
                .into(),
        })?;
    if title.chars().count() > 150 {
        return Err(Invalid {
            field: "title",
            message: "Keep the title under 150 characters; details belong in the review.".into(),
        });
    }
    if let Some(vendor) = &changes.vendor
        && vendor.trim().chars().count() > MAX_VENDOR
    {
        // The vendor's name goes into survey questions and form labels, whose size Slack
        // limits; a paragraph here would break the survey for everyone.
        return Err(Invalid {
            field: "vendor",
            message: format!(
                "Give the vendor's name in at most {MAX_VENDOR} characters, e.g. vendor=Stripe."
            ),
        });
    }
    let base = base.unwrap_or_default();
    let values = IncidentValues {
        title,
        severity: changes.severity.clone().or(base.severity),
        services: changes.services.clone().unwrap_or(base.services),
        failure_mode: changes.failure_mode.clone().or(base.failure_mode),
        vendor: changes
            .vendor
            .clone()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .or(base.vendor),
        deploy_related: changes.deploy_related.or(base.deploy_related),
        started_at: changes.started_at.or(base.started_at),
        resolved_at: changes.resolved_at.or(base.resolved_at),
        // `trigger=""` (or an emptied form field) clears it; leaving it out keeps it.
        trigger: match &changes.trigger {
            Some(t) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
            None => base.trigger,
        },
    };
    if values
        .trigger
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_TRIGGER)
    {
        return Err(Invalid {
            field: "trigger",
            message: format!(
                "Keep the trigger under {MAX_TRIGGER} characters: the one event that set it off, e.g. trigger=\"the 09:00 CDN purge\". The conditions that let it matter belong in `/debrief counterfactual`."
            ),
        });
    }
    if let (Some(started), Some(resolved)) = (values.started_at, values.resolved_at)
        && resolved < started
    {
        return Err(Invalid {
            field: "resolved",
            message:
                "The incident can't be resolved before it started; check started= and resolved=."
                    .into(),
        });
    }
    Ok(values)
}

/// `/debrief incident …`
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    super::require_channel(request, "incident")?;
    let existing = state
        .store
        .incident_for_channel(&request.team_id, &request.channel_id)
        .await?;
    let tz = super::person_time_zone(state, inv, &request.user_id, now).await;
    let changes = IncidentChanges::from_invocation(inv, now, &tz);
    let needs_modal = changes.is_empty() || (existing.is_none() && changes.title.is_none());
    if needs_modal {
        let prefill = merge(
            existing.as_ref(),
            &IncidentChanges {
                title: Some("-".into()),
                ..changes.clone()
            },
        )
        .map(|mut v| {
            if existing.is_none() {
                v.title.clear();
            }
            v
        })
        .unwrap_or_default();
        let metadata =
            serde_json::json!({ "team": request.team_id, "channel": request.channel_id })
                .to_string();
        state
            .slack
            .open_view(&request.trigger_id, incident_modal(&prefill, &metadata))
            .await
            .map_err(|e| super::form_did_not_open("the incident form", e))?;
        return Ok(Reply::ephemeral(""));
    }
    let values =
        merge(existing.as_ref(), &changes).map_err(|invalid| UserError(invalid.message))?;
    // A new tag close to one in use may split a class of failure: suggest the existing ones.
    let suggestions = match &changes.failure_mode {
        Some(mode) if existing.as_ref().and_then(|i| i.failure_mode.as_ref()) != Some(mode) => {
            super::vocabulary::suggestions(state, &request.team_id, mode).await?
        }
        _ => Vec::new(),
    };
    let saved = state
        .store
        .save_incident(
            &request.team_id,
            &request.channel_id,
            &request.user_id,
            &values,
            now,
        )
        .await?;
    let text = confirmation(&saved);
    if suggestions.is_empty() {
        return Ok(Reply::ephemeral(text));
    }
    let mut content = vec![blocks::section(&text)];
    content.extend(super::vocabulary::suggestion_blocks(
        &super::vocabulary::Target::Incident(saved.incident.id),
        saved.incident.failure_mode.as_deref().unwrap_or_default(),
        &suggestions,
    ));
    Ok(Reply::ephemeral_blocks(text, content))
}

/// What the person who recorded the incident is told.
fn confirmation(saved: &SavedIncident) -> String {
    let i = &saved.incident;
    let verb = if saved.created { "Recorded" } else { "Updated" };
    let mut facts = Vec::new();
    if let Some(sev) = &i.severity {
        facts.push(sev.clone());
    }
    let services = i.services();
    if !services.is_empty() {
        facts.push(format!("services: {}", services.join(", ")));
    }
    if let Some(mode) = &i.failure_mode {
        facts.push(format!("failure mode: {mode}"));
    }
    if let Some(vendor) = &i.vendor {
        facts.push(format!("vendor: {}", blocks::escape(vendor)));
    }
    if let Some(trigger) = &i.trigger {
        facts.push(format!("trigger: {}", blocks::escape(trigger)));
    }
    let mut text = format!("{verb} the incident *{}*", blocks::escape(&i.title));
    if !facts.is_empty() {
        text.push_str(&format!(" ({})", facts.join("; ")));
    }
    text.push('.');
    if let Some(earlier) = &saved.recurrence_of_title {
        text.push_str(&format!(
            " This failure mode was seen before in *{}*, so it is marked as a recurrence.",
            blocks::escape(earlier)
        ));
    }
    if saved.created {
        text.push_str(" Next: `/debrief review` opens the review.");
    }
    text
}

const SEVERITIES: &[(&str, &str)] = &[("P1", "P1"), ("P2", "P2"), ("P3", "P3")];
const YES_NO: &[(&str, &str)] = &[("yes", "Yes"), ("no", "No")];

fn format_time(at: Option<i64>) -> Option<String> {
    at.and_then(|s| Timestamp::from_second(s).ok())
        .map(|t| t.to_string())
}

/// The incident form, prefilled with current values.
fn incident_modal(values: &IncidentValues, private_metadata: &str) -> SlackView {
    let services = values.services.join(", ");
    let deploy = values.deploy_related.map(|d| if d { "yes" } else { "no" });
    let blocks = vec![
        forms::text_input("title", "Title", Some(&values.title), false, false, 150),
        forms::select_input(
            "sev",
            "Severity",
            SEVERITIES,
            values.severity.as_deref(),
            true,
        ),
        forms::text_input(
            "services",
            "Services affected (comma-separated)",
            Some(&services),
            false,
            true,
            500,
        ),
        forms::text_input(
            "mode",
            "Failure mode (e.g. cache invalidation)",
            values.failure_mode.as_deref(),
            false,
            true,
            100,
        ),
        forms::text_input(
            "vendor",
            "Third-party vendor involved, if any",
            values.vendor.as_deref(),
            false,
            true,
            MAX_VENDOR,
        ),
        forms::text_input(
            "trigger",
            "Trigger: the event that set it off (e.g. the 09:00 CDN purge)",
            values.trigger.as_deref(),
            false,
            true,
            MAX_TRIGGER,
        ),
        forms::radio_input("deploy", "Was a deploy involved?", YES_NO, deploy, true),
        forms::text_input(
            "started",
            "Started (e.g. 2026-11-27T09:30:00Z)",
            format_time(values.started_at).as_deref(),
            false,
            true,
            40,
        ),
        forms::text_input(
            "resolved",
            "Resolved (e.g. 2026-11-27T11:05:00Z)",
            format_time(values.resolved_at).as_deref(),
            false,
            true,
            40,
        ),
    ];
    forms::modal(
        "Incident",
        "Save",
        crate::ids::INCIDENT_SUBMIT,
        private_metadata,
        blocks,
    )
}

/// Reads the incident form into changes, or field errors.
fn parse_modal(values: &FormValues) -> Result<IncidentChanges, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut time = |field: &'static str| -> Option<i64> {
        let raw = values.text(field)?;
        match raw.parse::<Timestamp>() {
            Ok(t) => Some(t.as_second()),
            Err(_) => {
                errors.add(
                    field,
                    "Use a time like 2026-11-27T09:30:00Z (RFC 3339, with a Z or an offset).",
                );
                None
            }
        }
    };
    let started_at = time("started");
    let resolved_at = time("resolved");
    let changes = IncidentChanges {
        title: Some(values.text("title").unwrap_or_default()),
        severity: values.selected("sev"),
        services: Some(
            values
                .text("services")
                .map(|s| {
                    s.split(',')
                        .map(grammar::normalize_tag)
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        ),
        failure_mode: values
            .text("mode")
            .map(|m| grammar::normalize_tag(&m))
            .filter(|m| !m.is_empty()),
        vendor: values.text("vendor"),
        deploy_related: values.selected("deploy").map(|d| d == "yes"),
        started_at,
        resolved_at,
        trigger: Some(values.text("trigger").unwrap_or_default()),
    };
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(errors)
    }
}

#[derive(serde::Deserialize)]
struct ModalContext {
    team: String,
    channel: String,
}

/// The incident form was submitted.
pub async fn submit(
    state: &AppState,
    user_id: &str,
    view: &SlackStatefulView,
    private_metadata: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let context: ModalContext = serde_json::from_str(private_metadata)
        .map_err(|e| anyhow::anyhow!("incident modal metadata: {e}"))?;
    let changes = parse_modal(&FormValues::from_view(view)).map_err(Error::Form)?;
    let existing = state
        .store
        .incident_for_channel(&context.team, &context.channel)
        .await?;
    let values = merge(existing.as_ref(), &changes).map_err(|invalid| {
        let mut errors = FieldErrors::default();
        errors.add(invalid.field, invalid.message);
        Error::Form(errors)
    })?;
    let saved = state
        .store
        .save_incident(&context.team, &context.channel, user_id, &values, now)
        .await?;
    let job = Job::PostEphemeral {
        channel: context.channel,
        user: user_id.to_string(),
        text: confirmation(&saved),
        thread_ts: None,
    };
    queue::enqueue(state, &job, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident() -> Incident {
        Incident {
            id: 1,
            team_id: "T".into(),
            channel_id: "C".into(),
            title: "Checkout errors".into(),
            severity: Some("P2".into()),
            services: "api,payments".into(),
            failure_mode: Some("cache-invalidation".into()),
            vendor: None,
            deploy_related: Some(true),
            started_at: Some(100),
            resolved_at: None,
            recurrence_of: None,
            created_by: "U1".into(),
            created_at: 0,
            updated_at: 0,
            trigger: None,
        }
    }

    #[test]
    fn a_new_incident_needs_a_title() {
        let err = merge(
            None,
            &IncidentChanges {
                severity: Some("P1".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.field, "title");
    }

    #[test]
    fn updates_keep_what_was_not_mentioned() {
        let values = merge(
            Some(&incident()),
            &IncidentChanges {
                severity: Some("P1".into()),
                vendor: Some("Stripe".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(values.title, "Checkout errors");
        assert_eq!(values.severity.as_deref(), Some("P1"));
        assert_eq!(values.services, vec!["api", "payments"]);
        assert_eq!(values.vendor.as_deref(), Some("Stripe"));
        assert_eq!(values.deploy_related, Some(true));
    }

    #[test]
    fn the_trigger_is_kept_apart_and_can_be_cleared() {
        let set = merge(
            Some(&incident()),
            &IncidentChanges {
                trigger: Some("  the 09:00 CDN purge ".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(set.trigger.as_deref(), Some("the 09:00 CDN purge"));
        let mut existing = incident();
        existing.trigger = set.trigger.clone();
        let kept = merge(Some(&existing), &IncidentChanges::default()).unwrap();
        assert_eq!(kept.trigger, set.trigger);
        let cleared = merge(
            Some(&existing),
            &IncidentChanges {
                trigger: Some(String::new()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(cleared.trigger, None);
        let long = merge(
            Some(&existing),
            &IncidentChanges {
                trigger: Some("x".repeat(MAX_TRIGGER + 1)),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(long.field, "trigger");
    }

    #[test]
    fn resolution_before_start_is_refused() {
        let err = merge(
            Some(&incident()),
            &IncidentChanges {
                resolved_at: Some(50),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.field, "resolved");
    }

    #[test]
    fn confirmations_mention_recurrence() {
        let saved = SavedIncident {
            incident: incident(),
            created: true,
            recurrence_of_title: Some("Old <outage>".into()),
        };
        let text = confirmation(&saved);
        assert!(text.starts_with("Recorded the incident *Checkout errors* (P2; services: api, payments; failure mode: cache-invalidation)."));
        assert!(text.contains("seen before in *Old &lt;outage&gt;*"));
    }
}
