//! Operating it: the bot token checked at start-up (a refused token stops start-up with
//! one line naming the variable; Slack out of reach does not, and is retried while
//! `/healthz` says so).

use std::process::Command;
use std::time::Duration;

use debrief::sandbox::{Fault, SANDBOX_SIGNING_SECRET, SlackSandbox};

use crate::helpers::{TEST_PSEUDONYM_KEY, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    slack_out_of_reach_at_start_up_is_retried_and_reported_by_healthz,
    the_bot_user_id_comes_from_the_start_up_check,
    forgetting_a_person_removes_every_row_naming_them_and_nothing_else,
);

/// The real binary, given a token the (sandbox) workspace does not know.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_stops_start_up_with_one_line_naming_the_variable() {
    let sandbox = SlackSandbox::start(SlackSandbox::small_workspace)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("debrief.db").display());
    let api_url = sandbox.api_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_debrief"))
            .arg("serve")
            .env_remove("SLACK_APP_TOKEN")
            .env("SLACK_BOT_TOKEN", "xoxb-revoked-1234")
            .env("SLACK_SIGNING_SECRET", SANDBOX_SIGNING_SECRET)
            .env("SLACK_API_URL", api_url)
            .env("DATABASE_URL", database)
            .env("DEBRIEF_LISTEN", "127.0.0.1:0")
            .env("DEBRIEF_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("SLACK_BOT_TOKEN"), "{stderr}");
    assert!(stderr.contains("invalid_auth"), "{stderr}");
    assert!(
        !stderr.contains("xoxb-revoked-1234"),
        "never printed: {stderr}"
    );
    assert_eq!(sandbox.calls("auth.test").len(), 1);
}

async fn slack_out_of_reach_at_start_up_is_retried_and_reported_by_healthz(db: TestDb) {
    let sandbox = SlackSandbox::start(SlackSandbox::small_workspace)
        .await
        .unwrap();
    // The start-up check and the first background retry find Slack down.
    sandbox.fail_next("auth.test", Fault::Status(503), 2);
    let clock = std::sync::Arc::new(debrief::clock::ManualClock::starting_now());
    let app = TestApp::spawn_with(&db, sandbox.clone(), clock, |_| {}).await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("Slack could not be reached to check the bot token"),
        "{body}"
    );
    // Commands are served meanwhile.
    let reply = app.slack.command("U0ALICE", "C0INCIDENT", "help").await;
    assert!(!reply.text().is_empty());
    // Retries after 1 s and 2 s: the second finds Slack back.
    let mut healthy = None;
    for _ in 0..100 {
        let (status, body) = app.get("/healthz").await;
        if status == 200 {
            healthy = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(healthy.as_deref(), Some("ok\n"));
    let outcomes: Vec<String> = sandbox
        .calls("auth.test")
        .into_iter()
        .map(|c| c.outcome)
        .collect();
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    assert_eq!(
        outcomes.last().map(String::as_str),
        Some("ok"),
        "{outcomes:?}"
    );
    app.stop().await;
}

/// The start-up check's answer is remembered: a handler needing the bot's own id does not
/// ask Slack again.
async fn the_bot_user_id_comes_from_the_start_up_check(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    assert_eq!(app.sandbox.calls("auth.test").len(), 1);
    let id = app.state.bot_user_id().await.unwrap().to_string();
    assert_eq!(id, app.sandbox.world().bot_user_id);
    assert_eq!(app.sandbox.calls("auth.test").len(), 1);
    app.stop().await;
}

fn names(row: &[String], user: &str) -> bool {
    row.iter().any(|cell| cell.contains(user))
}

/// `debrief forget-user`: after it, no row anywhere holds the person's id, and every row
/// that did not name them is exactly as it was. Their sealed answer stays: it names no one.
async fn forgetting_a_person_removes_every_row_naming_them_and_nothing_else(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("reminders=2").await;
    app.send_survey().await;
    app.answer("U0CAROL", "the runbook was out of date").await;
    app.answer("U0BOB", "the alert fired late").await;
    let answers_before = app.answered_count().await;
    let before = crate::surveys::dump(&db).await;
    assert!(
        before.values().flatten().any(|row| names(row, "U0CAROL")),
        "the scenario names carol somewhere"
    );

    let forgotten = app.state.store.forget_user("U0CAROL").await.unwrap();
    assert_eq!(forgotten.participants, 1, "{forgotten:?}");
    assert!(forgotten.jobs >= 1, "her invitation's job: {forgotten:?}");

    let after = crate::surveys::dump(&db).await;
    for (table, rows) in &after {
        for row in rows {
            assert!(!names(row, "U0CAROL"), "{table} still names her: {row:?}");
        }
    }
    for (table, rows) in &before {
        let untouched: Vec<Vec<String>> = rows
            .iter()
            .filter(|row| !names(row, "U0CAROL"))
            .cloned()
            .collect();
        assert_eq!(after[table], untouched, "{table} changed beyond her rows");
    }
    assert_eq!(app.answered_count().await, answers_before);
    app.stop().await;

    if !db.is_postgres() {
        // The operator's command: a mistyped id is refused in one line, a real one is
        // forgotten with a summary.
        let run = |id: &str| {
            Command::new(env!("CARGO_BIN_EXE_debrief"))
                .args(["forget-user", id, "--database-url", db.url()])
                .output()
                .expect("the binary runs")
        };
        let refused = run("bob");
        assert_eq!(refused.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("not a Slack member id"));
        let done = run("U0BOB");
        let stdout = String::from_utf8_lossy(&done.stdout);
        assert!(
            done.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&done.stderr)
        );
        assert!(
            stdout.contains("Forgot U0BOB: 1 participant row(s)"),
            "{stdout}"
        );
    }
}
