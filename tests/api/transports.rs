//! Both transports behave the same: a command answers over Socket Mode as over HTTP, and
//! an event whose handling failed is handled when Slack delivers it again, whichever
//! transport carried it (HTTP retries it after a 500; Socket Mode redelivers what was
//! not acknowledged).

use std::time::Duration;

use debrief::config::Secret;
use debrief::sandbox::SANDBOX_APP_TOKEN;
use serde_json::Value;

use crate::helpers::{CHANNEL, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    a_command_over_socket_mode_is_answered_in_its_acknowledgement,
    a_failed_event_is_handled_when_slack_delivers_it_again,
    an_event_a_killed_process_left_unfinished_is_handled_when_redelivered,
);

/// How long the sandbox waits for an acknowledgement before it counts as missing.
const ACK_WAIT: Duration = Duration::from_secs(3);

async fn spawn_with_socket_mode(db: &TestDb) -> TestApp {
    let sandbox =
        debrief::sandbox::SlackSandbox::start(debrief::sandbox::SlackSandbox::small_workspace)
            .await
            .unwrap();
    let clock = std::sync::Arc::new(debrief::clock::ManualClock::starting_now());
    let app = TestApp::spawn_with(db, sandbox, clock, |config| {
        config.slack_app_token = Some(Secret::new(SANDBOX_APP_TOKEN));
    })
    .await;
    assert!(
        app.sandbox
            .socket
            .wait_for_connection(Duration::from_secs(5))
            .await,
        "debrief connects over Socket Mode at start-up"
    );
    app
}

async fn a_command_over_socket_mode_is_answered_in_its_acknowledgement(db: TestDb) {
    let app = spawn_with_socket_mode(&db).await;
    let form = app.slack.command_form("U0ALICE", CHANNEL, "help");
    let payload: serde_json::Map<String, Value> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(&form)
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
    let ack = app
        .sandbox
        .socket
        .deliver("slash_commands", Value::Object(payload), ACK_WAIT)
        .await
        .expect("the command is acknowledged");
    let text = ack["payload"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("/debrief observe"), "{ack}");
    assert_eq!(ack["payload"]["response_type"], "ephemeral", "{ack}");
    app.stop().await;
}

/// Takes the observations table away, so that recording one fails like a database fault.
async fn observations_table(db: &TestDb, present: bool) {
    let (from, to) = if present {
        ("observations_away", "observations")
    } else {
        ("observations", "observations_away")
    };
    let sql = format!("ALTER TABLE {from} RENAME TO {to}");
    if db.is_postgres() {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(db.url())
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
    } else {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(db.url())
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
    }
}

async fn a_failed_event_is_handled_when_slack_delivers_it_again(db: TestDb) {
    let app = spawn_with_socket_mode(&db).await;
    app.open_review("").await;
    let review = app.review_id().await;

    // Socket Mode: the failed delivery is not acknowledged; the redelivery is handled.
    let (_, envelope) =
        app.slack
            .write("U0BOB", "D0BOB", "observe the runbook link was dead", None);
    observations_table(&db, false).await;
    let ack = app
        .sandbox
        .socket
        .deliver("events_api", envelope.clone(), ACK_WAIT)
        .await;
    assert!(ack.is_none(), "a failed event is not acknowledged: {ack:?}");
    observations_table(&db, true).await;
    let ack = app
        .sandbox
        .socket
        .deliver("events_api", envelope, ACK_WAIT)
        .await;
    assert!(ack.is_some(), "the redelivery is handled and acknowledged");
    assert_eq!(app.state.store.observations(review).await.unwrap().len(), 1);

    // HTTP: a 500, then Slack's retry of the same event id is handled.
    let (_, envelope) = app.slack.write(
        "U0CAROL",
        "D0CAROL",
        "observe the pager rotation was stale",
        None,
    );
    observations_table(&db, false).await;
    assert_eq!(app.slack.event(&envelope, None).await.status, 500);
    observations_table(&db, true).await;
    assert_eq!(app.slack.event(&envelope, Some(1)).await.status, 200);
    assert_eq!(app.state.store.observations(review).await.unwrap().len(), 2);
    app.run_due_jobs().await;
    let dms: Vec<String> = ["U0BOB", "U0CAROL"]
        .iter()
        .flat_map(|u| app.sandbox.dms_to(u))
        .map(|m| m.text)
        .filter(|t| t.contains("Recorded"))
        .collect();
    assert_eq!(dms.len(), 2, "each author is told once: {dms:?}");
    app.stop().await;
}

/// kill -9 between recording an event id and finishing its work leaves the id unfinished.
/// Slack's retry must then be handled, not dropped as a duplicate (found by
/// `examples/checkin_kills.rs`: a check-in answer was lost and its turn moved past); and a
/// retry that arrives while this process is still handling the first delivery is left
/// unacknowledged rather than handled twice.
async fn an_event_a_killed_process_left_unfinished_is_handled_when_redelivered(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let review = app.review_id().await;
    let (_, envelope) = app.slack.write(
        "U0BOB",
        "D0BOB",
        "observe the standby was never tested",
        None,
    );
    let event_id = envelope["event_id"].as_str().unwrap().to_string();

    // Still being handled here: not acknowledged, nothing done twice.
    app.state
        .events_in_flight
        .lock()
        .unwrap()
        .insert(event_id.clone());
    assert_eq!(app.slack.event(&envelope, Some(1)).await.status, 503);
    app.state.events_in_flight.lock().unwrap().remove(&event_id);
    assert!(
        app.state
            .store
            .observations(review)
            .await
            .unwrap()
            .is_empty()
    );

    // The process that recorded the id died before the work was done.
    let claim = app
        .state
        .store
        .claim_event(&event_id, app.state.clock.now())
        .await
        .unwrap();
    assert_eq!(claim, debrief::store::events::EventClaim::New);
    assert_eq!(app.slack.event(&envelope, Some(2)).await.status, 200);
    assert_eq!(app.state.store.observations(review).await.unwrap().len(), 1);

    // Once finished, later deliveries are duplicates.
    assert_eq!(app.slack.event(&envelope, Some(3)).await.status, 200);
    assert_eq!(app.state.store.observations(review).await.unwrap().len(), 1);
    let recorded = app
        .sandbox
        .dms_to("U0BOB")
        .into_iter()
        .filter(|m| m.text.contains("Recorded"))
        .count();
    assert_eq!(recorded, 1, "the author is told once");
    app.stop().await;
}
