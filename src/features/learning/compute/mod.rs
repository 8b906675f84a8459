//! Purpose: computes every figure of the quarterly learning review from facts, a quarter, a
//! time zone and "now", all passed in: no clock, no I/O.

mod audit;
mod culture;
mod index;
mod inventory;
mod patterns;
mod risks;
mod tables;
mod vendors;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::facts::Facts;
use super::quarter::Quarter;
use super::report::{AgendaSlot, Header, LearningReport, QuarterCount, Summary};
use index::Ctx;

/// What the report is for, and the knobs the issue leaves to configuration.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub quarter: Quarter,
    /// The team's time zone (`DEBRIEF_TIMEZONE`).
    pub tz: TimeZone,
    pub now: Timestamp,
    pub settings: Settings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Whoever asked, or a configured person.
    pub facilitator: Option<String>,
    pub participants: String,
    /// "Within N hours of a deploy".
    pub deploy_window_hours: u32,
    /// Open longer than this is stale.
    pub stale_after_days: u32,
    /// A service is disproportionate above this many times the mean share.
    pub disproportion_factor: f64,
    /// Fewer reviews than this in a group: "too few reviews to compare".
    pub min_group: usize,
    /// A pulse with fewer responses than this shows no figures.
    pub pulse_k_floor: u32,
    /// Days on each side of a named trial's start that are compared.
    pub trial_window_days: u32,
    /// Entries listed per list of the report (every count stays exact).
    pub max_listed: usize,
    /// Incident or item ids listed per entry.
    pub max_ids: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            facilitator: None,
            participants: "SRE leads, Engineering managers, On-call representatives".into(),
            deploy_window_hours: 24,
            stale_after_days: 90,
            disproportion_factor: 2.0,
            min_group: 3,
            pulse_k_floor: 3,
            trial_window_days: 90,
            max_listed: 100,
            max_ids: 20,
        }
    }
}

/// The template's running order: (title, minutes).
pub const RUNNING_ORDER: [(&str, u32); 5] = [
    ("Incident inventory", 15),
    ("Pattern analysis", 20),
    ("Action-item audit", 20),
    ("Psychological-safety pulse", 15),
    ("Forward-looking risks", 20),
];

/// The whole report. O(n log n) in incidents, items and history rows.
pub fn compute(facts: &Facts, request: &ReportRequest) -> LearningReport {
    let ctx = Ctx::build(facts, request);
    let patterns = patterns::patterns(&ctx);
    let risks = risks::risks(&ctx, &patterns.recurring_modes);
    LearningReport {
        header: header(&ctx, request),
        recurrence: inventory::recurrence(&ctx),
        inventory: inventory::inventory(&ctx),
        patterns,
        audit: audit::audit(&ctx),
        culture: culture::culture(&ctx),
        risks,
        learnings_lookups: lookups(&ctx),
    }
}

fn header(ctx: &Ctx<'_>, request: &ReportRequest) -> Header {
    let mut minute = 0;
    let running_order = RUNNING_ORDER
        .iter()
        .zip(1..)
        .map(|(&(title, minutes), number)| {
            let slot = AgendaSlot {
                number,
                title: title.into(),
                minutes,
                starts_at_minute: minute,
            };
            minute += minutes;
            slot
        })
        .collect();
    Header {
        quarter: request.quarter,
        first_day: request.quarter.first_day(),
        last_day: request.quarter.last_day(),
        time_zone: request.tz.iana_name().unwrap_or("team time zone").into(),
        generated_at: request.now,
        figures_as_of: ctx.cutoff,
        generated_local: local_minute(request.now, &request.tz),
        figures_as_of_local: local_minute(ctx.cutoff, &request.tz),
        quarter_complete: request.now >= ctx.window.end(3),
        facilitator: request.settings.facilitator.clone(),
        participants: request.settings.participants.clone(),
        running_order,
    }
}

/// `YYYY-MM-DD HH:MM` on the wall clock of `tz`.
fn local_minute(t: Timestamp, tz: &TimeZone) -> String {
    tz.to_datetime(t).strftime("%Y-%m-%d %H:%M").to_string()
}

fn lookups(ctx: &Ctx<'_>) -> Vec<QuarterCount> {
    ctx.window
        .quarters
        .iter()
        .map(|&quarter| QuarterCount {
            quarter,
            count: ctx
                .facts
                .learnings_lookups
                .iter()
                .filter(|l| l.quarter == quarter)
                .map(|l| u64::from(l.count))
                .sum(),
        })
        .collect()
}

/// Mean, median and range; `None` for no values. NaNs are dropped rather than poisoning.
pub(super) fn summarize(mut values: Vec<f64>) -> Option<Summary> {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    Some(Summary {
        n,
        mean: values.iter().sum::<f64>() / n as f64,
        median,
        min: values[0],
        max: values[n - 1],
    })
}
