//! Purpose: Prometheus metrics, declared in one place.
//!
//! Counters about the service are updated where things happen. Series about stored state
//! (incidents, action items, participation, jobs) are never updated around the codebase:
//! [`Metrics::render`] recomputes them from the store at scrape time, so a restart neither
//! resets nor double counts them. Label values come from closed sets (subcommand names,
//! API methods, job kinds, severities, normalised failure-mode tags folded past a cap) and
//! never carry user, channel or review ids, and never any text a person typed.
//!
//! The series the article queries (`incident_opened_total`, `action_items_*`,
//! `review_participation_ratio`) carry no `debrief_` prefix so its queries work unchanged.
//! With several replicas on one PostgreSQL database only the holder of a lease exports them,
//! so that `sum()` across replicas counts each incident once.

mod labels;
mod process;

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::store::metrics::LedgerRow;
use crate::store::{Backend, Store};

pub use labels::{AgeBand, FailureModeFolder, age_band, kind_label, severity_label};

/// The lease row that says which replica exports the database-derived series.
const LEASE: &str = "metrics-exporter";

/// How long a replica keeps the lease without scraping. Longer than any sane scrape
/// interval, short enough that a dead replica's series are taken over within minutes.
pub const LEASE_SECONDS: i64 = 180;

/// The failure-mode cap when none is configured.
pub const DEFAULT_FAILURE_MODE_CAP: usize = 50;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// commands, events or interactions
    pub route: &'static str,
    /// accepted, bad_signature, stale, too_large, malformed, duplicate
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CommandLabels {
    /// The subcommand, or "unknown" for one the parser rejected.
    pub subcommand: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiCallLabels {
    pub method: &'static str,
    /// ok, rate_limited, unavailable, rejected
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabels {
    pub method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    /// done, rescheduled, failed
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// The matched route template (`/slack/commands`), or `unmatched`.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpRouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IncidentLabels {
    pub failure_mode: String,
    pub severity: String,
    pub is_recurrence: &'static str,
    /// The workspace (team id): with several installed, each one's failure modes are its
    /// own series, and its dashboards can be filtered to it.
    pub team: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScopeLabels {
    /// Which review the figure is about: `latest_completed`.
    pub scope: &'static str,
    pub team: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QuarterLabels {
    pub quarter: String,
    pub team: String,
}

/// An action item series: its kind and workspace.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ItemLabels {
    pub kind: String,
    pub team: String,
}

/// One workspace's current-quarter closed pulses, worked out by the pulse feature: counts
/// always, the mean only once that workspace's k-floor is met.
#[derive(Debug, Clone, PartialEq)]
pub struct PulseGauges {
    pub team: String,
    pub quarter: String,
    pub mean: Option<f64>,
    pub responses: i64,
    pub invited: i64,
}

/// Figures that belong to features, which this layer cannot name; the caller works them
/// out and hands them over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureFigures {
    /// Each workspace's latest completed review's speaker ratio: (team, ratio).
    pub participation: Vec<(String, f64)>,
    pub pulse: Vec<PulseGauges>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AgeLabels {
    pub age: &'static str,
    pub team: String,
}

/// Request latency buckets, in seconds: Slack gives up after 3 s.
const LATENCY_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The series read from the database, exported by one replica at a time.
#[derive(Default)]
struct StoredSeries {
    incident_opened: Family<IncidentLabels, Counter>,
    action_items_opened: Family<ItemLabels, Counter>,
    action_items_closed: Family<ItemLabels, Counter>,
    action_items_open: Family<AgeLabels, Gauge>,
    participation: Family<ScopeLabels, Gauge<f64, AtomicU64>>,
    pulse_score: Family<QuarterLabels, Gauge<f64, AtomicU64>>,
    pulse_responses: Family<QuarterLabels, Gauge>,
    pulse_invited: Family<QuarterLabels, Gauge>,
}

/// Every metric the service exports.
pub struct Metrics {
    registry: Registry,
    /// Slack requests received over HTTP, by route and outcome.
    pub slack_requests: Family<RouteLabels, Counter>,
    /// Slash commands handled, by subcommand.
    pub commands: Family<CommandLabels, Counter>,
    /// Web API calls made, by method and outcome.
    pub slack_api_calls: Family<ApiCallLabels, Counter>,
    /// Web API calls that did not succeed, by method.
    pub slack_api_errors: Family<MethodLabels, Counter>,
    /// Background jobs finished, rescheduled or given up, by kind.
    pub jobs: Family<JobLabels, Counter>,
    /// HTTP requests answered, by route and status (never an anonymous action's).
    pub http_requests: Family<HttpLabels, Counter>,
    /// HTTP request latency, by route (never an anonymous action's).
    pub http_duration: Family<HttpRouteLabels, Histogram>,
    jobs_pending: Family<KindLabels, Gauge>,
    jobs_failed: Gauge,
    stored: StoredSeries,
    process: process::ProcessGauges,
    /// Failure modes past this many distinct values are counted as `other`.
    failure_mode_cap: usize,
    /// This process's name in the lease row.
    holder: String,
    /// One scrape at a time: the ledger is read, shown and marked counted in order.
    scrape: tokio::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(DEFAULT_FAILURE_MODE_CAP)
    }
}

impl Metrics {
    /// Registers every metric; `failure_mode_cap` bounds the `failure_mode` label values.
    pub fn new(failure_mode_cap: usize) -> Self {
        let mut registry = Registry::default();
        let stored = StoredSeries::default();
        registry.register(
            "incident_opened",
            "Incidents recorded, by normalised failure mode (folded into other past the cap), severity and recurrence; read from the database",
            stored.incident_opened.clone(),
        );
        registry.register(
            "action_items_opened",
            "Action items created, by kind and workspace (team); read from the database",
            stored.action_items_opened.clone(),
        );
        registry.register(
            "action_items_closed",
            "Action items closed as done, by kind and workspace (team); read from the database",
            stored.action_items_closed.clone(),
        );
        registry.register(
            "action_items_open",
            "Action items still open or in progress, by age band (over_90d is the stale count) and workspace (team)",
            stored.action_items_open.clone(),
        );
        registry.register(
            "review_participation_ratio",
            "Share of attendees who spoke in each workspace's latest completed review (scope=latest_completed)",
            stored.participation.clone(),
        );
        registry.register(
            "pulse_score",
            "Mean psychological-safety pulse answer (1-5) of a workspace's closed pulses this quarter, once at least k people answered",
            stored.pulse_score.clone(),
        );
        registry.register(
            "pulse_responses",
            "Answers to a workspace's closed psychological-safety pulses this quarter",
            stored.pulse_responses.clone(),
        );
        registry.register(
            "pulse_invited",
            "People asked in a workspace's closed psychological-safety pulses this quarter",
            stored.pulse_invited.clone(),
        );
        let process = process::ProcessGauges::register(&mut registry);
        let debrief = registry.sub_registry_with_prefix("debrief");
        let slack_requests = Family::<RouteLabels, Counter>::default();
        debrief.register(
            "slack_requests",
            "Slack requests received over HTTP, by route and outcome",
            slack_requests.clone(),
        );
        let commands = Family::<CommandLabels, Counter>::default();
        debrief.register(
            "commands",
            "Slash commands handled, by subcommand",
            commands.clone(),
        );
        let slack_api_calls = Family::<ApiCallLabels, Counter>::default();
        debrief.register(
            "slack_api_calls",
            "Slack Web API calls made, by method and outcome",
            slack_api_calls.clone(),
        );
        let slack_api_errors = Family::<MethodLabels, Counter>::default();
        debrief.register(
            "slack_api_errors",
            "Slack Web API calls that did not succeed, by method",
            slack_api_errors.clone(),
        );
        let jobs = Family::<JobLabels, Counter>::default();
        debrief.register(
            "jobs",
            "Background jobs run, by kind and outcome",
            jobs.clone(),
        );
        let http_requests = Family::<HttpLabels, Counter>::default();
        debrief.register(
            "http_requests",
            "HTTP requests answered, by route and status; anonymous actions are not counted",
            http_requests.clone(),
        );
        let http_duration = Family::<HttpRouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY_BUCKETS)) as fn() -> Histogram,
        );
        debrief.register(
            "http_request_duration_seconds",
            "HTTP request latency in seconds, by route; anonymous actions are not measured",
            http_duration.clone(),
        );
        let jobs_pending = Family::<KindLabels, Gauge>::default();
        debrief.register(
            "jobs_pending",
            "Jobs waiting to run, by kind",
            jobs_pending.clone(),
        );
        let jobs_failed = Gauge::default();
        debrief.register(
            "jobs_failed",
            "Jobs that gave up and are kept for inspection",
            jobs_failed.clone(),
        );
        Self {
            registry,
            slack_requests,
            commands,
            slack_api_calls,
            slack_api_errors,
            jobs,
            http_requests,
            http_duration,
            jobs_pending,
            jobs_failed,
            stored,
            process,
            failure_mode_cap,
            holder: exporter_name(),
            scrape: tokio::sync::Mutex::new(()),
        }
    }

    pub fn count_request(&self, route: &'static str, outcome: &'static str) {
        self.slack_requests
            .get_or_create(&RouteLabels { route, outcome })
            .inc();
    }

    /// Counts one answered HTTP request and its latency.
    pub fn observe_http(&self, route: &str, status: u16, seconds: f64) {
        self.http_requests
            .get_or_create(&HttpLabels {
                route: route.to_string(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&HttpRouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// Recomputes the stored-state series from the store, then renders the text exposition.
    /// `features` holds the figures that belong to features (participation, the pulse),
    /// worked out by the caller.
    pub async fn render(
        &self,
        store: &Store,
        now: jiff::Timestamp,
        features: &FeatureFigures,
    ) -> anyhow::Result<String> {
        let _one_at_a_time = self.scrape.lock().await;
        self.jobs_pending.clear();
        for (kind, count) in store.pending_jobs_by_kind().await? {
            self.jobs_pending
                .get_or_create(&KindLabels { kind })
                .set(count);
        }
        self.jobs_failed.set(store.job_counts().await?.failed);
        self.process.refresh();
        let exporting = self.is_exporter(store, now).await?;
        if exporting {
            self.ledger_new_incidents(store, now).await?;
            self.load_stored(store, now, features).await?;
        } else {
            self.clear_stored();
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        if exporting {
            // After the label sets were shown (at their old values), the new rows count.
            store.mark_ledger_counted().await?;
        }
        Ok(text)
    }

    /// SQLite has one process, which always exports. On PostgreSQL the replica holding
    /// the lease exports, renewing it on every scrape.
    async fn is_exporter(&self, store: &Store, now: jiff::Timestamp) -> anyhow::Result<bool> {
        if store.backend() == Backend::Sqlite {
            return Ok(true);
        }
        let now = now.as_second();
        store
            .take_lease(LEASE, &self.holder, now, now + LEASE_SECONDS)
            .await
    }

    /// Lets another replica take over the export at its next scrape (clean shutdown).
    pub async fn release_export(&self, store: &Store) -> anyhow::Result<()> {
        store.release_lease(LEASE, &self.holder).await
    }

    /// Gives every incident not yet in the ledger its labels, for good.
    async fn ledger_new_incidents(
        &self,
        store: &Store,
        now: jiff::Timestamp,
    ) -> anyhow::Result<()> {
        let incidents = store.unledgered_incidents().await?;
        if incidents.is_empty() {
            return Ok(());
        }
        let mut folder =
            FailureModeFolder::new(self.failure_mode_cap, store.ledger_failure_modes().await?);
        let rows: Vec<LedgerRow> = incidents
            .into_iter()
            .map(|i| LedgerRow {
                incident_id: i.id,
                failure_mode: folder.label(i.failure_mode.as_deref()),
                severity: severity_label(i.severity.as_deref()).to_string(),
                is_recurrence: i.is_recurrence,
            })
            .collect();
        store.append_ledger(&rows, now.as_second()).await
    }

    async fn load_stored(
        &self,
        store: &Store,
        now: jiff::Timestamp,
        features: &FeatureFigures,
    ) -> anyhow::Result<()> {
        self.clear_stored();
        let s = &self.stored;
        let mut teams: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        for total in store.ledger_totals().await? {
            teams.insert(total.team.clone());
            s.incident_opened
                .get_or_create(&IncidentLabels {
                    failure_mode: total.failure_mode,
                    severity: total.severity,
                    is_recurrence: if total.is_recurrence { "true" } else { "false" },
                    team: total.team,
                })
                .inc_by(total.counted.max(0) as u64);
        }
        let opened = store.action_items_by_kind().await?;
        let closed = store.action_item_closures_by_kind().await?;
        let open = store.open_action_item_created_ats().await?;
        // Every workspace with incidents or items shows every known kind, at 0 if need be,
        // so that `increase()` sees its first item of a kind.
        teams.extend(opened.iter().map(|(team, _, _)| team.clone()));
        for (family, rows) in [
            (&s.action_items_opened, &opened),
            (&s.action_items_closed, &closed),
        ] {
            for team in &teams {
                for kind in labels::KINDS.iter().chain(["other", "unknown"].iter()) {
                    let _shown_at_zero = family.get_or_create(&ItemLabels {
                        kind: kind.to_string(),
                        team: team.to_string(),
                    });
                }
            }
            for (team, kind, count) in rows {
                family
                    .get_or_create(&ItemLabels {
                        kind: kind_label(kind.as_deref()).to_string(),
                        team: team.clone(),
                    })
                    .inc_by((*count).max(0) as u64);
            }
        }
        let mut bands: std::collections::BTreeMap<&str, [i64; AgeBand::ALL.len()]> = teams
            .iter()
            .map(|team| (team.as_str(), [0; AgeBand::ALL.len()]))
            .collect();
        for (team, created_at) in &open {
            bands.entry(team.as_str()).or_default()
                [age_band(*created_at, now.as_second()) as usize] += 1;
        }
        for (team, counts) in bands {
            for (band, count) in AgeBand::ALL.iter().zip(counts) {
                s.action_items_open
                    .get_or_create(&AgeLabels {
                        age: band.label(),
                        team: team.to_string(),
                    })
                    .set(count);
            }
        }
        for (team, ratio) in &features.participation {
            s.participation
                .get_or_create(&ScopeLabels {
                    scope: "latest_completed",
                    team: team.clone(),
                })
                .set(*ratio);
        }
        for pulse in &features.pulse {
            let labels = QuarterLabels {
                quarter: pulse.quarter.clone(),
                team: pulse.team.clone(),
            };
            if let Some(mean) = pulse.mean {
                s.pulse_score.get_or_create(&labels).set(mean);
            }
            s.pulse_responses
                .get_or_create(&labels)
                .set(pulse.responses);
            s.pulse_invited.get_or_create(&labels).set(pulse.invited);
        }
        Ok(())
    }

    fn clear_stored(&self) {
        let s = &self.stored;
        s.incident_opened.clear();
        s.action_items_opened.clear();
        s.action_items_closed.clear();
        s.action_items_open.clear();
        s.participation.clear();
        s.pulse_score.clear();
        s.pulse_responses.clear();
        s.pulse_invited.clear();
    }
}

/// A name for this process in the lease row: random, so two replicas never share one.
fn exporter_name() -> String {
    use rand::RngExt;
    let bytes: [u8; 8] = rand::rng().random();
    hex::encode(bytes)
}

/// The exposition in Prometheus's classic text format (0.0.4), for clients that do not
/// ask for OpenMetrics (`curl`, `promtool check metrics`): a counter's HELP and TYPE name
/// its `_total` samples, and there are no UNIT or EOF lines.
pub fn classic_text(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut text = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|tag| {
            let rest = line.strip_prefix(tag)?;
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            counters
                .contains(name)
                .then(|| format!("{tag}{name}_total {tail}"))
        });
        text.push_str(renamed.as_deref().unwrap_or(line));
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_format_names_counters_by_their_samples() {
        let open = "# HELP jobs Jobs run.\n# TYPE jobs counter\njobs_total{kind=\"a\"} 2\n\
                    # HELP up Up.\n# TYPE up gauge\n# UNIT up seconds\nup 1\n# EOF\n";
        assert_eq!(
            classic_text(open),
            "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total{kind=\"a\"} 2\n\
             # HELP up Up.\n# TYPE up gauge\nup 1\n"
        );
    }
}
