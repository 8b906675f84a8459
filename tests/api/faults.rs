//! Faults are normal: Slack hangs, answers late or not at all after doing what it was
//! asked, rate-limits, and the database stalls. Each scenario counts what was lost,
//! sent twice or left waiting. The longer trials (kill -9 in a loop, the database
//! stopped, replicas) are in `bench/faults.sh`.

use std::time::Duration;

use debrief::clock::Clock;
use debrief::jobs::{ExecutionOutcome, JobOutcome};
use debrief::queue::{self, Job};
use debrief::sandbox::Fault;

use crate::helpers::{CHANNEL, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    a_slack_call_that_hangs_times_out_and_is_retried,
    a_message_slack_took_without_answering_is_not_sent_again,
    a_fan_out_that_loses_slacks_answers_sends_each_invite_once,
    a_reminder_pass_interrupted_after_a_send_reminds_nobody_twice,
    a_check_in_call_delayed_by_rate_limits_still_gets_a_full_turn,
    a_form_that_slack_does_not_open_is_answered_in_words,
    a_stuck_database_gets_an_honest_answer_in_time,
);

/// An app whose Slack calls give up after one second, so hangs are quick to test.
async fn spawn_impatient(db: &TestDb) -> TestApp {
    let sandbox =
        debrief::sandbox::SlackSandbox::start(debrief::sandbox::SlackSandbox::small_workspace)
            .await
            .unwrap();
    let clock = std::sync::Arc::new(debrief::clock::ManualClock::starting_now());
    TestApp::spawn_with(db, sandbox, clock, |config| {
        config.slack_timeout = Duration::from_secs(1);
    })
    .await
}

fn post_job(text: &str) -> Job {
    Job::PostMessage {
        channel: CHANNEL.into(),
        text: text.into(),
        thread_ts: None,
        requester: None,
    }
}

fn rescheduled(outcomes: &[ExecutionOutcome]) -> bool {
    outcomes.iter().any(|o| {
        matches!(
            o,
            ExecutionOutcome::Ran {
                outcome: JobOutcome::Rescheduled(_),
                ..
            }
        )
    })
}

async fn a_slack_call_that_hangs_times_out_and_is_retried(db: TestDb) {
    let app = spawn_impatient(&db).await;
    app.sandbox.fail_next("chat.postMessage", Fault::Hang, 1);
    queue::enqueue(&app.state, &post_job("after a hang"), app.clock.now())
        .await
        .unwrap();
    // The worker is not held: the call gives up and the job is rescheduled.
    assert!(rescheduled(&app.run_due_jobs().await));
    app.run_jobs_until_idle(Duration::from_secs(60)).await;
    let posted = app.sandbox.messages_in(CHANNEL);
    assert_eq!(posted.len(), 1, "delivered once: {posted:?}");
    app.stop().await;
}

async fn a_message_slack_took_without_answering_is_not_sent_again(db: TestDb) {
    let app = spawn_impatient(&db).await;
    // Slack posts the message, but its answer never comes back.
    app.sandbox
        .fail_next("chat.postMessage", Fault::AcceptThenHang, 1);
    queue::enqueue(&app.state, &post_job("exactly once"), app.clock.now())
        .await
        .unwrap();
    assert!(rescheduled(&app.run_due_jobs().await));
    app.run_jobs_until_idle(Duration::from_secs(60)).await;
    let posted: Vec<String> = app
        .sandbox
        .messages_in(CHANNEL)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(posted, vec!["exactly once".to_string()], "no duplicate");
    assert!(
        !app.sandbox
            .successful_calls("conversations.history")
            .is_empty(),
        "the retry looked before posting"
    );
    app.stop().await;
}

async fn a_fan_out_that_loses_slacks_answers_sends_each_invite_once(db: TestDb) {
    let app = spawn_impatient(&db).await;
    app.open_review("").await;
    app.sandbox
        .fail_next("chat.postMessage", Fault::AcceptThenHang, 2);
    app.confirm_survey().await;
    app.run_jobs_until_idle(Duration::from_secs(600)).await;
    for user in ["U0ALICE", "U0BOB", "U0CAROL", "U0DAN"] {
        let invites = app
            .sandbox
            .dms_to(user)
            .iter()
            .filter(|m| m.blocks.to_string().contains(debrief::ids::SURVEY_OPEN))
            .count();
        assert_eq!(invites, 1, "{user} got {invites} invitations");
    }
    app.stop().await;
}

async fn a_reminder_pass_interrupted_after_a_send_reminds_nobody_twice(db: TestDb) {
    let app = spawn_impatient(&db).await;
    app.open_review("reminders=1").await;
    app.send_survey().await;
    app.answer("U0BOB", "the pager was silent").await;
    // The first reminder reaches its reader, but Slack's answer is lost.
    app.sandbox
        .fail_next("chat.postMessage", Fault::AcceptThenHang, 1);
    app.run_jobs_until_idle(Duration::from_secs(3 * 86_400))
        .await;
    let reminders = |user: &str| {
        app.sandbox
            .dms_to(user)
            .iter()
            .filter(|m| m.text.starts_with("A reminder"))
            .count()
    };
    assert_eq!(reminders("U0BOB"), 0, "answered: not reminded");
    for user in ["U0ALICE", "U0CAROL", "U0DAN"] {
        assert_eq!(reminders(user), 1, "{user}");
    }
    app.stop().await;
}

async fn a_check_in_call_delayed_by_rate_limits_still_gets_a_full_turn(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    // The parent message goes out; the first call meets a rate limit for five minutes,
    // longer than a turn.
    app.sandbox.fail_next("chat.postMessage", Fault::Answer, 1);
    app.sandbox.fail_next(
        "chat.postMessage",
        Fault::RateLimited { retry_after: 300 },
        1,
    );
    app.cmd("U0ALICE", "checkin turn=2m").await;
    app.run_due_jobs().await;
    let ts = app
        .sandbox
        .messages_in(CHANNEL)
        .into_iter()
        .find(|m| m.text.starts_with(debrief::features::checkin::PARENT_TEXT))
        .unwrap()
        .ts;
    assert!(app.calls(&ts).is_empty(), "not called yet");
    app.advance(Duration::from_secs(150));
    app.run_due_jobs().await;
    assert!(
        !app.thread(&ts).iter().any(|m| m.text.contains("moving on")),
        "no turn ended before anyone was called"
    );
    // Once the call is out, the person has their whole turn.
    app.advance(Duration::from_secs(160));
    app.run_due_jobs().await;
    let first = app.current_turn(&ts);
    app.advance(Duration::from_secs(110));
    app.run_due_jobs().await;
    app.slack.say(&first, CHANNEL, "my turn", Some(&ts)).await;
    app.run_due_jobs().await;
    let round = app.stored_round(&ts).await;
    let state: debrief::features::checkin::machine::CheckinState =
        serde_json::from_str(&round.state).unwrap();
    assert_eq!(
        state.outcomes[&first],
        debrief::features::checkin::machine::Outcome::Shared
    );
    app.expect_leftover_jobs(); // the round is still running
    app.stop().await;
}

async fn a_form_that_slack_does_not_open_is_answered_in_words(db: TestDb) {
    let app = spawn_impatient(&db).await;
    app.open_review("").await;
    app.sandbox.fail_next("views.open", Fault::Hang, 1);
    let reply = app.cmd("U0BOB", "counterfactual").await;
    assert!(
        reply.contains("couldn't open the counterfactual form") && reply.contains("try again"),
        "{reply}"
    );
    app.stop().await;
}

async fn a_stuck_database_gets_an_honest_answer_in_time(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    // Another connection holds the write lock (SQLite) or the table (PostgreSQL).
    let hold = crate::helpers::hold_writes(&db, "observations").await;
    let response = app
        .slack
        .command("U0CAROL", CHANNEL, "observe the failover was manual")
        .await;
    assert_eq!(response.status, 200);
    let reply = response.text();
    assert!(reply.contains("can't tell you it was done"), "{reply}");
    assert!(
        reply.contains("the failover was manual"),
        "what was typed comes back: {reply}"
    );
    assert!(!reply.contains("Recorded"), "never claims it was kept");
    drop(hold);
    let review = app.review_id().await;
    assert!(
        app.state
            .store
            .observations(review)
            .await
            .unwrap()
            .is_empty(),
        "nothing was half-saved"
    );
    app.stop().await;
}
