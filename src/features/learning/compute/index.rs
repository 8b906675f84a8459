//! Purpose: the facts indexed once for every section: tags interned to small ids, incidents
//! sorted by time (so a quarter is a contiguous range), items with their sorted history and
//! their state at the cut-off. Building it is O(n log n); the sections then scan or look up.

use std::collections::HashMap;
use std::ops::Range;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::super::actions::{
    ActionItem, ActionKind, ItemStatus, StatusChange, closures, deprioritized_spans,
};
use super::super::facts::{Facts, Incident, Review};
use super::super::quarter::Quarter;
use super::tables::{IncidentTags, Interner};
use super::{ReportRequest, Settings};

/// The report quarter and the three before it, with their boundaries in the team's zone.
pub(super) struct Window {
    /// Oldest first; the report quarter is last.
    pub quarters: [Quarter; 4],
    bounds: [Timestamp; 5],
}

impl Window {
    fn new(quarter: Quarter, tz: &TimeZone) -> Window {
        let quarters = [-3, -2, -1, 0].map(|n| quarter.shifted(n));
        let mut bounds = quarters.map(|q| q.start(tz)).to_vec();
        bounds.push(quarter.end(tz));
        Window {
            quarters,
            bounds: bounds.try_into().expect("five bounds"),
        }
    }

    /// Which of the four quarters holds `t`: 0 (oldest) to 3 (the report's), if any.
    pub fn slot(&self, t: Timestamp) -> Option<usize> {
        if t < self.bounds[0] || t >= self.bounds[4] {
            return None;
        }
        Some(self.bounds.partition_point(|b| *b <= t) - 1)
    }

    pub fn start(&self, slot: usize) -> Timestamp {
        self.bounds[slot]
    }

    pub fn end(&self, slot: usize) -> Timestamp {
        self.bounds[slot + 1]
    }
}

/// An incident up to the cut-off.
pub(super) struct Inc<'a> {
    pub fact: &'a Incident,
    pub at: Timestamp,
    pub mode: Option<u32>,
    services: Range<u32>,
}

/// A period an item spent deprioritized, its bounds copied out of the history so that
/// searches over it do not chase the history's pointers.
pub(super) struct Span<'a> {
    pub from: Timestamp,
    /// `Timestamp::MAX` while it still is deprioritized.
    pub until: Timestamp,
    pub change: &'a StatusChange,
}

/// An action item created before the cut-off. The fields every pass reads are copied out
/// of the (large) fact, so that scanning half a million items stays within a few cache lines
/// each.
pub(super) struct Item<'a> {
    pub fact: &'a ActionItem,
    pub id: i64,
    pub created_at: Timestamp,
    /// Which quarter of the window it was created in, if any.
    pub created_slot: Option<u8>,
    pub kind: Option<ActionKind>,
    pub due: Option<Date>,
    pub mode: Option<u32>,
    services: Range<u32>,
    /// The state from changes strictly before the cut-off.
    pub state: ItemStatus,
    /// Bit `slot` set: it moved into done in that quarter of the window.
    pub closed_in: u8,
    spans: Range<u32>,
}

pub(super) struct Ctx<'a> {
    pub facts: &'a Facts,
    pub tz: &'a TimeZone,
    pub now: Timestamp,
    pub settings: &'a Settings,
    pub window: Window,
    /// Figures are as of this instant: the quarter's end, or now if that is earlier.
    pub cutoff: Timestamp,
    pub services: Interner<'a>,
    pub modes: Interner<'a>,
    /// Up to the cut-off, in time order.
    pub incidents: Vec<Inc<'a>>,
    /// This quarter's incidents within `incidents`.
    pub quarter: Range<usize>,
    pub items: Vec<Item<'a>>,
    /// Domain names, sorted; `service_domain` indexes them.
    pub domains: Vec<&'a str>,
    service_domain: Vec<Option<u32>>,
    reviews: HashMap<i64, &'a Review>,
    tag_lists: Vec<u32>,
    /// Deprioritized periods that began before the cut-off, of every item.
    spans: Vec<Span<'a>>,
    /// Items open past the stale limit at the cut-off, oldest first (indices into `items`).
    stale: Vec<usize>,
}

impl<'a> Ctx<'a> {
    pub fn build(facts: &'a Facts, request: &'a ReportRequest) -> Ctx<'a> {
        let window = Window::new(request.quarter, &request.tz);
        let cutoff = window.end(3).min(request.now);
        let mut ctx = Ctx {
            facts,
            tz: &request.tz,
            now: request.now,
            settings: &request.settings,
            window,
            cutoff,
            services: Interner::default(),
            modes: Interner::default(),
            incidents: Vec::new(),
            quarter: 0..0,
            items: Vec::new(),
            domains: Vec::new(),
            service_domain: Vec::new(),
            reviews: facts.reviews.iter().map(|r| (r.incident_id, r)).collect(),
            tag_lists: Vec::new(),
            spans: Vec::new(),
            stale: Vec::new(),
        };
        ctx.index_incidents();
        ctx.index_items();
        ctx.index_catalogue();
        ctx.index_stale();
        ctx
    }

    fn index_incidents(&mut self) {
        let (facts, cutoff) = (self.facts, self.cutoff);
        // Reserved up front: growing these by doubling copied tens of megabytes at 100k.
        self.incidents.reserve(facts.incidents.len());
        self.tag_lists
            .reserve(2 * (facts.incidents.len() + facts.action_items.len()));
        for fact in facts.incidents.iter().filter(|i| i.at() < cutoff) {
            let services = self.intern_services(&fact.services);
            let mode = fact
                .failure_mode
                .as_deref()
                .and_then(|m| self.modes.intern(m));
            self.incidents.push(Inc {
                fact,
                at: fact.at(),
                mode,
                services,
            });
        }
        self.incidents.sort_by_key(|i| (i.at, i.fact.id));
        let (start, end) = (self.window.start(3), self.window.end(3));
        let first = self.incidents.partition_point(|i| i.at < start);
        let last = self.incidents.partition_point(|i| i.at < end);
        self.quarter = first..last;
    }

    fn index_items(&mut self) {
        let tags = self
            .incidents
            .iter()
            .map(|i| (i.fact.id, i.services.clone(), i.mode));
        let by_id = IncidentTags::new(tags);
        let (facts, cutoff) = (self.facts, self.cutoff);
        self.items.reserve(facts.action_items.len());
        // Reused for every item: the history in time order, without copying it.
        let mut ordered: Vec<&'a StatusChange> = Vec::new();
        for fact in facts.action_items.iter().filter(|i| i.created_at < cutoff) {
            ordered.clear();
            ordered.extend(fact.history.iter());
            if !ordered.is_sorted_by_key(|c| c.at) {
                // Stable: rows at the same instant keep their order, the later one winning.
                ordered.sort_by_key(|c| c.at);
            }
            let mut item = self.read_history(fact, &ordered);
            // Only items still open, deprioritized or once deprioritized reach a section that
            // reads services and modes; skipping the rest saves most of the string work.
            if item.state != ItemStatus::Done || !item.spans.is_empty() {
                let inherited = fact.incident_id.and_then(|id| by_id.get(id));
                self.tag_item(&mut item, inherited);
            }
            self.items.push(item);
        }
    }

    /// An item's services and mode; with none of its own, its incident's.
    fn tag_item(&mut self, item: &mut Item<'a>, incident: Option<(Range<u32>, Option<u32>)>) {
        let fact = item.fact;
        item.services = match (fact.services.is_empty(), &incident) {
            (true, Some((services, _))) => services.clone(),
            _ => self.intern_services(&fact.services),
        };
        let own_mode = fact
            .failure_mode
            .as_deref()
            .and_then(|m| self.modes.intern(m));
        item.mode = own_mode.or_else(|| incident.and_then(|(_, mode)| mode));
    }

    /// Everything the sections need from one item's history, read once while it is in cache.
    fn read_history(&mut self, fact: &'a ActionItem, ordered: &[&'a StatusChange]) -> Item<'a> {
        let cutoff = self.cutoff;
        let before = ordered.partition_point(|c| c.at < cutoff);
        let state = before
            .checked_sub(1)
            .map_or(ItemStatus::Open, |n| ordered[n].status);
        let closed_in = closures(ordered.iter().copied())
            .filter(|&at| at < cutoff)
            .filter_map(|at| self.window.slot(at))
            .fold(0u8, |bits, slot| bits | 1 << slot);
        let first = self.spans.len() as u32;
        let spans = deprioritized_spans(ordered.iter().copied())
            .filter(|s| s.change.at < cutoff)
            .map(|s| Span {
                from: s.change.at,
                until: s.until.unwrap_or(Timestamp::MAX),
                change: s.change,
            });
        self.spans.extend(spans);
        Item {
            fact,
            id: fact.id,
            created_at: fact.created_at,
            created_slot: self.window.slot(fact.created_at).map(|s| s as u8),
            kind: fact.kind,
            due: fact.due,
            mode: None,
            services: 0..0,
            state,
            closed_in,
            spans: first..self.spans.len() as u32,
        }
    }

    fn index_catalogue(&mut self) {
        let facts = self.facts;
        let mut domains: Vec<&str> = facts.services.iter().map(|s| s.domain.trim()).collect();
        domains.retain(|d| !d.is_empty());
        domains.sort_unstable();
        domains.dedup();
        let mut service_domain = Vec::new();
        for entry in &facts.services {
            let (Some(id), Ok(domain)) = (
                self.services.intern(&entry.service),
                domains.binary_search(&entry.domain.trim()),
            ) else {
                continue;
            };
            let id = id as usize;
            if service_domain.len() <= id {
                service_domain.resize(id + 1, None);
            }
            service_domain[id] = Some(domain as u32);
        }
        service_domain.resize(self.services.len(), None);
        self.domains = domains;
        self.service_domain = service_domain;
    }

    /// Interns a tag list once, deduplicated, and returns its range in `tag_lists`.
    fn intern_services(&mut self, raw: &'a [String]) -> Range<u32> {
        let start = self.tag_lists.len();
        for tag in raw {
            if let Some(id) = self.services.intern(tag)
                && !self.tag_lists[start..].contains(&id)
            {
                self.tag_lists.push(id);
            }
        }
        start as u32..self.tag_lists.len() as u32
    }

    pub fn incident_services(&self, inc: &Inc<'_>) -> &[u32] {
        &self.tag_lists[inc.services.start as usize..inc.services.end as usize]
    }

    pub fn item_spans(&self, item: &Item<'_>) -> &[Span<'a>] {
        &self.spans[item.spans.start as usize..item.spans.end as usize]
    }

    pub fn item_services(&self, item: &Item<'_>) -> &[u32] {
        &self.tag_lists[item.services.start as usize..item.services.end as usize]
    }

    /// This quarter's incidents, in time order.
    pub fn quarter_incidents(&self) -> &[Inc<'a>] {
        &self.incidents[self.quarter.clone()]
    }

    /// The domain of a service, `None` when the catalogue does not know it.
    pub fn domain_of(&self, service: u32) -> Option<u32> {
        self.service_domain.get(service as usize).copied().flatten()
    }

    pub fn review_of(&self, incident_id: i64) -> Option<&'a Review> {
        self.reviews.get(&incident_id).copied()
    }

    /// Per service id, how many of this quarter's incidents touched it.
    pub fn quarter_service_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.services.len()];
        for inc in self.quarter_incidents() {
            for &s in self.incident_services(inc) {
                counts[s as usize] += 1;
            }
        }
        counts
    }

    fn index_stale(&mut self) {
        let limit = i64::from(self.settings.stale_after_days) * 86_400;
        let cutoff = self.cutoff;
        // Sort keys copied next to the index, so the sort does not chase pointers.
        let mut stale: Vec<(Timestamp, i64, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.state.is_open())
            .filter(|(_, i)| cutoff.duration_since(i.created_at).as_secs() > limit)
            .map(|(n, i)| (i.created_at, i.id, n))
            .collect();
        stale.sort_unstable();
        self.stale = stale.into_iter().map(|(_, _, n)| n).collect();
    }

    /// Open items older than the stale limit at the cut-off, oldest first.
    pub fn stale_items(&self) -> impl ExactSizeIterator<Item = &Item<'a>> {
        self.stale.iter().map(|&n| &self.items[n])
    }
}
