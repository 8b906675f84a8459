//! Purpose: the wording of section 5, forward-looking risks.

use super::super::facts::{Control, Reach};
use super::super::report::LearningReport;
use super::{Block, Section, Text, ids, list_or, listed_or, num, plural, timeboxed};

pub(super) fn section(r: &LearningReport) -> Section {
    let k = &r.risks;
    let quarters: Vec<String> = r.recurrence.iter().map(|q| q.quarter.to_string()).collect();
    let rising = k
        .rising_modes
        .iter()
        .map(|m| {
            let trend: Vec<String> = m.counts.iter().map(u32::to_string).collect();
            Text::new()
                .b(&m.mode)
                .p(format!(": {} (+{})", trend.join(" → "), m.increase))
        })
        .collect();
    let stale = k
        .stale_services
        .iter()
        .map(|s| {
            Text::new().b(&s.service).p(format!(
                ": {} this quarter; items open more than {} days: {}",
                plural(s.incidents, "incident", "incidents"),
                r.audit.ages.stale_after_days,
                ids(&s.stale_items)
            ))
        })
        .collect();
    let uncovered = k
        .uncovered_modes
        .iter()
        .map(|m| Text::new().b(&m.mode).p(format!(": {}", ids(&m.incidents))))
        .collect();
    let debt = k
        .tech_debt
        .items
        .iter()
        .map(|d| {
            Text::new().p(format!("#{} ", d.id)).u(&d.title).p(format!(
                " ({}; services with incidents: {})",
                d.status.label(),
                d.services.join(", ")
            ))
        })
        .collect();
    let blocks = vec![
        Block::Heading("Failure modes on the rise".into()),
        Block::Para(
            format!(
                "Seen at least twice this quarter and more often than last quarter; counts for {}.",
                quarters.join(", ")
            )
            .into(),
        ),
        list_or(rising, "None."),
        Block::Heading("Stale items on services that had incidents".into()),
        list_or(stale, "None."),
        Block::Heading("Recurring modes with no open action item".into()),
        list_or(uncovered, "None: every recurring mode has open work."),
        Block::Heading("Known tech debt with incident potential".into()),
        listed_or(debt, k.tech_debt.more(), "None."),
    ];
    let mut blocks = blocks;
    blocks.extend(investments(r));
    blocks.extend(blind_spots(r));
    Section {
        title: timeboxed(r, 5),
        blocks,
    }
}

fn investments(r: &LearningReport) -> Vec<Block> {
    let items = r
        .risks
        .investments
        .items
        .iter()
        .map(|c| {
            let control = match c.control {
                Control::Yes => "within our control",
                Control::Partly => "partly within our control",
                Control::No => "outside our control",
            };
            let reach = match c.reach {
                Reach::ThisIncident => "this incident",
                Reach::ThisClass => "this class of incident",
                Reach::ManyClasses => "many classes of incident",
            };
            Text::new().u(&c.text).p(format!(
                " (#{}: {control}, cost {:?}, helps {reach}, leverage {})",
                c.incident_id,
                c.cost,
                num(c.leverage)
            ))
        })
        .collect();
    vec![
        Block::Heading("Proposed systemic investments".into()),
        Block::Para(
            "Controllable counterfactuals that reach a class or many classes of incident and are not yet action items, ranked: controllable first, then generalisation ÷ cost."
                .into(),
        ),
        listed_or(items, r.risks.investments.more(), "None waiting."),
    ]
}

fn blind_spots(r: &LearningReport) -> Vec<Block> {
    let domains = r
        .risks
        .blind_spots
        .iter()
        .filter(|b| !b.modes.is_empty())
        .map(|b| {
            let modes: Vec<String> = b
                .modes
                .iter()
                .map(|m| format!("{} (in {})", m.mode, m.seen_in.join(", ")))
                .collect();
            Text::new()
                .bu(&b.domain)
                .p(" has never had: ")
                .u(modes.join("; "))
        })
        .collect();
    let vendors = r
        .risks
        .unreviewed_vendors
        .iter()
        .map(|v| {
            let mut source = Vec::new();
            if v.incidents.total > 0 {
                source.push(format!("incidents {}", ids(&v.incidents)));
            }
            if v.named_in_surveys {
                source.push("named in surveys".to_string());
            }
            Text::new()
                .bu(&v.vendor)
                .p(format!(": {}", source.join("; ")))
        })
        .collect();
    vec![
        Block::Heading("What teams are not seeing".into()),
        Block::Para(
            "Failure modes that hit services in other domains this quarter but never this domain's:"
                .into(),
        ),
        list_or(domains, "None: every domain has met this quarter's failure modes before."),
        Block::Para(
            "Vendors named in incidents or surveys with no review of how our system behaves when they fail:"
                .into(),
        ),
        list_or(vendors, "None."),
    ]
}
