//! Purpose: time zones at day and quarter boundaries, velocity across a quarter boundary,
//! and quarters with nothing in them (no division by zero, sensible text).

use jiff::tz::TimeZone;

use super::super::actions::{ActionKind, ItemStatus, StatusChange};
use super::super::facts::Facts;
use super::super::report::Pulse;
use super::super::{Quarter, compute, to_markdown, to_slack_sections};
use super::fixture::{facts, incident, item, q, request, ts, zone};

/// One incident at 23:30 UTC on the last day of Q3.
fn late_incident() -> Facts {
    Facts {
        incidents: vec![incident(
            1,
            None,
            &["api"],
            Some("dns"),
            "2026-09-30T23:30:00Z",
        )],
        ..Facts::default()
    }
}

#[test]
fn an_incident_at_2330_utc_is_the_next_day_and_quarter_in_tokyo() {
    let f = late_incident();
    let tokyo = zone("Asia/Tokyo");
    let at = ts("2026-09-30T23:30:00Z");
    assert_eq!(Quarter::containing(at, &TimeZone::UTC), q("2026-Q3"));
    // 23:30 UTC + 9 h = 08:30 on Thursday 1 October in Tokyo.
    assert_eq!(Quarter::containing(at, &tokyo), q("2026-Q4"));
    let utc_q3 = compute(
        &f,
        &request("2026-Q3", TimeZone::UTC, "2027-01-05T00:00:00Z"),
    );
    assert_eq!(utc_q3.inventory.incidents, 1);
    assert_eq!(
        (utc_q3.patterns.hours[23], utc_q3.patterns.weekdays[2]),
        (1, 1)
    ); // Wednesday
    let tokyo_q3 = compute(
        &f,
        &request("2026-Q3", tokyo.clone(), "2027-01-05T00:00:00Z"),
    );
    assert_eq!(tokyo_q3.inventory.incidents, 0);
    let tokyo_q4 = compute(&f, &request("2026-Q4", tokyo, "2027-01-05T00:00:00Z"));
    assert_eq!(tokyo_q4.inventory.incidents, 1);
    assert_eq!(
        (tokyo_q4.patterns.hours[8], tokyo_q4.patterns.weekdays[3]),
        (1, 1)
    ); // Thursday
    assert_eq!(tokyo_q4.header.time_zone, "Asia/Tokyo");
}

#[test]
fn quarter_boundaries_in_new_york_follow_daylight_saving() {
    let ny = zone("America/New_York");
    // Midnight EDT (UTC−4) on 1 July and 1 October; midnight EST (UTC−5) on 1 January.
    assert_eq!(q("2026-Q3").start(&ny), ts("2026-07-01T04:00:00Z"));
    assert_eq!(q("2026-Q3").end(&ny), ts("2026-10-01T04:00:00Z"));
    assert_eq!(q("2026-Q4").end(&ny), ts("2027-01-01T05:00:00Z"));
    // 2026-07-01 02:00 UTC is 30 June 22:00 in New York: still Q2 there.
    assert_eq!(
        Quarter::containing(ts("2026-07-01T02:00:00Z"), &ny),
        q("2026-Q2")
    );
}

#[test]
fn velocity_counts_a_closure_in_the_quarter_of_the_team_clock() {
    let mut i = item(1, None, ActionKind::Fix, &["api"], "2026-06-15T00:00:00Z");
    i.history = vec![StatusChange {
        at: ts("2026-07-01T02:00:00Z"),
        status: ItemStatus::Done,
        by: "@kim".into(),
        reason: None,
    }];
    let mut j = item(2, None, ActionKind::Fix, &["api"], "2026-07-01T03:00:00Z");
    j.history = Vec::new();
    let f = Facts {
        action_items: vec![i, j],
        ..Facts::default()
    };
    let now = "2026-10-10T00:00:00Z";
    let rows = |tz: TimeZone| -> Vec<(String, u64, u64)> {
        compute(&f, &request("2026-Q3", tz, now))
            .audit
            .velocity
            .iter()
            .map(|v| (v.quarter.to_string(), v.opened, v.closed))
            .collect()
    };
    // UTC: #1 opened 06-15 (Q2), closed 07-01 02:00 (Q3); #2 opened 07-01 03:00 (Q3).
    let utc = rows(TimeZone::UTC);
    assert_eq!(
        &utc[2..],
        &[("2026-Q2".into(), 1, 0), ("2026-Q3".into(), 1, 1)]
    );
    // New York: 07-01 02:00 and 03:00 UTC are 30 June 22:00 and 23:00 → both in Q2.
    let ny = rows(zone("America/New_York"));
    assert_eq!(
        &ny[2..],
        &[("2026-Q2".into(), 2, 1), ("2026-Q3".into(), 0, 0)]
    );
}

#[test]
fn a_quarter_with_no_incidents_divides_by_nothing() {
    // 2027-Q1 of the fixture: no incidents, no items, no reviews.
    let report = compute(
        &facts(),
        &request("2027-Q1", TimeZone::UTC, "2027-04-02T00:00:00Z"),
    );
    assert_eq!(report.inventory.incidents, 0);
    // Window 2026-Q2 .. 2027-Q1: Q2 1/2, Q3 6/8, Q4 #18 alone 0/1, 2027-Q1 nothing.
    let values: Vec<Option<f64>> = report.recurrence.iter().map(|r| r.ratio.value).collect();
    assert_eq!(values, vec![Some(0.5), Some(0.75), Some(0.0), None]);
    assert_eq!(report.patterns.load.mean_share, None);
    assert_eq!(report.patterns.deploys.quarter.value, None);
    assert_eq!(report.audit.velocity[3].ratio.value, None);
    assert_eq!(report.culture.pulse, Pulse::NotRun);
    assert!(report.culture.participation.speaker_ratio.is_none());
    let md = to_markdown(&report);
    for expected in [
        "0 incidents this quarter.",
        "No incidents this quarter, so there is no recurrence rate.",
        "No pulse run this quarter.",
        "No failure mode was seen twice this quarter.",
        "| 2027-Q1 | 0 | 0 | – | no items opened |",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in\n{md}");
    }
    let json = serde_json::to_string(&report).unwrap();
    assert!(!md.contains("NaN") && !json.contains("NaN") && !md.contains("inf"));
}

#[test]
fn no_facts_at_all_still_make_a_report() {
    let report = compute(
        &Facts::default(),
        &request("2026-Q3", TimeZone::UTC, "2026-08-01T00:00:00Z"),
    );
    // Mid-quarter: figures as of now, and the header says so.
    assert!(!report.header.quarter_complete);
    assert_eq!(report.header.figures_as_of, ts("2026-08-01T00:00:00Z"));
    assert!(to_markdown(&report).contains("The quarter is still running"));
    assert_eq!(to_slack_sections(&report).len(), 7);
}
