//! Operating it: the bot token checked at start-up (a refused token stops start-up with
//! one line naming the variable; Slack out of reach does not, and is retried while
//! `/healthz` says so).

use std::process::Command;
use std::time::Duration;

use debrief::clock::Clock;
use debrief::sandbox::{Fault, SANDBOX_SIGNING_SECRET, SlackSandbox};

use crate::helpers::{TEST_PSEUDONYM_KEY, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    slack_out_of_reach_at_start_up_is_retried_and_reported_by_healthz,
    the_bot_user_id_comes_from_the_start_up_check,
    forgetting_a_person_removes_every_row_naming_them_and_nothing_else,
    retention_erases_an_expired_reviews_content_and_keeps_the_rest,
    review_delete_asks_for_confirmation_and_checks_permission_each_time,
    uninstalling_or_revoking_the_bot_token_stops_all_pending_jobs,
    purge_removes_one_workspace_and_leaves_another_intact,
    purge_keeps_the_shared_tables_while_any_other_workspace_has_a_row,
    a_review_whose_participants_could_not_be_gathered_says_why_and_looks_again,
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

/// A review (alice facilitates) whose survey went out, with carol's answer and dan's
/// anonymous observation.
async fn review_with_an_answer_and_an_observation(app: &TestApp, review_args: &str) {
    app.open_review(review_args).await;
    app.send_survey().await;
    app.answer("U0CAROL", "the runbook was out of date").await;
    let observed = app
        .slack
        .command("U0DAN", "C0INCIDENT", "observe the dashboards disagreed")
        .await;
    assert!(observed.text().contains("Recorded"), "{}", observed.text());
    app.run_due_jobs().await;
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
    // Carol is asked in a pulse, answers it, and asks for no more pulses.
    app.cmd("U0ALICE", "pulse").await;
    app.run_due_jobs().await;
    app.answer_pulse("U0CAROL", 3, "").await;
    let pulse = app.pulse_message("U0CAROL").unwrap();
    app.slack
        .click_button("U0CAROL", "D0CAROL", &pulse.ts, debrief::ids::PULSE_OPT_OUT)
        .await;
    app.run_due_jobs().await;
    let answers_before = app.answered_count().await;
    let before = crate::surveys::dump(&db).await;
    assert!(
        before.values().flatten().any(|row| names(row, "U0CAROL")),
        "the scenario names carol somewhere"
    );

    let forgotten = app.state.store.forget_user("U0CAROL").await.unwrap();
    assert_eq!(forgotten.participants, 1, "{forgotten:?}");
    assert_eq!(
        (forgotten.pulse_invitations, forgotten.pulse_opt_outs),
        (1, 1),
        "{forgotten:?}"
    );
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

/// The number in the first column of `sql`'s only row.
async fn count(db: &TestDb, sql: &str) -> i64 {
    crate::helpers::query_strings(db, &format!("SELECT CAST(({sql}) AS TEXT)"))
        .await
        .first()
        .and_then(|n| n.parse().ok())
        .unwrap()
}

/// Every sealed blob of a review's answers and observations (SQLite).
async fn sealed_blobs(db: &TestDb, review: i64) -> Vec<Vec<u8>> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
    let sql = format!(
        "SELECT sealed FROM responses WHERE review_id = {review}
         UNION ALL SELECT sealed FROM observations WHERE review_id = {review}"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

/// The daily retention pass: a review whose last date is past DEBRIEF_RETENTION_DAYS loses
/// its answers, observations and per-person rows (on SQLite, down to the bytes in the
/// file and its write-ahead log); its incident and review stay, and a recent review in
/// another channel is untouched row for row.
async fn retention_erases_an_expired_reviews_content_and_keeps_the_rest(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    review_with_an_answer_and_an_observation(&app, "reminders=0").await;
    app.answer("U0BOB", "the alert fired late").await;
    let old = app.review_id().await.0;
    assert!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM responses WHERE review_id = {old}")
        )
        .await
            >= 2
    );
    let old_blobs = if db.is_postgres() {
        Vec::new()
    } else {
        sealed_blobs(&db, old).await
    };

    // The survey closes two days after it was sent; 401 days after that, a new incident
    // in another channel.
    app.advance(Duration::from_secs(3 * 86_400));
    app.run_due_jobs().await;
    app.advance(Duration::from_secs(401 * 86_400));
    app.sandbox.world().channels.insert(
        "C0RECENT".into(),
        debrief::sandbox::SandboxChannel {
            id: "C0RECENT".into(),
            name: "inc-search".into(),
            members: ["U0DEBRIEF", "U0ALICE", "U0BOB"].map(String::from).to_vec(),
            is_im: false,
            is_archived: false,
        },
    );
    let recorded = app
        .slack
        .command(
            "U0ALICE",
            "C0RECENT",
            "incident title=\"Search slow\" sev=P2",
        )
        .await;
    assert!(recorded.text().contains("Recorded"), "{}", recorded.text());
    let opened = app
        .slack
        .command("U0ALICE", "C0RECENT", "review in=2d")
        .await;
    assert!(
        opened.text().contains("Opened the review"),
        "{}",
        opened.text()
    );
    app.run_due_jobs().await;
    let noted = app
        .slack
        .command("U0BOB", "C0RECENT", "observe search timed out first")
        .await;
    assert!(noted.text().contains("Recorded"), "{}", noted.text());
    app.run_due_jobs().await;
    let recent = old + 1;
    let recent_rows = |sql: String| {
        let db = &db;
        async move { crate::helpers::query_strings(db, &sql).await }
    };
    let participants_sql = format!(
        "SELECT user_id || ' ' || invite_state FROM participants WHERE review_id = {recent} ORDER BY user_id"
    );
    let observations_sql =
        format!("SELECT id FROM observations WHERE review_id = {recent} ORDER BY id");
    let recent_participants = recent_rows(participants_sql.clone()).await;
    let recent_observations = recent_rows(observations_sql.clone()).await;
    assert!(!recent_participants.is_empty() && !recent_observations.is_empty());

    let now = app.clock.now();
    let (job, _) = debrief::features::retention::schedule_job(now);
    debrief::queue::enqueue(&app.state, &job, now)
        .await
        .unwrap();
    app.run_due_jobs().await;

    for table in [
        "responses",
        "observations",
        "participants",
        "participation",
        "checkins",
    ] {
        assert_eq!(
            count(
                &db,
                &format!("SELECT COUNT(*) FROM {table} WHERE review_id = {old}")
            )
            .await,
            0,
            "{table} of the expired review"
        );
    }
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM reviews WHERE id = {old} AND erased_at IS NOT NULL")
        )
        .await,
        1
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM incidents").await, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reviews").await, 2);
    assert_eq!(recent_rows(participants_sql).await, recent_participants);
    assert_eq!(recent_rows(observations_sql).await, recent_observations);
    // The next day's pass is queued.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'retention' AND done_at IS NULL"
        )
        .await,
        1
    );

    if !db.is_postgres() {
        // Nothing of the erased blobs is left in the file or its write-ahead log.
        let path = db.url().trim_start_matches("sqlite://").to_string();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        assert!(!old_blobs.is_empty());
        for blob in &old_blobs {
            let probe = &blob[blob.len() / 2..blob.len() / 2 + 16];
            assert!(
                !bytes.windows(probe.len()).any(|w| w == probe),
                "an erased blob's bytes are still on disk"
            );
        }
    }
    app.stop().await;
}

/// `/debrief review delete`: refused to someone who is neither the facilitator nor an
/// admin; an admin gets the Delete button behind Slack's confirmation dialog, and losing
/// admin before pressing it means the press is refused; the facilitator's press deletes
/// the review's answers, observations and participation data, and its pending jobs.
async fn review_delete_asks_for_confirmation_and_checks_permission_each_time(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    review_with_an_answer_and_an_observation(&app, "reminders=1").await;
    let review = app.review_id().await.0;
    let rows = |table: &'static str| {
        let db = &db;
        async move {
            count(
                db,
                &format!("SELECT COUNT(*) FROM {table} WHERE review_id = {review}"),
            )
            .await
        }
    };
    let pending_jobs = format!(
        "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND failed_at IS NULL AND payload LIKE '%\"review_id\":{review},%'"
    );
    assert!(
        count(&db, &pending_jobs).await >= 1,
        "the close and a reminder are queued"
    );

    let refused = app.cmd("U0BOB", "review delete").await;
    assert!(refused.contains("Only the facilitator"), "{refused}");

    app.sandbox.world().users.get_mut("U0BOB").unwrap().is_admin = true;
    let offer = app
        .slack
        .command("U0BOB", "C0INCIDENT", "review delete")
        .await;
    let offer = offer.json();
    let button = offer.to_string();
    assert!(
        button.contains("\"confirm\""),
        "Slack's confirmation dialog: {offer}"
    );
    assert!(button.contains("Cancel"), "{offer}");
    // No longer an admin by the time the button is pressed.
    app.sandbox.world().users.get_mut("U0BOB").unwrap().is_admin = false;
    app.slack
        .click_ephemeral("U0BOB", "C0INCIDENT", &offer, debrief::ids::REVIEW_DELETE)
        .await;
    app.run_due_jobs().await;
    // A refused button press is explained in a small modal (its trigger is fresh).
    let (_, notice) = app
        .sandbox
        .open_modal_for("U0BOB")
        .expect("the refusal is shown");
    assert!(
        notice.to_string().contains("Only the facilitator"),
        "{notice}"
    );
    assert_eq!(rows("responses").await, 1);

    let offer = app
        .slack
        .command("U0ALICE", "C0INCIDENT", "review delete")
        .await;
    app.slack
        .click_ephemeral(
            "U0ALICE",
            "C0INCIDENT",
            &offer.json(),
            debrief::ids::REVIEW_DELETE,
        )
        .await;
    app.run_due_jobs().await;
    let done = app.last_private_message("U0ALICE");
    assert!(
        done.contains("Deleted: 1 survey answer(s), 1 observation(s)"),
        "{done}"
    );
    for table in ["responses", "observations", "participants", "participation"] {
        assert_eq!(rows(table).await, 0, "{table}");
    }
    assert_eq!(
        count(&db, &pending_jobs).await,
        0,
        "its pending jobs are cancelled"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM incidents").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reviews").await, 1);
    app.stop().await;
}

/// `app_uninstalled`, and `tokens_revoked` naming a bot token, cancel every pending job
/// (each would be refused by Slack and retried); a revocation of user tokens only does not.
/// The data stays for `debrief purge`.
async fn uninstalling_or_revoking_the_bot_token_stops_all_pending_jobs(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("reminders=2").await;
    app.send_survey().await;
    app.answer("U0CAROL", "the runbook was out of date").await;
    let pending = "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND failed_at IS NULL";
    assert!(
        count(&db, pending).await >= 2,
        "the close and reminders are queued"
    );

    let response = app
        .slack
        .workspace_event(
            serde_json::json!({ "type": "app_uninstalled", "event_ts": "1700000000.000200" }),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(count(&db, pending).await, 0);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM responses").await,
        1,
        "the data stays"
    );

    let job = debrief::queue::Job::PostMessage {
        channel: "C0INCIDENT".into(),
        text: "later".into(),
        thread_ts: None,
        requester: None,
    };
    debrief::queue::enqueue(
        &app.state,
        &job,
        app.clock.now() + Duration::from_secs(3600),
    )
    .await
    .unwrap();
    let revoke = |tokens: serde_json::Value| serde_json::json!({ "type": "tokens_revoked", "tokens": tokens, "event_ts": "1700000000.000300" });
    let response = app
        .slack
        .workspace_event(revoke(serde_json::json!({ "oauth": ["U0ALICE"] })))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        count(&db, pending).await,
        1,
        "a user's token is not debrief's"
    );
    let response = app
        .slack
        .workspace_event(revoke(serde_json::json!({ "bot": ["U0DEBRIEF"] })))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(count(&db, pending).await, 0);
    app.stop().await;
}

/// `debrief purge --team`: counts without `--yes`, deletes with it, and another workspace's
/// rows stay exactly as they were (with them, so do the tables no workspace owns).
async fn purge_removes_one_workspace_and_leaves_another_intact(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    review_with_an_answer_and_an_observation(&app, "reminders=1").await;
    app.cmd("U0ALICE", "pulse").await;
    app.run_due_jobs().await;
    app.answer_pulse("U0BOB", 4, "a comment").await;
    let other = debrief::store::reviews::IncidentValues {
        title: "Another workspace's outage".into(),
        failure_mode: Some("dns".into()),
        ..Default::default()
    };
    app.state
        .store
        .save_incident("T0OTHER", "C0ELSEWHERE", "U0ZED", &other, app.clock.now())
        .await
        .unwrap();
    app.expect_leftover_jobs(); // the purge takes the queue with it
    app.stop().await;
    let before = crate::surveys::dump(&db).await;

    let dry = app_store(&db)
        .await
        .purge_team("T0SANDBOX", true)
        .await
        .unwrap();
    assert!(!dry.shared_cleared);
    let counted: std::collections::BTreeMap<_, _> = dry.tables.iter().cloned().collect();
    assert_eq!(counted["responses"], 1);
    assert_eq!(counted["observations"], 1);
    assert_eq!(counted["pulse_responses"], 1);
    assert_eq!(counted["pulses"], 1);
    assert_eq!(counted["incidents"], 1);
    assert_eq!(
        crate::surveys::dump(&db).await,
        before,
        "a dry run deletes nothing"
    );

    let done = app_store(&db)
        .await
        .purge_team("T0SANDBOX", false)
        .await
        .unwrap();
    assert_eq!(done.tables, dry.tables);
    for (table, condition) in [
        ("incidents", "team_id = 'T0SANDBOX'"),
        ("reviews", "team_id = 'T0SANDBOX'"),
        ("responses", "TRUE"),
        ("observations", "TRUE"),
        ("participants", "TRUE"),
        ("pulses", "TRUE"),
        ("pulse_responses", "TRUE"),
        ("pulse_invitees", "TRUE"),
    ] {
        assert_eq!(
            count(
                &db,
                &format!("SELECT COUNT(*) FROM {table} WHERE {condition}")
            )
            .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        crate::helpers::query_strings(
            &db,
            "SELECT title || ' ' || team_id FROM incidents WHERE team_id = 'T0OTHER'"
        )
        .await,
        ["Another workspace's outage T0OTHER"]
    );
    assert!(
        count(&db, "SELECT COUNT(*) FROM jobs").await > 0,
        "shared tables stay"
    );

    if db.is_postgres() {
        let last = app_store(&db)
            .await
            .purge_team("T0OTHER", false)
            .await
            .unwrap();
        assert!(last.shared_cleared);
    } else {
        let output = Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args([
                "purge",
                "--team",
                "T0OTHER",
                "--yes",
                "--database-url",
                db.url(),
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(
            stdout.contains("Purged workspace T0OTHER: incidents: 1"),
            "{stdout}"
        );
        assert!(stdout.contains("It is the only workspace here"), "{stdout}");
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM incidents").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM jobs").await, 0);
}

/// A workspace with no incident yet (here only a pulse opt-out; an install or a queued
/// pulse is the same) is still another workspace: purging the first keeps the tables no
/// workspace owns, such as people's digest opt-outs. And an id that owns nothing (a typo)
/// takes nothing at all.
async fn purge_keeps_the_shared_tables_while_any_other_workspace_has_a_row(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let incident = debrief::store::reviews::IncidentValues {
        title: "Checkout errors".into(),
        ..Default::default()
    };
    app.state
        .store
        .save_incident(
            "T0SANDBOX",
            "C0INCIDENT",
            "U0ALICE",
            &incident,
            app.clock.now(),
        )
        .await
        .unwrap();
    app.stop().await;
    crate::helpers::execute(
        &db,
        &[
            "INSERT INTO pulse_opt_outs (team_id, user_id, at) VALUES ('T0NEW', 'U0NEWBIE', 1)"
                .to_string(),
            "INSERT INTO digest_opt_outs (user_id, at) VALUES ('U0QUIET', 1)".to_string(),
        ],
    )
    .await;
    let store = app_store(&db).await;
    let digest_opt_outs = "SELECT COUNT(*) FROM digest_opt_outs";

    let typo = store.purge_team("T0TYPO", false).await.unwrap();
    assert!(
        !typo.shared_cleared,
        "an id that owns nothing clears nothing"
    );
    assert!(typo.tables.iter().all(|(_, n)| *n == 0), "{typo:?}");
    assert_eq!(count(&db, digest_opt_outs).await, 1);
    let said = debrief::cli::purged_summary("T0TYPO", &typo, true);
    assert!(said.contains("has nothing in this database"), "{said}");

    let first = store.purge_team("T0SANDBOX", false).await.unwrap();
    assert!(!first.shared_cleared, "T0NEW still has a row: {first:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM incidents").await, 0);
    assert_eq!(count(&db, digest_opt_outs).await, 1, "the opt-out stays");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM pulse_opt_outs").await, 1);

    let last = store.purge_team("T0NEW", false).await.unwrap();
    assert!(
        last.shared_cleared,
        "the last workspace takes the shared tables"
    );
    assert_eq!(count(&db, digest_opt_outs).await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM pulse_opt_outs").await, 0);

    // A single-token install with no incident yet has rows only in the shared tables: a
    // mistyped id must not take its people's opt-outs.
    crate::helpers::execute(
        &db,
        &["INSERT INTO digest_opt_outs (user_id, at) VALUES ('U0QUIET', 2)".to_string()],
    )
    .await;
    let typo = store.purge_team("T0TYPO", false).await.unwrap();
    assert!(!typo.shared_cleared, "{typo:?}");
    assert_eq!(count(&db, digest_opt_outs).await, 1);
}

async fn app_store(db: &TestDb) -> debrief::store::Store {
    debrief::store::Store::connect(db.url()).await.unwrap()
}

/// Gathering fails for good (Slack: `channel_not_found`, as for a private channel without
/// the bot): `/debrief status` says why and what to do; `/debrief review` looks again.
async fn a_review_whose_participants_could_not_be_gathered_says_why_and_looks_again(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.expect_leftover_jobs(); // the failed gathering stays failed in the queue
    app.sandbox.fail_next(
        "conversations.members",
        Fault::SlackError("channel_not_found".into()),
        1,
    );
    let text = app
        .cmd("U0ALICE", r#"incident title="Checkout errors" sev=P1"#)
        .await;
    assert!(text.contains("Recorded"), "{text}");
    let opened = app.cmd("U0ALICE", "review in=2d").await;
    assert!(opened.contains("Opened the review"), "{opened}");
    app.run_due_jobs().await;
    let status = app.cmd("U0BOB", "status").await;
    assert!(status.contains("could not be gathered"), "{status}");
    assert!(status.contains("/invite @debrief"), "{status}");

    // `/debrief review` opens the form, pre-filled with the channel's people; saving it
    // gathers them again.
    let again = app.slack.command("U0ALICE", "C0INCIDENT", "review").await;
    assert_eq!(again.status, 200, "{}", again.body);
    let (view_id, _) = app
        .sandbox
        .open_modal_for("U0ALICE")
        .expect("the review form");
    let saved = app.slack.submit_view("U0ALICE", &view_id, &[]).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(!saved.body.contains("errors"), "{}", saved.body);
    app.run_due_jobs().await;
    let status = app.cmd("U0BOB", "status").await;
    assert!(!status.contains("could not be gathered"), "{status}");
    assert!(status.contains("Participants (4)"), "{status}");
    app.stop().await;
}

/// Every table the migrations create is either copied by `migrate-to` or named as not
/// copied: a new migration's table cannot be forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_to_knows_every_table_of_both_schemas() {
    let mut dbs = vec![TestDb::sqlite().await];
    dbs.extend(TestDb::postgres().await);
    for db in &dbs {
        let store = app_store(db).await;
        assert_eq!(
            store.tables_not_copied().await.unwrap(),
            Vec::<String>::new(),
            "add new tables to store::copy::TABLES (or NOT_COPIED) on {}",
            db.url()
        );
        for table in debrief::store::copy::TABLES {
            store.table_as_text(table).await.unwrap();
        }
        store.close().await;
    }
}

/// Every table's rows as text, sorted (tables without an id have no order to keep).
async fn all_rows(url: &str) -> Vec<(String, Vec<Vec<String>>)> {
    let store = debrief::store::Store::connect(url).await.unwrap();
    let mut tables = Vec::new();
    for table in debrief::store::copy::TABLES {
        let mut rows = store.table_as_text(table).await.unwrap();
        rows.sort();
        tables.push((table.to_string(), rows));
    }
    store.close().await;
    tables
}

fn migrate_to(from: &TestDb, to: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["migrate-to", "--database-url", from.url()])
        .env("DEBRIEF_MIGRATE_TO", to)
        .output()
        .expect("the binary runs")
}

/// `debrief migrate-to`: SQLite to PostgreSQL and back (SQLite to SQLite without
/// PostgreSQL), every row equal, sealed answers still opening with the same key, new rows
/// getting fresh ids, and a non-empty or identical destination refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_to_copies_everything_and_the_copy_runs() {
    let source = TestDb::sqlite().await;
    let app = TestApp::spawn(&source).await;
    review_with_an_answer_and_an_observation(&app, "").await;
    app.cmd("U0ALICE", r#"action add title="Canary stage" kind=fix"#)
        .await;
    app.cmd("U0ALICE", "pulse").await;
    app.run_due_jobs().await;
    app.answer_pulse("U0BOB", 4, "MIGRATED-PULSE-COMMENT").await;
    app.expect_leftover_jobs();
    app.stop().await;
    let before = all_rows(source.url()).await;
    assert!(
        before.iter().filter(|(_, rows)| !rows.is_empty()).count() > 12,
        "the scenario fills most tables: {:?}",
        before.iter().map(|(t, r)| (t, r.len())).collect::<Vec<_>>()
    );

    let middle = match TestDb::postgres().await {
        Some(db) => db,
        None => TestDb::sqlite().await,
    };
    let last = TestDb::sqlite().await;
    for (from, to) in [(&source, &middle), (&middle, &last)] {
        let output = migrate_to(from, to.url());
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.starts_with("Copied "), "{stdout}");
        assert!(!stdout.contains("MIGRATED"), "no content is printed");
        assert_eq!(
            all_rows(to.url()).await,
            before,
            "{} → {}",
            from.url(),
            to.url()
        );
    }
    for copy in [&middle, &last] {
        // The copy runs: the same key opens the sealed answer, and a new incident gets an
        // id past the copied ones (PostgreSQL's sequences were moved on).
        let app = TestApp::spawn(copy).await;
        let own = app
            .own_answers("U0CAROL")
            .await
            .expect("carol's answer opens");
        assert!(
            format!("{own:?}").contains("runbook was out of date"),
            "{own:?}"
        );
        let recorded = app
            .slack
            .command("U0ALICE", "C0OUTSIDE", r#"incident title="After the move""#)
            .await;
        assert!(recorded.text().contains("Recorded"), "{}", recorded.text());
        app.expect_leftover_jobs();
        app.stop().await;
    }

    // Refusals: a destination with data, and the source itself.
    let full = migrate_to(&source, middle.url());
    assert!(!full.status.success());
    assert!(
        String::from_utf8_lossy(&full.stderr).contains("already holds data"),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    let same = migrate_to(&source, source.url());
    assert!(!same.status.success());
    assert!(String::from_utf8_lossy(&same.stderr).contains("is the source"));
}
