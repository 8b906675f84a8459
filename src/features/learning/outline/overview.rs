//! Purpose: the wording of the header (period, people, running order, recurrence rate),
//! section 1 (incident inventory) and the closing learnings-lookups line.

use super::super::report::LearningReport;
use super::super::report::Listed;
use super::{Block, Section, Text, ids, list_or, listed_or, pct, plural, timeboxed};

pub(super) fn header(r: &LearningReport) -> Section {
    let h = &r.header;
    let as_of = if h.quarter_complete {
        "Action-item states and ages are as of the end of the quarter.".to_string()
    } else {
        format!(
            "The quarter is still running: action-item states and ages are as of {}.",
            h.figures_as_of_local
        )
    };
    let facilitator = h.facilitator.as_deref().unwrap_or("to be named");
    let mut blocks = vec![
        Block::Para(Text::new().b("Period: ").p(format!(
            "{} to {} ({})",
            h.first_day, h.last_day, h.time_zone
        ))),
        Block::Para(Text::new().b("Facilitator: ").u(facilitator)),
        Block::Para(Text::new().b("Participants: ").u(&h.participants)),
        Block::Para(
            Text::new()
                .b("Generated: ")
                .p(format!("{}. {as_of}", h.generated_local)),
        ),
    ];
    blocks.extend(running_order(r));
    blocks.extend(recurrence(r));
    Section {
        title: format!("Quarterly learning review: {}", h.quarter),
        blocks,
    }
}

fn running_order(r: &LearningReport) -> Vec<Block> {
    let slots = &r.header.running_order;
    let total: u32 = slots.iter().map(|s| s.minutes).sum();
    let clock = |m: u32| format!("{}:{:02}", m / 60, m % 60);
    let rows = slots
        .iter()
        .map(|s| {
            vec![
                s.number.to_string().into(),
                s.title.as_str().into(),
                format!(
                    "{}–{}",
                    clock(s.starts_at_minute),
                    clock(s.starts_at_minute + s.minutes)
                )
                .into(),
                s.minutes.to_string().into(),
            ]
        })
        .collect();
    let compact = slots
        .iter()
        .map(|s| format!("{}. {} {} min", s.number, s.title, s.minutes))
        .collect::<Vec<_>>()
        .join(" · ");
    vec![
        Block::Heading(format!("Running order ({total} minutes)")),
        Block::Table {
            head: vec!["#", "Section", "Time", "Minutes"],
            rows,
            compact: Some(compact.into()),
        },
    ]
}

fn recurrence(r: &LearningReport) -> Vec<Block> {
    let Some(now) = r.recurrence.last() else {
        return Vec::new();
    };
    let lead = match now.ratio.value {
        Some(_) => Text::new().b(pct(now.ratio.value)).p(format!(
            " of this quarter's incidents ({} of {}) had a failure mode seen before.",
            now.ratio.numerator, now.ratio.denominator
        )),
        None => "No incidents this quarter, so there is no recurrence rate.".into(),
    };
    let rows = r
        .recurrence
        .iter()
        .map(|q| {
            vec![
                q.quarter.to_string().into(),
                q.ratio.denominator.to_string().into(),
                q.ratio.numerator.to_string().into(),
                pct(q.ratio.value).into(),
            ]
        })
        .collect();
    let compact = r
        .recurrence
        .iter()
        .map(|q| format!("{} {}", q.quarter, pct(q.ratio.value)))
        .collect::<Vec<_>>()
        .join(" · ");
    vec![
        Block::Heading("Recurrence rate".into()),
        Block::Para(lead),
        Block::Table {
            head: vec!["Quarter", "Incidents", "Recurrences", "Rate"],
            rows,
            compact: Some(compact.into()),
        },
    ]
}

pub(super) fn inventory(r: &LearningReport) -> Section {
    let inv = &r.inventory;
    let mut blocks = vec![Block::Para(
        format!(
            "{} this quarter.",
            plural(inv.incidents, "incident", "incidents")
        )
        .into(),
    )];
    if inv.incidents > 0 {
        let severities = inv
            .by_severity
            .iter()
            .filter(|s| s.severity.is_some() || s.incidents > 0)
            .map(|s| {
                let name = s
                    .severity
                    .map_or("unspecified".into(), |v| format!("{v:?}"));
                format!("{name} {}", s.incidents)
            })
            .collect::<Vec<_>>()
            .join(" · ");
        blocks.push(Block::Para(Text::new().b("By severity: ").p(severities)));
        blocks.push(Block::Heading("Affected services by domain".into()));
        let domains = inv.domains.iter().map(|d| {
            let services = d
                .services
                .iter()
                .map(|s| format!("{} ({})", s.service, s.incidents))
                .collect::<Vec<_>>()
                .join(", ");
            Text::new().bu(format!("{}: ", d.domain)).u(services)
        });
        blocks.push(list_or(
            domains.collect(),
            "No services were recorded on these incidents.",
        ));
    }
    blocks.extend(postmortems(r));
    Section {
        title: timeboxed(r, 1),
        blocks,
    }
}

fn postmortems(r: &LearningReport) -> Vec<Block> {
    let pm = &r.inventory.postmortems;
    if r.inventory.incidents == 0 {
        return Vec::new();
    }
    let summary = format!(
        "{} completed, {} outstanding (meeting held, not marked done), {} scheduled, {} with no meeting set.",
        pm.completed, pm.outstanding.total, pm.scheduled.total, pm.not_scheduled.total
    );
    let outstanding = pm
        .outstanding
        .items
        .iter()
        .map(|o| {
            Text::new()
                .p(format!("#{} ", o.id))
                .u(&o.title)
                .p(format!(" (meeting {})", o.meeting_day))
        })
        .collect();
    let mut blocks = vec![
        Block::Heading("Postmortems".into()),
        Block::Para(summary.into()),
        listed_or(outstanding, pm.outstanding.more(), "None outstanding."),
    ];
    if pm.not_scheduled.total > 0 {
        let list = Listed {
            total: pm.not_scheduled.total,
            items: pm.not_scheduled.items.iter().map(|i| i.id).collect(),
        };
        blocks.push(Block::Para(
            format!("No meeting set yet: {}.", ids(&list)).into(),
        ));
    }
    blocks
}

pub(super) fn lookups(r: &LearningReport) -> Section {
    let text = match r.learnings_lookups.split_last() {
        Some((now, before)) => {
            let earlier = before
                .iter()
                .map(|q| format!("{}: {}", q.quarter, q.count))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "`/debrief learnings` was used {} this quarter ({earlier}). Engineers citing past learnings is the honest sign that reviews teach.",
                plural(now.count as usize, "time", "times")
            )
        }
        None => "No lookups recorded.".into(),
    };
    Section {
        title: "Citing past learnings".into(),
        blocks: vec![Block::Para(text.into())],
    }
}
