//! Purpose: Prometheus metrics, declared in one place.
//!
//! Counters are updated where things happen. Gauges that describe stored state are
//! never updated around the codebase: [`Metrics::render`] recomputes them from the
//! store at scrape time. Label values come from closed sets (subcommand names, API
//! methods, job kinds, normalised failure-mode tags) and never carry user, channel
//! or review ids, and never any text a person typed.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::store::Store;

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
pub struct IncidentLabels {
    pub is_recurrence: &'static str,
    pub failure_mode: String,
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
    /// Background jobs finished, rescheduled or given up, by kind.
    pub jobs: Family<JobLabels, Counter>,
    /// Incidents recorded, by whether their failure mode was seen before.
    pub incidents_opened: Family<IncidentLabels, Counter>,
    jobs_pending: Family<KindLabels, Gauge>,
    jobs_failed: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("debrief");
        let slack_requests = Family::<RouteLabels, Counter>::default();
        registry.register(
            "slack_requests",
            "Slack requests received over HTTP, by route and outcome",
            slack_requests.clone(),
        );
        let commands = Family::<CommandLabels, Counter>::default();
        registry.register(
            "commands",
            "Slash commands handled, by subcommand",
            commands.clone(),
        );
        let slack_api_calls = Family::<ApiCallLabels, Counter>::default();
        registry.register(
            "slack_api_calls",
            "Slack Web API calls made, by method and outcome",
            slack_api_calls.clone(),
        );
        let jobs = Family::<JobLabels, Counter>::default();
        registry.register(
            "jobs",
            "Background jobs run, by kind and outcome",
            jobs.clone(),
        );
        let incidents_opened = Family::<IncidentLabels, Counter>::default();
        registry.register(
            "incident_opened",
            "Incidents recorded, by recurrence and normalised failure mode",
            incidents_opened.clone(),
        );
        let jobs_pending = Family::<KindLabels, Gauge>::default();
        registry.register(
            "jobs_pending",
            "Jobs waiting to run, by kind",
            jobs_pending.clone(),
        );
        let jobs_failed = Gauge::default();
        registry.register(
            "jobs_failed",
            "Jobs that gave up and are kept for inspection",
            jobs_failed.clone(),
        );
        Self {
            registry,
            slack_requests,
            commands,
            slack_api_calls,
            jobs,
            incidents_opened,
            jobs_pending,
            jobs_failed,
        }
    }

    pub fn count_request(&self, route: &'static str, outcome: &'static str) {
        self.slack_requests
            .get_or_create(&RouteLabels { route, outcome })
            .inc();
    }

    /// Recomputes the state gauges from the store, then renders the text exposition.
    pub async fn render(&self, store: &Store) -> anyhow::Result<String> {
        self.jobs_pending.clear();
        for (kind, count) in store.pending_jobs_by_kind().await? {
            self.jobs_pending
                .get_or_create(&KindLabels { kind })
                .set(count);
        }
        self.jobs_failed.set(store.job_counts().await?.failed);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
