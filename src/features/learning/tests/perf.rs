//! Purpose: a deterministic synthetic data set of any size, and the ignored performance test
//! over 100,000 incidents and 500,000 action items with histories (run it in release mode).

use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::super::actions::{ActionItem, ActionKind, ItemStatus, StatusChange};
use super::super::facts::{
    Control, Cost, Counterfactual, Facts, Incident, Observations, ParticipationFacts, Reach,
    Review, ReviewFormat, ServiceInfo, Severity, SurveyTurnout, Trial, VendorReview,
};
use super::super::{ReportRequest, Settings, compute, to_markdown, to_slack_sections};
use super::fixture::{q, ts};

pub struct Synthetic {
    pub facts: Facts,
    pub request: ReportRequest,
}

/// A small linear congruential generator: reproducible without a dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SERVICES: u64 = 60;
const MODES: u64 = 40;
const VENDORS: [&str; 6] = ["Stripe", "Fastly", "Twilio", "AWS S3", "PagerDuty", "Okta"];

fn service(n: u64) -> String {
    format!("svc-{n:02}")
}

/// Five years of incidents ending with 2026-Q3, items opened after them.
pub fn synthetic(incidents: usize, items: usize) -> Synthetic {
    let mut rng = Lcg(42);
    let first = ts("2021-10-01T00:00:00Z");
    let span = ts("2026-10-01T00:00:00Z").as_second() - first.as_second();
    let mut facts = Facts::default();
    for id in 0..incidents as i64 {
        let at = Timestamp::from_second(first.as_second() + rng.below(span as u64) as i64).unwrap();
        facts.incidents.push(synthetic_incident(&mut rng, id, at));
    }
    for id in 0..items as i64 {
        let of = &facts.incidents[rng.below(incidents as u64) as usize];
        let item = synthetic_item(&mut rng, id, of);
        facts.action_items.push(item);
    }
    facts.services = (0..50)
        .map(|n| ServiceInfo {
            service: service(n),
            domain: format!("domain-{}", n % 8),
            owner_team: None,
        })
        .collect();
    add_reviews(&mut rng, &mut facts);
    facts.trials = vec![Trial {
        name: "Turns of 90 s".into(),
        from: "2026-08-01".parse().unwrap(),
    }];
    facts.named_vendors = vec!["Cloudflare".into()];
    Synthetic {
        facts,
        request: ReportRequest {
            quarter: q("2026-Q3"),
            tz: TimeZone::UTC,
            now: ts("2026-10-02T12:00:00Z"),
            settings: Settings::default(),
        },
    }
}

fn synthetic_incident(rng: &mut Lcg, id: i64, at: Timestamp) -> Incident {
    let services = (0..1 + rng.below(3))
        .map(|_| service(rng.below(SERVICES)))
        .collect();
    let severity = [Severity::P1, Severity::P2, Severity::P3, Severity::P4][rng.below(4) as usize];
    Incident {
        id,
        title: format!("Synthetic incident {id}"),
        severity: Some(severity),
        services,
        failure_mode: rng
            .chance(95)
            .then(|| format!("mode-{:02}", rng.below(MODES))),
        vendor: rng
            .chance(10)
            .then(|| VENDORS[rng.below(VENDORS.len() as u64) as usize].to_string()),
        deploy_related: rng.chance(30).then(|| rng.chance(50)),
        deployed_at: rng
            .chance(20)
            .then(|| at - SignedDuration::from_hours(rng.below(48) as i64)),
        started_at: Some(at),
        created_at: at,
        resolved_at: None,
        recurrence_of: rng.chance(60).then_some(id - 1),
    }
}

fn synthetic_item(rng: &mut Lcg, id: i64, of: &Incident) -> ActionItem {
    let kinds = [
        ActionKind::Fix,
        ActionKind::Mitigation,
        ActionKind::Detection,
        ActionKind::Process,
        ActionKind::TechDebt,
    ];
    let statuses = [
        ItemStatus::Open,
        ItemStatus::InProgress,
        ItemStatus::Done,
        ItemStatus::Deprioritized,
    ];
    let created = of.at() + SignedDuration::from_hours(rng.below(24 * 30) as i64);
    let mut at = created;
    let history = (0..rng.below(5))
        .map(|_| {
            at += SignedDuration::from_hours(1 + rng.below(24 * 60) as i64);
            StatusChange {
                at,
                status: statuses[rng.below(4) as usize],
                by: "@someone".into(),
                reason: None,
            }
        })
        .collect();
    ActionItem {
        id,
        incident_id: Some(of.id),
        title: format!("Synthetic item {id}"),
        owner: Some("@owner".into()),
        kind: Some(kinds[rng.below(5) as usize]),
        services: if rng.chance(50) {
            Vec::new()
        } else {
            vec![service(rng.below(SERVICES))]
        },
        failure_mode: rng
            .chance(30)
            .then(|| format!("mode-{:02}", rng.below(MODES))),
        due: rng.chance(50).then(|| {
            created
                .to_zoned(TimeZone::UTC)
                .date()
                .saturating_add(jiff::Span::new().days(30))
        }),
        created_at: created,
        url: None,
        individual: false,
        history,
    }
}

fn add_reviews(rng: &mut Lcg, facts: &mut Facts) {
    for incident in &facts.incidents {
        if !rng.chance(20) {
            continue;
        }
        let meeting = incident.at() + SignedDuration::from_hours(24 + rng.below(24 * 7) as i64);
        let attendees = 2 + rng.below(10) as u32;
        facts.reviews.push(Review {
            incident_id: incident.id,
            meeting_at: Some(meeting),
            done_at: rng.chance(80).then_some(meeting),
            format: ReviewFormat {
                survey: rng.chance(80),
                checkin: rng.chance(50),
                checkin_turn_seconds: Some([60, 90, 120][rng.below(3) as usize]),
                observations: if rng.chance(50) {
                    Observations::Live
                } else {
                    Observations::Held
                },
                k_floor: 3,
            },
            participation: Some(ParticipationFacts {
                attendees,
                speakers: rng.below(u64::from(attendees) + 1) as u32,
                top3_share: rng.below(101) as f64 / 100.0,
            }),
            survey: Some(SurveyTurnout {
                invited: attendees,
                answered: rng.below(u64::from(attendees) + 1) as u32,
            }),
        });
        if incident.vendor.is_some() {
            facts.vendor_reviews.push(VendorReview {
                incident_id: incident.id,
                minutes_to_external: Some(rng.below(120) as u32),
                standing_question_answered: rng.chance(50),
                ..VendorReview::default()
            });
        }
        facts.counterfactuals.push(Counterfactual {
            id: incident.id,
            incident_id: incident.id,
            text: format!("Condition for {}", incident.id),
            control: [Control::Yes, Control::Partly, Control::No][rng.below(3) as usize],
            cost: [Cost::S, Cost::M, Cost::L][rng.below(3) as usize],
            reach: [Reach::ThisIncident, Reach::ThisClass, Reach::ManyClasses]
                [rng.below(3) as usize],
            has_action_item: rng.chance(30),
            created_at: meeting,
        });
    }
}

/// This thread's CPU time, where Linux tells it (`/proc/thread-self/schedstat`, in ns): on a
/// shared machine the wall clock also counts time spent waiting for a core.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace()
        .next()?
        .parse()
        .ok()
        .map(Duration::from_nanos)
}

#[test]
#[ignore = "performance: cargo test --release -- --ignored perf --nocapture"]
fn perf_compute_over_100k_incidents_and_500k_items() {
    let generated = Instant::now();
    let data = synthetic(100_000, 500_000);
    eprintln!("synthetic data generated in {:?}", generated.elapsed());
    let rows: usize = data
        .facts
        .action_items
        .iter()
        .map(|i| i.history.len())
        .sum();
    let mut runs: Vec<(Duration, Option<Duration>)> = (0..5)
        .map(|_| {
            let (start, cpu) = (Instant::now(), cpu_time());
            black_box(compute(black_box(&data.facts), &data.request));
            let cpu = cpu.zip(cpu_time()).map(|(a, b)| b - a);
            (start.elapsed(), cpu)
        })
        .collect();
    let mut cpu: Vec<Duration> = runs.iter().filter_map(|r| r.1).collect();
    cpu.sort();
    runs.sort();
    let times: Vec<Duration> = runs.iter().map(|r| r.0).collect();
    let report = compute(&data.facts, &data.request);
    eprintln!(
        "report: {} stale items, {} implicated items, {} tech-debt items, {} open items",
        report.audit.ages.stale.total,
        report.audit.implicated.total,
        report.risks.tech_debt.total,
        report.audit.ages.open_items
    );
    let start = Instant::now();
    let md = to_markdown(&report);
    let slack = to_slack_sections(&report);
    let render = start.elapsed();
    eprintln!(
        "compute over {} incidents, {} items ({rows} history rows), {} reviews: median of 5 {:?} wall, {:?} CPU (wall runs {:?}); render {:?} ({} bytes of Markdown, {} Slack sections)",
        data.facts.incidents.len(),
        data.facts.action_items.len(),
        data.facts.reviews.len(),
        times[2],
        cpu.get(cpu.len() / 2),
        times,
        render,
        md.len(),
        slack.len()
    );
    assert!(times[2] < Duration::from_secs(1), "median {:?}", times[2]);
}
