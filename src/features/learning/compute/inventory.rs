//! Purpose: the recurrence rate at the top of the report, and section 1, the incident
//! inventory: severities, services by domain, postmortems completed against outstanding.

use std::collections::BTreeMap;

use super::super::facts::Severity;
use super::super::report::{
    DomainServices, IncidentRef, Inventory, Listed, Outstanding, Postmortems, QuarterRate, Ratio,
    ServiceCount, SeverityCount,
};
use super::index::{Ctx, Inc};

/// The domain heading for services the catalogue does not know.
pub const UNASSIGNED: &str = "unassigned";

/// Recurrences ÷ incidents for each quarter of the window, oldest first.
pub(super) fn recurrence(ctx: &Ctx<'_>) -> Vec<QuarterRate> {
    let mut counts = [(0u64, 0u64); 4];
    let from = ctx
        .incidents
        .partition_point(|i| i.at < ctx.window.start(0));
    for inc in &ctx.incidents[from..] {
        if let Some(slot) = ctx.window.slot(inc.at) {
            counts[slot].0 += u64::from(inc.fact.is_recurrence());
            counts[slot].1 += 1;
        }
    }
    ctx.window
        .quarters
        .iter()
        .zip(counts)
        .map(|(&quarter, (recurrences, incidents))| QuarterRate {
            quarter,
            ratio: Ratio::new(recurrences, incidents),
        })
        .collect()
}

pub(super) fn inventory(ctx: &Ctx<'_>) -> Inventory {
    Inventory {
        incidents: ctx.quarter_incidents().len(),
        by_severity: by_severity(ctx.quarter_incidents()),
        domains: services_by_domain(ctx),
        postmortems: postmortems(ctx),
    }
}

fn by_severity(incidents: &[Inc<'_>]) -> Vec<SeverityCount> {
    let levels = [
        Some(Severity::P1),
        Some(Severity::P2),
        Some(Severity::P3),
        Some(Severity::P4),
        None,
    ];
    levels
        .into_iter()
        .map(|severity| SeverityCount {
            severity,
            incidents: incidents
                .iter()
                .filter(|i| i.fact.severity == severity)
                .count(),
        })
        .collect()
}

fn services_by_domain(ctx: &Ctx<'_>) -> Vec<DomainServices> {
    // Key: (is unassigned, domain name), so that "unassigned" sorts last even if a domain
    // of the same name exists.
    let mut domains: BTreeMap<(bool, &str), Vec<ServiceCount>> = BTreeMap::new();
    for (service, &incidents) in ctx.quarter_service_counts().iter().enumerate() {
        if incidents == 0 {
            continue;
        }
        let key = match ctx.domain_of(service as u32) {
            Some(d) => (false, ctx.domains[d as usize]),
            None => (true, UNASSIGNED),
        };
        domains.entry(key).or_default().push(ServiceCount {
            service: ctx.services.name(service as u32).to_string(),
            incidents,
        });
    }
    domains
        .into_iter()
        .map(|((_, domain), mut services)| {
            services.sort_by(|a, b| {
                b.incidents
                    .cmp(&a.incidents)
                    .then(a.service.cmp(&b.service))
            });
            DomainServices {
                domain: domain.to_string(),
                services,
            }
        })
        .collect()
}

fn postmortems(ctx: &Ctx<'_>) -> Postmortems {
    let mut completed = 0;
    let mut outstanding = Vec::new();
    let mut scheduled = Vec::new();
    let mut not_scheduled = Vec::new();
    for inc in ctx.quarter_incidents() {
        let review = ctx.review_of(inc.fact.id);
        let done = review.and_then(|r| r.done_at).is_some_and(|d| d <= ctx.now);
        match review.and_then(|r| r.meeting_at) {
            _ if done => completed += 1,
            Some(meeting_at) if meeting_at <= ctx.now => outstanding.push((meeting_at, inc)),
            Some(_) => scheduled.push(inc),
            None => not_scheduled.push(inc),
        }
    }
    outstanding.sort_by_key(|(meeting_at, inc)| (*meeting_at, inc.fact.id));
    let max = ctx.settings.max_listed;
    let refs = |list: Vec<&Inc<'_>>| {
        let total = list.len();
        Listed::first(total, list.into_iter().map(reference), max)
    };
    Postmortems {
        completed,
        outstanding: Listed::first(
            outstanding.len(),
            outstanding.iter().map(|&(meeting_at, inc)| Outstanding {
                id: inc.fact.id,
                title: inc.fact.title.clone(),
                meeting_at,
                meeting_day: ctx.tz.to_datetime(meeting_at).date(),
            }),
            max,
        ),
        scheduled: refs(scheduled),
        not_scheduled: refs(not_scheduled),
    }
}

fn reference(inc: &Inc<'_>) -> IncidentRef {
    IncidentRef {
        id: inc.fact.id,
        title: inc.fact.title.clone(),
    }
}
