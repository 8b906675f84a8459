//! Purpose: section 3, the action-item audit: what became of last quarter's items, which
//! deprioritized items the quarter's incidents then hit, closure velocity, and open items'
//! ages. Every state is derived from the status history as of the cut-off.

use jiff::Timestamp;

use super::super::actions::ItemStatus;
use super::super::report::{
    ActionAudit, AgeBucket, AgeDistribution, Implicated, LastQuarterItems, Listed, Ratio,
    StaleItem, Velocity,
};
use super::index::{Ctx, Item, Span};

pub(super) fn audit(ctx: &Ctx<'_>) -> ActionAudit {
    ActionAudit {
        last_quarter: last_quarter(ctx),
        implicated: implicated(ctx),
        velocity: velocity(ctx),
        ages: ages(ctx),
        individual_fixes: ctx
            .items
            .iter()
            .filter(|i| i.created_slot == Some(3) && i.fact.individual)
            .count(),
        opened_this_quarter: ctx
            .items
            .iter()
            .filter(|i| i.created_slot == Some(3))
            .count(),
    }
}

/// Items opened in the previous quarter, by their state now.
fn last_quarter(ctx: &Ctx<'_>) -> LastQuarterItems {
    let mut result = LastQuarterItems {
        quarter: ctx.window.quarters[2],
        opened: 0,
        completed: 0,
        in_progress: 0,
        deprioritized: 0,
        open: 0,
    };
    for item in ctx.items.iter().filter(|i| i.created_slot == Some(2)) {
        result.opened += 1;
        *match item.state {
            ItemStatus::Done => &mut result.completed,
            ItemStatus::InProgress => &mut result.in_progress,
            ItemStatus::Deprioritized => &mut result.deprioritized,
            ItemStatus::Open => &mut result.open,
        } += 1;
    }
    result
}

/// This quarter's incidents (positions in the quarter slice, in time order) per service and
/// per mode, so each deprioritized span is two binary searches per tag.
struct QuarterIndex {
    by_service: Vec<Vec<usize>>,
    by_mode: Vec<Vec<usize>>,
    /// Start of each quarter incident, compact, for the binary searches.
    at: Vec<Timestamp>,
}

impl QuarterIndex {
    fn new(ctx: &Ctx<'_>) -> QuarterIndex {
        let mut by_service = vec![Vec::new(); ctx.services.len()];
        let mut by_mode = vec![Vec::new(); ctx.modes.len()];
        for (n, inc) in ctx.quarter_incidents().iter().enumerate() {
            for &s in ctx.incident_services(inc) {
                by_service[s as usize].push(n);
            }
            if let Some(m) = inc.mode {
                by_mode[m as usize].push(n);
            }
        }
        QuarterIndex {
            by_service,
            by_mode,
            at: ctx.quarter_incidents().iter().map(|i| i.at).collect(),
        }
    }

    /// The incident lists of an item's services and of its mode.
    fn keys<'s>(&'s self, ctx: &'s Ctx<'_>, item: &Item<'_>) -> impl Iterator<Item = &'s [usize]> {
        let services = ctx.item_services(item).iter();
        services
            .map(|&s| self.by_service[s as usize].as_slice())
            .chain(item.mode.map(|m| self.by_mode[m as usize].as_slice()))
    }
}

/// Calls `hit` with the position (in the quarter slice) of every incident sharing a service
/// or the failure mode with `item` that started while `span` lasted: strictly after the
/// change, before it was picked up again. An incident may come once per shared key.
fn each_hit(
    ctx: &Ctx<'_>,
    index: &QuarterIndex,
    item: &Item<'_>,
    span: &Span<'_>,
    mut hit: impl FnMut(usize),
) {
    let at = &index.at;
    for list in index.keys(ctx, item) {
        let lo = list.partition_point(|&i| at[i] <= span.from);
        let hi = list.partition_point(|&i| at[i] < span.until).max(lo);
        list[lo..hi].iter().for_each(|&i| hit(i));
    }
}

/// Deprioritized items that this quarter's incidents then hit, in the order they were first
/// hit. Finding them costs two binary searches per span and shared key; only the listed
/// entries enumerate their incidents, so a dense history stays O(n log n).
fn implicated(ctx: &Ctx<'_>) -> Listed<Implicated> {
    let index = QuarterIndex::new(ctx);
    let at = &index.at;
    // (first incident hit, item id, item, span that hit it first)
    let mut found = Vec::new();
    for (n, item) in ctx.items.iter().enumerate() {
        let mut first: Option<(usize, usize)> = None;
        for (s, span) in ctx.item_spans(item).iter().enumerate() {
            for list in index.keys(ctx, item) {
                let lo = list.partition_point(|&i| at[i] <= span.from);
                let hit = list.get(lo).filter(|&&i| at[i] < span.until);
                if let Some(&i) = hit
                    && first.is_none_or(|(best, _)| i < best)
                {
                    first = Some((i, s));
                }
            }
        }
        if let Some((i, s)) = first {
            found.push((i, item.id, n, s));
        }
    }
    found.sort_unstable();
    let entries = found
        .iter()
        .map(|&(_, _, item, span)| implicated_item(ctx, &index, &ctx.items[item], span));
    Listed::first(found.len(), entries, ctx.settings.max_listed)
}

/// A listed entry; its incidents are gathered again, which only listed entries pay for.
fn implicated_item(
    ctx: &Ctx<'_>,
    index: &QuarterIndex,
    item: &Item<'_>,
    span: usize,
) -> Implicated {
    let mut hits: Vec<usize> = Vec::new();
    for s in ctx.item_spans(item) {
        each_hit(ctx, index, item, s, |i| hits.push(i));
    }
    // Positions follow time, so sorting puts the earliest incidents first.
    hits.sort_unstable();
    hits.dedup();
    let incidents = ctx.quarter_incidents();
    let change = ctx.item_spans(item)[span].change;
    Implicated {
        id: item.fact.id,
        title: item.fact.title.clone(),
        owner: item.fact.owner.clone(),
        deprioritized_at: change.at,
        deprioritized_day: ctx.tz.to_datetime(change.at).date(),
        deprioritized_by: change.by.clone(),
        reason: change.reason.clone(),
        incidents: Listed::first(
            hits.len(),
            hits.iter().map(|&i| incidents[i].fact.id),
            ctx.settings.max_ids,
        ),
    }
}

/// Closed ÷ opened per quarter. Opened: created in the quarter. Closed: items that moved into
/// done in the quarter, once per item and quarter (a reopened item closed again counts once).
fn velocity(ctx: &Ctx<'_>) -> Vec<Velocity> {
    let mut opened = [0u64; 4];
    let mut closed = [0u64; 4];
    for item in &ctx.items {
        if let Some(slot) = item.created_slot {
            opened[slot as usize] += 1;
        }
        for (slot, count) in closed.iter_mut().enumerate() {
            *count += u64::from(item.closed_in >> slot & 1);
        }
    }
    (0..4)
        .map(|slot| Velocity {
            quarter: ctx.window.quarters[slot],
            opened: opened[slot],
            closed: closed[slot],
            ratio: Ratio::new(closed[slot], opened[slot]),
        })
        .collect()
}

/// Age buckets' upper bounds in days, then "over 90 days".
const BUCKETS: [(i64, &str); 3] = [
    (30, "up to 30 days"),
    (60, "30–60 days"),
    (90, "60–90 days"),
];

fn ages(ctx: &Ctx<'_>) -> AgeDistribution {
    let open: Vec<&Item<'_>> = ctx.items.iter().filter(|i| i.state.is_open()).collect();
    let mut counts = [0usize; 4];
    for item in &open {
        let secs = ctx.cutoff.duration_since(item.created_at).as_secs();
        let bucket = BUCKETS
            .iter()
            .position(|&(days, _)| secs <= days * 86_400)
            .unwrap_or(3);
        counts[bucket] += 1;
    }
    let labels = BUCKETS.iter().map(|b| b.1).chain(["over 90 days"]);
    // The cut-off's day, once: an item is overdue when its due day is earlier.
    let today = ctx.tz.to_datetime(ctx.cutoff).date();
    let overdue = open
        .iter()
        .filter(|i| i.due.is_some_and(|d| d < today))
        .count();
    AgeDistribution {
        as_of: ctx.cutoff,
        open_items: open.len(),
        buckets: labels
            .zip(counts)
            .map(|(label, items)| AgeBucket {
                label: label.into(),
                items,
            })
            .collect(),
        overdue,
        stale_after_days: ctx.settings.stale_after_days,
        stale: Listed::first(
            ctx.stale_items().len(),
            ctx.stale_items().map(|i| stale_item(ctx, i)),
            ctx.settings.max_listed,
        ),
    }
}

fn stale_item(ctx: &Ctx<'_>, item: &Item<'_>) -> StaleItem {
    StaleItem {
        id: item.fact.id,
        title: item.fact.title.clone(),
        owner: item.fact.owner.clone(),
        status: item.state,
        age_days: ctx.cutoff.duration_since(item.created_at).as_secs() / 86_400,
        services: ctx
            .item_services(item)
            .iter()
            .map(|&s| ctx.services.name(s).to_string())
            .collect(),
    }
}
