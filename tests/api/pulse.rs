//! The psychological-safety pulse end to end through the sandbox: sending, answering,
//! reminders to non-respondents only, the close, results under and over the k-floor,
//! opting out, the quarterly schedule, the learning review's section 4, `/metrics`, and
//! a dump of every table that links no answer to anyone.

use std::time::Duration;

use debrief::ids;

use crate::helpers::{CHANNEL, TestApp, TestDb, metric};
use crate::on_both_databases;

on_both_databases!(
    a_pulse_runs_end_to_end_and_links_no_answer_to_anyone,
    whoever_started_it_does_not_count_towards_the_floor,
    people_who_opt_out_are_not_asked_again_until_they_opt_in,
    a_scheduled_pulse_starts_once_per_channel_and_quarter,
    retention_removes_a_pulses_answers_and_keeps_its_figures,
);

const PEOPLE: [&str; 4] = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAN"];

/// The app on a clock at least ten days before the quarter's end, so that a test's
/// simulated days never cross into the next quarter.
async fn spawn(db: &TestDb) -> TestApp {
    use debrief::features::learning::Quarter;
    let now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::UTC;
    let end = Quarter::containing(now, &tz).end(&tz);
    let start = if end.as_second() - now.as_second() < 10 * 86_400 {
        now - jiff::SignedDuration::from_hours(24 * 20)
    } else {
        now
    };
    let start = jiff::Timestamp::from_second(start.as_second()).unwrap();
    let sandbox =
        debrief::sandbox::SlackSandbox::start(debrief::sandbox::SlackSandbox::small_workspace)
            .await
            .expect("sandbox starts");
    let clock = std::sync::Arc::new(debrief::clock::ManualClock::new(start));
    TestApp::spawn_with(db, sandbox, clock, |_| {}).await
}

fn dm_of(user: &str) -> String {
    format!("D{}", user.trim_start_matches('U'))
}

impl TestApp {
    /// The latest pulse DM to `user` that still carries the Answer button.
    pub(crate) fn pulse_message(&self, user: &str) -> Option<debrief::sandbox::SandboxMessage> {
        self.sandbox
            .dms_to(user)
            .into_iter()
            .rev()
            .find(|m| m.blocks.to_string().contains(ids::PULSE_OPEN))
    }

    /// `user` presses Answer on their pulse DM and submits `score` and `comment`.
    pub(crate) async fn answer_pulse(
        &self,
        user: &str,
        score: u8,
        comment: &str,
    ) -> serde_json::Value {
        let message = self.pulse_message(user).expect("the pulse DM arrived");
        let click = self
            .slack
            .click_button(user, &dm_of(user), &message.ts, ids::PULSE_OPEN)
            .await;
        assert_eq!(click.status, 200);
        let (view_id, view) = self
            .sandbox
            .open_modal_for(user)
            .expect("the pulse form opened");
        assert_eq!(view["callback_id"], ids::PULSE_SUBMIT, "{view}");
        let score = score.to_string();
        let response = self
            .slack
            .submit_view(
                user,
                &view_id,
                &[("pulse_score", &score), ("pulse_comment", comment)],
            )
            .await;
        assert_eq!(response.status, 200);
        response.json()
    }

    /// Whether `user` was told something containing `needle`, privately in any way
    /// (an ephemeral, a reply through a response_url, or a DM).
    fn was_told(&self, user: &str, needle: &str) -> bool {
        self.sandbox
            .ephemerals_for(user)
            .iter()
            .any(|m| m.contains(needle))
            || self
                .sandbox
                .dms_to(user)
                .iter()
                .any(|m| m.text.contains(needle))
    }

    fn reminders_to(&self, user: &str) -> usize {
        self.sandbox
            .dms_to(user)
            .iter()
            .filter(|m| m.text.starts_with("A reminder"))
            .count()
    }

    async fn pulse_ids(&self) -> Vec<i64> {
        self.state
            .store
            .pulses_of_team("T0SANDBOX")
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect()
    }
}

async fn a_pulse_runs_end_to_end_and_links_no_answer_to_anyone(db: TestDb) {
    let app = spawn(&db).await;
    let reply = app.cmd("U0ALICE", "pulse deadline=2d").await;
    assert!(
        reply.contains("Sending the psychological-safety pulse"),
        "{reply}"
    );
    app.run_due_jobs().await;
    // The channel's people, not its bot nor the deactivated account, got the DM.
    for user in PEOPLE {
        assert!(app.pulse_message(user).is_some(), "{user} got no pulse");
    }
    for user in ["U0HELPER", "U0GONE"] {
        assert!(app.sandbox.dms_to(user).is_empty(), "{user} was asked");
    }
    assert!(app.was_told("U0ALICE", "on its way to 4 people"));

    let thanks = app
        .answer_pulse("U0BOB", 4, "PULSE-COMMENT-B reviews feel fair")
        .await;
    assert_eq!(thanks["response_action"], "update", "{thanks}");
    app.answer_pulse("U0CAROL", 2, "PULSE-COMMENT-C I hold back in big rooms")
        .await;
    app.answer_pulse("U0DAN", 1, "").await;
    // Dan changes his mind: an edit replaces, it does not add.
    app.answer_pulse("U0DAN", 5, "").await;
    // A missing score is a field error, and the form stays open.
    let message = app.pulse_message("U0BOB").unwrap();
    app.slack
        .click_button("U0BOB", "D0BOB", &message.ts, ids::PULSE_OPEN)
        .await;
    let (view_id, view) = app.sandbox.open_modal_for("U0BOB").unwrap();
    assert!(
        view.to_string().contains("\"4\""),
        "the form is prefilled: {view}"
    );
    let refused = app
        .slack
        .submit_view("U0BOB", &view_id, &[("pulse_score", "")])
        .await
        .json();
    assert_eq!(refused["response_action"], "errors", "{refused}");
    assert!(refused["errors"]["pulse_score"].is_string(), "{refused}");

    // While it is open, nothing but "still open".
    let early = app.cmd("U0ALICE", "pulse results").await;
    assert!(early.contains("still open"), "{early}");
    assert!(!early.contains("Mean"), "{early}");

    // Bob asks for quiet (he answered anyway); halfway, only Alice, who has not
    // answered, is reminded.
    let message = app.pulse_message("U0BOB").unwrap();
    app.slack
        .click_button("U0BOB", "D0BOB", &message.ts, ids::PULSE_MUTE)
        .await;
    app.advance(Duration::from_secs(25 * 3600));
    app.run_due_jobs().await;
    let reminders: Vec<usize> = PEOPLE.iter().map(|u| app.reminders_to(u)).collect();
    assert_eq!(
        reminders,
        [1, 0, 0, 0],
        "only Alice, who has not answered, is reminded"
    );
    assert!(app.was_told("U0BOB", "no reminders for this pulse"));

    // At the deadline it closes: the DMs lose their buttons, Alice is told the counts.
    app.advance(Duration::from_secs(24 * 3600));
    app.run_due_jobs().await;
    let closed = app
        .sandbox
        .dms_to("U0BOB")
        .into_iter()
        .find(|m| m.ts == message.ts)
        .unwrap();
    assert!(
        !closed.blocks.to_string().contains(ids::PULSE_OPEN),
        "{}",
        closed.blocks
    );
    assert!(
        app.was_told("U0ALICE", "3 of 4 people answered"),
        "the starter is told"
    );

    // Results: 4, 2, 5 → mean 3.7; comments without names.
    let results = app.cmd("U0BOB", "pulse results").await;
    assert!(results.contains("Mean *3.7* out of 5"), "{results}");
    assert!(
        results.contains("3 of 4 people answered (75%)"),
        "{results}"
    );
    assert!(
        results.contains("PULSE-COMMENT-B") && results.contains("PULSE-COMMENT-C"),
        "{results}"
    );
    for name in ["bob", "carol", "U0BOB", "U0CAROL", "Respondent"] {
        assert!(!results.contains(name), "{name} in {results}");
    }

    // The quarterly learning review's section 4 shows the same figures.
    let now = app.state.clock.now();
    let quarter = debrief::features::learning::Quarter::containing(now, &jiff::tz::TimeZone::UTC);
    let report = debrief::features::learning::post::report(
        &app.state.store,
        Some(&app.state.pseudonym_key),
        &app.state.config.learning,
        "T0SANDBOX",
        quarter,
        None,
        now,
    )
    .await
    .unwrap();
    match &report.culture.pulse {
        debrief::features::learning::report::Pulse::Results(figures) => {
            assert!((figures.mean - 11.0 / 3.0).abs() < 1e-9);
            assert_eq!(figures.distribution, [0, 1, 0, 1, 1]);
        }
        other => panic!("section 4 shows no pulse: {other:?}"),
    }

    // /metrics: the closed pulse's mean and counts for this quarter.
    let (_, text) = app.get("/metrics").await;
    let labels = format!("{{quarter=\"{quarter}\",team=\"T0SANDBOX\"}}");
    assert!(
        (metric(&text, &format!("pulse_score{labels}")) - 11.0 / 3.0).abs() < 1e-6,
        "{text}"
    );
    assert_eq!(metric(&text, &format!("pulse_responses{labels}")), 3.0);
    assert_eq!(metric(&text, &format!("pulse_invited{labels}")), 4.0);

    // A DBA's dump: no comment readable, no answer row holding a person or a time, no
    // answer value found in any other table.
    let tables = crate::surveys::dump(&db).await;
    let answers = &tables["pulse_responses"];
    assert_eq!(answers.len(), 3, "an edit replaced the earlier answer");
    for (table, rows) in &tables {
        assert!(
            !rows.iter().flatten().any(|v| v.contains("PULSE-COMMENT")),
            "a comment is readable in {table}"
        );
    }
    let pulse_id = app.pulse_ids().await[0].to_string();
    for row in answers {
        for value in row {
            for user in PEOPLE {
                assert!(!value.contains(user), "an answer row holds {user}: {row:?}");
            }
            if let Ok(n) = value.parse::<i64>() {
                assert!(n < 1_000_000_000, "no time in an answer row: {row:?}");
            }
        }
        for value in row.iter().filter(|v| **v != pulse_id && v.len() > 3) {
            for (table, rows) in tables.iter().filter(|(t, _)| *t != "pulse_responses") {
                assert!(
                    !rows.iter().flatten().any(|o| o.contains(value.as_str())),
                    "{value} from an answer appears in {table}"
                );
            }
        }
    }
    app.stop().await;
}

async fn whoever_started_it_does_not_count_towards_the_floor(db: TestDb) {
    let app = spawn(&db).await;
    app.cmd("U0ALICE", "pulse deadline=1d").await;
    app.run_due_jobs().await;
    for (user, score) in [("U0ALICE", 5), ("U0BOB", 1), ("U0CAROL", 2)] {
        app.answer_pulse(user, score, "").await;
    }
    app.run_jobs_until_idle(Duration::from_secs(2 * 86_400))
        .await;
    // Three answers, but one is Alice's own: two count, below k = 3.
    let results = app.cmd("U0ALICE", "pulse results").await;
    assert!(results.contains("Only 2 of 4 people answered"), "{results}");
    assert!(!results.contains("Mean"), "{results}");
    let (_, text) = app.get("/metrics").await;
    assert!(
        !text.contains("pulse_score{"),
        "no mean below the floor: {text}"
    );
    assert!(text.contains("pulse_responses{"), "{text}");

    // Another pulse the same quarter, started by Dan: Alice's answer now counts.
    app.cmd("U0DAN", "pulse deadline=1d").await;
    app.run_due_jobs().await;
    app.answer_pulse("U0ALICE", 4, "").await;
    app.run_jobs_until_idle(Duration::from_secs(2 * 86_400))
        .await;
    let results = app.cmd("U0ALICE", "pulse results").await;
    assert!(results.contains("Mean *3.0* out of 5"), "{results}");
    assert!(results.contains("4 of 8 people answered"), "{results}");
    app.stop().await;
}

async fn people_who_opt_out_are_not_asked_again_until_they_opt_in(db: TestDb) {
    let app = spawn(&db).await;
    app.cmd("U0ALICE", "pulse deadline=1d").await;
    app.run_due_jobs().await;
    // A second pulse in the same channel while one is open is refused.
    let busy = app.cmd("U0BOB", "pulse").await;
    assert!(busy.contains("already open"), "{busy}");
    let message = app.pulse_message("U0DAN").unwrap();
    app.slack
        .click_button("U0DAN", "D0DAN", &message.ts, ids::PULSE_OPT_OUT)
        .await;
    app.run_jobs_until_idle(Duration::from_secs(2 * 86_400))
        .await;
    assert!(app.was_told("U0DAN", "won't get"));

    let dan_before = app.sandbox.dms_to("U0DAN").len();
    app.cmd("U0ALICE", "pulse deadline=1d").await;
    app.run_due_jobs().await;
    assert_eq!(
        app.sandbox.dms_to("U0DAN").len(),
        dan_before,
        "Dan is not asked"
    );
    assert!(app.was_told("U0ALICE", "1 asked not to get pulses"));
    app.run_jobs_until_idle(Duration::from_secs(2 * 86_400))
        .await;

    let back = app.cmd("U0DAN", "pulse opt-in").await;
    assert!(back.contains("again"), "{back}");
    app.cmd("U0ALICE", "pulse deadline=1d people=<@U0DAN>,<@U0BOB>")
        .await;
    app.run_due_jobs().await;
    assert!(
        app.sandbox.dms_to("U0DAN").len() > dan_before,
        "Dan is asked again"
    );
    // Named people only: Carol is not asked.
    let third = *app.pulse_ids().await.last().unwrap();
    let store = &app.state.store;
    assert!(
        store
            .pulse_invitee(third, "U0CAROL")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.pulse_invitee(third, "U0DAN").await.unwrap().is_some());
    app.stop().await;
}

async fn a_scheduled_pulse_starts_once_per_channel_and_quarter(db: TestDb) {
    let app = spawn(&db).await;
    let reply = app
        .cmd(
            "U0ALICE",
            &format!("pulse every=quarter channel=<#{CHANNEL}|inc-checkout>"),
        )
        .await;
    assert!(reply.contains("every quarter"), "{reply}");
    let again = app.cmd("U0ALICE", "pulse every=quarter").await;
    assert!(again.contains("already gets"), "{again}");
    // At the scheduled time, two workers running the same quarter's job start one pulse.
    let tz = jiff::tz::TimeZone::UTC;
    let quarter = debrief::features::pulse::results::next_scheduled(app.state.clock.now(), &tz);
    let at = debrief::features::pulse::results::scheduled_at(quarter, &tz);
    let wait = at.as_second() - app.state.clock.now().as_second();
    app.advance(Duration::from_secs(wait.max(0) as u64));
    let quarter_text = quarter.to_string();
    let run = || {
        debrief::features::pulse::jobs::scheduled(
            &app.state,
            "T0SANDBOX",
            CHANNEL,
            &quarter_text,
            app.state.clock.now(),
        )
    };
    let (a, b) = tokio::join!(run(), run());
    a.unwrap();
    b.unwrap();
    assert_eq!(app.pulse_ids().await.len(), 1, "one pulse for the quarter");
    // The queued run finds it started; the pulse goes out.
    app.run_due_jobs().await;
    assert_eq!(app.pulse_ids().await.len(), 1);
    for user in PEOPLE {
        assert!(
            app.pulse_message(user).is_some(),
            "{user} got the scheduled pulse"
        );
    }
    // Stopped: the next quarter's run does nothing.
    let off = app.cmd("U0ALICE", "pulse every=off").await;
    assert!(off.contains("stopped"), "{off}");
    app.run_jobs_until_idle(Duration::from_secs(200 * 86_400))
        .await;
    assert_eq!(app.pulse_ids().await.len(), 1, "no pulse after every=off");
    app.stop().await;
}

async fn retention_removes_a_pulses_answers_and_keeps_its_figures(db: TestDb) {
    let app = spawn(&db).await;
    app.cmd("U0ALICE", "pulse deadline=1d").await;
    app.run_due_jobs().await;
    for (user, score) in [("U0BOB", 2), ("U0CAROL", 3), ("U0DAN", 4)] {
        app.answer_pulse(user, score, "KEPT-UNTIL-RETENTION").await;
    }
    app.run_jobs_until_idle(Duration::from_secs(2 * 86_400))
        .await;
    let pulse = app.state.store.pulses_of_team("T0SANDBOX").await.unwrap()[0].clone();
    let quarter = pulse.quarter.clone();
    let asked = format!("pulse results quarter={quarter}");
    let before = app.cmd("U0ALICE", &asked).await;
    assert!(
        before.contains("Mean *3.0*") && before.contains("KEPT-UNTIL"),
        "{before}"
    );

    // A day short of the retention period nothing goes; past it, answers and who was
    // asked go, and the totals kept at the close still give the quarter's figures.
    let days = u64::from(app.state.config.retention_days);
    app.advance(Duration::from_secs((days - 1) * 86_400));
    let now = app.state.clock.now();
    debrief::features::retention::run(&app.state, &now.strftime("%Y-%m-%d").to_string(), now)
        .await
        .unwrap();
    assert_eq!(
        app.state
            .store
            .pulse_responses(pulse.id)
            .await
            .unwrap()
            .len(),
        3
    );
    app.advance(Duration::from_secs(3 * 86_400));
    let now = app.state.clock.now();
    debrief::features::retention::run(&app.state, &now.strftime("%Y-%m-%d").to_string(), now)
        .await
        .unwrap();
    let tables = crate::surveys::dump(&db).await;
    assert!(tables["pulse_responses"].is_empty());
    assert!(tables["pulse_invitees"].is_empty());
    let after = app.cmd("U0ALICE", &asked).await;
    assert!(
        after.contains("Mean *3.0*") && after.contains("3 of 4"),
        "{after}"
    );
    assert!(
        !after.contains("KEPT-UNTIL"),
        "comments go with the answers: {after}"
    );
    app.expect_leftover_jobs();
    app.stop().await;
}

/// A DBA copying SQLite's write-ahead log after every answer finds no commit that writes
/// an answer and also names a person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_ahead_log_never_pairs_a_person_with_a_pulse_answer() {
    use crate::anonymity::{contains, sqlite_path, wal_commits};
    let db = TestDb::sqlite().await;
    let app = spawn(&db).await;
    app.cmd("U0ALICE", "pulse").await;
    app.run_due_jobs().await;
    let wal = {
        let mut p = sqlite_path(&db).into_os_string();
        p.push("-wal");
        std::path::PathBuf::from(p)
    };
    let mut commits = Vec::new();
    for (user, score) in [("U0BOB", 1), ("U0CAROL", 5), ("U0DAN", 3), ("U0BOB", 2)] {
        app.answer_pulse(user, score, "WAL-PULSE-COMMENT").await;
        commits.extend(wal_commits(&std::fs::read(&wal).unwrap_or_default()));
    }
    let pulse = app.pulse_ids().await[0];
    let respondent_keys: Vec<String> = app
        .state
        .store
        .pulse_responses(pulse)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(respondent_keys.len(), 3);
    let mut answer_commits = 0;
    for commit in &commits {
        for page in &commit.pages {
            assert!(!contains(page, "WAL-PULSE"), "a comment in the log");
        }
        if commit
            .pages
            .iter()
            .any(|page| respondent_keys.iter().any(|k| contains(page, k)))
        {
            answer_commits += 1;
            for page in &commit.pages {
                for person in PEOPLE
                    .iter()
                    .chain(["D0BOB", "D0CAROL", "D0DAN", "bob", "carol", "dan"].iter())
                {
                    assert!(!contains(page, person), "an answer's commit names {person}");
                }
            }
        }
    }
    assert!(
        answer_commits >= 4,
        "the answers' commits were found: {answer_commits}"
    );
    app.stop().await;
}
