//! Purpose: section 2, pattern analysis: recurring failure modes, services carrying a
//! disproportionate load, when incidents happen on the team's clock, and deploy correlation.
//! Vendor groups are in `vendors.rs`.

use jiff::SignedDuration;

use super::super::facts::Incident;
use super::super::report::{
    DeployCorrelation, Listed, ModeIncidents, Patterns, Ratio, ServiceLoad, ServiceShare,
};
use super::index::Ctx;
use super::vendors;

pub(super) fn patterns(ctx: &Ctx<'_>) -> Patterns {
    let (hours, weekdays) = clock_distribution(ctx);
    Patterns {
        recurring_modes: recurring_modes(ctx),
        load: service_load(ctx),
        hours,
        weekdays,
        vendors: vendors::vendor_groups(ctx),
        deploys: deploys(ctx),
    }
}

/// Modes seen at least twice this quarter, most frequent first, then by name.
pub(super) fn recurring_modes(ctx: &Ctx<'_>) -> Vec<ModeIncidents> {
    let mut by_mode: Vec<Vec<i64>> = vec![Vec::new(); ctx.modes.len()];
    for inc in ctx.quarter_incidents() {
        if let Some(mode) = inc.mode {
            by_mode[mode as usize].push(inc.fact.id);
        }
    }
    let mut recurring: Vec<ModeIncidents> = by_mode
        .into_iter()
        .enumerate()
        .filter(|(_, ids)| ids.len() >= 2)
        .map(|(mode, ids)| ModeIncidents {
            mode: ctx.modes.name(mode as u32).to_string(),
            incidents: Listed::first(ids.len(), ids.into_iter(), ctx.settings.max_ids),
        })
        .collect();
    recurring.sort_by(|a, b| {
        b.incidents
            .total
            .cmp(&a.incidents.total)
            .then_with(|| a.mode.cmp(&b.mode))
    });
    recurring
}

/// Services whose share of incident–service pairs exceeds `factor` × the mean share, the
/// mean being 1 ÷ the number of services with any incident this quarter.
fn service_load(ctx: &Ctx<'_>) -> ServiceLoad {
    let factor = ctx.settings.disproportion_factor;
    let counts = ctx.quarter_service_counts();
    let total: usize = counts.iter().sum();
    let affected = counts.iter().filter(|&&c| c > 0).count();
    let mean_share = (affected > 0).then(|| 1.0 / affected as f64);
    let mut disproportionate: Vec<ServiceShare> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(service, &incidents)| ServiceShare {
            service: ctx.services.name(service as u32).to_string(),
            incidents,
            share: incidents as f64 / total as f64,
        })
        .filter(|s| mean_share.is_some_and(|mean| s.share > factor * mean))
        .collect();
    disproportionate.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then(a.service.cmp(&b.service))
    });
    ServiceLoad {
        rule: format!(
            "a service's share of incidents is more than {factor}× the mean share (1 ÷ the number of services with incidents)"
        ),
        factor,
        mean_share,
        disproportionate,
    }
}

/// Incidents per hour of day and per weekday (Monday first), on the team's wall clock.
fn clock_distribution(ctx: &Ctx<'_>) -> (Vec<u32>, Vec<u32>) {
    let mut hours = vec![0; 24];
    let mut weekdays = vec![0; 7];
    for inc in ctx.quarter_incidents() {
        let local = ctx.tz.to_datetime(inc.at);
        hours[local.hour() as usize] += 1;
        weekdays[local.weekday().to_monday_zero_offset() as usize] += 1;
    }
    (hours, weekdays)
}

fn deploys(ctx: &Ctx<'_>) -> DeployCorrelation {
    let hours = ctx.settings.deploy_window_hours;
    let window = SignedDuration::from_hours(i64::from(hours));
    let count = |incidents: &[super::index::Inc<'_>]| {
        let near = incidents
            .iter()
            .filter(|i| near_deploy(i.fact, window))
            .count();
        Ratio::new(near as u64, incidents.len() as u64)
    };
    DeployCorrelation {
        window_hours: hours,
        quarter: count(ctx.quarter_incidents()),
        all_time: count(&ctx.incidents),
        quarter_unknown: ctx
            .quarter_incidents()
            .iter()
            .filter(|i| i.fact.deploy_related.is_none() && i.fact.deployed_at.is_none())
            .count(),
    }
}

/// `deploy=yes`, or started within `window` after a recorded deploy. A time is a fact about
/// proximity, so it counts even where someone answered `deploy=no`.
pub(super) fn near_deploy(incident: &Incident, window: SignedDuration) -> bool {
    let within = |deployed| {
        let gap = incident.at().duration_since(deployed);
        !gap.is_negative() && gap <= window
    };
    incident.deploy_related == Some(true) || incident.deployed_at.is_some_and(within)
}
