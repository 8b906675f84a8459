//! The service itself: verified requests, acks, dedupe, the job queue against a
//! misbehaving Slack, restarts, and the operator endpoints.

use std::time::Duration;

use bytes::Bytes;
use debrief::clock::Clock;
use debrief::jobs::{self, ExecutionOutcome, JobOutcome};
use debrief::queue::{self, Job, Requester};
use debrief::sandbox::driver::sign;
use debrief::sandbox::{Fault, SANDBOX_SIGNING_SECRET};
use serde_json::json;

use crate::helpers::{TestApp, TestDb, metric};
use crate::on_both_databases;

on_both_databases!(
    a_signed_help_command_lists_every_subcommand,
    bad_missing_and_stale_signatures_are_refused_and_store_nothing,
    oversized_bodies_are_refused_with_413,
    malformed_payloads_get_400_not_a_panic,
    url_verification_is_answered_with_its_challenge,
    a_retried_event_is_processed_once,
    unknown_subcommands_get_an_ephemeral_sentence,
    a_job_that_meets_429_runs_after_retry_after,
    slack_down_for_minutes_loses_nothing,
    a_permanent_slack_error_fails_the_job_and_tells_the_requester,
    a_job_interrupted_by_a_restart_completes_exactly_once,
    claims_are_exclusive,
    health_and_metrics_answer,
);

fn post_message_job(channel: &str, text: &str) -> Job {
    Job::PostMessage {
        channel: channel.into(),
        text: text.into(),
        thread_ts: None,
        requester: None,
    }
}

async fn a_signed_help_command_lists_every_subcommand(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let response = app.slack.command("U0ALICE", "C0INCIDENT", "help").await;
    assert_eq!(response.status, 200);
    let reply = response.json();
    assert_eq!(reply["response_type"], "ephemeral");
    let text = response.text();
    // Grouped by task, one screen: every subcommand is listed, or its family is
    // (`actions mine` under `actions`), and `help <subcommand>` has the rest.
    for spec in debrief::bot::commands::SUBCOMMANDS {
        let family = spec.name.split(' ').next().unwrap();
        assert!(
            text.contains(&format!("`/debrief {family}")),
            "help lacks {}: {text}",
            spec.name
        );
    }
    assert!(text.contains("Before the meeting"), "{text}");
    assert!(text.lines().count() <= 30, "{text}");
    app.stop().await;
}

async fn bad_missing_and_stale_signatures_are_refused_and_store_nothing(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let envelope = app.slack.envelope("EvSIG1", json!({ "type": "app_mention", "user": "U0ALICE", "text": "hi", "ts": "1.1", "channel": "C0INCIDENT", "event_ts": "1.1" }));
    let body = envelope.to_string();
    let now = jiff::Timestamp::now().as_second();
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        ("missing", vec![]),
        (
            "wrong secret",
            vec![
                ("x-slack-request-timestamp".into(), now.to_string()),
                (
                    "x-slack-signature".into(),
                    sign("not-the-secret", now, &body),
                ),
            ],
        ),
        (
            "tampered body",
            vec![
                ("x-slack-request-timestamp".into(), now.to_string()),
                (
                    "x-slack-signature".into(),
                    sign(SANDBOX_SIGNING_SECRET, now, &format!("{body} ")),
                ),
            ],
        ),
        (
            "stale by 301 s",
            vec![
                ("x-slack-request-timestamp".into(), (now - 301).to_string()),
                (
                    "x-slack-signature".into(),
                    sign(SANDBOX_SIGNING_SECRET, now - 301, &body),
                ),
            ],
        ),
        // The server reads the wall clock a moment later than `now`: a second may tick in
        // between, which would bring "301 s ahead" back inside the window.
        (
            "from the future by 305 s",
            vec![
                ("x-slack-request-timestamp".into(), (now + 305).to_string()),
                (
                    "x-slack-signature".into(),
                    sign(SANDBOX_SIGNING_SECRET, now + 305, &body),
                ),
            ],
        ),
    ];
    for (name, headers) in cases {
        for path in ["/slack/events", "/slack/commands", "/slack/interactions"] {
            let response = app
                .slack
                .post_raw(
                    path,
                    "application/json",
                    Bytes::from(body.clone()),
                    &headers,
                )
                .await;
            assert_eq!(response.status, 401, "{name} on {path}");
        }
    }
    assert_eq!(
        app.state.store.processed_event_count().await.unwrap(),
        0,
        "nothing stored"
    );
    // The same body, correctly signed within the window, is accepted.
    let accepted = app.slack.event(&envelope, None).await;
    assert_eq!(accepted.status, 200);
    assert_eq!(app.state.store.processed_event_count().await.unwrap(), 1);
    app.stop().await;
}

async fn oversized_bodies_are_refused_with_413(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let big = "x".repeat(debrief::http::MAX_BODY_BYTES + 1);
    let response = app
        .slack
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            big,
            &[],
        )
        .await;
    assert_eq!(response.status, 413);

    // Without a Content-Length (chunked), the limit applies while the body streams in.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base_url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /slack/events HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=00\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'y'; 64 * 1024];
    let mut sent = 0usize;
    // Keep sending (up to 4 MiB) until the server answers or stops reading.
    while sent < 4 * 1024 * 1024 {
        let frame = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if stream.write_all(&frame).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .unwrap()
        .unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "got {answer:?}");
    app.stop().await;
}

async fn malformed_payloads_get_400_not_a_panic(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let form = "application/x-www-form-urlencoded";
    let cases = [
        ("/slack/events", "application/json", "{not json".to_string()),
        (
            "/slack/events",
            "application/json",
            json!({ "type": "mystery" }).to_string(),
        ),
        (
            "/slack/events",
            "application/json",
            json!({ "type": "event_callback" }).to_string(),
        ),
        ("/slack/commands", form, "team_id=T1&user_id=U1".to_string()),
        ("/slack/interactions", form, "payload=%7Bbroken".to_string()),
        ("/slack/interactions", form, "nopayload=1".to_string()),
        (
            "/slack/interactions",
            form,
            "payload=%7B%22type%22%3A%22block_actions%22%7D".to_string(),
        ),
    ];
    for (path, content_type, body) in cases {
        let response = app
            .slack
            .post_signed(path, content_type, body.clone(), &[])
            .await;
        assert_eq!(response.status, 400, "{path} {body}");
    }
    // The service is still healthy afterwards.
    assert_eq!(app.get("/healthz").await.0, 200);
    app.stop().await;
}

async fn url_verification_is_answered_with_its_challenge(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let body = json!({ "token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification" });
    let response = app.slack.event(&body, None).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    app.stop().await;
}

async fn a_retried_event_is_processed_once(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let envelope = app.slack.envelope("EvRETRY1", json!({ "type": "app_mention", "user": "U0ALICE", "text": "hi", "ts": "1.1", "channel": "C0INCIDENT", "event_ts": "1.1" }));
    assert_eq!(app.slack.event(&envelope, None).await.status, 200);
    assert_eq!(app.slack.event(&envelope, Some(1)).await.status, 200);
    assert_eq!(app.slack.event(&envelope, Some(2)).await.status, 200);
    // A duplicate delivery without retry headers is ignored too.
    assert_eq!(app.slack.event(&envelope, None).await.status, 200);
    assert_eq!(app.state.store.processed_event_count().await.unwrap(), 1);
    let (_, text) = app.get("/metrics").await;
    assert_eq!(
        metric(
            &text,
            "debrief_slack_requests_total{route=\"events\",outcome=\"accepted\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            "debrief_slack_requests_total{route=\"events\",outcome=\"duplicate\"}"
        ),
        3.0
    );
    app.stop().await;
}

async fn unknown_subcommands_get_an_ephemeral_sentence(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    for (text, expected) in [
        ("hepl", "Did you mean `/debrief help`?"),
        ("", "/debrief incident"),
        ("frobnicate now", "I don't know `/debrief frobnicate`"),
        ("help extra=1", "There is no `/debrief extra=1`"),
    ] {
        let response = app.slack.command("U0BOB", "C0INCIDENT", text).await;
        assert_eq!(response.status, 200, "{text}");
        assert_eq!(response.json()["response_type"], "ephemeral");
        assert!(
            response.text().contains(expected),
            "{text:?} → {}",
            response.text()
        );
    }
    app.stop().await;
}

async fn a_job_that_meets_429_runs_after_retry_after(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.sandbox
        .fail_next("chat.postMessage", Fault::RateLimited { retry_after: 7 }, 1);
    let start = app.clock.now();
    queue::enqueue(&app.state, &post_message_job("C0INCIDENT", "hello"), start)
        .await
        .unwrap();

    let first = app.run_due_jobs().await;
    let expected_retry = start.checked_add(Duration::from_secs(7)).unwrap();
    assert!(
        matches!(&first[..], [ExecutionOutcome::Ran { outcome: JobOutcome::Rescheduled(at), .. }] if *at == expected_retry),
        "{first:?}"
    );
    assert!(app.sandbox.messages_in("C0INCIDENT").is_empty());

    app.advance(Duration::from_secs(6));
    assert!(
        app.run_due_jobs().await.is_empty(),
        "not before Retry-After"
    );

    app.advance(Duration::from_secs(1));
    let second = app.run_due_jobs().await;
    assert!(
        matches!(
            &second[..],
            [ExecutionOutcome::Ran {
                outcome: JobOutcome::Done,
                ..
            }]
        ),
        "{second:?}"
    );
    assert_eq!(app.sandbox.messages_in("C0INCIDENT").len(), 1);
    assert_eq!(app.sandbox.calls("chat.postMessage").len(), 2);
    app.stop().await;
}

async fn slack_down_for_minutes_loses_nothing(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    // Eight failures in a row: 500s, 503s and a hang-free network-ish mix, then recovery.
    app.sandbox
        .fail_next("chat.postMessage", Fault::Status(500), 4);
    app.sandbox
        .fail_next("chat.postMessage", Fault::Status(503), 2);
    app.sandbox.fail_next(
        "chat.postMessage",
        Fault::SlackError("internal_error".into()),
        2,
    );
    for n in 0..3 {
        let job = post_message_job("C0INCIDENT", &format!("message {n}"));
        queue::enqueue(&app.state, &job, app.clock.now())
            .await
            .unwrap();
    }
    let outcomes = app.run_jobs_until_idle(Duration::from_secs(3600)).await;
    let done = outcomes
        .iter()
        .filter(|o| {
            matches!(
                o,
                ExecutionOutcome::Ran {
                    outcome: JobOutcome::Done,
                    ..
                }
            )
        })
        .count();
    assert_eq!(done, 3);
    let texts: Vec<String> = app
        .sandbox
        .messages_in("C0INCIDENT")
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts.len(), 3, "each message exactly once: {texts:?}");
    for n in 0..3 {
        assert!(texts.contains(&format!("message {n}")));
    }
    let counts = app.state.store.job_counts().await.unwrap();
    assert_eq!((counts.pending, counts.failed, counts.done), (0, 0, 3));
    app.stop().await;
}

async fn a_permanent_slack_error_fails_the_job_and_tells_the_requester(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.expect_leftover_jobs(); // the failed job is the point
    // The bot is not a member of C0OUTSIDE, so Slack answers not_in_channel.
    let response_url = app.sandbox.issue_response_url("C0OUTSIDE", "U0BOB");
    let job = Job::PostMessage {
        channel: "C0OUTSIDE".into(),
        text: "hello".into(),
        thread_ts: None,
        requester: Some(Requester {
            user_id: "U0BOB".into(),
            channel_id: "C0OUTSIDE".into(),
            response_url: Some(response_url),
            asked_at: app.clock.now().as_second(),
        }),
    };
    queue::enqueue(&app.state, &job, app.clock.now())
        .await
        .unwrap();
    let outcomes = app.run_jobs_until_idle(Duration::from_secs(60)).await;
    assert!(
        outcomes.iter().any(|o| matches!(o, ExecutionOutcome::Ran { outcome: JobOutcome::Failed(reason), .. } if reason.contains("not_in_channel"))),
        "{outcomes:?}"
    );
    assert_eq!(
        app.sandbox.calls("chat.postMessage").len(),
        1,
        "not retried"
    );
    let told = app.sandbox.ephemerals_for("U0BOB");
    assert!(
        told.iter().any(|t| t.contains("/invite @debrief")),
        "{told:?}"
    );
    let failed = app.state.store.failed_jobs().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("not_in_channel")
    );
    app.stop().await;
}

async fn a_job_interrupted_by_a_restart_completes_exactly_once(db: TestDb) {
    let first = TestApp::spawn(&db).await;
    let sandbox = first.sandbox.clone();
    let clock = first.clock.clone();
    sandbox.fail_next("chat.postMessage", Fault::Hang, 1);
    queue::enqueue(
        &first.state,
        &post_message_job("C0INCIDENT", "survives restarts"),
        clock.now(),
    )
    .await
    .unwrap();
    // The first process claims the job and is killed while Slack has not answered.
    let state = first.state.clone();
    let in_flight = tokio::spawn(async move { jobs::run_one(&state, "doomed-worker").await });
    for _ in 0..200 {
        if !sandbox.calls("chat.postMessage").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sandbox.calls("chat.postMessage")[0].outcome, "hung");
    in_flight.abort();
    first.stop().await;

    // A new process on the same database. On SQLite it is the only process, so the dead
    // one's lease is released at start; on PostgreSQL (other replicas may be alive) the
    // job waits for the lease, which lasts seconds without a heartbeat.
    let second = TestApp::spawn_with(&db, sandbox.clone(), clock.clone(), |_| {}).await;
    if db.is_postgres() {
        assert!(
            second.run_due_jobs().await.is_empty(),
            "the lease still holds"
        );
        second.advance(Duration::from_secs(jobs::LEASE_SECONDS as u64 + 1));
    }
    let outcomes = second.run_due_jobs().await;
    assert!(
        matches!(
            &outcomes[..],
            [ExecutionOutcome::Ran {
                outcome: JobOutcome::Done,
                ..
            }]
        ),
        "{outcomes:?}"
    );
    assert!(
        second
            .run_jobs_until_idle(Duration::from_secs(3600))
            .await
            .is_empty()
    );
    let delivered = sandbox.messages_in("C0INCIDENT");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].text, "survives restarts");
    second.stop().await;
}

async fn claims_are_exclusive(db: TestDb) {
    // Two independent services (separate pools, separate workers) on one database.
    let a = TestApp::spawn(&db).await;
    let b = TestApp::spawn_with(&db, a.sandbox.clone(), a.clock.clone(), |_| {}).await;
    let now = a.clock.now();
    const JOBS: usize = 60;
    for n in 0..JOBS {
        queue::enqueue(
            &a.state,
            &post_message_job("C0INCIDENT", &format!("m{n}")),
            now,
        )
        .await
        .unwrap();
    }
    let claim_all = |state: debrief::app::AppState, worker: &'static str| async move {
        let mut ids = Vec::new();
        loop {
            let mut batch = Vec::new();
            for _ in 0..4 {
                match state.store.claim_due_job(worker, now, 600).await.unwrap() {
                    Some(job) => batch.push(job.id),
                    None => break,
                }
            }
            if batch.is_empty() {
                return ids;
            }
            ids.extend(batch);
            tokio::task::yield_now().await;
        }
    };
    let (ids_a, ids_b) = tokio::join!(
        tokio::spawn(claim_all(a.state.clone(), "worker-a")),
        tokio::spawn(claim_all(b.state.clone(), "worker-b")),
    );
    let (ids_a, ids_b) = (ids_a.unwrap(), ids_b.unwrap());
    let mut all: Vec<i64> = ids_a.iter().chain(ids_b.iter()).copied().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), ids_a.len() + ids_b.len(), "no job claimed twice");
    assert_eq!(all.len(), JOBS, "every job claimed");
    if db.is_postgres() {
        eprintln!(
            "worker-a claimed {}, worker-b claimed {}",
            ids_a.len(),
            ids_b.len()
        );
    }
    a.stop().await;
    b.stop().await;
}

async fn health_and_metrics_answer(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    assert_eq!(app.get("/healthz").await, (200, "ok\n".to_string()));
    app.slack.command("U0ALICE", "C0INCIDENT", "help").await;
    queue::enqueue(
        &app.state,
        &post_message_job("C0INCIDENT", "x"),
        app.clock.now(),
    )
    .await
    .unwrap();
    let (status, text) = app.get("/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(
        metric(&text, "debrief_commands_total{subcommand=\"help\"}"),
        1.0
    );
    assert_eq!(
        metric(&text, "debrief_jobs_pending{kind=\"post_message\"}"),
        1.0
    );
    assert!(text.contains("# TYPE debrief_commands_total counter"));
    app.run_due_jobs().await;
    // Health reflects the database.
    app.expect_leftover_jobs(); // the closed store can no longer be asked
    app.state.store.close().await;
    assert_eq!(app.get("/healthz").await.0, 503);
    app.stop().await;
}
