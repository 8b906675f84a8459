//! Purpose: the wording of section 2, pattern analysis.

use std::collections::BTreeMap;

use super::super::report::{LearningReport, VendorGroup};
use super::{Block, Section, Text, ids, list_or, num, pct, plural, ratio, timeboxed};

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

pub(super) fn section(r: &LearningReport) -> Section {
    let mut blocks = recurring(r);
    blocks.extend(load(r));
    blocks.extend(clock(r));
    blocks.extend(vendors(r));
    blocks.extend(deploys(r));
    Section {
        title: timeboxed(r, 2),
        blocks,
    }
}

fn recurring(r: &LearningReport) -> Vec<Block> {
    let items = r
        .patterns
        .recurring_modes
        .iter()
        .map(|m| {
            Text::new()
                .b(&m.mode)
                .p(format!(" ×{}: {}", m.incidents.total, ids(&m.incidents)))
        })
        .collect();
    vec![
        Block::Heading("Recurring failure modes".into()),
        list_or(items, "No failure mode was seen twice this quarter."),
    ]
}

fn load(r: &LearningReport) -> Vec<Block> {
    let load = &r.patterns.load;
    let mut rule = format!("Rule: {}.", load.rule);
    if let Some(mean) = load.mean_share {
        rule.push_str(&format!(
            " This quarter the mean share is {}, so the line is {}.",
            pct(Some(mean)),
            pct(Some(mean * load.factor))
        ));
    }
    let items = load
        .disproportionate
        .iter()
        .map(|s| {
            Text::new().b(&s.service).p(format!(
                ": {}, {} of incident–service pairs",
                plural(s.incidents, "incident", "incidents"),
                pct(Some(s.share))
            ))
        })
        .collect();
    vec![
        Block::Heading("Services with a disproportionate load".into()),
        Block::Para(rule.into()),
        list_or(items, "No service is above the line."),
    ]
}

fn clock(r: &LearningReport) -> Vec<Block> {
    let p = &r.patterns;
    let total: u32 = p.hours.iter().sum();
    let heading = Block::Heading(format!("When incidents started ({})", r.header.time_zone));
    if total == 0 {
        return vec![heading, Block::Para("No incidents to place.".into())];
    }
    let weekdays = WEEKDAYS
        .iter()
        .zip(&p.weekdays)
        .map(|(d, n)| vec![(*d).into(), n.to_string().into()])
        .collect();
    let busy_days = WEEKDAYS
        .iter()
        .zip(&p.weekdays)
        .filter(|(_, n)| **n > 0)
        .map(|(d, n)| format!("{} {n}", &d[..3]))
        .collect::<Vec<_>>()
        .join(" · ");
    // Only the hours with incidents get a row; the rest are stated in one line.
    let hours = p
        .hours
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(h, n)| vec![format!("{h:02}:00–{h:02}:59").into(), n.to_string().into()])
        .collect::<Vec<_>>();
    let quiet = 24 - hours.len();
    let busy_hours = p
        .hours
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(h, n)| format!("{h:02}h {n}"))
        .collect::<Vec<_>>()
        .join(" · ");
    vec![
        heading,
        Block::Table {
            head: vec!["Weekday", "Incidents"],
            rows: weekdays,
            compact: Some(Text::new().b("By weekday: ").p(busy_days)),
        },
        Block::Table {
            head: vec!["Hour", "Incidents"],
            rows: hours,
            compact: Some(Text::new().b("By hour: ").p(busy_hours)),
        },
    ]
    .into_iter()
    .chain(
        (quiet > 0).then(|| {
            Block::Para(format!("No incident started in the other {quiet} hours.").into())
        }),
    )
    .collect()
}

fn vendors(r: &LearningReport) -> Vec<Block> {
    let mut blocks = vec![Block::Heading("Vendor incidents".into())];
    if r.patterns.vendors.is_empty() {
        blocks.push(Block::Para(
            "No incident this quarter involved a vendor.".into(),
        ));
    }
    for group in &r.patterns.vendors {
        blocks.push(Block::Para(Text::new().bu(&group.vendor).p(format!(
            ": {} ({})",
            plural(group.incidents.total, "incident", "incidents"),
            ids(&group.incidents)
        ))));
        blocks.push(Block::List(
            vendor_lines(group),
            group.proposed_behaviours.more(),
        ));
    }
    blocks
}

fn vendor_lines(g: &VendorGroup) -> Vec<Text> {
    let minutes = g.minutes_to_external.map_or_else(
        || "not answered".to_string(),
        |s| {
            format!(
                "median {} min (range {}–{}, n = {})",
                num(s.median),
                num(s.min),
                num(s.max),
                s.n
            )
        },
    );
    let mut lines = vec![
        Text::new()
            .p("How long it took to determine the failure was external: ")
            .p(minutes),
        Text::new()
            .p("Did the circuit breakers activate correctly? ")
            .u(tally(&g.breakers)),
        Text::new()
            .p("Did customers see a coherent error, or cascading chaos? ")
            .u(tally(&g.customers)),
        Text::new().p(format!(
            "Standing question answered in {} of {} incidents",
            g.standing_question_answered, g.incidents.total
        )),
    ];
    for behaviour in &g.proposed_behaviours.items {
        lines.push(Text::new().p("Proposed system behaviour: ").u(behaviour));
    }
    lines
}

fn tally(t: &BTreeMap<String, u32>) -> String {
    if t.is_empty() {
        return "no answers".into();
    }
    t.iter()
        .map(|(answer, n)| format!("{answer} {n}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn deploys(r: &LearningReport) -> Vec<Block> {
    let d = &r.patterns.deploys;
    let mut text = if d.quarter.denominator == 0 {
        format!(
            "No incidents this quarter; all-time, {} started within {} hours of a deploy.",
            ratio(&d.all_time),
            d.window_hours
        )
    } else {
        format!(
            "{} of this quarter's incidents started within {} hours of a deploy (deploy=yes, or a deploy time), against {} all-time.",
            ratio(&d.quarter),
            d.window_hours,
            ratio(&d.all_time)
        )
    };
    if d.quarter_unknown > 0 {
        text.push_str(&format!(
            " {} had no deploy information.",
            plural(d.quarter_unknown, "incident", "incidents")
        ));
    }
    vec![
        Block::Heading("Deploy correlation".into()),
        Block::Para(text.into()),
    ]
}
