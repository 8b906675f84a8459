//! Purpose: section 5, forward-looking risks: rising modes, stale work on services that keep
//! failing, recurring modes nobody is working on, tech debt near incidents, systemic
//! investments still only proposed, and what each domain has not yet seen.

use std::collections::{BTreeMap, BTreeSet};

use super::super::actions::{ActionKind, ItemStatus};
use super::super::adapters::{compare_counterfactuals, is_controllable, leverage};
use super::super::facts::{Counterfactual, Reach};
use super::super::report::{
    BlindSpot, DebtItem, Investment, Listed, ModeElsewhere, ModeIncidents, RisingMode, Risks,
    StaleService,
};
use super::index::{Ctx, Item};
use super::inventory::UNASSIGNED;
use super::vendors;

pub(super) fn risks(ctx: &Ctx<'_>, recurring: &[ModeIncidents]) -> Risks {
    Risks {
        rising_modes: rising_modes(ctx),
        stale_services: stale_services(ctx),
        uncovered_modes: uncovered_modes(ctx, recurring),
        tech_debt: tech_debt(ctx),
        investments: investments(ctx),
        blind_spots: blind_spots(ctx),
        unreviewed_vendors: vendors::unreviewed_vendors(ctx),
    }
}

/// Seen at least twice this quarter and more often than last quarter.
fn rising_modes(ctx: &Ctx<'_>) -> Vec<RisingMode> {
    let mut counts = vec![[0u32; 4]; ctx.modes.len()];
    let from = ctx
        .incidents
        .partition_point(|i| i.at < ctx.window.start(0));
    for inc in &ctx.incidents[from..] {
        if let (Some(mode), Some(slot)) = (inc.mode, ctx.window.slot(inc.at)) {
            counts[mode as usize][slot] += 1;
        }
    }
    let mut rising: Vec<RisingMode> = counts
        .into_iter()
        .enumerate()
        .filter(|(_, c)| c[3] >= 2 && c[3] > c[2])
        .map(|(mode, c)| RisingMode {
            mode: ctx.modes.name(mode as u32).to_string(),
            counts: c.to_vec(),
            increase: c[3] - c[2],
        })
        .collect();
    rising.sort_by(|a, b| {
        b.increase
            .cmp(&a.increase)
            .then_with(|| a.mode.cmp(&b.mode))
    });
    rising
}

/// Services with incidents this quarter that also carry items open past the stale limit.
fn stale_services(ctx: &Ctx<'_>) -> Vec<StaleService> {
    let counts = ctx.quarter_service_counts();
    let max = ctx.settings.max_ids;
    // Per service: stale items counted, and the first (oldest) few listed.
    let mut by_service: Vec<(usize, Vec<i64>)> = vec![(0, Vec::new()); counts.len()];
    for item in ctx.stale_items() {
        for &s in ctx.item_services(item) {
            let (total, ids) = &mut by_service[s as usize];
            *total += 1;
            if ids.len() < max {
                ids.push(item.id);
            }
        }
    }
    let mut result: Vec<StaleService> = by_service
        .into_iter()
        .enumerate()
        .filter(|&(s, (total, _))| total > 0 && counts[s] > 0)
        .map(|(s, (total, ids))| StaleService {
            service: ctx.services.name(s as u32).to_string(),
            incidents: counts[s],
            stale_items: Listed { total, items: ids },
        })
        .collect();
    result.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then_with(|| a.service.cmp(&b.service))
    });
    result
}

/// Recurring modes with no open or in-progress item about them.
fn uncovered_modes(ctx: &Ctx<'_>, recurring: &[ModeIncidents]) -> Vec<ModeIncidents> {
    let mut covered = vec![false; ctx.modes.len()];
    for mode in ctx
        .items
        .iter()
        .filter(|i| i.state.is_open())
        .filter_map(|i| i.mode)
    {
        covered[mode as usize] = true;
    }
    recurring
        .iter()
        .filter(|m| {
            ctx.modes
                .get(&m.mode)
                .is_none_or(|id| !covered[id as usize])
        })
        .cloned()
        .collect()
}

/// Tech-debt items still open or deprioritized on services that had incidents this quarter,
/// by id.
fn tech_debt(ctx: &Ctx<'_>) -> Listed<DebtItem> {
    let counts = ctx.quarter_service_counts();
    let hit = |s: &&u32| counts[**s as usize] > 0;
    let mut matching: Vec<&Item<'_>> = ctx
        .items
        .iter()
        .filter(|i| i.kind == Some(ActionKind::TechDebt))
        .filter(|i| i.state.is_open() || i.state == ItemStatus::Deprioritized)
        .filter(|i| ctx.item_services(i).iter().any(|s| hit(&s)))
        .collect();
    matching.sort_by_key(|i| i.id);
    let entries = matching.iter().map(|item| DebtItem {
        id: item.fact.id,
        title: item.fact.title.clone(),
        kind: ActionKind::TechDebt,
        status: item.state,
        services: ctx
            .item_services(item)
            .iter()
            .filter(hit)
            .map(|&s| ctx.services.name(s).to_string())
            .collect(),
    });
    Listed::first(matching.len(), entries, ctx.settings.max_listed)
}

/// Controllable counterfactuals reaching a class or many classes, not yet action items,
/// recorded up to the cut-off, in the project's portfolio order.
fn investments(ctx: &Ctx<'_>) -> Listed<Investment> {
    let mut candidates: Vec<&Counterfactual> = ctx
        .facts
        .counterfactuals
        .iter()
        .filter(|c| c.created_at < ctx.cutoff && !c.has_action_item)
        .filter(|c| is_controllable(c.control) && c.reach != Reach::ThisIncident)
        .collect();
    candidates.sort_by(|a, b| compare_counterfactuals(a, b));
    let entries = candidates.iter().map(|c| Investment {
        id: c.id,
        incident_id: c.incident_id,
        text: c.text.clone(),
        control: c.control,
        cost: c.cost,
        reach: c.reach,
        leverage: leverage(c),
    });
    Listed::first(candidates.len(), entries, ctx.settings.max_listed)
}

/// For each catalogue domain, the modes that hit services elsewhere this quarter but have
/// never (up to the cut-off) hit a service of this domain.
fn blind_spots(ctx: &Ctx<'_>) -> Vec<BlindSpot> {
    let domains = ctx.domains.len();
    // Domain index, or `domains` for services the catalogue does not know.
    let place = |service: u32| ctx.domain_of(service).map_or(domains, |d| d as usize);
    // ever[place * modes + mode]: the mode has hit that place up to the cut-off.
    let modes = ctx.modes.len();
    let mut ever = vec![false; (domains + 1) * modes];
    for inc in &ctx.incidents {
        for (&s, mode) in ctx
            .incident_services(inc)
            .iter()
            .zip(std::iter::repeat(inc.mode))
        {
            if let Some(mode) = mode {
                ever[place(s) * modes + mode as usize] = true;
            }
        }
    }
    let mut this_quarter: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
    for inc in ctx.quarter_incidents() {
        if let Some(mode) = inc.mode {
            let places = this_quarter.entry(mode).or_default();
            places.extend(ctx.incident_services(inc).iter().map(|&s| place(s)));
        }
    }
    let name = |p: usize| ctx.domains.get(p).copied().unwrap_or(UNASSIGNED);
    (0..domains)
        .map(|domain| {
            let mut modes: Vec<ModeElsewhere> = this_quarter
                .iter()
                .filter(|&(&mode, _)| !ever[domain * modes + mode as usize])
                .map(|(&mode, places)| ModeElsewhere {
                    mode: ctx.modes.name(mode).to_string(),
                    seen_in: places.iter().map(|&p| name(p).to_string()).collect(),
                })
                .filter(|m| !m.seen_in.is_empty())
                .collect();
            modes.sort_by(|a, b| a.mode.cmp(&b.mode));
            BlindSpot {
                domain: ctx.domains[domain].to_string(),
                modes,
            }
        })
        .collect()
}
