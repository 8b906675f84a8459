//! Purpose: the fixed data set the hand-computed tests check against: one team, five
//! quarters of incidents (2025-Q4 to 2026-Q3, plus one at the very start of Q4), items with
//! histories, reviews, trials, vendor sections, pulses and counterfactuals.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::super::actions::{ActionItem, ActionKind, ItemStatus, StatusChange};
use super::super::facts::{
    Facts, Incident, LookupCount, PulseResult, ServiceInfo, Severity, Trial,
};
use super::super::{LearningReport, Quarter, ReportRequest, Settings, compute};
use super::fixture_reviews::{counterfactuals, reviews, vendor_reviews};

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("a test instant")
}

pub fn q(s: &str) -> Quarter {
    s.parse().expect("a test quarter")
}

/// An IANA zone, or its POSIX equivalent where the machine has no zoneinfo.
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or_else(|_| {
        let posix = match name {
            "Asia/Tokyo" => "JST-9",
            "America/New_York" => "EST5EDT,M3.2.0,M11.1.0",
            other => panic!("no fallback for {other}"),
        };
        TimeZone::posix(posix).expect("a valid POSIX zone")
    })
}

pub fn request(quarter: &str, tz: TimeZone, now: &str) -> ReportRequest {
    ReportRequest {
        quarter: q(quarter),
        tz,
        now: ts(now),
        settings: Settings {
            facilitator: Some("Dana".into()),
            ..Settings::default()
        },
    }
}

/// The fixture's report for 2026-Q3 in UTC, computed on 2 October 2026 at noon.
pub fn q3_report() -> LearningReport {
    compute(
        &facts(),
        &request("2026-Q3", TimeZone::UTC, "2026-10-02T12:00:00Z"),
    )
}

pub fn incident(
    id: i64,
    severity: Option<Severity>,
    services: &[&str],
    mode: Option<&str>,
    at: &str,
) -> Incident {
    Incident {
        id,
        title: format!("Incident {id}"),
        severity,
        services: services.iter().map(|s| s.to_string()).collect(),
        failure_mode: mode.map(str::to_string),
        vendor: None,
        deploy_related: None,
        deployed_at: None,
        started_at: Some(ts(at)),
        created_at: ts(at),
        resolved_at: None,
        recurrence_of: None,
    }
}

fn incidents() -> Vec<Incident> {
    use Severity::*;
    let rec = |mut i: Incident, of: Option<i64>| {
        i.recurrence_of = of;
        i
    };
    // (id, severity, services, mode, started, recurrence of)
    #[rustfmt::skip]
    let mut list = vec![
        rec(incident(1, Some(P2), &["api"], Some("cache-invalidation"), "2025-11-10T10:00:00Z"), None),
        rec(incident(2, Some(P3), &["search"], Some("timeout-cascade"), "2026-01-15T10:00:00Z"), None),
        rec(incident(3, Some(P2), &["payments"], Some("cache-invalidation"), "2026-02-20T10:00:00Z"), Some(1)),
        rec(incident(4, Some(P1), &["checkout", "payments"], Some("config-drift"), "2026-04-10T10:00:00Z"), None),
        rec(incident(5, Some(P3), &["api"], Some("timeout-cascade"), "2026-05-05T10:00:00Z"), Some(2)),
        rec(incident(10, Some(P1), &["payments", "api"], Some("cache-invalidation"), "2026-07-03T09:15:00Z"), Some(3)),
        // Raw spelling: normalised to "payments".
        rec(incident(11, Some(P2), &["Payments"], Some("cache-invalidation"), "2026-07-20T14:00:00Z"), Some(10)),
        rec(incident(12, Some(P2), &["checkout"], Some("vendor-outage"), "2026-08-05T23:30:00Z"), None),
        rec(incident(13, Some(P3), &["payments", "ledger"], Some("timeout-cascade"), "2026-08-19T03:00:00Z"), Some(5)),
        rec(incident(14, Some(P3), &["search"], Some("config-drift"), "2026-09-10T14:30:00Z"), Some(4)),
        rec(incident(15, Some(P4), &["payments"], Some("cache-invalidation"), "2026-09-29T10:00:00Z"), Some(11)),
        rec(incident(16, None, &[], None, "2026-09-15T08:00:00Z"), None),
        rec(incident(17, Some(P3), &["gateway"], Some("timeout-cascade"), "2026-09-30T23:30:00Z"), Some(13)),
        // Exactly at the end of Q3 in UTC: belongs to Q4.
        rec(incident(18, Some(P1), &["api"], Some("cache-invalidation"), "2026-10-01T00:00:00Z"), None),
    ];
    let mut set = |id: i64, f: &dyn Fn(&mut Incident)| {
        f(list.iter_mut().find(|i| i.id == id).expect("fixture id"));
    };
    set(4, &|i| i.deploy_related = Some(true));
    set(10, &|i| i.deploy_related = Some(true));
    // 48 h before: outside the 24-hour window.
    set(11, &|i| i.deployed_at = Some(ts("2026-07-18T14:00:00Z")));
    set(12, &|i| {
        i.vendor = Some("Stripe".into());
        // 1.5 h before: inside the window.
        i.deployed_at = Some(ts("2026-08-05T22:00:00Z"));
    });
    set(13, &|i| i.vendor = Some("stripe ".into()));
    set(14, &|i| i.deploy_related = Some(false));
    set(15, &|i| i.vendor = Some("Fastly".into()));
    // No start: placed by when it was recorded.
    set(16, &|i| i.started_at = None);
    list
}

fn change(at: &str, status: ItemStatus, by: &str, reason: Option<&str>) -> StatusChange {
    StatusChange {
        at: ts(at),
        status,
        by: by.into(),
        reason: reason.map(str::to_string),
    }
}

pub fn item(
    id: i64,
    incident: Option<i64>,
    kind: ActionKind,
    services: &[&str],
    created: &str,
) -> ActionItem {
    ActionItem {
        id,
        incident_id: incident,
        title: format!("Item {id}"),
        owner: Some("@kim".into()),
        kind: Some(kind),
        services: services.iter().map(|s| s.to_string()).collect(),
        failure_mode: None,
        due: None,
        created_at: ts(created),
        url: None,
        individual: false,
        history: Vec::new(),
    }
}

fn action_items() -> Vec<ActionItem> {
    use ActionKind::*;
    use ItemStatus::*;
    let with = |mut i: ActionItem, history: Vec<StatusChange>| {
        i.history = history;
        i
    };
    let moded = |mut i: ActionItem, mode: &str| {
        i.failure_mode = Some(mode.into());
        i
    };
    let mut a8 = item(108, Some(11), Mitigation, &[], "2026-07-21T00:00:00Z");
    a8.due = Some("2026-08-31".parse().unwrap());
    vec![
        // Inherits incident 3's payments / cache-invalidation; deprioritized before Q3.
        with(
            item(101, Some(3), Fix, &[], "2026-03-01T00:00:00Z"),
            vec![change(
                "2026-06-01T00:00:00Z",
                Deprioritized,
                "@lee",
                Some("no capacity this half"),
            )],
        ),
        // Deprioritized after incidents 12 (checkout) and 14 (config-drift): not implicated.
        with(
            moded(
                item(
                    102,
                    Some(4),
                    Detection,
                    &["checkout"],
                    "2026-04-15T00:00:00Z",
                ),
                "config-drift",
            ),
            vec![change(
                "2026-09-20T00:00:00Z",
                Deprioritized,
                "@lee",
                Some("superseded"),
            )],
        ),
        item(103, None, TechDebt, &["search"], "2025-10-15T00:00:00Z"),
        with(
            moded(
                item(104, Some(5), Detection, &["api"], "2026-05-10T00:00:00Z"),
                "timeout-cascade",
            ),
            vec![
                change("2026-06-01T00:00:00Z", InProgress, "@kim", None),
                change("2026-07-15T00:00:00Z", Done, "@kim", None),
            ],
        ),
        with(
            item(105, Some(4), Process, &["checkout"], "2026-06-10T00:00:00Z"),
            vec![change("2026-08-01T00:00:00Z", InProgress, "@kim", None)],
        ),
        // Inherits incident 5's timeout-cascade; deprioritized on the quarter's first instant.
        with(
            item(106, Some(5), TechDebt, &["api"], "2026-06-20T00:00:00Z"),
            vec![change("2026-07-01T00:00:00Z", Deprioritized, "@sam", None)],
        ),
        with(
            moded(
                item(107, Some(10), Fix, &["payments"], "2026-07-05T00:00:00Z"),
                "cache-invalidation",
            ),
            vec![change("2026-08-01T00:00:00Z", Done, "@kim", None)],
        ),
        a8,
        // History out of order on purpose; closed, reopened, closed again, all in Q3.
        with(
            item(
                109,
                Some(12),
                Detection,
                &["checkout"],
                "2026-08-06T00:00:00Z",
            ),
            vec![
                change("2026-09-20T00:00:00Z", Done, "@kim", None),
                change("2026-09-01T00:00:00Z", Done, "@kim", None),
                change(
                    "2026-09-05T00:00:00Z",
                    Open,
                    "@kim",
                    Some("alert too noisy"),
                ),
            ],
        ),
        with(
            item(111, Some(1), Fix, &["api"], "2025-12-01T00:00:00Z"),
            vec![change("2026-02-01T00:00:00Z", Done, "@kim", None)],
        ),
        with(
            item(112, None, Detection, &["payments"], "2025-12-10T00:00:00Z"),
            vec![change("2026-01-10T00:00:00Z", Done, "@kim", None)],
        ),
        // After the cut-off: ignored everywhere.
        item(113, Some(17), Fix, &["gateway"], "2026-10-01T09:00:00Z"),
    ]
}

fn services() -> Vec<ServiceInfo> {
    [
        ("api", "edge"),
        ("gateway", "edge"),
        ("payments", "commerce"),
        ("checkout", "commerce"),
        ("search", "discovery"),
    ]
    .into_iter()
    .map(|(service, domain)| ServiceInfo {
        service: service.into(),
        domain: domain.into(),
        owner_team: Some("platform".into()),
    })
    .collect()
}

pub fn facts() -> Facts {
    Facts {
        incidents: incidents(),
        action_items: action_items(),
        services: services(),
        reviews: reviews(),
        trials: vec![
            Trial {
                name: "Check-in turns for everyone".into(),
                from: "2026-07-20".parse().unwrap(),
            },
            Trial {
                name: "Held observations".into(),
                from: "2026-09-01".parse().unwrap(),
            },
            Trial {
                name: "Survey reminders off".into(),
                from: "2026-05-01".parse().unwrap(),
            },
        ],
        vendor_reviews: vendor_reviews(),
        pulses: vec![
            PulseResult {
                quarter: q("2026-Q2"),
                mean: 3.5,
                distribution: [1, 1, 2, 4, 2],
                responses: 10,
                invited: 14,
                counted: 10,
            },
            PulseResult {
                quarter: q("2026-Q3"),
                mean: 4.0,
                distribution: [0, 1, 2, 5, 4],
                responses: 12,
                invited: 15,
                counted: 11,
            },
        ],
        counterfactuals: counterfactuals(),
        learnings_lookups: vec![
            LookupCount {
                quarter: q("2026-Q2"),
                count: 9,
            },
            LookupCount {
                quarter: q("2026-Q3"),
                count: 14,
            },
        ],
        named_vendors: vec!["PagerDuty".into(), "stripe".into()],
    }
}
