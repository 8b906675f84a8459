//! More than one workspace (issue 15): "Add to Slack" through the sandbox's OAuth pages,
//! tokens stored sealed, every request and job acting with its own workspace's token,
//! nothing crossing between two workspaces that even share channel and user ids, and an
//! uninstall stopping one workspace's work only.

use std::sync::Arc;
use std::time::Duration;

use debrief::clock::{Clock, ManualClock};
use debrief::config::{OAuthConfig, Secret};
use debrief::sandbox::{
    SANDBOX_BOT_TOKEN, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SECOND_BOT_TOKEN, SlackSandbox,
};
use serde_json::json;

use crate::helpers::{CHANNEL, TestApp, TestDb, query_bytes, query_strings};
use crate::on_both_databases;

on_both_databases!(
    two_workspaces_install_and_nothing_crosses_between_them,
    an_install_that_did_not_start_in_this_browser_is_refused,
    the_automatic_learning_review_posts_with_the_installed_workspaces_token,
    each_workspace_gets_its_learning_review_in_the_channel_it_chose,
    a_token_slack_refuses_stops_that_workspace_without_any_event,
);

/// PostgreSQL only: there a table lock blocks reads, which SQLite's write-ahead log never
/// does, so only there can the read of a workspace's credentials hang.
mod a_database_that_hangs_while_credentials_are_read_still_gets_answers_in_time {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        match crate::helpers::TestDb::postgres().await {
            Some(db) => {
                super::a_database_that_hangs_while_credentials_are_read_still_gets_answers_in_time(
                    db,
                )
                .await
            }
            None => eprintln!("skipped: set TEST_POSTGRES_URL to run this on PostgreSQL"),
        }
    }
}

/// Where the app says Slack should send installers back; the test follows it by hand.
const REDIRECT: &str = "http://debrief.test/slack/oauth_redirect";

/// An app with OAuth distribution and no SLACK_BOT_TOKEN, and the two workspaces' views.
async fn distributed_app(db: &TestDb) -> (TestApp, TestApp) {
    distributed_app_with(db, |_| {}).await
}

/// [`distributed_app`] with more configuration.
async fn distributed_app_with(
    db: &TestDb,
    configure: impl FnOnce(&mut debrief::config::Config),
) -> (TestApp, TestApp) {
    let (first, second) =
        SlackSandbox::start_two(SlackSandbox::small_workspace, SlackSandbox::small_workspace)
            .await
            .expect("sandbox starts");
    let app = TestApp::spawn_with(db, first, Arc::new(ManualClock::starting_now()), |c| {
        c.slack_bot_token = None;
        c.oauth = Some(OAuthConfig {
            client_id: SANDBOX_CLIENT_ID.into(),
            client_secret: Secret::new(SANDBOX_CLIENT_SECRET),
            redirect_url: Some(REDIRECT.into()),
        });
        configure(c);
    })
    .await;
    let other = app.in_workspace(&second);
    (app, other)
}

/// What a browser got for one GET (redirects are not followed).
struct Visit {
    status: u16,
    location: Option<String>,
    set_cookie: Option<String>,
    body: String,
}

/// One GET as a browser makes it, with `cookie` when given.
async fn visit(url: &str, cookie: Option<&str>) -> Visit {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let mut request = hyper::Request::get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = client
        .request(request.body(http_body_util::Empty::new()).unwrap())
        .await
        .expect("the server answers");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (status, location, set_cookie) = (
        response.status().as_u16(),
        header("location"),
        header("set-cookie"),
    );
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    Visit {
        status,
        location,
        set_cookie,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The install page's state cookie and its "Add to Slack" link.
async fn start_install(app: &TestApp) -> (String, String) {
    let page = visit(&format!("{}/slack/install", app.base_url), None).await;
    assert_eq!(page.status, 200);
    let cookie = page
        .set_cookie
        .expect("the install page sets the state cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_string();
    let start = page.body.find("href=\"").expect("a link") + 6;
    let end = start + page.body[start..].find('"').unwrap();
    (cookie, page.body[start..end].replace("&amp;", "&"))
}

/// Slack's authorize page, where `installer` presses Allow: returns where their browser is
/// sent back to, pointed at the app.
async fn allow(app: &TestApp, workspace: &TestApp, link: &str, installer: &str) -> String {
    assert!(
        link.starts_with(&format!(
            "{}/oauth/v2/authorize?",
            workspace.sandbox.base_url()
        )),
        "{link}"
    );
    workspace.sandbox.next_installer(installer);
    let allowed = visit(link, None).await;
    assert_eq!(allowed.status, 302, "{}", allowed.body);
    let back = allowed.location.expect("sent back");
    assert!(back.starts_with(REDIRECT), "{back}");
    back.replacen("http://debrief.test", &app.base_url, 1)
}

/// `installer` installs debrief in `workspace`'s Slack: the install page, Slack's
/// authorize page, and back to the app with the cookie.
async fn install(app: &TestApp, workspace: &TestApp, installer: &str) -> Visit {
    let (cookie, link) = start_install(app).await;
    let back = allow(app, workspace, &link, installer).await;
    visit(&back, Some(&cookie)).await
}

/// Whether a workspace's Slack received a successful call of `method`.
fn called(workspace: &TestApp, method: &str) -> bool {
    !workspace.sandbox.successful_calls(method).is_empty()
}

async fn two_workspaces_install_and_nothing_crosses_between_them(db: TestDb) {
    let (first, second) = distributed_app(&db).await;

    // Before anyone installs, a command is answered in words and Slack is never called.
    let refused = first.cmd("U0ALICE", "help").await;
    assert!(refused.contains("isn't installed"), "{refused}");
    assert!(first.sandbox.calls("").is_empty());

    // Alice installs debrief in the first workspace, Dan (same id, other person) in the second.
    let page = install(&first, &first, "U0ALICE").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("debrief is installed"), "{}", page.body);
    let page = install(&first, &second, "U0DAN").await;
    assert_eq!(page.status, 200, "{}", page.body);
    first.run_due_jobs().await;

    // Each installer is welcomed in their own workspace, and only there.
    let welcomed = |w: &TestApp, user: &str| {
        w.sandbox
            .dms_to(user)
            .iter()
            .filter(|m| m.text.contains("Thanks for adding debrief"))
            .count()
    };
    assert_eq!(welcomed(&first, "U0ALICE"), 1);
    assert_eq!(welcomed(&second, "U0DAN"), 1);
    assert_eq!(welcomed(&first, "U0DAN") + welcomed(&second, "U0ALICE"), 0);
    let welcome = first.sandbox.dms_to("U0ALICE")[0].blocks.to_string();
    assert!(
        welcome.contains("/debrief review"),
        "the three steps: {welcome}"
    );

    // The tokens are stored sealed: no copy of the database holds one readably.
    let sealed = query_bytes(&db, "SELECT sealed_token FROM workspaces ORDER BY team_id").await;
    assert_eq!(sealed.len(), 2);
    for token in [SANDBOX_BOT_TOKEN, SECOND_BOT_TOKEN] {
        assert!(
            sealed
                .iter()
                .all(|s| !s.windows(token.len()).any(|w| w == token.as_bytes())),
            "{token} is readable in the workspaces table"
        );
    }
    if let TestDb::Sqlite { url, .. } = &db {
        let path = url.trim_start_matches("sqlite://");
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        assert!(
            !bytes
                .windows(SECOND_BOT_TOKEN.len())
                .any(|w| w == SECOND_BOT_TOKEN.as_bytes()),
            "the token is in the database file or its write-ahead log"
        );
    }

    // Both run a review in a channel with the same id, with the same people's ids.
    for (w, mode, answers) in [
        (
            &first,
            "Cache Invalidation",
            [
                "ALPHA the ttl surprised me",
                "ALPHA nobody knew the ttl",
                "ALPHA no dashboard for the ttl",
            ],
        ),
        (
            &second,
            "Quota Exhaustion",
            [
                "BETA the quota was silent",
                "BETA quota alerts went nowhere",
                "BETA nobody owned the quota",
            ],
        ),
    ] {
        let text = w
            .cmd(
                "U0ALICE",
                &format!(r#"incident title="Outage" sev=P2 mode="{mode}""#),
            )
            .await;
        assert!(text.contains("Recorded"), "{text}");
        let text = w.cmd("U0ALICE", "review in=2d").await;
        assert!(text.contains("Opened the review"), "{text}");
        w.run_due_jobs().await;
        w.send_survey().await;
        for (user, answer) in ["U0BOB", "U0CAROL", "U0DAN"].into_iter().zip(answers) {
            w.answer(user, answer).await;
        }
        w.cmd("U0ALICE", "agenda").await;
        w.run_due_jobs().await;
    }
    let first_review = first.review_id().await;
    let second_review = second.review_id().await;
    assert_ne!(first_review, second_review, "one review per workspace");

    // Each workspace's Slack saw only its own token, so each call reached its own people.
    let first_calls = first.sandbox.calls("");
    let second_calls = second.sandbox.calls("");
    assert!(
        first_calls.iter().all(|c| c.outcome != "invalid_auth"),
        "{first_calls:?}"
    );
    assert!(
        second_calls.iter().all(|c| c.outcome != "invalid_auth"),
        "{second_calls:?}"
    );
    assert!(called(&first, "chat.postMessage") && called(&second, "chat.postMessage"));

    // Agendas, invitations and everything else each person saw stay in their workspace.
    let seen = |w: &TestApp| {
        w.sandbox
            .sightings()
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (seen_first, seen_second) = (seen(&first), seen(&second));
    assert!(
        seen_first.contains("ALPHA the ttl surprised me"),
        "the agenda holds the answers"
    );
    assert!(seen_second.contains("BETA the quota was silent"));
    for leaked in ["BETA ", "Quota Exhaustion", "quota-exhaustion", "T0SECOND"] {
        assert!(
            !seen_first.contains(leaked),
            "{leaked} reached the first workspace"
        );
    }
    for leaked in [
        "ALPHA ",
        "Cache Invalidation",
        "cache-invalidation",
        "T0SANDBOX",
    ] {
        assert!(
            !seen_second.contains(leaked),
            "{leaked} reached the second workspace: {}",
            seen_second
                .lines()
                .filter(|l| l.contains(leaked))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    // The store keeps them apart too: the second review has its own four people (its bot,
    // U0DEBRIEF2, left out as a bot), and each incident is its own workspace's.
    let participants = query_strings(
        &db,
        &format!(
            "SELECT COUNT(*) || '' FROM participants WHERE review_id = {}",
            second_review.0
        ),
    )
    .await;
    assert_eq!(participants, vec!["4".to_string()]);
    let modes = query_strings(
        &db,
        "SELECT team_id || ':' || failure_mode FROM incidents ORDER BY team_id",
    )
    .await;
    assert_eq!(
        modes,
        vec![
            "T0SANDBOX:cache-invalidation".to_string(),
            "T0SECOND:quota-exhaustion".into()
        ]
    );

    // Failure-mode labels, the values the metrics and the learning review group by, are
    // each workspace's own vocabulary.
    let first_modes = first.slack.command("U0ALICE", CHANNEL, "modes").await.body;
    let second_modes = second.slack.command("U0ALICE", CHANNEL, "modes").await.body;
    assert!(first_modes.contains("cache-invalidation"), "{first_modes}");
    assert!(!first_modes.contains("quota-exhaustion"), "{first_modes}");
    assert!(second_modes.contains("quota-exhaustion"), "{second_modes}");
    assert!(
        !second_modes.contains("cache-invalidation"),
        "{second_modes}"
    );

    // An action item in the second workspace only.
    let added = second
        .cmd(
            "U0ALICE",
            r#"action add title="Quota alert" kind=detection"#,
        )
        .await;
    assert!(added.contains("Added action item"), "{added}");

    // In /metrics, each workspace's failure modes are labelled with its team, and only its.
    let (_, first_scrape) = first.get("/metrics").await;
    let (_, exposition) = first.get("/metrics").await;
    let _ = first_scrape;
    let mode_of_team = |team: &str| -> Vec<String> {
        exposition
            .lines()
            .filter(|l| {
                l.starts_with("incident_opened_total{") && l.contains(&format!("team=\"{team}\""))
            })
            .filter_map(|l| {
                l.split("failure_mode=\"")
                    .nth(1)?
                    .split('"')
                    .next()
                    .map(str::to_string)
            })
            .collect()
    };
    assert_eq!(
        mode_of_team("T0SANDBOX"),
        vec!["cache-invalidation"],
        "{exposition}"
    );
    assert_eq!(
        mode_of_team("T0SECOND"),
        vec!["quota-exhaustion"],
        "{exposition}"
    );

    // Action items too: counted for the workspace that added it, not summed across.
    for (team, expected) in [("T0SANDBOX", " 0"), ("T0SECOND", " 1")] {
        let series =
            format!("action_items_opened_total{{kind=\"detection\",team=\"{team}\"}}{expected}");
        assert!(
            exposition.lines().any(|l| l == series),
            "{series} missing: {exposition}"
        );
    }

    // The second workspace uninstalls: its pending work stops, the first's goes on.
    let pending = first.state.store.pending_jobs_by_team().await.unwrap();
    let team_pending = |team: &str| {
        pending
            .iter()
            .find(|(t, _)| t.as_deref() == Some(team))
            .map_or(0, |(_, n)| *n)
    };
    assert!(
        team_pending("T0SANDBOX") > 0 && team_pending("T0SECOND") > 0,
        "{pending:?}"
    );
    second.sandbox.revoke_token();
    let response = second
        .slack
        .workspace_event(json!({ "type": "app_uninstalled" }))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let after = first.state.store.pending_jobs_by_team().await.unwrap();
    assert!(
        after.iter().all(|(t, _)| t.as_deref() != Some("T0SECOND")),
        "{after:?}"
    );
    assert!(
        after
            .iter()
            .any(|(t, n)| t.as_deref() == Some("T0SANDBOX") && *n == team_pending("T0SANDBOX")),
        "{after:?}"
    );
    only_the_first_is_still_installed(&db, &first, &second).await;

    // The first workspace's survey closes on time; nothing runs for the second.
    let before = second.sandbox.calls("").len();
    first
        .run_jobs_until_idle(Duration::from_secs(3 * 86_400))
        .await;
    assert_eq!(
        second.sandbox.calls("").len(),
        before,
        "no call reached the uninstalled workspace"
    );
    first.stop().await;
}

async fn an_install_that_did_not_start_in_this_browser_is_refused(db: TestDb) {
    let (first, _second) = distributed_app(&db).await;
    let (cookie, link) = start_install(&first).await;
    let back = allow(&first, &first, &link, "U0ALICE").await;

    // Someone else's browser (no cookie, or another install's): refused before Slack is asked.
    let (other_cookie, _) = start_install(&first).await;
    for cookie in [None, Some(other_cookie.as_str())] {
        let refused = visit(&back, cookie).await;
        assert_eq!(refused.status, 400);
        assert!(
            refused.body.contains("not started in this browser"),
            "{}",
            refused.body
        );
    }
    assert!(first.sandbox.calls("oauth.v2.access").is_empty());

    // Cancelled on Slack's page: said plainly, nothing installed.
    let cancelled = visit(
        &format!(
            "{}/slack/oauth_redirect?error=access_denied&state=x",
            first.base_url
        ),
        None,
    )
    .await;
    assert_eq!(cancelled.status, 200);
    assert!(cancelled.body.contains("cancelled"), "{}", cancelled.body);

    // The right browser finishes; the same code a second time is refused by Slack.
    let finished = visit(&back, Some(&cookie)).await;
    assert_eq!(finished.status, 200, "{}", finished.body);
    let again = visit(&back, Some(&cookie)).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("invalid_code"), "{}", again.body);

    // Ten minutes later a state is stale even in the right browser.
    let (cookie, link) = start_install(&first).await;
    let back = allow(&first, &first, &link, "U0BOB").await;
    first.advance(Duration::from_secs(601));
    let stale = visit(&back, Some(&cookie)).await;
    assert_eq!(stale.status, 400);
    assert!(stale.body.contains("ten minutes"), "{}", stale.body);
    first.run_due_jobs().await;
    first.stop().await;
}

/// The quarterly learning review posts itself in `DEBRIEF_LEARNING_REVIEW_CHANNEL` on the
/// quarter's first weekday. With OAuth distribution there is no SLACK_BOT_TOKEN, so the
/// post must act for the workspace whose review it is, with its installed token: before,
/// it was queued for no workspace and every call failed with no token.
async fn the_automatic_learning_review_posts_with_the_installed_workspaces_token(db: TestDb) {
    let (first, second) = distributed_app_with(&db, |c| {
        c.learning.review_channel = Some(CHANNEL.into());
    })
    .await;
    let page = install(&first, &first, "U0ALICE").await;
    assert_eq!(page.status, 200, "{}", page.body);
    first.run_due_jobs().await;
    first.open_review("").await;
    debrief::bot::jobs::schedule_recurring(&first.state, first.clock.now())
        .await
        .unwrap();
    let (quarter, opens) = debrief::features::learning::post::next_automatic(
        first.clock.now(),
        &jiff::tz::TimeZone::UTC,
    );
    first.clock.advance_to(opens);
    first.run_due_jobs().await;
    let reviewed = quarter.previous().to_string();
    let posted: Vec<_> = first
        .sandbox
        .messages_in(CHANNEL)
        .into_iter()
        .filter(|m| {
            m.text
                .starts_with(&format!("Quarterly learning review: {reviewed}"))
        })
        .collect();
    assert!(
        !posted.is_empty(),
        "no report in the review channel; calls made: {:?}",
        first.sandbox.calls("chat.postMessage").len()
    );
    assert!(
        second.sandbox.messages_in(CHANNEL).is_empty(),
        "nothing in the other workspace's channel of the same id"
    );
    first.stop().await;
}

/// [`distributed_app`] with debrief installed in both workspaces and the welcomes sent.
async fn both_installed(db: &TestDb) -> (TestApp, TestApp) {
    let (first, second) = distributed_app(db).await;
    for (workspace, installer) in [(&first, "U0ALICE"), (&second, "U0DAN")] {
        let page = install(&first, workspace, installer).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    first.run_due_jobs().await;
    (first, second)
}

/// The quarterly reports of `reviewed` in a workspace's channel (their first parts).
fn learning_reviews_in(workspace: &TestApp, channel: &str, reviewed: &str) -> Vec<String> {
    workspace
        .sandbox
        .messages_in(channel)
        .into_iter()
        .filter(|m| {
            m.text
                .starts_with(&format!("Quarterly learning review: {reviewed} (1 of"))
        })
        .map(|m| format!("{} {}", m.text, m.blocks))
        .collect()
}

async fn each_workspace_gets_its_learning_review_in_the_channel_it_chose(db: TestDb) {
    let (first, second) = both_installed(&db).await;
    // An incident in the first workspace only: each report counts its own.
    first.open_review("").await;

    let chosen = first.cmd("U0ALICE", "learning-review every=quarter").await;
    assert!(
        chosen.contains("This channel gets the learning review every quarter"),
        "{chosen}"
    );
    let chosen = second.cmd("U0ALICE", "learning-review every=quarter").await;
    assert!(
        chosen.contains("This channel gets the learning review every quarter"),
        "{chosen}"
    );

    let tz = jiff::tz::TimeZone::UTC;
    let (quarter, opens) =
        debrief::features::learning::post::next_automatic(first.clock.now(), &tz);
    first.clock.advance_to(opens);
    first.run_due_jobs().await;
    let reviewed = quarter.previous().to_string();
    let in_first = learning_reviews_in(&first, CHANNEL, &reviewed);
    let in_second = learning_reviews_in(&second, CHANNEL, &reviewed);
    assert_eq!(
        in_first.len(),
        1,
        "one report in the first workspace: {in_first:?}"
    );
    assert_eq!(
        in_second.len(),
        1,
        "one report in the second workspace: {in_second:?}"
    );
    assert!(
        in_first[0].contains("1 incident this quarter."),
        "{}",
        in_first[0]
    );
    assert!(
        !in_second[0].contains("1 incident this quarter."),
        "{}",
        in_second[0]
    );

    // The second workspace stops it; the first still gets the next quarter's.
    let stopped = second.cmd("U0ALICE", "learning-review every=off").await;
    assert!(stopped.contains("stops"), "{stopped}");
    let again = second.cmd("U0ALICE", "learning-review every=off").await;
    assert!(again.contains("nothing to stop"), "{again}");
    let (next, opens) = debrief::features::learning::post::next_automatic(first.clock.now(), &tz);
    assert_eq!(next, quarter.next());
    first.clock.advance_to(opens);
    first.run_due_jobs().await;
    assert_eq!(
        learning_reviews_in(&first, CHANNEL, &quarter.to_string()).len(),
        1
    );
    assert!(learning_reviews_in(&second, CHANNEL, &quarter.to_string()).is_empty());
    first.stop().await;
}

/// After the second workspace was lost: only the first's token is stored, and only the
/// first is still served.
async fn only_the_first_is_still_installed(db: &TestDb, first: &TestApp, second: &TestApp) {
    let tokens = query_strings(
        db,
        "SELECT team_id FROM workspaces WHERE sealed_token IS NOT NULL ORDER BY team_id",
    )
    .await;
    assert_eq!(
        tokens,
        vec!["T0SANDBOX".to_string()],
        "the lost token is deleted"
    );
    let refused = second.cmd("U0ALICE", "status").await;
    assert!(refused.contains("isn't installed"), "{refused}");
    let still = first.cmd("U0ALICE", "status").await;
    assert!(!still.contains("isn't installed"), "{still}");
}

/// Jobs still to run for `team`.
async fn pending_for(app: &TestApp, team: &str) -> i64 {
    app.state
        .store
        .pending_jobs_by_team()
        .await
        .unwrap()
        .iter()
        .find(|(t, _)| t.as_deref() == Some(team))
        .map_or(0, |(_, n)| *n)
}

async fn a_token_slack_refuses_stops_that_workspace_without_any_event(db: TestDb) {
    let (first, second) = both_installed(&db).await;
    first.open_review("").await;
    second.open_review("").await;
    let first_pending = pending_for(&first, "T0SANDBOX").await;
    assert!(first_pending > 0 && pending_for(&first, "T0SECOND").await > 1);

    // The second workspace's token stops working, and no event says so (as over Socket
    // Mode, where `tokens_revoked` never arrives).
    second.sandbox.revoke_token();
    let before = second.sandbox.calls("").len();
    let first_calls = first.sandbox.calls("").len();
    first
        .run_jobs_until_idle(Duration::from_secs(3 * 86_400))
        .await;
    assert_eq!(
        second.sandbox.calls("").len() - before,
        1,
        "one refused call, then nothing more for that workspace"
    );
    assert_eq!(pending_for(&first, "T0SECOND").await, 0);
    only_the_first_is_still_installed(&db, &first, &second).await;
    // The first workspace's work went on.
    assert!(
        first.sandbox.calls("").len() > first_calls,
        "the first workspace's jobs still ran"
    );
    assert!(pending_for(&first, "T0SANDBOX").await < first_pending);
    // Exactly one job failed, the one whose call was refused; the rest were never run.
    let failed = first.state.store.failed_jobs().await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        format!("{failed:?}").contains("token_revoked"),
        "{failed:?}"
    );
    first.expect_leftover_jobs();
    first.stop().await;
}

/// With installs on, a workspace's credentials are read from the database once a minute,
/// before the command or form is handled. When the database hangs at that moment, the
/// command still gets its out-of-time sentence with what was typed, and a submitted form
/// stays open with a sentence saying it was not saved, both within the command deadline;
/// before, both waited for as long as the database did.
async fn a_database_that_hangs_while_credentials_are_read_still_gets_answers_in_time(db: TestDb) {
    let (first, _second) = both_installed(&db).await;
    first.open_review("").await;
    first
        .slack
        .command("U0BOB", CHANNEL, "counterfactual")
        .await;
    let (view_id, _) = first
        .sandbox
        .open_modal_for("U0BOB")
        .expect("the form opened");
    // The credentials read until now are a minute old: the next request reads them again.
    first.clock.advance(Duration::from_secs(61));
    let hold = crate::helpers::hold_writes(&db, "workspaces").await;
    // Far longer than the deadline, so that a wait for the lock fails the test, not hangs it.
    let patience = Duration::from_secs(15);

    let observed = first
        .slack
        .command("U0BOB", CHANNEL, "observe the pager was silent");
    let reply = tokio::time::timeout(patience, observed)
        .await
        .expect("the command is answered while the lock is held");
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert!(
        text.contains("could not finish this in time") && text.contains("the pager was silent"),
        "an honest answer with what was typed: {text}"
    );

    let fields = [
        ("condition", "the purge had a canary stage"),
        ("control", "yes"),
        ("cost", "S"),
        ("reach", "class"),
    ];
    let submitted = tokio::time::timeout(
        patience,
        first.slack.submit_view("U0BOB", &view_id, &fields),
    )
    .await
    .expect("the form is answered while the lock is held");
    assert!(
        submitted.body.contains("\"response_action\":\"errors\"")
            && submitted.body.contains("could not save this in time"),
        "the form stays open and says why: {}",
        submitted.body
    );
    assert!(
        first.sandbox.view(&view_id).is_some(),
        "the form is still open"
    );

    drop(hold);
    let text = first.cmd("U0BOB", "observe the pager was silent").await;
    assert!(text.starts_with("Recorded"), "works again at once: {text}");
    first.stop().await;
}
