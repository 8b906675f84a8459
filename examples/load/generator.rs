//! `load run`: signed slash commands, closed or open loop, with per-command latencies.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio::time::Instant;

use debrief::sandbox::SANDBOX_SIGNING_SECRET;
use debrief::sandbox::driver::sign;

/// Past this many requests waiting for an answer, an open-loop run counts further sends as
/// errors instead of opening ever more connections: the server is already far behind.
const MAX_IN_FLIGHT: usize = 4096;

#[derive(clap::Args)]
pub struct RunArgs {
    /// The target's base URL; requests go to <url>/slack/commands.
    #[arg(long, default_value = "http://127.0.0.1:3917")]
    url: String,
    /// Signing secret the requests are signed with (the sandbox's by default).
    #[arg(long, default_value = SANDBOX_SIGNING_SECRET)]
    secret: String,
    /// Commands and their weights: `help`, `observe`, or `help:1,status:1,observe:1`.
    #[arg(long, default_value = "help")]
    mix: String,
    /// Closed loop: this many requests in flight, each sent as soon as the previous answered.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Open loop instead: this many requests per second on a fixed schedule. Latency is
    /// measured from each request's scheduled time, so a stalled server is not hidden by
    /// the generator waiting for it (coordinated omission).
    #[arg(long)]
    rate: Option<f64>,
    /// Measured seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Stop after this many measured requests instead of after --duration (closed loop).
    #[arg(long)]
    requests: Option<u64>,
    /// Seconds of the same load before measuring, not counted.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Also print one JSON line per interval of this many seconds (for a soak).
    #[arg(long)]
    report_every: Option<f64>,
    /// Also require debrief's own reply text for each command, so that a 200 carrying
    /// "open a review first" does not count as a write.
    #[arg(long)]
    check: bool,
    /// Process group of the server: its RSS, peak RSS and open files are reported.
    #[arg(long)]
    watch_pgid: Option<i32>,
    /// Name of the target, copied into the output.
    #[arg(long, default_value = "")]
    label: String,
    /// `key=value` copied into the output's `tags` (round number, backend…).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Seconds before an unanswered request counts as an error.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Team id of the requests (the sandbox's by default).
    #[arg(long, default_value = "T0SANDBOX")]
    team: String,
    /// Channel id of the requests (the sandbox's incident channel by default).
    #[arg(long, default_value = "C0INCIDENT")]
    channel: String,
    /// Also print a JSON line (`"kind":"slow"`) for each request that took at least this
    /// many milliseconds: when it was due (Unix ms), its latency, and how late the
    /// generator itself sent it, which tells a stalled generator from a stalled server.
    #[arg(long)]
    slow_ms: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Help,
    Status,
    Observe,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Help, Kind::Status, Kind::Observe];

    fn name(self) -> &'static str {
        match self {
            Kind::Help => "help",
            Kind::Status => "status",
            Kind::Observe => "observe",
        }
    }

    /// A phrase debrief's reply contains when the command did what it is meant to.
    fn expected_reply(self) -> &'static str {
        match self {
            Kind::Help => "Before the meeting",
            Kind::Status => "Review of",
            Kind::Observe => "Recorded anonymously",
        }
    }

    /// The command text. Observations differ from each other so that none is a repeat,
    /// and the wording carries no blame, or debrief would ask to rephrase instead of storing.
    fn text(self, n: u64) -> String {
        match self {
            Kind::Help => "help".into(),
            Kind::Status => "status".into(),
            Kind::Observe => {
                format!("observe the dashboard hid the error rate during the failover, note {n}")
            }
        }
    }
}

/// Expands `help:2,observe:1` into a repeating sequence of kinds.
fn parse_mix(spec: &str) -> anyhow::Result<Vec<Kind>> {
    let mut plan = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = part.split_once(':').unwrap_or((part, "1"));
        let kind = Kind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .with_context(|| {
                format!("unknown command `{name}` in --mix (help, status, observe)")
            })?;
        let weight: usize = weight
            .parse()
            .with_context(|| format!("weight `{weight}` in --mix is not a whole number"))?;
        plan.extend(std::iter::repeat_n(kind, weight));
    }
    if plan.is_empty() {
        bail!("--mix names no command");
    }
    Ok(plan)
}

/// Latencies in microseconds and errors of one command kind.
#[derive(Default, Clone)]
struct KindStats {
    latencies_us: Vec<u32>,
    errors: u64,
}

#[derive(Default)]
struct Stats {
    kinds: BTreeMap<&'static str, KindStats>,
    /// Error reason → (count, the first message seen).
    error_kinds: BTreeMap<String, (u64, String)>,
}

impl Stats {
    fn record(&mut self, kind: Kind, latency: Duration, outcome: Result<(), Failure>) {
        let entry = self.kinds.entry(kind.name()).or_default();
        entry
            .latencies_us
            .push(latency.as_micros().min(u32::MAX as u128) as u32);
        if let Err(failure) = outcome {
            entry.errors += 1;
            let slot = self
                .error_kinds
                .entry(failure.reason)
                .or_insert((0, failure.sample));
            slot.0 += 1;
        }
    }

    fn merge(&mut self, other: Stats) {
        for (name, stats) in other.kinds {
            let entry = self.kinds.entry(name).or_default();
            entry.latencies_us.extend(stats.latencies_us);
            entry.errors += stats.errors;
        }
        for (reason, (count, sample)) in other.error_kinds {
            self.error_kinds.entry(reason).or_insert((0, sample)).0 += count;
        }
    }

    /// The JSON fields describing these results over `elapsed`.
    fn summary(&self, elapsed: Duration) -> serde_json::Map<String, Value> {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let mut all: Vec<u32> = Vec::new();
        let mut commands = serde_json::Map::new();
        let mut errors = 0;
        for (name, stats) in &self.kinds {
            let mut sorted = stats.latencies_us.clone();
            sorted.sort_unstable();
            let requests = sorted.len() as u64;
            commands.insert(
                (*name).into(),
                json!({
                    "requests": requests,
                    "errors": stats.errors,
                    "rps": round1((requests - stats.errors) as f64 / secs),
                    "p50_ms": percentile_ms(&sorted, 0.50),
                    "p99_ms": percentile_ms(&sorted, 0.99),
                    "max_ms": percentile_ms(&sorted, 1.0),
                }),
            );
            all.extend(sorted);
            errors += stats.errors;
        }
        all.sort_unstable();
        let requests = all.len() as u64;
        let mut out = serde_json::Map::new();
        out.insert("elapsed_s".into(), json!(round3(secs)));
        out.insert("requests".into(), json!(requests));
        out.insert("errors".into(), json!(errors));
        // Throughput counts answered requests only: a target failing fast must not look quick.
        out.insert(
            "rps".into(),
            json!(round1((requests - errors) as f64 / secs)),
        );
        out.insert("p50_ms".into(), json!(percentile_ms(&all, 0.50)));
        out.insert("p99_ms".into(), json!(percentile_ms(&all, 0.99)));
        out.insert("max_ms".into(), json!(percentile_ms(&all, 1.0)));
        out.insert("commands".into(), Value::Object(commands));
        let kinds: serde_json::Map<String, Value> = self
            .error_kinds
            .iter()
            .map(|(reason, (count, sample))| {
                (reason.clone(), json!({ "count": count, "sample": sample }))
            })
            .collect();
        out.insert("error_kinds".into(), Value::Object(kinds));
        out
    }
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
fn percentile_ms(sorted_us: &[u32], p: f64) -> Option<f64> {
    if sorted_us.is_empty() {
        return None;
    }
    let rank = ((p * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len());
    Some(round3(sorted_us[rank - 1] as f64 / 1000.0))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

struct Failure {
    reason: String,
    sample: String,
}

impl Failure {
    fn new(reason: impl Into<String>, sample: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            sample: sample.into(),
        }
    }
}

/// Builds and sends one signed slash command.
struct Target {
    client: Client<HttpConnector, Full<Bytes>>,
    uri: hyper::Uri,
    secret: String,
    team: String,
    channel: String,
    check: bool,
    timeout: Duration,
}

/// People of the sandbox workspace, taken in turn so requests do not all come from one user.
const USERS: [(&str, &str); 4] = [
    ("U0ALICE", "alice"),
    ("U0BOB", "bob"),
    ("U0CAROL", "carol"),
    ("U0DAN", "dan"),
];

impl Target {
    fn form(&self, kind: Kind, n: u64) -> String {
        let (user_id, user_name) = USERS[(n % USERS.len() as u64) as usize];
        serde_urlencoded::to_string([
            ("token", "bench-verification-token"),
            ("team_id", self.team.as_str()),
            ("team_domain", "sandbox"),
            ("channel_id", self.channel.as_str()),
            ("channel_name", "inc-checkout"),
            ("user_id", user_id),
            ("user_name", user_name),
            ("command", "/debrief"),
            ("text", &kind.text(n)),
            ("api_app_id", "A0DEBRIEF"),
            // Nothing in the measured commands calls these back; a closed port fails fast
            // should one ever do so.
            (
                "response_url",
                &format!("http://127.0.0.1:9/response/bench-{n}"),
            ),
            ("trigger_id", &format!("{n}.0.bench")),
        ])
        .expect("a form encodes")
    }

    async fn send(&self, kind: Kind, n: u64) -> Result<(), Failure> {
        let body = self.form(kind, n);
        // Signed at send time: a fresh timestamp keeps a long soak inside Slack's 300 s window.
        let timestamp = jiff::Timestamp::now().as_second();
        let signature = sign(&self.secret, timestamp, &body);
        let request = hyper::Request::post(self.uri.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", timestamp.to_string())
            .header("x-slack-signature", signature)
            .body(Full::new(Bytes::from(body)))
            .expect("a valid request");
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| Failure::new("connection", format!("{e:?}")))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| Failure::new("reading the reply", e.to_string()))?
                .to_bytes();
            Ok::<_, Failure>((status, body))
        };
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| Failure::new("timeout", format!("no answer in {:?}", self.timeout)))??;
        let text = || String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        if status != hyper::StatusCode::OK {
            return Err(Failure::new(format!("status {}", status.as_u16()), text()));
        }
        if self.check {
            let expected = kind.expected_reply().as_bytes();
            if !body.windows(expected.len()).any(|w| w == expected) {
                return Err(Failure::new(
                    format!(
                        "{} reply without \"{}\"",
                        kind.name(),
                        kind.expected_reply()
                    ),
                    text(),
                ));
            }
        }
        Ok(())
    }
}

/// What the server's processes use, summed over its process group.
fn sample_group(pgid: i32) -> Value {
    let mut processes = 0;
    let (mut rss_kb, mut peak_kb, mut fds) = (0u64, 0u64, 0u64);
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Value::Null;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses; fields after the last ')' are
        // state, ppid, pgrp.
        let Some(after) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        if after.split_whitespace().nth(2) != Some(pgid.to_string().as_str()) {
            continue;
        }
        processes += 1;
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in status.lines() {
                let value = || {
                    line.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                if line.starts_with("VmRSS:") {
                    rss_kb += value();
                } else if line.starts_with("VmHWM:") {
                    peak_kb += value();
                }
            }
        }
        if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
            fds += dir.count() as u64;
        }
    }
    json!({ "processes": processes, "rss_kb": rss_kb, "rss_peak_kb": peak_kb, "fds": fds })
}

/// How requests are paced.
#[derive(Clone, Copy)]
enum Pace {
    /// `concurrency` requests in flight; stops after `requests` if given, else on time.
    Closed {
        concurrency: usize,
        requests: Option<u64>,
    },
    /// `rate` requests per second on a fixed schedule.
    Open { rate: f64 },
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let plan = Arc::new(parse_mix(&args.mix)?);
    let uri: hyper::Uri = format!("{}/slack/commands", args.url.trim_end_matches('/'))
        .parse()
        .context("--url is not a URL")?;
    let pace = match args.rate {
        Some(rate) if rate <= 0.0 => bail!("--rate must be above 0"),
        Some(rate) => Pace::Open { rate },
        None => Pace::Closed {
            concurrency: args.concurrency.max(1),
            requests: args.requests,
        },
    };
    let mut tags = serde_json::Map::new();
    for tag in &args.tags {
        let (key, value) = tag
            .split_once('=')
            .with_context(|| format!("--tag `{tag}` is not key=value"))?;
        tags.insert(key.into(), json!(value));
    }
    let idle_connections = match pace {
        Pace::Closed { concurrency, .. } => concurrency,
        Pace::Open { rate } => (rate as usize).clamp(8, 1024),
    };
    let load = Load {
        target: Arc::new(Target {
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(idle_connections)
                .build_http(),
            uri,
            secret: args.secret.clone(),
            team: args.team.clone(),
            channel: args.channel.clone(),
            check: args.check,
            timeout: Duration::from_secs_f64(args.timeout),
        }),
        plan,
        // Numbers every request, warm-up included, so observation texts never repeat.
        sequence: Arc::new(AtomicU64::new(0)),
        stats: Arc::new(Mutex::new(Stats::default())),
        slow: args.slow_ms.map(|ms| Duration::from_secs_f64(ms / 1000.0)),
    };

    if args.warmup > 0.0 {
        // The same load on its own, thrown away: connections open, caches fill, JITs warm.
        let warmup = Duration::from_secs_f64(args.warmup);
        let pace = match pace {
            Pace::Closed { concurrency, .. } => Pace::Closed {
                concurrency,
                requests: None,
            },
            open => open,
        };
        load.drive(pace, warmup).await;
        *load.stats.lock().expect("stats") = Stats::default();
    }

    let started = Instant::now();
    let mut driving = tokio::spawn({
        let load = load.clone();
        let duration = Duration::from_secs_f64(args.duration);
        async move { load.drive(pace, duration).await }
    });
    let mut total = Stats::default();
    match args.report_every {
        Some(every) => {
            let every = Duration::from_secs_f64(every);
            let mut intervals = Intervals {
                started,
                since: started,
                index: 0,
            };
            // The last interval is not closed on the clock but when the load has ended,
            // so the answers to its final requests (late ones included) are counted in it
            // and not in an interval of their own that would show only stragglers.
            let last_starts = match pace {
                Pace::Closed {
                    requests: Some(_), ..
                } => None,
                _ => Some(started + Duration::from_secs_f64(args.duration) - every / 2),
            };
            let mut finished = false;
            while last_starts.is_none_or(|last| intervals.since + every < last) {
                tokio::select! {
                    done = &mut driving => {
                        done.context("the load task failed")?;
                        finished = true;
                        break;
                    }
                    _ = tokio::time::sleep_until(intervals.since + every) => {
                        intervals.emit(&load, &mut total, &args);
                    }
                }
            }
            if !finished {
                (&mut driving).await.context("the load task failed")?;
            }
            if load
                .stats
                .lock()
                .expect("stats")
                .kinds
                .values()
                .any(|k| !k.latencies_us.is_empty())
            {
                intervals.emit(&load, &mut total, &args);
            }
        }
        None => driving.await.context("the load task failed")?,
    }
    let elapsed = started.elapsed();
    total.merge(std::mem::take(&mut *load.stats.lock().expect("stats")));

    let mut line = total.summary(elapsed);
    line.insert("kind".into(), json!("total"));
    line.insert("label".into(), json!(args.label));
    match pace {
        Pace::Closed { concurrency, .. } => {
            line.insert("mode".into(), json!("closed"));
            line.insert("concurrency".into(), json!(concurrency));
        }
        Pace::Open { rate } => {
            line.insert("mode".into(), json!("open"));
            line.insert("rate".into(), json!(rate));
        }
    }
    line.insert("mix".into(), json!(args.mix));
    // What was asked for; `elapsed_s` also covers the answers still arriving after it.
    match (pace, args.requests) {
        (Pace::Closed { .. }, Some(requests)) => {
            line.insert("requests_asked".into(), json!(requests))
        }
        _ => line.insert("duration_s".into(), json!(args.duration)),
    };
    line.insert("warmup_s".into(), json!(args.warmup));
    line.insert("tags".into(), Value::Object(tags));
    if let Some(pgid) = args.watch_pgid {
        line.insert("server".into(), sample_group(pgid));
    }
    // A progress line for the person watching; the JSON line is for the scripts.
    eprintln!(
        "{:<16} {:>9} req/s  p50 {:>7} ms  p99 {:>7} ms  {} errors of {}",
        args.label, line["rps"], line["p50_ms"], line["p99_ms"], line["errors"], line["requests"]
    );
    println!("{}", Value::Object(line));
    Ok(())
}

/// One JSON line per interval, for a soak.
struct Intervals {
    started: Instant,
    since: Instant,
    index: u64,
}

impl Intervals {
    /// Prints what was recorded since the previous line, then adds it to `total`.
    fn emit(&mut self, load: &Load, total: &mut Stats, args: &RunArgs) {
        let now = Instant::now();
        let taken = std::mem::take(&mut *load.stats.lock().expect("stats"));
        self.index += 1;
        let mut line = taken.summary(now - self.since);
        line.insert("kind".into(), json!("interval"));
        line.insert("label".into(), json!(args.label));
        line.insert("interval".into(), json!(self.index));
        line.insert(
            "t_s".into(),
            json!(round3((now - self.started).as_secs_f64())),
        );
        if let Some(pgid) = args.watch_pgid {
            line.insert("server".into(), sample_group(pgid));
        }
        println!("{}", Value::Object(line));
        total.merge(taken);
        self.since = now;
    }
}

/// One target, its request plan and what was recorded.
#[derive(Clone)]
struct Load {
    target: Arc<Target>,
    plan: Arc<Vec<Kind>>,
    sequence: Arc<AtomicU64>,
    stats: Arc<Mutex<Stats>>,
    /// Requests at least this slow are printed one by one (`--slow-ms`).
    slow: Option<Duration>,
}

impl Load {
    async fn drive(&self, pace: Pace, duration: Duration) {
        match pace {
            Pace::Open { rate } => self.open_loop(rate, duration).await,
            Pace::Closed {
                concurrency,
                requests,
            } => self.closed_loop(concurrency, duration, requests).await,
        }
    }

    fn next(&self) -> (Kind, u64) {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        (self.plan[(n % self.plan.len() as u64) as usize], n)
    }

    /// Prints one slow request: due at `due`, sent at `sent`, answered `latency` after
    /// it was due. Wall-clock times, so they can be laid beside other probes' records.
    fn note_if_slow(&self, kind: Kind, due: Instant, sent: Instant, latency: Duration) {
        if self.slow.is_none_or(|slow| latency < slow) {
            return;
        }
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64()
            * 1000.0;
        let due_ms = now_ms - due.elapsed().as_secs_f64() * 1000.0;
        println!(
            "{}",
            json!({
                "kind": "slow",
                "command": kind.name(),
                "due_unix_ms": due_ms.round(),
                "latency_ms": round3(latency.as_secs_f64() * 1000.0),
                "send_lag_ms": round3(sent.saturating_duration_since(due).as_secs_f64() * 1000.0),
            })
        );
    }

    fn record(&self, kind: Kind, latency: Duration, outcome: Result<(), Failure>) {
        self.stats
            .lock()
            .expect("stats")
            .record(kind, latency, outcome);
    }

    async fn closed_loop(&self, concurrency: usize, duration: Duration, requests: Option<u64>) {
        let deadline = Instant::now() + duration;
        let budget = Arc::new(AtomicU64::new(0));
        let mut workers = JoinSet::new();
        for _ in 0..concurrency {
            let (this, budget) = (self.clone(), budget.clone());
            workers.spawn(async move {
                loop {
                    // A request count, when given, replaces the duration.
                    let more = match requests {
                        Some(limit) => budget.fetch_add(1, Ordering::Relaxed) < limit,
                        None => Instant::now() < deadline,
                    };
                    if !more {
                        break;
                    }
                    let (kind, n) = this.next();
                    let sent = Instant::now();
                    let outcome = this.target.send(kind, n).await;
                    let latency = sent.elapsed();
                    this.note_if_slow(kind, sent, sent, latency);
                    this.record(kind, latency, outcome);
                }
            });
        }
        while workers.join_next().await.is_some() {}
    }

    async fn open_loop(&self, rate: f64, duration: Duration) {
        let start = Instant::now();
        let gap = Duration::from_secs_f64(1.0 / rate);
        let mut in_flight = JoinSet::new();
        for i in 0u32.. {
            let scheduled = start + gap * i;
            if scheduled >= start + duration {
                break;
            }
            tokio::time::sleep_until(scheduled).await;
            while in_flight.try_join_next().is_some() {}
            let (kind, n) = self.next();
            if in_flight.len() >= MAX_IN_FLIGHT {
                let failure = Failure::new(
                    "generator saturated",
                    format!("{MAX_IN_FLIGHT} requests were already waiting"),
                );
                self.record(kind, Duration::ZERO, Err(failure));
                continue;
            }
            let this = self.clone();
            in_flight.spawn(async move {
                let sent = Instant::now();
                let outcome = this.target.send(kind, n).await;
                // From the scheduled time, not the actual send: a late send is latency too.
                let latency = scheduled.elapsed();
                this.note_if_slow(kind, scheduled, sent, latency);
                this.record(kind, latency, outcome);
            });
        }
        while in_flight.join_next().await.is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_weights_expand_in_order() {
        let plan = parse_mix("help:2, observe").unwrap();
        assert_eq!(plan, [Kind::Help, Kind::Help, Kind::Observe]);
        assert!(parse_mix("dance").is_err());
        assert!(parse_mix("").is_err());
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile_ms(&sorted, 0.50), Some(50.0));
        assert_eq!(percentile_ms(&sorted, 0.99), Some(99.0));
        assert_eq!(percentile_ms(&sorted, 1.0), Some(100.0));
        assert_eq!(percentile_ms(&[], 0.99), None);
    }

    #[test]
    fn signed_form_matches_slacks_test_vector_algorithm() {
        // The vector from Slack's documentation (shared/slack-reference/signing).
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
    }
}
