//! Purpose: sections 4 and 5 and the lookups line of the fixture's 2026-Q3 report, each
//! figure against its hand computation.

use super::super::actions::ItemStatus;
use super::super::compute;
use super::super::report::{FormatGroup, Pulse};
use super::fixture::{facts, q3_report, request};
use jiff::tz::TimeZone;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn pulse_with_change_against_last_quarter() {
    let Pulse::Results(p) = q3_report().culture.pulse else {
        panic!("a pulse ran in Q3");
    };
    // Q3 mean 4.0 = (1·0 + 2·1 + 3·2 + 4·5 + 5·4) / 12; Q2 mean 3.5 → +0.5. 12 of 15 answered.
    assert_eq!((p.mean, p.distribution), (4.0, [0, 1, 2, 5, 4]));
    assert!(close(p.change.unwrap(), 0.5));
    assert_eq!(
        (p.response_rate.numerator, p.response_rate.denominator),
        (12, 15)
    );
}

#[test]
fn pulse_not_run_and_below_the_floor() {
    let mut f = facts();
    f.pulses.retain(|p| p.quarter.to_string() != "2026-Q3");
    let req = request("2026-Q3", TimeZone::UTC, "2026-10-02T12:00:00Z");
    assert_eq!(compute(&f, &req).culture.pulse, Pulse::NotRun);
    let mut f = facts();
    f.pulses[1].counted = 2; // k = 3
    assert_eq!(
        compute(&f, &req).culture.pulse,
        Pulse::BelowFloor {
            responses: 2,
            k_floor: 3
        }
    );
}

#[test]
fn participation_across_reviews_held_this_quarter() {
    let p = q3_report().culture.participation;
    // Held 07-01..10-01: #5 2/6, #10 6/8, #11 3/6, #12 5/5, #13 4/8, #14 3/4.
    // (#4 met in Q2, #15 on 10-05, #18 on 10-03: outside.)
    let ids: Vec<i64> = p.reviews.items.iter().map(|r| r.incident_id).collect();
    assert_eq!(ids, vec![5, 10, 11, 12, 13, 14]);
    // Ratios sorted: 1/3, .5, .5, .75, .75, 1 → median (.5 + .75)/2 = .625,
    // mean (1/3 + 3.5)/6 = 0.638 888…
    let r = p.speaker_ratio.unwrap();
    assert_eq!(r.n, 6);
    assert!(close(r.median, 0.625));
    assert!(close(r.mean, (1.0 / 3.0 + 3.5) / 6.0));
    assert!(close(r.min, 1.0 / 3.0) && close(r.max, 1.0));
    // Top-three shares 1, .6, .9, .5, .7, .8 → median (.7 + .8)/2 = .75, mean 4.5/6 = .75.
    let t = p.top3_share.unwrap();
    assert!(close(t.median, 0.75) && close(t.mean, 0.75));
    // Buckets <25%, 25–50%, 50–75%, ≥75%: 1/3 → second; .5 .5 → third; .75 .75 1 → fourth.
    assert_eq!(p.ratio_buckets, [0, 1, 2, 3]);
}

fn groups(report: &super::super::LearningReport, setting: &str) -> (Vec<(String, usize)>, bool) {
    let f = report
        .culture
        .formats
        .iter()
        .find(|f| f.setting == setting)
        .unwrap();
    (
        f.groups
            .iter()
            .map(|g| (g.value.clone(), g.reviews))
            .collect(),
        f.comparable,
    )
}

#[test]
fn format_comparisons_need_three_reviews_per_group() {
    let r = q3_report();
    let g = |list: &[(&str, usize)]| {
        list.iter()
            .map(|(v, n)| (v.to_string(), *n))
            .collect::<Vec<_>>()
    };
    // Survey on: #5 #10 #11 #12 #14; off: #13 → too few.
    assert_eq!(groups(&r, "Survey"), (g(&[("on", 5), ("off", 1)]), false));
    // Check-in on: #10 #12 #13 #14; off: #5 #11 → too few.
    assert_eq!(groups(&r, "Check-in"), (g(&[("on", 4), ("off", 2)]), false));
    // Turn length among check-ins: 90 s #13; 2 min #10 #12 #14 → only one group of 3.
    assert_eq!(
        groups(&r, "Check-in turn length"),
        (g(&[("90 s", 1), ("2 min", 3)]), false)
    );
    // k = 3: five reviews; k = 5: #13 → too few.
    assert_eq!(
        groups(&r, "k-floor"),
        (g(&[("k = 3", 5), ("k = 5", 1)]), false)
    );
    // Observations live: #10 #12 #14; held: #5 #11 #13 → comparable.
    assert_eq!(
        groups(&r, "Observations"),
        (g(&[("live", 3), ("held", 3)]), true)
    );
    let obs = r
        .culture
        .formats
        .iter()
        .find(|f| f.setting == "Observations")
        .unwrap();
    let (live, held) = (&obs.groups[0], &obs.groups[1]);
    // Live ratios .75, 1, .75 → 2.5/3; response 4/5, 5/5, 3/5 → .8 (n 3).
    assert!(close(live.speaker_ratio.mean.unwrap(), 2.5 / 3.0));
    assert!(close(live.response_rate.mean.unwrap(), 0.8) && live.response_rate.n == 3);
    // Held ratios 1/3, .5, .5 → 4/9; response 2/5, 3/6 → .45 (n 2: #13 had no survey).
    assert!(close(held.speaker_ratio.mean.unwrap(), 4.0 / 9.0));
    assert!(close(held.response_rate.mean.unwrap(), 0.45) && held.response_rate.n == 2);
}

fn group_n(g: &FormatGroup) -> (usize, usize, usize) {
    (g.reviews, g.speaker_ratio.n, g.response_rate.n)
}

#[test]
fn named_trials_compare_before_and_after() {
    let trials = q3_report().culture.trials;
    // Only trials starting in Q3; "Survey reminders off" (05-01) is Q2's.
    let names: Vec<&str> = trials.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Check-in turns for everyone", "Held observations"]
    );
    let t = &trials[0];
    // From 07-20, 90 days each side: before [04-21, 07-20): #4 (05-01), #5, #10;
    // after [07-20, cut-off 10-01): #11 #12 #13 #14.
    assert_eq!(
        (group_n(&t.before), group_n(&t.after), t.comparable),
        ((3, 3, 3), (4, 4, 3), true)
    );
    // Before: ratios .4, 1/3, .75 → (1.15 + 1/3)/3; responses .7 .4 .8 → 1.9/3.
    assert!(close(
        t.before.speaker_ratio.mean.unwrap(),
        (1.15 + 1.0 / 3.0) / 3.0
    ));
    assert!(close(t.before.response_rate.mean.unwrap(), 1.9 / 3.0));
    // After: ratios .5, 1, .5, .75 → .6875; responses .5, 1, .6 → .7.
    assert!(close(t.after.speaker_ratio.mean.unwrap(), 0.6875));
    assert!(close(t.after.response_rate.mean.unwrap(), 0.7));
    // From 09-01: before [06-03, 09-01) #5 #10 #11 #12 #13; after: #14 alone → too few.
    let h = &trials[1];
    assert_eq!(
        (h.before.reviews, h.after.reviews, h.comparable),
        (5, 1, false)
    );
}

#[test]
fn rising_modes_stale_services_and_uncovered_modes() {
    let k = q3_report().risks;
    let rising: Vec<(String, Vec<u32>, u32)> = k
        .rising_modes
        .iter()
        .map(|m| (m.mode.clone(), m.counts.clone(), m.increase))
        .collect();
    // cache-invalidation: Q4 #1, Q1 #3, Q2 none, Q3 #10 #11 #15 → 1,1,0,3 (+3).
    // timeout-cascade: Q1 #2, Q2 #5, Q3 #13 #17 → 0,1,1,2 (+1).
    // config-drift 1 → 1 and vendor-outage 0 → 1 do not reach 2 this quarter.
    assert_eq!(
        rising,
        vec![
            ("cache-invalidation".into(), vec![1, 1, 0, 3], 3),
            ("timeout-cascade".into(), vec![0, 1, 1, 2], 1)
        ]
    );
    // Stale: #103 (search; #14 this quarter), #105 (checkout; #12 this quarter).
    let stale: Vec<(String, usize, Vec<i64>)> = k
        .stale_services
        .iter()
        .map(|s| (s.service.clone(), s.incidents, s.stale_items.items.clone()))
        .collect();
    assert_eq!(
        stale,
        vec![
            ("checkout".into(), 1, vec![105]),
            ("search".into(), 1, vec![103])
        ]
    );
    // Open items' modes: #105 config-drift (from #4), #108 cache-invalidation (from #11);
    // #103 has none. #106 has timeout-cascade but is deprioritized → timeout-cascade uncovered.
    let uncovered: Vec<(String, Vec<i64>)> = k
        .uncovered_modes
        .iter()
        .map(|m| (m.mode.clone(), m.incidents.items.clone()))
        .collect();
    assert_eq!(uncovered, vec![("timeout-cascade".into(), vec![13, 17])]);
}

#[test]
fn tech_debt_investments_blind_spots_and_vendors() {
    let k = q3_report().risks;
    // Tech debt: #103 open on search (#14), #106 deprioritized on api (#10).
    let debt: Vec<(i64, ItemStatus, Vec<String>)> = k
        .tech_debt
        .items
        .iter()
        .map(|d| (d.id, d.status, d.services.clone()))
        .collect();
    assert_eq!(
        debt,
        vec![
            (103, ItemStatus::Open, vec!["search".into()]),
            (106, ItemStatus::Deprioritized, vec!["api".into()])
        ]
    );
    // #201 yes S many (3/1 = 3), #202 yes M class (2/2 = 1), #204 partly S class (2/1 = 2,
    // ranked after every yes). Out: #203 not ours, #205 this incident only, #206 already an
    // item, #207 recorded after the cut-off.
    let ranked: Vec<(i64, f64)> = k
        .investments
        .items
        .iter()
        .map(|c| (c.id, c.leverage))
        .collect();
    assert_eq!(ranked, vec![(201, 3.0), (202, 1.0), (204, 2.0)]);
    // Modes per domain, ever: edge {cache, timeout}; commerce {cache, config, timeout,
    // vendor}; discovery {timeout, config}. Q3 modes and where: cache (commerce, edge),
    // vendor-outage (commerce), timeout (commerce, edge, unassigned), config (discovery).
    type Spot = (String, Vec<(String, Vec<String>)>);
    let spots: Vec<Spot> = k
        .blind_spots
        .iter()
        .map(|b| {
            (
                b.domain.clone(),
                b.modes
                    .iter()
                    .map(|m| (m.mode.clone(), m.seen_in.clone()))
                    .collect(),
            )
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        spots,
        vec![
            ("commerce".into(), vec![]),
            (
                "discovery".into(),
                vec![
                    ("cache-invalidation".into(), s(&["commerce", "edge"])),
                    ("vendor-outage".into(), s(&["commerce"]))
                ]
            ),
            (
                "edge".into(),
                vec![
                    ("config-drift".into(), s(&["discovery"])),
                    ("vendor-outage".into(), s(&["commerce"]))
                ]
            ),
        ]
    );
    // Stripe answered the standing question on #12; Fastly (#15) never; PagerDuty is only
    // named in surveys; "stripe" named in surveys is the reviewed Stripe.
    let vendors: Vec<(String, Vec<i64>, bool)> = k
        .unreviewed_vendors
        .iter()
        .map(|v| {
            (
                v.vendor.clone(),
                v.incidents.items.clone(),
                v.named_in_surveys,
            )
        })
        .collect();
    assert_eq!(
        vendors,
        vec![
            ("Fastly".into(), vec![15], false),
            ("PagerDuty".into(), vec![], true)
        ]
    );
}

#[test]
fn learnings_lookups_per_quarter() {
    let counts: Vec<u64> = q3_report()
        .learnings_lookups
        .iter()
        .map(|c| c.count)
        .collect();
    // 2025-Q4 none, 2026-Q1 none, 2026-Q2 9, 2026-Q3 14.
    assert_eq!(counts, vec![0, 0, 9, 14]);
}
