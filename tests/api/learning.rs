//! The quarterly learning review through the sandbox on both databases: posted in the
//! channel within Slack's limits, uploaded as Markdown, posted automatically exactly once by
//! two apps sharing one database, and `learnings` lookups that never return what is below
//! the k-floor.

use std::sync::Arc;
use std::time::Duration;

use debrief::clock::{Clock, ManualClock};
use debrief::features::learning::post;
use debrief::queue::JobContext;
use debrief::sandbox::SlackSandbox;
use jiff::Timestamp;

use crate::helpers::{CHANNEL, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    the_report_is_posted_in_the_channel_within_slacks_limits,
    the_automatic_post_goes_out_once_with_two_apps_on_one_database,
    learnings_return_what_was_learned_and_nothing_below_the_k_floor,
    the_quarterly_review_goes_only_where_debrief_can_post_and_its_chooser_hears_of_a_failure,
);

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The report's messages in a channel.
fn report_messages(app: &TestApp, quarter: &str) -> Vec<debrief::sandbox::SandboxMessage> {
    app.sandbox
        .messages_in(CHANNEL)
        .into_iter()
        .filter(|m| {
            m.text
                .starts_with(&format!("Quarterly learning review: {quarter}"))
        })
        .collect()
}

/// Every section's text in a message, to check Slack's 3,000-character limit.
fn section_texts(blocks: &serde_json::Value) -> Vec<String> {
    blocks
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "section")
        .map(|b| b["text"]["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn app_at(db: &TestDb, start: &str, channel: Option<&str>) -> TestApp {
    let sandbox = SlackSandbox::start(SlackSandbox::small_workspace)
        .await
        .expect("sandbox starts");
    app_with(db, sandbox, Arc::new(ManualClock::new(at(start))), channel).await
}

async fn app_with(
    db: &TestDb,
    sandbox: SlackSandbox,
    clock: Arc<ManualClock>,
    channel: Option<&str>,
) -> TestApp {
    let channel = channel.map(str::to_string);
    TestApp::spawn_with(db, sandbox, clock, |config| {
        config.learning.review_channel = channel;
    })
    .await
}

async fn the_report_is_posted_in_the_channel_within_slacks_limits(db: TestDb) {
    let app = app_at(&db, "2026-08-03T10:00:00Z", None).await;
    app.open_review("").await;
    for n in 0..40 {
        app.cmd(
            "U0ALICE",
            &format!(r#"action add title="Remove the manual step number {n} from deploys" kind=tech-debt"#),
        )
        .await;
    }
    app.run_due_jobs().await;
    let reply = app.cmd("U0ALICE", "learning-review quarter=2026-Q5").await;
    assert!(reply.contains("write it like 2026-Q3"), "{reply}");
    let reply = app.cmd("U0ALICE", "learning-review quarter=2026-Q3").await;
    assert!(
        reply.contains("Posting the learning review of 2026-Q3"),
        "{reply}"
    );
    app.run_due_jobs().await;
    let posted = report_messages(&app, "2026-Q3");
    assert!(!posted.is_empty(), "posted in the channel");
    let all: String = posted.iter().map(|m| m.blocks.to_string()).collect();
    for expected in [
        "Incident inventory (15 min)",
        "Pattern analysis (20 min)",
        "Action-item audit (20 min)",
        "Psychological-safety pulse (15 min)",
        "No pulse run this quarter.",
        "Forward-looking risks (20 min)",
        "Facilitator:* alice",
        "SRE leads, Engineering managers, On-call representatives",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in {all}");
    }
    for message in &posted {
        let blocks = message.blocks.as_array().unwrap();
        assert!(blocks.len() <= 50, "{} blocks", blocks.len());
        for text in section_texts(&message.blocks) {
            assert!(text.chars().count() <= 3000, "{} characters", text.len());
        }
    }
    // The charts are PNGs shared in the channel, each after the message holding the
    // section it illustrates and before the next section's.
    use debrief::sandbox::Sighting;
    let seen: Vec<(String, Vec<u8>)> = app
        .sandbox
        .sightings()
        .into_iter()
        .filter_map(|s| match s {
            Sighting::Message { channel, text, .. } if channel == CHANNEL => {
                Some((text, Vec::new()))
            }
            Sighting::File {
                channel,
                title,
                bytes,
                ..
            } if channel == CHANNEL => Some((format!("file: {title}"), bytes)),
            _ => None,
        })
        .collect();
    let charts: Vec<&(String, Vec<u8>)> = seen
        .iter()
        .filter(|(t, _)| t.starts_with("file: "))
        .collect();
    assert_eq!(
        charts.len(),
        6,
        "{:?}",
        seen.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    for (title, bytes) in &charts {
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{title} is a PNG");
        assert!(title.contains("2026-Q3"), "{title}");
    }
    let position = |needle: &str| {
        seen.iter()
            .position(|(t, _)| t.contains(needle))
            .unwrap_or_else(|| {
                panic!(
                    "{needle} not in {:?}",
                    seen.iter().map(|s| &s.0).collect::<Vec<_>>()
                )
            })
    };
    let recurrence = position("file: Recurrence rate");
    let pulse = position("file: Psychological-safety pulse");
    assert!(position("1. Incident inventory (15 min)") < recurrence);
    assert!(recurrence < position("2. Pattern analysis (20 min)"));
    assert!(position("4. Psychological-safety pulse (15 min)") < pulse);
    assert!(pulse < position("5. Forward-looking risks (20 min)"));

    let reply = app
        .cmd("U0ALICE", "learning-review quarter=2026-Q3 format=markdown")
        .await;
    assert!(reply.contains("Markdown document"), "{reply}");
    app.run_due_jobs().await;
    let uploads = app.sandbox.world().uploads.clone();
    let document = uploads
        .values()
        .find(|(name, _)| name == "learning-review-2026-Q3.md")
        .and_then(|(_, content)| content.clone())
        .map(|bytes| String::from_utf8(bytes).unwrap())
        .expect("the Markdown document was uploaded");
    assert!(
        document.starts_with("# Quarterly learning review: 2026-Q3"),
        "{document}"
    );
    assert!(document.contains("## 3. Action-item audit (20 min)"));
    app.stop().await;
}

async fn the_automatic_post_goes_out_once_with_two_apps_on_one_database(db: TestDb) {
    let first = app_at(&db, "2026-09-28T12:00:00Z", Some(CHANNEL)).await;
    first.open_review("").await;
    let second = app_with(
        &db,
        first.sandbox.clone(),
        first.clock.clone(),
        Some(CHANNEL),
    )
    .await;
    // Both replicas start and queue the recurring work: one row per quarter between them.
    for app in [&first, &second] {
        debrief::bot::jobs::schedule_recurring(&app.state, app.clock.now())
            .await
            .unwrap();
    }
    let opens = post::first_weekday_post("2026-Q4".parse().unwrap(), &jiff::tz::TimeZone::UTC);
    assert_eq!(opens, at("2026-10-01T09:00:00Z"));
    first.clock.advance_to(opens);
    // Both run every due job at the same moment, each with its own worker.
    let (a, b) = tokio::join!(
        debrief::jobs::run_due_jobs(&first.state, "replica-a"),
        debrief::jobs::run_due_jobs(&second.state, "replica-b"),
    );
    a.unwrap();
    b.unwrap();
    first.run_due_jobs().await;
    let posted = report_messages(&first, "2026-Q3");
    let firsts = posted.iter().filter(|m| m.text.contains("(1 of ")).count();
    assert_eq!(firsts, 1, "one report, posted once");

    // The automatic job queued again (a restart that lost its dedupe row, a manual
    // re-run) finds the quarter claimed and posts nothing.
    let ctx = JobContext {
        id: 0,
        worker: "replica-c".into(),
    };
    post::automatic(&second.state, &ctx, "2026-Q4", second.clock.now())
        .await
        .unwrap();
    first.run_due_jobs().await;
    assert_eq!(report_messages(&first, "2026-Q3").len(), posted.len());

    // The next quarter's post is queued, for its own first weekday.
    let next = first.state.store.next_job_run_at().await.unwrap().unwrap();
    assert!(next > opens);
    second.stop().await;
    first.stop().await;
}

async fn learnings_return_what_was_learned_and_nothing_below_the_k_floor(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("min=3").await;
    app.send_survey().await;
    app.answer("U0BOB", "the zebracorn cache ttl surprised me")
        .await;
    app.answer("U0CAROL", "zebracorn ttl was on no dashboard")
        .await;
    app.cmd("U0DAN", "observe flamingo feathers in the runbook")
        .await;
    app.cmd("U0ALICE", r#"action add title="Add a canary stage""#)
        .await;
    app.run_due_jobs().await;
    app.advance(Duration::from_secs(15 * 60));
    app.run_due_jobs().await;

    let found = app
        .slack
        .command("U0ERIN", CHANNEL, "learnings checkout")
        .await;
    let body = found.body.clone();
    assert!(body.contains("Checkout errors"), "{body}");
    assert!(body.contains("Add a canary stage"), "{body}");
    assert!(
        body.contains(&format!("<#{CHANNEL}>")),
        "linked to its incident: {body}"
    );
    for secret in ["zebracorn", "flamingo", "Theme:"] {
        assert!(
            !body.contains(secret),
            "{secret} leaked below the k-floor: {body}"
        );
    }
    let words = app.cmd("U0ERIN", "learnings zebracorn").await;
    assert!(
        words.contains("Nothing learned yet"),
        "answers are not searched: {words}"
    );

    // At the k-floor the review's themes appear, as labels with counts, never quotes.
    app.answer("U0DAN", "a zebracorn ttl nobody knew about")
        .await;
    let found = app
        .slack
        .command("U0ERIN", CHANNEL, "learnings cache-invalidation")
        .await;
    assert!(found.body.contains("Theme:"), "{}", found.body);
    assert!(!found.body.contains("surprised me") && !found.body.contains("flamingo"));

    let counted = app.state.store.lookup_counts("T0SANDBOX").await.unwrap();
    assert_eq!(counted.iter().map(|(_, n)| n).sum::<i64>(), 3);
    app.stop().await;
}

/// What `user` sees after typing `/debrief <text>` in `channel`.
async fn typed_in(app: &TestApp, user: &str, channel: &str, text: &str) -> String {
    let response = app.slack.command(user, channel, text).await;
    assert_eq!(response.status, 200, "{text}: {}", response.body);
    response.text()
}

/// The workspace's chosen channel and chooser, as stored.
async fn chosen(app: &TestApp) -> Vec<(String, Option<String>)> {
    app.state
        .store
        .learning_review_channels()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.channel_id, s.set_by))
        .collect()
}

/// `every=quarter` is refused where debrief cannot post (the post would fail unseen three
/// months later); only whoever chose the channel, or a workspace admin, moves or stops
/// it; when a quarter's post fails all the same, the chooser is told by DM how to post it.
async fn the_quarterly_review_goes_only_where_debrief_can_post_and_its_chooser_hears_of_a_failure(
    db: TestDb,
) {
    use debrief::sandbox::{Fault, SandboxChannel};
    const ELSEWHERE: &str = "C0ELSEWHERE";
    let app = app_at(&db, "2026-08-03T10:00:00Z", None).await;
    app.open_review("").await;

    // #random does not hold debrief.
    let refused = typed_in(
        &app,
        "U0ALICE",
        "C0OUTSIDE",
        "learning-review every=quarter",
    )
    .await;
    assert!(
        refused.contains("I'm not a member of this channel")
            && refused.contains("/invite @debrief"),
        "{refused}"
    );
    assert!(
        chosen(&app).await.is_empty(),
        "nothing stored: {:?}",
        chosen(&app).await
    );

    let ok = app.cmd("U0ALICE", "learning-review every=quarter").await;
    assert!(
        ok.contains("This channel gets the learning review every quarter")
            && ok.contains("I'll tell you by DM"),
        "{ok}"
    );
    assert_eq!(
        chosen(&app).await,
        [(CHANNEL.to_string(), Some("U0ALICE".to_string()))]
    );

    // Bob, not an admin, can neither move nor stop alice's choice, nor take it over.
    let bot = app.sandbox.world().bot_user_id.clone();
    app.sandbox.world().channels.insert(
        ELSEWHERE.into(),
        SandboxChannel {
            id: ELSEWHERE.into(),
            name: "sre-leads".into(),
            members: vec![bot.clone(), "U0ALICE".into(), "U0BOB".into()],
            is_im: false,
            is_archived: false,
        },
    );
    let moved = typed_in(&app, "U0BOB", ELSEWHERE, "learning-review every=quarter").await;
    assert!(
        moved.contains("<@U0ALICE> chose that channel") && moved.contains("Nothing changed"),
        "{moved}"
    );
    let stopped = app.cmd("U0BOB", "learning-review every=off").await;
    assert!(
        stopped.contains("<@U0ALICE> chose that channel"),
        "{stopped}"
    );
    let again = app.cmd("U0BOB", "learning-review every=quarter").await;
    assert!(
        again.contains("already gets the learning review"),
        "{again}"
    );
    assert_eq!(
        chosen(&app).await,
        [(CHANNEL.to_string(), Some("U0ALICE".to_string()))]
    );

    // A workspace admin may: bob, made one, moves it and becomes its chooser.
    app.sandbox.world().users.get_mut("U0BOB").unwrap().is_admin = true;
    let moved = typed_in(&app, "U0BOB", ELSEWHERE, "learning-review every=quarter").await;
    assert!(
        moved.contains(&format!("It no longer goes to <#{CHANNEL}>")),
        "{moved}"
    );
    app.sandbox.world().users.get_mut("U0BOB").unwrap().is_admin = false;
    assert_eq!(
        chosen(&app).await,
        [(ELSEWHERE.to_string(), Some("U0BOB".to_string()))]
    );

    // Then debrief is removed from that channel. The quarter's post fails, and bob alone
    // hears of it, with how to post it once debrief is back.
    app.sandbox
        .world()
        .channels
        .get_mut(ELSEWHERE)
        .unwrap()
        .members
        .retain(|m| *m != bot);
    let tz = jiff::tz::TimeZone::UTC;
    let (quarter, opens) = post::next_automatic(app.clock.now(), &tz);
    app.clock.advance_to(opens);
    app.expect_leftover_jobs();
    app.run_due_jobs().await;
    let reviewed = quarter.previous().to_string();
    assert!(app.sandbox.messages_in(ELSEWHERE).is_empty());
    let failed = app.state.store.failed_jobs().await.unwrap();
    assert_eq!(failed.len(), 1, "the post, and only it, failed: {failed:?}");
    let told: Vec<String> = app
        .sandbox
        .dms_to("U0BOB")
        .into_iter()
        .map(|m| m.text)
        .filter(|t| t.contains("couldn't post the learning review"))
        .collect();
    assert_eq!(told.len(), 1, "one DM to the chooser: {told:?}");
    assert!(
        told[0].contains(&format!("<#{ELSEWHERE}>"))
            && told[0].contains("/invite @debrief")
            && told[0].contains(&format!("`/debrief learning-review quarter={reviewed}`")),
        "{}",
        told[0]
    );
    assert!(
        !app.sandbox
            .dms_to("U0ALICE")
            .iter()
            .any(|m| m.text.contains("couldn't post the learning review")),
        "alice no longer chose the channel"
    );

    // Slack not answering the membership check within its second: the choice is kept,
    // with a word that it could not be checked.
    app.sandbox.fail_next("conversations.info", Fault::Hang, 1);
    let unchecked = app.cmd("U0BOB", "learning-review every=quarter").await;
    assert!(
        unchecked.contains("This channel gets the learning review every quarter")
            && unchecked.contains("Slack did not answer"),
        "{unchecked}"
    );
    assert_eq!(
        chosen(&app).await,
        [(CHANNEL.to_string(), Some("U0BOB".to_string()))]
    );
    app.stop().await;
}
