//! Test harness: a fresh database per test (SQLite always, PostgreSQL when
//! TEST_POSTGRES_URL is set), the real router on port 0, the sandbox Slack, a
//! manual clock, and a driver that signs every request like Slack does.

use std::sync::Arc;
use std::time::Duration;

use debrief::app::AppState;
use debrief::clock::{Clock, ManualClock};
use debrief::config::{Config, LogFormat, PseudonymKeySource, Secret};
use debrief::jobs::ExecutionOutcome;
use debrief::sandbox::driver::SlackDriver;
use debrief::sandbox::{SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET, SlackSandbox};
use debrief::startup::Application;
use sqlx::Connection;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Runs a scenario `async fn name(db: TestDb)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::TestDb::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::helpers::TestDb::postgres().await {
                    Some(db) => super::$name(db).await,
                    None => eprintln!("skipped: set TEST_POSTGRES_URL to run this on PostgreSQL"),
                }
            }
        }
    )+};
}

/// A database that exists for one test.
pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("debrief.db").display());
        TestDb::Sqlite { _dir: dir, url }
    }

    /// A new, empty PostgreSQL database, or `None` when TEST_POSTGRES_URL is not set.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("TEST_POSTGRES_URL").ok()?;
        let name = format!("debrief_test_{:016x}", rand_u64());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("TEST_POSTGRES_URL answers");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("a test database can be created");
        let url = replace_database(&admin_url, &name);
        Some(TestDb::Postgres {
            admin_url,
            name,
            url,
        })
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
        {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a fresh thread gets a runtime of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut admin)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub fn rand_u64() -> u64 {
    use rand::RngExt;
    rand::rng().random()
}

/// The pseudonym key the tests run with (never stored in the database).
pub const TEST_PSEUDONYM_KEY: &str =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

pub fn test_config(db_url: &str, sandbox: &SlackSandbox) -> Config {
    Config {
        slack_bot_token: Some(Secret::new(SANDBOX_BOT_TOKEN)),
        oauth: None,
        slack_signing_secret: Some(Secret::new(SANDBOX_SIGNING_SECRET)),
        slack_app_token: None,
        slack_api_url: sandbox.api_url(),
        database_url: db_url.to_string(),
        listen: "127.0.0.1:0".parse().unwrap(),
        pseudonym_key: PseudonymKeySource::Inline(Secret::new(TEST_PSEUDONYM_KEY)),
        workers: 2,
        log_format: LogFormat::Text,
        run_worker: false,
        worker_poll: Duration::from_millis(50),
        slack_timeout: Duration::from_secs(10),
        learning: Default::default(),
        metrics_failure_modes: debrief::metrics::DEFAULT_FAILURE_MODE_CAP,
        confirm_above: 25,
        retention_days: 400,
    }
}

/// A running debrief with its sandbox Slack.
pub struct TestApp {
    pub state: AppState,
    pub sandbox: SlackSandbox,
    pub slack: SlackDriver,
    pub clock: Arc<ManualClock>,
    pub base_url: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    /// Set by a scenario that leaves failed or unrun jobs on purpose.
    leftover_jobs_expected: std::sync::atomic::AtomicBool,
}

impl TestApp {
    /// A new app on `db`, with the small sandbox workspace.
    pub async fn spawn(db: &TestDb) -> Self {
        let sandbox = SlackSandbox::start(SlackSandbox::small_workspace)
            .await
            .expect("sandbox starts");
        Self::spawn_with(db, sandbox, Arc::new(ManualClock::starting_now()), |_| {}).await
    }

    /// A new app on `db` against an existing sandbox and clock (for restarts), with config tweaks.
    pub async fn spawn_with(
        db: &TestDb,
        sandbox: SlackSandbox,
        clock: Arc<ManualClock>,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        init_test_logging();
        let mut config = test_config(db.url(), &sandbox);
        tweak(&mut config);
        let app = Application::build(config, clock.clone() as Arc<dyn Clock>)
            .await
            .expect("the app builds");
        let base_url = format!("http://{}", app.local_addr());
        let state = app.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        let slack = SlackDriver::new(base_url.clone(), SANDBOX_SIGNING_SECRET, sandbox.clone());
        Self {
            state,
            sandbox,
            slack,
            clock,
            base_url,
            stop: Some(stop),
            server: Some(server),
            leftover_jobs_expected: Default::default(),
        }
    }

    /// The same app seen from another workspace of a sandbox started with
    /// [`SlackSandbox::start_two`]: commands and clicks come from that workspace.
    pub fn in_workspace(&self, sandbox: &SlackSandbox) -> TestApp {
        TestApp {
            state: self.state.clone(),
            sandbox: sandbox.clone(),
            slack: SlackDriver::new(
                self.base_url.clone(),
                SANDBOX_SIGNING_SECRET,
                sandbox.clone(),
            ),
            clock: self.clock.clone(),
            base_url: self.base_url.clone(),
            stop: None,
            server: None,
            leftover_jobs_expected: Default::default(),
        }
    }

    /// The team id of the workspace this app's driver speaks for.
    pub fn team_id(&self) -> String {
        self.sandbox.world().team_id.clone()
    }

    /// Runs every job that is due now, one at a time, until none is left.
    pub async fn run_due_jobs(&self) -> Vec<ExecutionOutcome> {
        debrief::jobs::run_due_jobs(&self.state, "test-worker")
            .await
            .expect("jobs run")
    }

    /// Runs due jobs, then jumps the clock to the next scheduled one, until the queue is empty
    /// or `limit` of simulated time has passed (the clock then stands at the last job run).
    pub async fn run_jobs_until_idle(&self, limit: Duration) -> Vec<ExecutionOutcome> {
        let deadline = self.clock.now().checked_add(limit).unwrap();
        debrief::jobs::run_jobs_until(&self.state, &self.clock, deadline, "test-worker")
            .await
            .expect("jobs run")
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// A plain GET against the app.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<http_body_util::Empty<bytes::Bytes>>();
        let response = client
            .get(format!("{}{path}", self.base_url).parse().unwrap())
            .await
            .expect("the app answers");
        let status = response.status().as_u16();
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// Says this scenario leaves failed or unrun jobs behind on purpose (a permanent
    /// failure it asserts on, a restart that another app picks up).
    pub fn expect_leftover_jobs(&self) {
        self.leftover_jobs_expected
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Fails the test when a job failed for good or was due and never ran: either is work
    /// someone expected that silently did not happen.
    async fn assert_no_leftover_jobs(&self) {
        if self
            .leftover_jobs_expected
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let store = &self.state.store;
        let failed = store.failed_jobs().await.expect("jobs can be listed");
        assert!(
            failed.is_empty(),
            "jobs failed for good: {:?}",
            failed
                .iter()
                .map(|j| (&j.kind, &j.last_error))
                .collect::<Vec<_>>()
        );
        let overdue = store
            .overdue_jobs(self.clock.now())
            .await
            .expect("jobs can be listed");
        assert!(
            overdue.is_empty(),
            "jobs were due and never ran (call run_due_jobs): {overdue:?}"
        );
    }

    /// Stops the server and waits for it (and its store) to close. Fails the test if
    /// work was left failed or undone, unless `expect_leftover_jobs` was called.
    pub async fn stop(mut self) {
        self.assert_no_leftover_jobs().await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stops cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn init_test_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        debrief::telemetry::init(LogFormat::Text);
    }
}

/// The value of one sample line in a Prometheus exposition, e.g.
/// `metric(&text, "debrief_slack_requests_total{outcome=\"duplicate\",route=\"events\"}")`.
pub fn metric(exposition: &str, sample: &str) -> f64 {
    exposition
        .lines()
        .find_map(|line| {
            line.strip_prefix(sample)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0.0)
}

/// The incident channel of the small sandbox workspace.
pub const CHANNEL: &str = "C0INCIDENT";

impl TestApp {
    /// `/debrief <text>` typed by `user` in the incident channel; returns the reply text.
    pub async fn cmd(&self, user: &str, text: &str) -> String {
        let response = self.slack.command(user, CHANNEL, text).await;
        assert_eq!(response.status, 200, "{text}: {}", response.body);
        response.text()
    }

    /// What `user` was last told privately (ephemeral or through a response_url).
    pub fn last_private_message(&self, user: &str) -> String {
        self.sandbox
            .ephemerals_for(user)
            .last()
            .cloned()
            .unwrap_or_default()
    }

    /// Records an incident, opens a review with the channel's people (alice facilitates),
    /// and gathers the participants.
    pub async fn open_review(&self, extra: &str) {
        let text = self.cmd("U0ALICE", r#"incident title="Checkout errors" sev=P1 services=checkout mode="Cache Invalidation""#).await;
        assert!(text.contains("Recorded"), "{text}");
        let text = self.cmd("U0ALICE", &format!("review in=2d {extra}")).await;
        assert!(text.contains("Opened the review"), "{text}");
        self.run_due_jobs().await;
    }

    /// The bot's survey invitation in `user`'s DM.
    pub fn invite_ts(&self, user: &str) -> Option<String> {
        self.sandbox
            .dms_to(user)
            .into_iter()
            .find(|m| m.blocks.to_string().contains(debrief::ids::SURVEY_OPEN))
            .map(|m| m.ts)
    }

    /// `user` clicks "Answer the survey" and submits `answers` (block id, text).
    pub async fn answer_survey(
        &self,
        user: &str,
        answers: &[(&str, &str)],
    ) -> debrief::sandbox::driver::BotResponse {
        let ts = self
            .invite_ts(user)
            .expect("the participant got the survey DM");
        let channel = format!("D{}", user.trim_start_matches('U'));
        let review = self.review_id().await.to_string();
        let click = self
            .slack
            .click(user, &channel, &ts, debrief::ids::SURVEY_OPEN, &review)
            .await;
        assert_eq!(click.status, 200);
        let (view_id, view) = self
            .sandbox
            .open_modal_for(user)
            .expect("the survey modal opened");
        assert_eq!(view["callback_id"], debrief::ids::SURVEY_SUBMIT, "{view}");
        self.slack.submit_view(user, &view_id, answers).await
    }

    pub async fn review_id(&self) -> debrief::domain::ReviewId {
        self.state
            .store
            .review_for_channel(&self.team_id(), CHANNEL)
            .await
            .unwrap()
            .expect("a review exists")
            .id
    }
}

/// Adds `n` new people to the sandbox and to the incident channel; returns their ids.
pub fn add_people(sandbox: &SlackSandbox, n: usize) -> Vec<String> {
    let mut world = sandbox.world();
    let mut ids = Vec::new();
    let already = world.users.keys().filter(|id| id.starts_with("U1")).count();
    for i in already..already + n {
        let id = format!("U1{i:05}");
        world.users.insert(
            id.clone(),
            debrief::sandbox::SandboxUser::human(&id, &format!("person{i}")),
        );
        world
            .channels
            .get_mut(CHANNEL)
            .unwrap()
            .members
            .push(id.clone());
        ids.push(id);
    }
    ids
}

/// Steps that several scenarios share.
impl TestApp {
    /// How many people answered the channel's survey (a count, as `/debrief status` says).
    pub async fn answered_count(&self) -> i64 {
        let review = self.review().await;
        debrief::features::survey::responses::counts(&self.state, &review)
            .await
            .unwrap()
            .answered
    }

    /// `user`'s own stored answers, found with the key as the service finds them.
    pub async fn own_answers(
        &self,
        user: &str,
    ) -> Option<debrief::features::survey::questions::Answers> {
        let review = self.review().await;
        debrief::features::survey::responses::own(&self.state, &review, user)
            .await
            .unwrap()
    }

    /// The channel's review.
    pub async fn review(&self) -> debrief::store::reviews::Review {
        self.state
            .store
            .review_for_channel(&self.team_id(), CHANNEL)
            .await
            .unwrap()
            .expect("a review exists")
    }

    /// Alice asks for the survey, reads the confirmation and presses Send, then the
    /// invitations go out.
    pub async fn send_survey(&self) {
        let sent = self.confirm_survey().await;
        assert!(sent.contains("Sending the survey"), "{sent}");
        self.run_due_jobs().await;
    }

    /// Alice asks for the survey and presses Send; no job runs yet. Returns what replaced
    /// the confirmation.
    pub async fn confirm_survey(&self) -> String {
        let confirmation = self.ask_for_survey("U0ALICE").await;
        let response = self
            .slack
            .click_ephemeral("U0ALICE", CHANNEL, &confirmation, debrief::ids::SURVEY_SEND)
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        self.last_private_message("U0ALICE")
    }

    /// `/debrief survey` typed by `user`: the confirmation's JSON (text and blocks).
    pub async fn ask_for_survey(&self, user: &str) -> serde_json::Value {
        let response = self.slack.command(user, CHANNEL, "survey").await;
        assert_eq!(response.status, 200, "{}", response.body);
        let reply = response.json();
        assert!(
            reply["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Ready to send the survey"),
            "{reply}"
        );
        reply
    }

    /// `user` presses `action_id` on an ephemeral command reply; returns what replaced it
    /// (or what they were told privately).
    pub async fn press_on_reply(
        &self,
        user: &str,
        reply: &serde_json::Value,
        action_id: &str,
    ) -> String {
        let response = self
            .slack
            .click_ephemeral(user, CHANNEL, reply, action_id)
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        self.run_due_jobs().await;
        self.last_private_message(user)
    }

    pub async fn answer(&self, user: &str, text: &str) {
        let response = self.answer_survey(user, &[("surprise", text)]).await;
        assert_eq!(response.status, 200);
        assert!(
            response.body.contains("answers are saved"),
            "{}",
            response.body
        );
    }

    /// Starts a check-in (alice facilitates) and returns the thread's ts.
    pub async fn start_round(&self, args: &str) -> String {
        self.open_review("").await;
        self.start_checkin(args).await
    }

    /// Starts a check-in in the review already open; returns the thread's ts.
    pub async fn start_checkin(&self, args: &str) -> String {
        // `/debrief checkin` alone opens the form; the typed default is three minutes.
        let args = if args.trim().is_empty() {
            "turn=3m"
        } else {
            args
        };
        let reply = self.cmd("U0ALICE", &format!("checkin {args}")).await;
        assert!(reply.contains("Starting a round-robin check-in"), "{reply}");
        self.run_due_jobs().await;
        let parent = self
            .sandbox
            .messages_in(CHANNEL)
            .into_iter()
            .find(|m| m.text.starts_with(debrief::features::checkin::PARENT_TEXT))
            .expect("the parent message is in the channel");
        parent.ts
    }

    /// The round as stored, found by its thread.
    pub async fn stored_round(&self, thread_ts: &str) -> debrief::store::checkins::Checkin {
        self.state
            .store
            .checkin_by_thread(CHANNEL, thread_ts)
            .await
            .unwrap()
            .expect("the round is stored")
    }

    pub fn thread(&self, thread_ts: &str) -> Vec<debrief::sandbox::SandboxMessage> {
        self.sandbox
            .messages_in(CHANNEL)
            .into_iter()
            .filter(|m| m.thread_ts.as_deref() == Some(thread_ts))
            .collect()
    }

    /// The user mentioned by each "your turn" message, in order.
    pub fn calls(&self, thread_ts: &str) -> Vec<String> {
        self.thread(thread_ts)
            .iter()
            .filter(|m| m.text.contains("your turn"))
            .map(|m| m.text[2..m.text.find('>').unwrap()].to_string())
            .collect()
    }

    pub fn current_turn(&self, thread_ts: &str) -> String {
        self.calls(thread_ts)
            .last()
            .cloned()
            .expect("someone was called")
    }

    /// `user` presses `action` for the current turn: Share and Pass on the call in the
    /// thread; Skip and End on the facilitator's private controls (a click forged from
    /// them when `user` is someone else, who never sees those buttons).
    pub async fn press(&self, user: &str, thread_ts: &str, action: &str) {
        let response = if [debrief::ids::CHECKIN_SKIP, debrief::ids::CHECKIN_END].contains(&action)
        {
            let controls = self
                .sandbox
                .ephemeral_blocks_for("U0ALICE")
                .into_iter()
                .rfind(|blocks| blocks.to_string().contains(action))
                .expect("the facilitator was shown the round's controls");
            self.slack
                .click_ephemeral(
                    user,
                    CHANNEL,
                    &serde_json::json!({ "blocks": controls }),
                    action,
                )
                .await
        } else {
            let call = self
                .thread(thread_ts)
                .into_iter()
                .rfind(|m| m.text.contains("your turn"))
                .unwrap();
            self.slack
                .click_button(user, CHANNEL, &call.ts, action)
                .await
        };
        assert_eq!(response.status, 200);
        self.run_due_jobs().await;
    }
}

/// Runs statements straight against the test database, as a DBA (or an older version)
/// would, outside the app.
pub async fn execute(db: &TestDb, statements: &[String]) {
    for sql in statements {
        try_execute(db, sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Like [`execute`] for one statement, returning the database's error.
pub async fn try_execute(db: &TestDb, sql: &str) -> Result<(), String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    let result = if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.map(|_| ())
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.map(|_| ())
    };
    result.map_err(|e| e.to_string())
}

/// The first column of every row, as text.
pub async fn query_strings(db: &TestDb, sql: &str) -> Vec<String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
    }
}

/// The first column of every row, as bytes (sealed values, PostgreSQL raw pages).
pub async fn query_bytes(db: &TestDb, sql: &str) -> Vec<Vec<u8>> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
    }
}

/// Holds another connection's write lock (SQLite) or an exclusive lock on `table`
/// (PostgreSQL) until dropped: the database, as far as debrief can tell, is stuck.
pub struct WriteHold {
    /// The connection holding the lock; dropping it closes the connection and frees it.
    _connection: Box<dyn std::any::Any + Send>,
}

pub async fn hold_writes(db: &TestDb, table: &str) -> WriteHold {
    if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
        let lock = format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE");
        sqlx::query(sqlx::AssertSqlSafe(lock))
            .execute(&mut conn)
            .await
            .unwrap();
        WriteHold {
            _connection: Box::new(conn),
        }
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
        sqlx::query("BEGIN EXCLUSIVE")
            .execute(&mut conn)
            .await
            .unwrap();
        WriteHold {
            _connection: Box::new(conn),
        }
    }
}

/// Runs `promtool args…` with `input` on stdin: `None` when promtool is not installed
/// (a failure instead when DEBRIEF_REQUIRE_PROMTOOL is set, as CI does), `Some("")` when it
/// passes, and what it printed when it does not.
pub fn promtool(args: &[&str], input: &str) -> Option<String> {
    use std::io::Write;
    let spawned = std::process::Command::new("promtool")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(_) if std::env::var_os("DEBRIEF_REQUIRE_PROMTOOL").is_none() => {
            eprintln!("skipped: promtool is not installed");
            return None;
        }
        Err(err) => panic!("DEBRIEF_REQUIRE_PROMTOOL is set but promtool cannot run: {err}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.success() {
        return Some(String::new());
    }
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}
