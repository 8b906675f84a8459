//! Purpose: the small catalogue the learning review groups by: `/debrief service <name>
//! domain=… [owner-team=…]`, and named format trials (`/debrief trial start name="…"
//! [from=…]`) whose reviews before and after are compared.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::app::AppState;
use crate::error::Error;
use crate::grammar::{self, Invocation};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks;
use crate::user_error;

/// `/debrief service <name> domain=<domain> [owner-team=…]`; with no name, the catalogue.
pub async fn service(
    state: &AppState,
    request: &CommandRequest,
    rest: Option<&str>,
    now: Timestamp,
) -> Result<Reply, Error> {
    let usage =
        "Write it like `/debrief service checkout domain=payments owner-team=\"Team Orbit\"`.";
    let tokens =
        grammar::tokenize(rest.unwrap_or_default()).map_err(|e| crate::error::UserError(e.0))?;
    let Some(name) = tokens.first().filter(|t| !t.contains('=')) else {
        return catalogue(state, request).await;
    };
    let service = grammar::normalize_tag(name);
    let mut domain = None;
    let mut owner_team = None;
    for token in &tokens[1..] {
        match token.split_once('=') {
            Some(("domain", value)) => domain = Some(grammar::normalize_tag(value)),
            Some(("owner-team" | "owner_team", value)) => {
                owner_team = Some(value.trim().to_string()).filter(|v| !v.is_empty())
            }
            _ => user_error!("I didn't understand `{token}`. {usage}"),
        }
    }
    let Some(domain) = domain.filter(|d| !d.is_empty()) else {
        user_error!("`/debrief service {service}` needs `domain=`. {usage}");
    };
    if service.is_empty() {
        user_error!("Give the service's name. {usage}");
    }
    state
        .store
        .save_service(
            &request.team_id,
            &service,
            &domain,
            owner_team.as_deref(),
            &request.user_id,
            now,
        )
        .await?;
    let owner = owner_team
        .map(|t| format!(", owned by {}", blocks::escape(&t)))
        .unwrap_or_default();
    Ok(Reply::ephemeral(format!(
        "`{service}` is in the `{domain}` domain{owner}. The learning review groups its incidents there."
    )))
}

async fn catalogue(state: &AppState, request: &CommandRequest) -> Result<Reply, Error> {
    let services = state.store.services(&request.team_id).await?;
    if services.is_empty() {
        return Ok(Reply::ephemeral(
            "The service catalogue is empty. Add one with `/debrief service checkout domain=payments`; services not in it are listed under “unassigned”.",
        ));
    }
    let lines: Vec<String> = services
        .iter()
        .map(|(service, domain, owner)| {
            let owner = owner
                .as_deref()
                .map(|o| format!(" ({})", blocks::escape(o)))
                .unwrap_or_default();
            format!("• `{service}` → `{domain}`{owner}")
        })
        .collect();
    Ok(Reply::ephemeral_blocks(
        "Service catalogue",
        blocks::long_section(&format!("*Service catalogue*\n{}", lines.join("\n"))),
    ))
}

/// `/debrief trial start name="…" [from=2026-07-01]`: reviews held before that day are
/// compared with reviews held from it on, in the learning review.
pub async fn start_trial(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    let name = inv.text("name").unwrap_or_default().trim().to_string();
    if name.is_empty() || name.chars().count() > 80 {
        user_error!(
            "Name the trial in a few words, e.g. `/debrief trial start name=\"check-in before the survey\"`."
        );
    }
    let today = state.config.learning.timezone.to_datetime(now).date();
    let from = match inv.text("from") {
        Some(raw) => match raw.parse::<Date>() {
            Ok(date) => date,
            Err(_) => user_error!("`from={raw}` is not a date: write it like from=2026-07-01."),
        },
        None => today,
    };
    if !state
        .store
        .start_trial(
            &request.team_id,
            &name,
            &from.to_string(),
            &request.user_id,
            now,
        )
        .await?
    {
        user_error!(
            "A trial named “{}” exists already; give this one another name.",
            blocks::escape(&name)
        );
    }
    Ok(Reply::ephemeral(format!(
        "Trial “{}” starts {from}. The learning review of its quarter compares participation and survey turnout of the reviews held in the 90 days before with those held after.",
        blocks::escape(&name)
    )))
}
