//! Purpose: the figures the quarter's charts show, taken from the computed report and, for
//! what the report keeps only as totals (incidents per week, each open item's age, the
//! pulse of earlier quarters), from the facts it was computed from. Pure.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::LearningReport;
use super::facts::{Facts, Severity};
use super::report::Pulse;
use crate::charts::{PulsePoint, QuarterFigures, WeekCounts};

/// The pulse's k-floor, as the report applies it.
const PULSE_FLOOR: u32 = 3;

/// The Monday on or before `day`.
fn week_start(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}

pub fn figures(facts: &Facts, report: &LearningReport, tz: &TimeZone) -> QuarterFigures {
    let header = &report.header;
    let first_monday = week_start(header.first_day);
    let weeks = (header.last_day - first_monday).get_days() / 7 + 1;
    let mut weekly: Vec<WeekCounts> = (0..weeks)
        .map(|n| {
            let start = first_monday
                .checked_add(jiff::Span::new().days(i64::from(n) * 7))
                .unwrap_or(first_monday);
            WeekCounts {
                label: start.strftime("%b %-d").to_string(),
                by_severity: [0; 4],
            }
        })
        .collect();
    let (from, until) = (header.quarter.start(tz), header.quarter.end(tz));
    for incident in facts
        .incidents
        .iter()
        .filter(|i| i.at() >= from && i.at() < until)
    {
        let day = incident.at().to_zoned(tz.clone()).date();
        let week = ((day - first_monday).get_days() / 7) as usize;
        let severity = match incident.severity {
            Some(Severity::P1) => 0,
            Some(Severity::P2) => 1,
            Some(Severity::P3) => 2,
            _ => 3,
        };
        if let Some(counts) = weekly.get_mut(week) {
            counts.by_severity[severity] += 1;
        }
    }
    let as_of = header.figures_as_of;
    let open_item_ages = facts
        .action_items
        .iter()
        .filter(|item| item.state_at(as_of).is_some_and(|s| s.is_open()))
        .filter_map(|item| item.age_days_at(as_of))
        .collect();
    let pulse_trend = report
        .recurrence
        .iter()
        .map(|r| PulsePoint {
            quarter: r.quarter.to_string(),
            mean: facts
                .pulses
                .iter()
                .find(|p| p.quarter == r.quarter && p.counted >= PULSE_FLOOR)
                .map(|p| p.mean),
        })
        .collect();
    QuarterFigures {
        quarter: header.quarter.to_string(),
        time_zone: header.time_zone.clone(),
        recurrence: report
            .recurrence
            .iter()
            .map(|r| (r.quarter.to_string(), r.ratio.value))
            .collect(),
        weekly,
        velocity: report
            .audit
            .velocity
            .iter()
            .map(|v| (v.quarter.to_string(), v.opened, v.closed))
            .collect(),
        open_item_ages,
        as_of: header.figures_as_of.to_zoned(tz.clone()).date().to_string(),
        stale_after_days: report.audit.ages.stale_after_days,
        pulse_distribution: match &report.culture.pulse {
            Pulse::Results(f) => Some(f.distribution),
            _ => None,
        },
        pulse_trend,
        participation: report
            .culture
            .participation
            .reviews
            .items
            .iter()
            .map(|r| (format!("#{}", r.incident_id), r.speaker_ratio))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::learning::compute;
    use crate::features::learning::tests::fixture::{facts, request};

    #[test]
    fn weeks_start_on_monday_on_the_team_clock() {
        let thursday: Date = "2026-10-01".parse().unwrap();
        assert_eq!(week_start(thursday).to_string(), "2026-09-28");
        let monday: Date = "2026-10-05".parse().unwrap();
        assert_eq!(week_start(monday), monday);
    }

    #[test]
    fn figures_agree_with_the_report_and_count_every_incident_of_the_quarter() {
        let f = facts();
        let req = request("2026-Q3", TimeZone::UTC, "2026-10-02T12:00:00Z");
        let report = compute(&f, &req);
        let figures = figures(&f, &report, &TimeZone::UTC);
        assert_eq!(figures.quarter, "2026-Q3");
        assert_eq!(figures.recurrence.len(), report.recurrence.len());
        let in_quarter = f
            .incidents
            .iter()
            .filter(|i| {
                let q = report.header.quarter;
                i.at() >= q.start(&TimeZone::UTC) && i.at() < q.end(&TimeZone::UTC)
            })
            .count() as u32;
        let charted: u32 = figures.weekly.iter().flat_map(|w| w.by_severity).sum();
        assert_eq!(charted, in_quarter);
        assert_eq!(figures.weekly[0].label, "Jun 29", "the week holding 1 July");
        assert_eq!(figures.open_item_ages.len(), report.audit.ages.open_items);
        assert_eq!(figures.velocity.len(), report.audit.velocity.len());
        // The fixture's Q3 pulse meets the floor: its distribution and mean are shown.
        assert_eq!(figures.pulse_distribution, Some([0, 1, 2, 5, 4]));
        assert!(
            figures
                .pulse_trend
                .iter()
                .any(|p| p.quarter == "2026-Q3" && p.mean == Some(4.0))
        );
    }
}
