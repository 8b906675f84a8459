//! Purpose: the wording of section 3, the action-item audit.

use super::super::report::{LearningReport, Velocity};
use super::{Block, Section, Text, ids, listed_or, num, plural, timeboxed};

pub(super) fn section(r: &LearningReport) -> Section {
    let mut blocks = last_quarter(r);
    blocks.extend(implicated(r));
    blocks.extend(velocity(r));
    blocks.extend(ages(r));
    if r.audit.opened_this_quarter > 0 {
        blocks.push(Block::Para(
            format!(
                "Of the {} opened this quarter, {} read as individual fixes (training, care, reminders) rather than changes that make the right action the default.",
                plural(r.audit.opened_this_quarter, "item", "items"),
                r.audit.individual_fixes
            )
            .into(),
        ));
    }
    Section {
        title: timeboxed(r, 3),
        blocks,
    }
}

fn last_quarter(r: &LearningReport) -> Vec<Block> {
    let l = &r.audit.last_quarter;
    let text = if l.opened == 0 {
        "No action items were opened last quarter.".to_string()
    } else {
        format!(
            "{} opened: {} completed, {} in progress, {} deprioritized, {} not started.",
            plural(l.opened, "item", "items"),
            l.completed,
            l.in_progress,
            l.deprioritized,
            l.open
        )
    };
    vec![
        Block::Heading(format!("Last quarter's items ({})", l.quarter)),
        Block::Para(text.into()),
    ]
}

fn implicated(r: &LearningReport) -> Vec<Block> {
    let items = r
        .audit
        .implicated
        .items
        .iter()
        .map(|i| {
            let mut t = Text::new().p(format!("#{} ", i.id)).bu(&i.title);
            if let Some(owner) = &i.owner {
                t = t.p(" (").u(owner).p(")");
            }
            t = t
                .p(format!(": deprioritized {} by ", i.deprioritized_day))
                .u(&i.deprioritized_by);
            if let Some(reason) = &i.reason {
                t = t.p(", “").u(reason).p("”");
            }
            t.p(format!(
                "; then {}: {}",
                plural(i.incidents.total, "incident", "incidents"),
                ids(&i.incidents)
            ))
        })
        .collect();
    vec![
        Block::Heading("Deprioritized items implicated in this quarter's incidents".into()),
        Block::Para(
            format!(
                "{}. An item counts when an incident with the same service or failure mode started after it was deprioritized; listed in the order the incidents first hit them.",
                plural(r.audit.implicated.total, "item", "items")
            )
            .into(),
        ),
        listed_or(items, r.audit.implicated.more(), "None."),
    ]
}

/// The plain statement the issue asks for.
fn verdict(v: &Velocity) -> String {
    match v.ratio.value {
        None => "no items opened".into(),
        Some(x) if x > 1.0 => "above 1.0: closing faster than opening".into(),
        Some(x) if x < 1.0 => "below 1.0: the backlog is growing".into(),
        Some(_) => "exactly 1.0: closing as fast as opening".into(),
    }
}

fn velocity(r: &LearningReport) -> Vec<Block> {
    let show = |v: &Velocity| v.ratio.value.map_or("–".into(), |x| format!("{x:.2}"));
    let rows = r
        .audit
        .velocity
        .iter()
        .map(|v| {
            vec![
                v.quarter.to_string().into(),
                v.opened.to_string().into(),
                v.closed.to_string().into(),
                show(v).into(),
                verdict(v).into(),
            ]
        })
        .collect();
    let mut blocks = vec![Block::Heading("Closure velocity (closed ÷ opened)".into())];
    if let Some(now) = r.audit.velocity.last() {
        blocks.push(Block::Para(
            Text::new()
                .p(format!(
                    "This quarter: {} closed, {} opened, velocity ",
                    now.closed, now.opened
                ))
                .b(show(now))
                .p(format!(" ({}).", verdict(now))),
        ));
    }
    let compact = r
        .audit
        .velocity
        .iter()
        .map(|v| format!("{} {} ({}/{})", v.quarter, show(v), v.closed, v.opened))
        .collect::<Vec<_>>()
        .join(" · ");
    blocks.push(Block::Table {
        head: vec!["Quarter", "Opened", "Closed", "Velocity", "Reading"],
        rows,
        compact: Some(compact.into()),
    });
    blocks
}

fn ages(r: &LearningReport) -> Vec<Block> {
    let a = &r.audit.ages;
    let summary = format!(
        "{} at the cut-off, {} past its due date.",
        plural(a.open_items, "open item", "open items"),
        a.overdue
    );
    let rows = a
        .buckets
        .iter()
        .map(|b| vec![b.label.as_str().into(), b.items.to_string().into()])
        .collect();
    let compact = a
        .buckets
        .iter()
        .map(|b| format!("{} {}", b.label, b.items))
        .collect::<Vec<_>>()
        .join(" · ");
    let stale = a
        .stale
        .items
        .iter()
        .map(|s| {
            let mut t = Text::new().p(format!("#{} ", s.id)).u(&s.title);
            if let Some(owner) = &s.owner {
                t = t.p(" (").u(owner).p(")");
            }
            t.p(format!(
                ": {} days, {}{}",
                num(s.age_days as f64),
                s.status.label(),
                if s.services.is_empty() {
                    String::new()
                } else {
                    format!(", {}", s.services.join(", "))
                }
            ))
        })
        .collect();
    vec![
        Block::Heading("Open items by age".into()),
        Block::Para(summary.into()),
        Block::Table {
            head: vec!["Age", "Open items"],
            rows,
            compact: Some(compact.into()),
        },
        Block::Para(format!("Open more than {} days, oldest first:", a.stale_after_days).into()),
        listed_or(stale, a.stale.more(), "None."),
    ]
}
