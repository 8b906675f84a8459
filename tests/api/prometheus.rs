//! The article's recurrence query, run by a real Prometheus server against debrief's
//! `/metrics`, gives the same ratio as debrief's own learning-review figure, and still does
//! after debrief restarts. Prometheus (Debian package `prometheus`) scrapes every second;
//! where it is not installed the test is skipped, unless DEBRIEF_REQUIRE_PROMTOOL is set
//! (CI sets it, and installs the package), and then it fails.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use debrief::clock::Clock;
use debrief::features::learning::post;
use debrief::features::learning::quarter::Quarter;
use debrief::store::reviews::IncidentValues;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(the_article_query_in_prometheus_matches_the_learning_review);

/// The article's query with its 90-day window shortened to cover this test only.
const RECURRENCE_QUERY: &str = "sum(increase(incident_opened_total{is_recurrence=\"true\"}[15m])) / sum(increase(incident_opened_total[15m]))";

/// A Prometheus server in its own directory, scraping one target every second.
struct PrometheusServer {
    child: Child,
    base_url: String,
    _dir: tempfile::TempDir,
}

impl PrometheusServer {
    /// Starts Prometheus, or returns None when it is not installed and not required.
    async fn start(target_port: u16) -> Option<PrometheusServer> {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n\
             scrape_configs:\n  - job_name: debrief\n    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n"
        );
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let spawned = Command::new("prometheus")
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(_) if std::env::var_os("DEBRIEF_REQUIRE_PROMTOOL").is_none() => {
                eprintln!("skipped: prometheus is not installed");
                return None;
            }
            Err(err) => panic!("DEBRIEF_REQUIRE_PROMTOOL is set but prometheus cannot run: {err}"),
        };
        let server = PrometheusServer {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let ready = poll(Duration::from_secs(30), || async {
            let (status, _) = http_get(&format!("{}/-/ready", server.base_url)).await?;
            (status == 200).then_some(())
        })
        .await;
        if ready.is_none() {
            let log = std::fs::read_to_string(server._dir.path().join("prometheus.log"));
            panic!("prometheus did not become ready within 30 s: {log:?}");
        }
        Some(server)
    }

    /// An instant query's scalar result (the first sample), at `time` if given.
    async fn query(&self, promql: &str, time: Option<f64>) -> Option<f64> {
        let mut url = format!("{}/api/v1/query?query={}", self.base_url, encode(promql));
        if let Some(time) = time {
            url.push_str(&format!("&time={time:.3}"));
        }
        let (status, body) = http_get(&url).await?;
        assert_eq!(status, 200, "{promql}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let value = json["data"]["result"].get(0)?["value"][1].as_str()?;
        value.parse().ok()
    }

    /// Waits until Prometheus's latest scrape holds `total` incidents in all, and returns
    /// that scrape's time: the query is evaluated exactly there, so no series is
    /// extrapolated past its last sample and the ratio is exact.
    async fn scraped_total(&self, total: f64) -> f64 {
        let seen = poll(Duration::from_secs(30), || async {
            let sum = self.query("sum(incident_opened_total)", None).await?;
            let samples = self
                .query("count(incident_opened_total == 0)", None)
                .await
                .unwrap_or(0.0);
            // Counted, and no label set still showing its first 0.
            (sum == total && samples == 0.0).then_some(())
        })
        .await;
        assert!(
            seen.is_some(),
            "prometheus never saw {total} incidents (last sum: {:?})",
            self.query("sum(incident_opened_total)", None).await
        );
        self.query("max(timestamp(incident_opened_total))", None)
            .await
            .expect("a sample time")
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Percent-encodes a query for a URL (everything but unreserved characters).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn http_get(url: &str) -> Option<(u16, String)> {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let response = tokio::time::timeout(Duration::from_secs(5), client.get(url.parse().ok()?))
        .await
        .ok()?
        .ok()?;
    let status = response.status().as_u16();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .ok()?
        .to_bytes();
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Calls `check` every 200 ms until it returns Some, or `limit` passes.
async fn poll<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(found) = check().await {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn incident(app: &TestApp, channel: &str, mode: &str, severity: &str) {
    let values = IncidentValues {
        title: format!("Incident in {channel}"),
        severity: Some(severity.to_string()),
        failure_mode: Some(mode.to_string()),
        ..Default::default()
    };
    app.state
        .store
        .save_incident("T0ACME", channel, "U0ALICE", &values, app.clock.now())
        .await
        .unwrap();
}

/// debrief's own figure: this quarter's recurrence rate in the learning review.
async fn learning_review_rate(app: &TestApp) -> f64 {
    let config = &app.state.config.learning;
    // The review counts what happened before its cut-off, and the incidents were recorded
    // at the clock's current instant.
    let now = app
        .clock
        .now()
        .checked_add(jiff::SignedDuration::from_secs(1))
        .unwrap();
    let quarter = Quarter::containing(now, &config.timezone);
    let report = post::report(
        &app.state.store,
        Some(&app.state.pseudonym_key),
        config,
        "T0ACME",
        quarter,
        None,
        now,
    )
    .await
    .unwrap();
    let this_quarter = report.recurrence.last().unwrap();
    assert_eq!(this_quarter.quarter, quarter);
    this_quarter.ratio.value.expect("incidents this quarter")
}

async fn the_article_query_in_prometheus_matches_the_learning_review(db: TestDb) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}").parse().unwrap();
    let sandbox =
        debrief::sandbox::SlackSandbox::start(debrief::sandbox::SlackSandbox::small_workspace)
            .await
            .unwrap();
    let clock = std::sync::Arc::new(debrief::clock::ManualClock::starting_now());
    let app = TestApp::spawn_with(&db, sandbox.clone(), clock.clone(), |c| c.listen = listen).await;
    let Some(prometheus) = PrometheusServer::start(port).await else {
        app.stop().await;
        return;
    };

    // Two of five are recurrences: a failure mode seen before in the workspace.
    for (channel, mode, severity) in [
        ("C0ONE", "dns", "P1"),
        ("C0TWO", "dns", "P2"),
        ("C0THREE", "disk", "P2"),
        ("C0FOUR", "disk", "P3"),
        ("C0FIVE", "network", "P1"),
    ] {
        incident(&app, channel, mode, severity).await;
    }
    let at = prometheus.scraped_total(5.0).await;
    let from_prometheus = prometheus
        .query(RECURRENCE_QUERY, Some(at))
        .await
        .expect("the query has a result: every series was seen at 0 before its first count");
    let from_debrief = learning_review_rate(&app).await;
    assert!((from_debrief - 0.4).abs() < 1e-9, "{from_debrief}");
    assert!(
        (from_prometheus - from_debrief).abs() < 0.005,
        "prometheus {from_prometheus} against the learning review's {from_debrief}"
    );

    // debrief restarts on the same address; Prometheus misses a few scrapes meanwhile.
    app.stop().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let app = TestApp::spawn_with(&db, sandbox, clock, |c| c.listen = listen).await;
    for (channel, mode, severity) in [
        ("C0SIX", "dns", "P1"),
        ("C0SEVEN", "network", "P2"),
        ("C0EIGHT", "cache", "P3"),
    ] {
        incident(&app, channel, mode, severity).await;
    }
    let at = prometheus.scraped_total(8.0).await;
    let from_prometheus = prometheus
        .query(RECURRENCE_QUERY, Some(at))
        .await
        .expect("the query has a result: every series was seen at 0 before its first count");
    let from_debrief = learning_review_rate(&app).await;
    assert!((from_debrief - 0.5).abs() < 1e-9, "{from_debrief}");
    assert!(
        (from_prometheus - from_debrief).abs() < 0.005,
        "after the restart: prometheus {from_prometheus} against the learning review's {from_debrief}"
    );
    app.stop().await;
}
