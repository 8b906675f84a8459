//! The anonymity promise, tested as an adversary would break it. Each scenario performs
//! one attack from the README's threat model and asserts that it now learns nothing:
//! a DBA reading the SQLite write-ahead log, the main file, or PostgreSQL's row versions
//! and raw pages; a facilitator using commands in an unhelpful order; an operator reading
//! every log line and `/metrics`.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::helpers::{CHANNEL, TestApp, TestDb, add_people};
use crate::on_both_databases;

on_both_databases!(
    a_participant_added_late_cannot_be_singled_out,
    regenerating_the_agenda_during_a_check_in_changes_nothing,
    the_facilitator_cannot_use_their_own_answer_or_a_lowered_floor,
    plaintext_from_an_earlier_version_is_sealed_at_start,
);

const OTHERS: [&str; 3] = ["U0BOB", "U0CAROL", "U0DAN"];

/// Pseudonyms in the facilitator's answers DMs, in the latest delivery.
fn pseudonyms_shown(app: &TestApp) -> BTreeSet<String> {
    let messages = app.sandbox.dms_to("U0ALICE");
    let start = messages
        .iter()
        .rposition(|m| m.blocks.to_string().contains("Survey answers:"))
        .expect("an answers delivery");
    messages[start..]
        .iter()
        .flat_map(|m| {
            let text = m.blocks.to_string();
            text.split("— _")
                .skip(1)
                .map(|rest| rest.split('_').next().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

async fn ask_for_answers(app: &TestApp) -> BTreeSet<String> {
    let reply = app.cmd("U0ALICE", "answers").await;
    assert!(reply.contains("Sending you the answers"), "{reply}");
    app.run_due_jobs().await;
    pseudonyms_shown(app)
}

/// Adds people to the channel and to the review after the survey went out; they are
/// invited at once.
async fn add_late(app: &TestApp, n: usize) -> Vec<String> {
    let people = add_people(&app.sandbox, n);
    let mut everyone: Vec<String> = OTHERS.iter().map(|u| format!("<@{u}>")).collect();
    for p in app
        .state
        .store
        .participants(app.review_id().await)
        .await
        .unwrap()
    {
        let mention = format!("<@{}>", p.user_id);
        if !everyone.contains(&mention) && p.user_id != "U0ALICE" {
            everyone.push(mention);
        }
    }
    everyone.extend(people.iter().map(|u| format!("<@{u}>")));
    app.cmd(
        "U0ALICE",
        &format!("review participants={}", everyone.join(",")),
    )
    .await;
    app.run_due_jobs().await;
    people
}

async fn a_participant_added_late_cannot_be_singled_out(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    for user in OTHERS {
        app.answer(user, &format!("{user} saw the cache ttl")).await;
    }
    let first = ask_for_answers(&app).await;
    assert_eq!(first.len(), 3, "{first:?}");

    // Attack: add one person after everyone else answered; their pseudonym would be the
    // one that is new. It stays held back, and the facilitator is told why.
    let late = add_late(&app, 1).await;
    app.answer(&late[0], "the runbook was stale").await;
    assert_eq!(ask_for_answers(&app).await, first, "no lone new pseudonym");
    let note = app
        .sandbox
        .dms_to("U0ALICE")
        .iter()
        .map(|m| m.blocks.to_string())
        .collect::<String>();
    assert!(note.contains("1 answer that came in or changed"), "{note}");

    // A lone edit is held back too: its pseudonym would be whoever said they edited.
    app.answer("U0BOB", "edited: the ttl was 24h").await;
    let texts = app
        .sandbox
        .dms_to("U0ALICE")
        .last()
        .unwrap()
        .blocks
        .to_string();
    assert!(!texts.contains("edited: the ttl"));

    // Two more late people make three new respondents: they appear together.
    let more = add_late(&app, 2).await;
    for user in &more {
        app.answer(user, "paging went to the old rota").await;
    }
    let now_shown = ask_for_answers(&app).await;
    let new: BTreeSet<_> = now_shown.difference(&first).collect();
    assert_eq!(
        new.len(),
        3,
        "new pseudonyms appear k at a time: {now_shown:?}"
    );
    app.stop().await;
}

async fn regenerating_the_agenda_during_a_check_in_changes_nothing(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    for (user, text) in [
        ("U0BOB", "the cache ttl was a day"),
        ("U0CAROL", "nobody knew the cache ttl"),
        ("U0DAN", "the pager rota was stale"),
    ] {
        app.answer(user, text).await;
    }
    // The content of the agenda's messages (block ids aside: the first post carries a
    // delivery marker that an update does not need).
    let agenda = |app: &TestApp| -> String {
        app.sandbox
            .messages_in("D0ALICE")
            .iter()
            .filter(|m| m.blocks.to_string().contains("Agenda:"))
            .map(|m| {
                let mut blocks = m.blocks.clone();
                for block in blocks.as_array_mut().into_iter().flatten() {
                    block.as_object_mut().map(|b| b.remove("block_id"));
                }
                blocks.to_string()
            })
            .collect()
    };
    app.cmd("U0ALICE", "agenda").await;
    app.run_due_jobs().await;
    let before = agenda(&app);
    assert!(before.contains("cache"), "{before}");
    // Attack: watch who shares in the check-in, regenerating the agenda after each turn;
    // an order that favoured the quiet would move each sharer's quotes.
    let ts = app.start_checkin("").await;
    for _ in 0..2 {
        let speaker = app.current_turn(&ts);
        app.slack.say(&speaker, CHANNEL, "my turn", Some(&ts)).await;
        app.run_due_jobs().await;
        app.cmd("U0ALICE", "agenda").await;
        app.run_due_jobs().await;
        assert_eq!(agenda(&app), before, "the agenda moved after a turn");
    }
    app.expect_leftover_jobs(); // the round is still running
    app.stop().await;
}

async fn the_facilitator_cannot_use_their_own_answer_or_a_lowered_floor(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("min=2").await;
    app.send_survey().await;
    // Attack 1: with k=2, the facilitator answers too, so one other answer would do.
    app.answer("U0ALICE", "my own view").await;
    app.answer("U0BOB", "the pager was silent").await;
    let reply = app.cmd("U0ALICE", "answers").await;
    assert!(
        reply.contains("1 of") || reply.contains("2 of"),
        "only a count: {reply}"
    );
    assert!(reply.contains("other than you"), "{reply}");
    assert!(!reply.contains("Sending you"), "{reply}");
    // Attack 2: lower the floor after the invitations promised it.
    let reply = app.cmd("U0ALICE", "review min=2").await;
    assert!(
        !reply.contains("can now be raised"),
        "same floor is fine: {reply}"
    );
    app.run_due_jobs().await;
    let raised = app.cmd("U0ALICE", "review min=3").await;
    app.run_due_jobs().await;
    assert!(!raised.contains("can now be raised"), "{raised}");
    let lowered = app.cmd("U0ALICE", "review min=2").await;
    assert!(lowered.contains("raised but not lowered"), "{lowered}");
    assert_eq!(app.review().await.min_responses, 3);
    app.stop().await;
}

async fn plaintext_from_an_earlier_version_is_sealed_at_start(db: TestDb) {
    let first = TestApp::spawn(&db).await;
    first.open_review("").await;
    let review = first.review_id().await;
    let (sandbox, clock) = (first.sandbox.clone(), first.clock.clone());
    first.stop().await;
    // What an older version left: plaintext tables, as migration 0005 renamed them.
    let legacy = [
        "CREATE TABLE legacy_survey_responses (id TEXT PRIMARY KEY, review_id BIGINT, respondent_key TEXT, pseudonym TEXT, answers TEXT)".to_string(),
        "CREATE TABLE legacy_observations (id TEXT PRIMARY KEY, review_id BIGINT, body TEXT, released BOOLEAN)".to_string(),
        format!("INSERT INTO legacy_survey_responses VALUES ('a1', {review}, 'k1', 'Respondent Old Owl', '{{\"surprise\":\"OLD-PLAINTEXT-ANSWER\"}}')"),
        format!("INSERT INTO legacy_observations VALUES ('o1', {review}, 'OLD-PLAINTEXT-OBSERVATION', TRUE)"),
    ];
    crate::helpers::execute(&db, &legacy).await;
    let second = TestApp::spawn_with(&db, sandbox, clock, |_| {}).await;
    let tables = crate::surveys::dump(&db).await;
    assert!(!tables.contains_key("legacy_survey_responses"));
    assert!(!tables.contains_key("legacy_observations"));
    for (table, rows) in &tables {
        assert!(
            !rows.iter().flatten().any(|v| v.contains("OLD-PLAINTEXT")),
            "plaintext left in {table}"
        );
    }
    let stored = second
        .state
        .store
        .released_observations(review)
        .await
        .unwrap();
    assert_eq!(
        debrief::features::observation::open(&second.state, review, &stored[0]).unwrap(),
        "OLD-PLAINTEXT-OBSERVATION"
    );
    assert_eq!(
        second.state.store.respondent_keys(review).await.unwrap(),
        vec!["k1".to_string()]
    );
    second.stop().await;
}

// ---------------------------------------------------------------------------------------
// A DBA with SQLite's files.

/// One commit in a write-ahead log: the pages it wrote.
pub(crate) struct Commit {
    pub(crate) pages: Vec<Vec<u8>>,
}

/// Parses a SQLite WAL file into commits, as an attacker with a copy would: frames whose
/// salts match the header, grouped up to each commit frame (a non-zero "database size").
pub(crate) fn wal_commits(wal: &[u8]) -> Vec<Commit> {
    if wal.len() < 32 {
        return Vec::new();
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let page_size = be(&wal[8..12]) as usize;
    let salts = &wal[16..24];
    let mut commits = Vec::new();
    let mut pages = Vec::new();
    let mut at = 32;
    while at + 24 + page_size <= wal.len() {
        let header = &wal[at..at + 24];
        if &header[8..16] != salts {
            break;
        }
        pages.push(wal[at + 24..at + 24 + page_size].to_vec());
        if be(&header[4..8]) != 0 {
            commits.push(Commit {
                pages: std::mem::take(&mut pages),
            });
        }
        at += 24 + page_size;
    }
    commits
}

pub(crate) fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

pub(crate) fn sqlite_path(db: &TestDb) -> std::path::PathBuf {
    std::path::PathBuf::from(db.url().trim_start_matches("sqlite://"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_ahead_log_never_pairs_a_person_with_an_answer() {
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(&db).await;
    app.open_review("observations=live").await;
    app.send_survey().await;
    let wal_path = {
        let mut p = sqlite_path(&db).into_os_string();
        p.push("-wal");
        std::path::PathBuf::from(p)
    };
    // The attacker copies the log after every action, so nothing is lost to a checkpoint.
    let mut commits = Vec::new();
    let snapshot = |commits: &mut Vec<Commit>| {
        let bytes = std::fs::read(&wal_path).unwrap_or_default();
        commits.extend(wal_commits(&bytes));
    };
    let texts = [
        ("U0BOB", "ANSWER-ONE the pager was silent"),
        ("U0CAROL", "ANSWER-TWO staging was green"),
        ("U0DAN", "ANSWER-THREE nobody owned the job"),
    ];
    for (user, text) in texts {
        app.answer(user, text).await;
        snapshot(&mut commits);
    }
    app.slack
        .command(
            "U0BOB",
            CHANNEL,
            "observe OBSERVATION-ONE the dashboard hid it",
        )
        .await;
    snapshot(&mut commits);
    app.slack
        .say(
            "U0CAROL",
            "D0CAROL",
            "observe OBSERVATION-TWO the alert was muted",
            None,
        )
        .await;
    snapshot(&mut commits);
    assert!(
        commits.len() > 5,
        "the log was read: {} commits",
        commits.len()
    );

    let review = app.review_id().await;
    let key = &app.state.pseudonym_key;
    let respondent_keys: Vec<String> = OTHERS
        .iter()
        .map(|u| key.respondent_key(review, u))
        .collect();
    let observation_ids: Vec<String> = app
        .state
        .store
        .observations(review)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    let people: Vec<String> = [
        "U0ALICE", "U0BOB", "U0CAROL", "U0DAN", "D0ALICE", "D0BOB", "D0CAROL", "D0DAN", "alice",
        "bob", "carol", "dan",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut anonymous_commits = 0;
    for commit in &commits {
        let anonymous = commit.pages.iter().any(|page| {
            respondent_keys.iter().any(|k| contains(page, k))
                || observation_ids.iter().any(|id| contains(page, id))
        });
        for page in &commit.pages {
            for (_, text) in texts {
                assert!(!contains(page, &text[..10]), "answer text in the log");
            }
            assert!(
                !contains(page, "OBSERVATION-"),
                "observation text in the log"
            );
        }
        if anonymous {
            anonymous_commits += 1;
            for page in &commit.pages {
                for person in &people {
                    assert!(
                        !contains(page, person),
                        "a commit that writes anonymous content also names {person}"
                    );
                }
            }
        }
    }
    assert!(
        anonymous_commits >= 5,
        "the anonymous commits were found: {anonymous_commits}"
    );
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_file_holds_no_order_that_leads_to_anyone() {
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    // The attack: people open the App Home, then answer from it; the order of finished
    // App Home jobs would match the order of response cells in the file.
    for (user, text) in [
        ("U0BOB", "FILE-ANSWER-ONE"),
        ("U0CAROL", "FILE-ANSWER-TWO"),
        ("U0DAN", "FILE-ANSWER-THREE"),
    ] {
        app.slack.open_home(user).await;
        app.run_due_jobs().await;
        app.answer(user, text).await;
    }
    let pseudonyms = ask_for_answers(&app).await;
    app.stop().await;
    let file = std::fs::read(sqlite_path(&db)).unwrap();
    for secret in ["FILE-ANSWER", "Respondent "] {
        assert!(!contains(&file, secret), "{secret} is readable in the file");
    }
    for pseudonym in &pseudonyms {
        assert!(!contains(&file, pseudonym), "{pseudonym} in the file");
    }
    // The other half of the attack is gone: no finished App Home job is kept.
    let tables = crate::surveys::dump(&db).await;
    assert!(
        !tables["jobs"].iter().flatten().any(|v| v == "publish_home"),
        "an App Home job row was kept"
    );
    // Without the key, a respondent hash is not computable from a user id.
    let wrong = debrief::pseudonym::PseudonymKey::from_bytes([7; 32]);
    let review = debrief::domain::ReviewId(1);
    for user in OTHERS {
        assert!(!contains(&file, &wrong.respondent_key(review, user)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_and_key_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::sqlite().await;
    let folder = tempfile::tempdir().unwrap();
    let key_file = folder
        .path()
        .join("config")
        .join("debrief")
        .join("pseudonym.key");
    let sandbox =
        debrief::sandbox::SlackSandbox::start(debrief::sandbox::SlackSandbox::small_workspace)
            .await
            .unwrap();
    let clock = std::sync::Arc::new(debrief::clock::ManualClock::starting_now());
    let path = key_file.clone();
    let app = TestApp::spawn_with(&db, sandbox, clock, move |config| {
        config.pseudonym_key = debrief::config::PseudonymKeySource::File(path);
    })
    .await;
    app.open_review("").await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let db_file = sqlite_path(&db);
    for suffix in ["", "-wal", "-shm"] {
        let mut file = db_file.clone().into_os_string();
        file.push(suffix);
        assert_eq!(mode(std::path::Path::new(&file)), 0o600, "{file:?}");
    }
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(key_file.parent().unwrap()), 0o700);
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// A DBA with PostgreSQL's row versions and raw pages.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_row_versions_and_pages_hold_no_link() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("skipped: set TEST_POSTGRES_URL to run this on PostgreSQL");
        return;
    };
    let app = TestApp::spawn(&db).await;
    app.open_review("reminders=2").await;
    app.send_survey().await;
    let xmins = || async {
        crate::helpers::query_strings(
            &db,
            "SELECT user_id || ':' || xmin::text FROM participants ORDER BY user_id",
        )
        .await
    };
    let before = xmins().await;
    // Bob and Carol answer, Dan never does; both reminder passes run.
    app.answer("U0BOB", "PG-ANSWER-ONE").await;
    app.answer("U0CAROL", "PG-ANSWER-TWO").await;
    app.run_jobs_until_idle(Duration::from_secs(3 * 86_400))
        .await;
    // Attack 1: participants' xmin would give the order people answered in.
    assert_eq!(xmins().await, before, "answering touched a participant row");
    crate::helpers::execute(&db, &["VACUUM".to_string()]).await;
    // Attack 2: raw pages, dead tuples included.
    let extension =
        crate::helpers::try_execute(&db, "CREATE EXTENSION IF NOT EXISTS pageinspect").await;
    if let Err(err) = extension {
        eprintln!("skipped the raw-page half: pageinspect is not available ({err})");
        app.stop().await;
        return;
    }
    let raw = |table: &'static str| {
        let db = &db;
        async move {
            crate::helpers::query_bytes(
                db,
                &format!(
                    "SELECT get_raw_page('{table}', n) FROM generate_series(0, pg_relation_size('{table}') / current_setting('block_size')::int - 1) AS n"
                ),
            )
            .await
            .concat()
        }
    };
    let responses = raw("responses").await;
    let jobs = raw("jobs").await;
    assert!(!contains(&responses, "PG-ANSWER"), "answer text in a page");
    assert!(!contains(&jobs, "PG-ANSWER"));
    assert!(!contains(&jobs, "D0DAN"), "a DM channel in the jobs' pages");
    // Every participant is named by the same kinds of job: no kind of work exists only for
    // those who answered, or only for those who did not. (Kinds, not counts: how many
    // versions of one job row a page still holds depends on retries and lease renewals,
    // which follow the clock and Slack's answers, not what anyone answered.)
    let kinds_naming = |page: &[u8], user: &str| -> BTreeSet<String> {
        let marker = b"{\"kind\":\"";
        page.windows(user.len())
            .enumerate()
            .filter(|(_, w)| *w == user.as_bytes())
            .filter_map(|(at, _)| {
                let window = &page[at.saturating_sub(512)..at];
                let start = window.windows(marker.len()).rposition(|w| w == marker)?;
                let kind = &window[start + marker.len()..];
                let end = kind.iter().position(|b| *b == b'"')?;
                Some(String::from_utf8_lossy(&kind[..end]).into_owned())
            })
            .collect()
    };
    let kinds: Vec<BTreeSet<String>> = OTHERS.iter().map(|u| kinds_naming(&jobs, u)).collect();
    assert!(
        !kinds[0].is_empty(),
        "the pages name nobody: the attack found nothing to compare"
    );
    eprintln!("job kinds naming each participant: {:?}", kinds[0]);
    assert!(
        kinds.iter().all(|k| *k == kinds[0]),
        "respondents and non-respondents are named by different jobs: {kinds:?}"
    );
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// An operator with logs and /metrics.

/// Runs on one thread so that the log capture (a thread-local subscriber) sees the
/// server's log lines too.
mod operators_see_no_trace_of_anonymous_actions {
    #[tokio::test(flavor = "current_thread")]
    async fn sqlite() {
        super::operators_see_no_trace_of_anonymous_actions(crate::helpers::TestDb::sqlite().await)
            .await
    }
    #[tokio::test(flavor = "current_thread")]
    async fn postgres() {
        match crate::helpers::TestDb::postgres().await {
            Some(db) => super::operators_see_no_trace_of_anonymous_actions(db).await,
            None => eprintln!("skipped: set TEST_POSTGRES_URL to run this on PostgreSQL"),
        }
    }
}

async fn operators_see_no_trace_of_anonymous_actions(db: TestDb) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Capture {
        lines: Arc<Mutex<Vec<u8>>>,
        recording: Arc<AtomicBool>,
    }
    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.recording.load(Ordering::Relaxed) {
                self.lines.lock().unwrap().extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let capture = Capture::default();
    let writer = capture.clone();
    // Every target at every level: the operator may turn everything on.
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    let _guard = tracing::dispatcher::set_default(&dispatch);
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    let invite = app.invite_ts("U0BOB").unwrap();
    let review = app.review_id().await.to_string();
    app.cmd("U0ALICE", "pulse").await;
    app.run_due_jobs().await;
    let series = |text: String| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            // The process's own gauges and the operator's scrapes move with every scrape.
            .filter(|l| !l.starts_with("process_") && !l.contains("route=\"/metrics\""))
            .map(str::to_string)
            .collect()
    };
    let (ts, _) = app
        .slack
        .say("U0BOB", CHANNEL, "a message to point at", None)
        .await;
    // The first scrape shows the incident's label set at 0; the second is the baseline.
    app.get("/metrics").await;
    let before = series(app.get("/metrics").await.1);

    capture.recording.store(true, Ordering::Relaxed);
    // Every anonymous action: opening and submitting the survey, observing by command,
    // by DM, by the message shortcut, and recording a nudged observation as written.
    app.slack
        .click(
            "U0BOB",
            "D0BOB",
            &invite,
            debrief::ids::SURVEY_OPEN,
            &review,
        )
        .await;
    let (view_id, _) = app.sandbox.open_modal_for("U0BOB").unwrap();
    app.slack
        .submit_view("U0BOB", &view_id, &[("surprise", "OPERATOR-ANSWER")])
        .await;
    app.answer_pulse("U0DAN", 2, "OPERATOR-PULSE comment").await;
    app.slack
        .command("U0CAROL", CHANNEL, "observe OPERATOR-OBSERVATION one")
        .await;
    app.slack
        .say("U0DAN", "D0DAN", "observe OPERATOR-OBSERVATION two", None)
        .await;
    app.slack
        .message_shortcut("U0CAROL", CHANNEL, &ts, debrief::ids::OBSERVE_SHORTCUT)
        .await;
    let (view_id, _) = app.sandbox.open_modal_for("U0CAROL").unwrap();
    app.slack
        .submit_view(
            "U0CAROL",
            &view_id,
            &[("observation", "OPERATOR-OBSERVATION three")],
        )
        .await;
    capture.recording.store(false, Ordering::Relaxed);

    let after = series(app.get("/metrics").await.1);
    let moved: Vec<&String> = after.iter().filter(|line| !before.contains(line)).collect();
    assert!(
        moved.is_empty(),
        "metrics moved during anonymous actions: {moved:?}"
    );
    let logs = String::from_utf8(capture.lines.lock().unwrap().clone()).unwrap();
    for secret in [
        "OPERATOR-",
        "U0BOB",
        "U0CAROL",
        "U0DAN",
        "D0BOB",
        "D0CAROL",
        "D0DAN",
        "bob",
        "carol",
        "dan",
    ] {
        let line = logs.lines().find(|l| l.contains(secret));
        assert!(
            line.is_none(),
            "{secret} in a log line during an anonymous action: {line:?}"
        );
    }
    app.run_due_jobs().await;
    app.stop().await;
}
