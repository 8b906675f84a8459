//! Purpose: the header, the recurrence rate, section 1 and section 2 of the fixture's
//! 2026-Q3 report, each figure checked against a hand computation written beside it.

use std::collections::BTreeMap;

use super::super::facts::Severity;
use super::fixture::{q, q3_report, ts};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn header_and_running_order() {
    let h = q3_report().header;
    assert_eq!(h.quarter, q("2026-Q3"));
    assert_eq!(
        (h.first_day.to_string(), h.last_day.to_string()),
        ("2026-07-01".into(), "2026-09-30".into())
    );
    assert_eq!(h.time_zone, "UTC");
    // now = 2026-10-02 12:00, after the quarter's end, so the cut-off is the end itself.
    assert_eq!(h.figures_as_of, ts("2026-10-01T00:00:00Z"));
    assert!(h.quarter_complete);
    assert_eq!(h.generated_local, "2026-10-02 12:00");
    assert_eq!(h.facilitator.as_deref(), Some("Dana"));
    // 15/20/20/15/20, starting at 0, 15, 35, 55, 70: 90 minutes in all.
    let order: Vec<(u32, u32)> = h
        .running_order
        .iter()
        .map(|s| (s.starts_at_minute, s.minutes))
        .collect();
    assert_eq!(order, vec![(0, 15), (15, 20), (35, 20), (55, 15), (70, 20)]);
}

#[test]
fn recurrence_rate_this_quarter_and_the_three_before() {
    let r = q3_report();
    let rates: Vec<(String, u64, u64)> = r
        .recurrence
        .iter()
        .map(|x| {
            (
                x.quarter.to_string(),
                x.ratio.numerator,
                x.ratio.denominator,
            )
        })
        .collect();
    // 2025-Q4: #1 (first of its mode) → 0/1.
    // 2026-Q1: #2 new, #3 recurrence of #1 → 1/2.
    // 2026-Q2: #4 new, #5 recurrence of #2 → 1/2.
    // 2026-Q3: #10 #11 #13 #14 #15 #17 recurrences, #12 #16 not → 6/8.
    // #18 (2026-10-01T00:00Z) is Q4 and after the cut-off: not counted.
    assert_eq!(
        rates,
        vec![
            ("2025-Q4".into(), 0, 1),
            ("2026-Q1".into(), 1, 2),
            ("2026-Q2".into(), 1, 2),
            ("2026-Q3".into(), 6, 8)
        ]
    );
    assert_eq!(r.recurrence[3].ratio.value, Some(0.75));
}

#[test]
fn inventory_by_severity_domain_and_postmortem_state() {
    let inv = q3_report().inventory;
    assert_eq!(inv.incidents, 8); // #10–#17
    let sev: Vec<(Option<Severity>, usize)> = inv
        .by_severity
        .iter()
        .map(|s| (s.severity, s.incidents))
        .collect();
    // P1 #10; P2 #11 #12; P3 #13 #14 #17; P4 #15; none #16.
    use Severity::*;
    assert_eq!(
        sev,
        vec![
            (Some(P1), 1),
            (Some(P2), 2),
            (Some(P3), 3),
            (Some(P4), 1),
            (None, 1)
        ]
    );
    let domains: Vec<(String, Vec<(String, usize)>)> = inv
        .domains
        .iter()
        .map(|d| {
            (
                d.domain.clone(),
                d.services
                    .iter()
                    .map(|s| (s.service.clone(), s.incidents))
                    .collect(),
            )
        })
        .collect();
    // payments: #10 #11 ("Payments", normalised) #13 #15 = 4; checkout #12; search #14;
    // api #10; gateway #17; ledger (#13) is not in the catalogue → unassigned, last.
    let d = |name: &str, list: &[(&str, usize)]| {
        (
            name.to_string(),
            list.iter()
                .map(|(s, n)| (s.to_string(), *n))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        domains,
        vec![
            d("commerce", &[("payments", 4), ("checkout", 1)]),
            d("discovery", &[("search", 1)]),
            d("edge", &[("api", 1), ("gateway", 1)]),
            d("unassigned", &[("ledger", 1)]),
        ]
    );
    // As of 2026-10-02 12:00: #10 #11 #12 #14 done; #13 met 08-21, not done → outstanding;
    // #15 meets 10-05 → scheduled; #16 has a review with no meeting, #17 no review.
    let pm = inv.postmortems;
    assert_eq!(pm.completed, 4);
    let outstanding: Vec<(i64, String)> = pm
        .outstanding
        .items
        .iter()
        .map(|o| (o.id, o.meeting_day.to_string()))
        .collect();
    assert_eq!(outstanding, vec![(13, "2026-08-21".to_string())]);
    assert_eq!(
        pm.scheduled.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![15]
    );
    assert_eq!(
        pm.not_scheduled
            .items
            .iter()
            .map(|i| i.id)
            .collect::<Vec<_>>(),
        vec![16, 17]
    );
}

#[test]
fn recurring_modes_and_disproportionate_load() {
    let p = q3_report().patterns;
    let modes: Vec<(String, Vec<i64>)> = p
        .recurring_modes
        .iter()
        .map(|m| (m.mode.clone(), m.incidents.items.clone()))
        .collect();
    // cache-invalidation #10 #11 #15; timeout-cascade #13 #17; config-drift and
    // vendor-outage once each.
    assert_eq!(
        modes,
        vec![
            ("cache-invalidation".into(), vec![10, 11, 15]),
            ("timeout-cascade".into(), vec![13, 17])
        ]
    );
    // Incident–service pairs: payments 4, api 1, checkout 1, ledger 1, search 1, gateway 1
    // = 9 over 6 services. Mean share 1/6; the line is 2/6 ≈ 0.333; payments 4/9 ≈ 0.444.
    assert!(close(p.load.mean_share.unwrap(), 1.0 / 6.0));
    assert_eq!(p.load.disproportionate.len(), 1);
    assert_eq!(p.load.disproportionate[0].service, "payments");
    assert!(close(p.load.disproportionate[0].share, 4.0 / 9.0));
    assert!(p.load.rule.contains("more than 2× the mean share"));
}

#[test]
fn hour_and_weekday_distribution_in_utc() {
    let p = q3_report().patterns;
    // Hours: #13 03h, #16 08h (created_at), #10 09h, #15 10h, #11 14h, #14 14h, #12 23h, #17 23h.
    let mut hours = vec![0; 24];
    for (h, n) in [(3, 1), (8, 1), (9, 1), (10, 1), (14, 2), (23, 2)] {
        hours[h] = n;
    }
    assert_eq!(p.hours, hours);
    // #11 Mon 07-20; #15 Tue 09-29, #16 Tue 09-15; #12 Wed 08-05, #13 Wed 08-19, #17 Wed 09-30;
    // #14 Thu 09-10; #10 Fri 07-03.
    assert_eq!(p.weekdays, vec![1, 2, 3, 1, 1, 0, 0]);
}

#[test]
fn vendor_incidents_grouped_by_dependency() {
    let v = q3_report().patterns.vendors;
    assert_eq!(v.len(), 2);
    let stripe = &v[0];
    // "Stripe" (#12) and "stripe " (#13) are one vendor, shown as first spelled.
    assert_eq!(
        (stripe.vendor.as_str(), stripe.incidents.items.clone()),
        ("Stripe", vec![12, 13])
    );
    // Minutes 45 and 20: median (20 + 45) / 2 = 32.5, range 20–45.
    let m = stripe.minutes_to_external.unwrap();
    assert_eq!((m.n, m.median, m.min, m.max), (2, 32.5, 20.0, 45.0));
    // Breakers: no 2 + 1, yes 1, "Partly" 1 (answers folded to lower case).
    let tally = |pairs: &[(&str, u32)]| {
        pairs
            .iter()
            .map(|(a, n)| (a.to_string(), *n))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        stripe.breakers,
        tally(&[("no", 3), ("partly", 1), ("yes", 1)])
    );
    assert_eq!(
        stripe.customers,
        tally(&[("cascading chaos", 2), ("coherent error", 2)])
    );
    // The retry behaviour was proposed twice with different case: kept once.
    assert_eq!(
        stripe.proposed_behaviours.items,
        vec![
            "Queue payments and retry when Stripe recovers",
            "Show a clear payment-delayed message"
        ]
    );
    assert_eq!(
        (
            stripe.standing_question_answered,
            stripe.with_vendor_section
        ),
        (1, 2)
    );
    // Fastly (#15) has no vendor section at all.
    assert_eq!(
        (
            v[1].vendor.as_str(),
            v[1].incidents.items.clone(),
            v[1].with_vendor_section
        ),
        ("Fastly", vec![15], 0)
    );
    assert!(v[1].minutes_to_external.is_none());
}

#[test]
fn deploy_correlation_against_all_time() {
    let d = q3_report().patterns.deploys;
    // Q3: #10 deploy=yes; #12 deployed 1.5 h before → 2 of 8. #11's deploy was 48 h
    // before (outside 24 h); #14 said no.
    assert_eq!((d.quarter.numerator, d.quarter.denominator), (2, 8));
    // All time up to the cut-off: + #4 deploy=yes → 3 of 13 (#1–#5, #10–#17).
    assert_eq!((d.all_time.numerator, d.all_time.denominator), (3, 13));
    // No deploy facts at all: #13 #15 #16 #17.
    assert_eq!((d.window_hours, d.quarter_unknown), (24, 4));
}
