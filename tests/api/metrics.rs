//! `/metrics`: the article's series read from the database (so a restart neither resets
//! nor double counts them), the failure-mode cap, action items, one exporting replica, and
//! an exposition `promtool` accepts.

use std::time::Duration;

use debrief::clock::Clock;
use debrief::store::reviews::IncidentValues;

use crate::helpers::{TestApp, TestDb, metric};
use crate::on_both_databases;

on_both_databases!(
    incident_counters_continue_across_a_restart,
    an_edited_incident_keeps_the_labels_it_was_counted_under,
    failure_modes_past_the_cap_fold_into_other,
    action_items_are_counted_by_kind_and_aged,
    one_replica_at_a_time_exports_the_stored_series,
    the_exposition_passes_promtool,
);

/// Records an incident in its own channel, straight through the store.
async fn incident(app: &TestApp, channel: &str, mode: Option<&str>, severity: Option<&str>) {
    let values = IncidentValues {
        title: format!("Incident in {channel}"),
        severity: severity.map(str::to_string),
        failure_mode: mode.map(str::to_string),
        ..Default::default()
    };
    app.state
        .store
        .save_incident("T0ACME", channel, "U0ALICE", &values, app.clock.now())
        .await
        .unwrap();
}

fn opened(text: &str, mode: &str, severity: &str, recurrence: bool) -> f64 {
    metric(
        text,
        &format!(
            "incident_opened_total{{failure_mode=\"{mode}\",severity=\"{severity}\",is_recurrence=\"{recurrence}\",team=\"T0ACME\"}}"
        ),
    )
}

/// The sum of every `incident_opened_total` sample.
fn all_opened(text: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with("incident_opened_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn incident_counters_continue_across_a_restart(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    incident(&app, "C0ONE", Some("dns"), Some("P1")).await;
    incident(&app, "C0TWO", Some("dns"), Some("P2")).await;
    incident(&app, "C0THREE", None, None).await;
    // The first scrape shows the new label sets at 0, so `increase()` sees the step.
    let (status, first) = app.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        first.contains(
            "incident_opened_total{failure_mode=\"dns\",severity=\"P1\",is_recurrence=\"false\",team=\"T0ACME\"} 0"
        ),
        "{first}"
    );
    assert_eq!(all_opened(&first), 0.0);
    let (_, second) = app.get("/metrics").await;
    assert_eq!(opened(&second, "dns", "P1", false), 1.0);
    assert_eq!(opened(&second, "dns", "P2", true), 1.0);
    assert_eq!(opened(&second, "unknown", "unknown", false), 1.0);
    assert!(!second.contains("debrief_incident_opened"), "{second}");
    let sandbox = app.sandbox.clone();
    let clock = app.clock.clone();
    app.stop().await;

    // A new process on the same database: the counters continue, neither reset nor doubled.
    let app = TestApp::spawn_with(&db, sandbox, clock, |_| {}).await;
    let (_, restarted) = app.get("/metrics").await;
    assert_eq!(opened(&restarted, "dns", "P1", false), 1.0);
    assert_eq!(opened(&restarted, "dns", "P2", true), 1.0);
    assert_eq!(all_opened(&restarted), 3.0);
    incident(&app, "C0FOUR", Some("dns"), Some("P2")).await;
    let (_, next) = app.get("/metrics").await;
    assert_eq!(
        all_opened(&next),
        3.0,
        "counted from the scrape after it appears"
    );
    let (_, after) = app.get("/metrics").await;
    assert_eq!(opened(&after, "dns", "P2", true), 2.0);
    assert_eq!(all_opened(&after), 4.0);
    app.stop().await;
}

async fn an_edited_incident_keeps_the_labels_it_was_counted_under(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    incident(&app, "C0ONE", Some("dns"), Some("P1")).await;
    app.get("/metrics").await;
    incident(&app, "C0ONE", Some("disk-full"), Some("P3")).await;
    let (_, text) = app.get("/metrics").await;
    assert_eq!(opened(&text, "dns", "P1", false), 1.0);
    assert!(!text.contains("disk-full"), "{text}");
    app.stop().await;
}

async fn failure_modes_past_the_cap_fold_into_other(db: TestDb) {
    let sandbox =
        debrief::sandbox::SlackSandbox::start(debrief::sandbox::SlackSandbox::small_workspace)
            .await
            .unwrap();
    let clock = std::sync::Arc::new(debrief::clock::ManualClock::starting_now());
    let app = TestApp::spawn_with(&db, sandbox, clock, |config| {
        config.metrics_failure_modes = 2;
    })
    .await;
    for (channel, mode) in [
        ("C01", "dns"),
        ("C02", "cache"),
        ("C03", "disk"),
        ("C04", "dns"),
    ] {
        incident(&app, channel, Some(mode), Some("P2")).await;
    }
    app.get("/metrics").await;
    let (_, text) = app.get("/metrics").await;
    assert_eq!(opened(&text, "dns", "P2", false), 1.0);
    assert_eq!(opened(&text, "dns", "P2", true), 1.0);
    assert_eq!(opened(&text, "cache", "P2", false), 1.0);
    assert_eq!(opened(&text, "other", "P2", false), 1.0, "{text}");
    assert!(!text.contains("\"disk\""), "{text}");
    app.stop().await;
}

async fn action_items_are_counted_by_kind_and_aged(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    for (title, kind) in [("Canary stage", "fix"), ("Alert on cache age", "detection")] {
        let reply = app
            .cmd(
                "U0ALICE",
                &format!(r#"action add title="{title}" owner=<@U0BOB> kind={kind}"#),
            )
            .await;
        assert!(reply.contains("Added action item"), "{reply}");
    }
    app.cmd("U0ALICE", "action add title=\"Runbook link\"")
        .await;
    app.cmd("U0ALICE", "action 1 status=done").await;
    app.run_due_jobs().await;
    let (_, text) = app.get("/metrics").await;
    assert_eq!(
        metric(
            &text,
            "action_items_opened_total{kind=\"fix\",team=\"T0SANDBOX\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            "action_items_opened_total{kind=\"detection\",team=\"T0SANDBOX\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            "action_items_opened_total{kind=\"unknown\",team=\"T0SANDBOX\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            "action_items_closed_total{kind=\"fix\",team=\"T0SANDBOX\"}"
        ),
        1.0
    );
    assert!(
        text.contains("action_items_closed_total{kind=\"process\",team=\"T0SANDBOX\"} 0"),
        "{text}"
    );
    assert_eq!(
        metric(&text, "action_items_open{age=\"0_7d\",team=\"T0SANDBOX\"}"),
        2.0
    );
    assert!(
        !text.contains("review_participation_ratio{"),
        "no review is done yet"
    );

    // 91 days on, the two open items are stale; the review is done by then.
    app.advance(Duration::from_secs(91 * 86_400));
    app.run_due_jobs().await;
    let done = app.cmd("U0ALICE", "review done").await;
    assert!(done.contains("marked done"), "{done}");
    app.run_due_jobs().await;
    let (_, text) = app.get("/metrics").await;
    assert_eq!(
        metric(&text, "action_items_open{age=\"0_7d\",team=\"T0SANDBOX\"}"),
        0.0
    );
    assert_eq!(
        metric(
            &text,
            "action_items_open{age=\"over_90d\",team=\"T0SANDBOX\"}"
        ),
        2.0
    );
    assert!(
        text.contains("review_participation_ratio{scope=\"latest_completed\",team=\"T0SANDBOX\"}"),
        "{text}"
    );
    app.stop().await;
}

async fn one_replica_at_a_time_exports_the_stored_series(db: TestDb) {
    let first = TestApp::spawn(&db).await;
    incident(&first, "C0ONE", Some("dns"), Some("P1")).await;
    let second = TestApp::spawn(&db).await;
    let (_, a) = first.get("/metrics").await;
    let (_, b) = second.get("/metrics").await;
    assert!(a.contains("incident_opened_total{"), "{a}");
    if db.is_postgres() {
        // The lease holder exports; the other replica shows none of these series.
        assert!(!b.contains("incident_opened_total{"), "{b}");
        // A clean shutdown hands the lease over at once.
        first.stop().await;
        let (_, b) = second.get("/metrics").await;
        assert!(b.contains("incident_opened_total{"), "{b}");
    } else {
        // SQLite is one process's database: it always exports.
        assert!(b.contains("incident_opened_total{"), "{b}");
        first.stop().await;
    }
    second.stop().await;
}

/// Where promtool is installed (CI sets DEBRIEF_REQUIRE_PROMTOOL, so it must be), the
/// exposition passes `promtool check metrics`, HELP and TYPE included.
async fn the_exposition_passes_promtool(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    incident(&app, "C0ONE", Some("dns"), Some("P1")).await;
    app.cmd("U0ALICE", "help").await;
    // A closed pulse with enough answers, so its gauges are in the exposition too.
    app.cmd("U0ALICE", "pulse deadline=1d").await;
    app.run_due_jobs().await;
    for (user, score) in [("U0BOB", 4), ("U0CAROL", 3), ("U0DAN", 5)] {
        app.answer_pulse(user, score, "").await;
    }
    app.advance(std::time::Duration::from_secs(86_400 + 60));
    app.run_due_jobs().await;
    app.get("/metrics").await;
    let (_, text) = app.get("/metrics").await;
    app.stop().await;
    assert!(text.contains("pulse_score{"), "{text}");
    for family in text.lines().filter_map(|l| l.strip_prefix("# TYPE ")) {
        let name = family.split(' ').next().unwrap();
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "{name} has no HELP line"
        );
    }
    if let Some(problems) = crate::helpers::promtool(&["check", "metrics"], &text) {
        assert_eq!(problems, "", "promtool check metrics:\n{problems}\n{text}");
    }
}
