//! Action items through the sandbox on both databases: the lifecycle and its history (who,
//! when, why), buttons that are idempotent and say when they are stale, listings within
//! Slack's limits, the App Home, the weekly owner digest, failure-mode suggestions and
//! merges, and marking a postmortem done.

use std::time::Duration;

use debrief::clock::Clock;
use debrief::domain::ItemStatus;
use debrief::ids::{ACTION_STATUS, MODE_USE};
use debrief::sandbox::SandboxMessage;
use jiff::Timestamp;

use crate::helpers::{CHANNEL, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    an_action_item_keeps_every_change_with_who_and_when,
    listings_are_paginated_within_slacks_limits,
    the_owner_digest_goes_out_once_a_week_unless_turned_off,
    a_close_failure_mode_is_suggested_and_a_merge_rewrites_history,
    a_review_is_done_only_after_its_meeting_and_only_by_its_facilitator,
    the_agenda_turns_a_counterfactual_into_an_item_and_closes_the_review,
);

/// The message that shows action item `id` in the incident channel.
fn item_message(app: &TestApp, id: i64) -> SandboxMessage {
    app.sandbox
        .messages_in(CHANNEL)
        .into_iter()
        .find(|m| m.text.starts_with(&format!("Action item #{id}:")))
        .unwrap_or_else(|| panic!("item #{id} has a message"))
}

async fn an_action_item_keeps_every_change_with_who_and_when(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let created_at = app.clock.now();
    let reply = app
        .cmd(
            "U0ALICE",
            r#"action add title="Add a canary stage to deploys" owner=<@U0BOB> due=2027-01-15 kind=fix url=https://linear.app/acme/issue/OPS-1"#,
        )
        .await;
    assert!(reply.contains("Added action item #1"), "{reply}");
    app.run_due_jobs().await;
    let message = item_message(&app, 1);
    let blocks = message.blocks.to_string();
    assert!(
        blocks.contains("<https://linear.app/acme/issue/OPS-1|Add a canary stage to deploys>"),
        "the tracker link is shown: {blocks}"
    );
    assert!(blocks.contains("<@U0BOB>") && blocks.contains("due 2027-01-15"));

    // Bob starts it from the item's message.
    app.advance(Duration::from_secs(3600));
    let started_at = app.clock.now();
    let start = app
        .slack
        .click(
            "U0BOB",
            CHANNEL,
            &message.ts,
            ACTION_STATUS,
            "1:open:in_progress",
        )
        .await;
    assert_eq!(start.status, 200);
    app.run_due_jobs().await;
    let refreshed = item_message(&app, 1);
    assert_eq!(refreshed.edits, 1, "the message shows the change in place");
    assert!(refreshed.blocks.to_string().contains("in progress"));

    // A double click writes nothing; an old "Done" drawn for "open" says it is stale.
    app.slack
        .click(
            "U0BOB",
            CHANNEL,
            &message.ts,
            ACTION_STATUS,
            "1:open:in_progress",
        )
        .await;
    app.slack
        .click(
            "U0CAROL",
            CHANNEL,
            &message.ts,
            ACTION_STATUS,
            "1:open:done",
        )
        .await;
    app.run_due_jobs().await;
    // Shown where Carol is looking: a small modal while the press's trigger is fresh,
    // else privately under the message.
    let told = app
        .sandbox
        .open_modal_for("U0CAROL")
        .map(|(_, view)| view.to_string())
        .unwrap_or_else(|| app.last_private_message("U0CAROL"));
    assert!(
        told.contains("out of date") && told.contains("in progress"),
        "{told}"
    );

    app.advance(Duration::from_secs(86_400));
    let dropped_at = app.clock.now();
    let reply = app
        .cmd(
            "U0ALICE",
            r#"action 1 status=deprioritized reason="no capacity this half""#,
        )
        .await;
    assert!(
        reply.contains("#1") && reply.contains("deprioritized"),
        "{reply}"
    );
    app.run_due_jobs().await;

    let history = app.state.store.action_item_history(1).await.unwrap();
    let rows: Vec<(i64, &str, ItemStatus, &str, Option<&str>)> = history
        .iter()
        .map(|h| {
            (
                h.at,
                h.actor.as_str(),
                h.status,
                h.change.as_str(),
                h.reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                created_at.as_second(),
                "U0ALICE",
                ItemStatus::Open,
                "created",
                None
            ),
            (
                started_at.as_second(),
                "U0BOB",
                ItemStatus::InProgress,
                "status",
                None
            ),
            (
                dropped_at.as_second(),
                "U0ALICE",
                ItemStatus::Deprioritized,
                "status",
                Some("no capacity this half")
            ),
        ]
    );

    // Figures as of any past date come from that history.
    let facts = debrief::features::learning::load::facts(
        &app.state.store,
        Some(&app.state.pseudonym_key),
        "T0SANDBOX",
    )
    .await
    .unwrap();
    let item = &facts.action_items[0];
    let at = |t: Timestamp, secs: i64| Timestamp::from_second(t.as_second() + secs).unwrap();
    assert_eq!(item.state_at(at(created_at, -1)), None);
    assert_eq!(item.state_at(at(created_at, 60)), Some(ItemStatus::Open));
    assert_eq!(
        item.state_at(at(started_at, 60)),
        Some(ItemStatus::InProgress)
    );
    assert_eq!(
        item.state_at(at(dropped_at, 0)),
        Some(ItemStatus::Deprioritized)
    );
    assert_eq!(item.owner.as_deref(), Some("bob"), "named, not pinged");

    // Unknown ids and statuses are sentences that say what to type.
    let reply = app.cmd("U0ALICE", "action 99 status=done").await;
    assert!(reply.contains("no action item with that number"), "{reply}");
    let reply = app.cmd("U0ALICE", "action 1 status=finished").await;
    assert!(
        reply.contains("one of open, in_progress, done, deprioritized"),
        "{reply}"
    );
    let reply = app.cmd("U0ALICE", "action add title=x due=soon").await;
    assert!(reply.contains("due=2027-01-15"), "{reply}");
    app.stop().await;
}

async fn listings_are_paginated_within_slacks_limits(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    for n in 0..25 {
        app.cmd(
            "U0ALICE",
            &format!(r#"action add title="Follow-up number {n}" owner=<@U0DAN>"#),
        )
        .await;
    }
    app.run_due_jobs().await;
    let first = app.slack.command("U0ALICE", CHANNEL, "actions open").await;
    let blocks = first.json()["blocks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(blocks.len() <= 50, "{} blocks", blocks.len());
    let text = first.body.clone();
    assert!(text.contains("Follow-up number 0") && !text.contains("Follow-up number 20"));
    assert!(text.contains("actions open page=2"), "{text}");
    let second = app
        .slack
        .command("U0ALICE", CHANNEL, "actions open page=2")
        .await;
    assert!(second.body.contains("Follow-up number 24"));
    assert!(!second.body.contains("page=3"));
    let mine = app.slack.command("U0DAN", CHANNEL, "actions mine").await;
    assert!(
        mine.body.contains("Your open action items"),
        "{}",
        mine.body
    );
    let none = app.slack.command("U0BOB", CHANNEL, "actions mine").await;
    assert!(none.body.contains("None."), "{}", none.body);

    // The App Home shows Dan's items with their buttons, and a press there counts.
    let home = app
        .sandbox
        .home_of("U0DAN")
        .expect("Dan's home was published");
    assert!(home.to_string().contains("Your open action items"));
    assert!(home.to_string().contains(ACTION_STATUS));
    app.stop().await;
}

async fn the_owner_digest_goes_out_once_a_week_unless_turned_off(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.cmd(
        "U0ALICE",
        r#"action add title="Alert on cache age" owner=<@U0BOB>"#,
    )
    .await;
    app.cmd(
        "U0ALICE",
        r#"action add title="Runbook link" owner=<@U0CAROL>"#,
    )
    .await;
    let reply = app.cmd("U0CAROL", "digest off").await;
    assert!(reply.contains("no weekly digest"), "{reply}");
    app.run_due_jobs().await;

    // Two replicas start: one scheduling job between them.
    let now = app.clock.now();
    debrief::bot::jobs::schedule_recurring(&app.state, now)
        .await
        .unwrap();
    debrief::bot::jobs::schedule_recurring(&app.state, now)
        .await
        .unwrap();
    let first_run =
        debrief::features::actions::digest::next_digest_at(now, &jiff::tz::TimeZone::UTC);
    app.clock.advance_to(first_run);
    app.run_due_jobs().await;
    let digests = |user: &str| {
        app.sandbox
            .dms_to(user)
            .into_iter()
            .filter(|m| m.text.starts_with("Your open action items"))
            .count()
    };
    assert_eq!(digests("U0BOB"), 1);
    assert_eq!(digests("U0CAROL"), 0, "opted out");

    // The scheduler running again in the same week (a retry, a restart) sends nothing more.
    debrief::features::actions::digest::schedule(&app.state, app.clock.now())
        .await
        .unwrap();
    app.run_due_jobs().await;
    assert_eq!(digests("U0BOB"), 1, "never twice in a week");

    // Next week, again.
    app.clock
        .advance_to(Timestamp::from_second(first_run.as_second() + 7 * 86_400).unwrap());
    app.run_due_jobs().await;
    assert_eq!(digests("U0BOB"), 2);
    app.stop().await;
}

async fn a_close_failure_mode_is_suggested_and_a_merge_rewrites_history(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let other = "C0OTHER";
    let response = app
        .slack
        .command(
            "U0BOB",
            other,
            r#"incident title="Stale prices again" mode="cache invalidaton""#,
        )
        .await;
    assert!(response.body.contains(MODE_USE), "{}", response.body);
    assert!(
        response.body.contains("Use cache-invalidation"),
        "{}",
        response.body
    );
    let second = app
        .state
        .store
        .incident_for_channel("T0SANDBOX", other)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.recurrence_of, None, "a typo splits the class");

    let refused = app
        .slack
        .command(
            "U0BOB",
            other,
            "modes merge from=cache-invalidaton into=cache-invalidation",
        )
        .await;
    assert!(
        refused.text().contains("Only facilitators"),
        "{}",
        refused.body
    );
    let merged = app
        .cmd(
            "U0ALICE",
            "modes merge from=cache-invalidaton into=cache-invalidation",
        )
        .await;
    assert!(
        merged.contains("1 incident and 0 action items retagged"),
        "{merged}"
    );
    let second = app.state.store.incident(second.id).await.unwrap().unwrap();
    assert_eq!(second.failure_mode.as_deref(), Some("cache-invalidation"));
    assert!(second.recurrence_of.is_some(), "now a recurrence");
    let modes = app.cmd("U0ALICE", "modes").await;
    let listed = app.slack.command("U0ALICE", CHANNEL, "modes").await.body;
    assert!(
        listed.contains("`cache-invalidation`: 2 incidents"),
        "{modes} {listed}"
    );
    app.stop().await;
}

async fn a_review_is_done_only_after_its_meeting_and_only_by_its_facilitator(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let early = app.cmd("U0ALICE", "review done").await;
    assert!(early.contains("after it has happened"), "{early}");
    app.advance(Duration::from_secs(2 * 86_400 + 3600));
    app.run_due_jobs().await;
    let bob = app.cmd("U0BOB", "review done").await;
    assert!(bob.contains("Only the facilitator"), "{bob}");
    let done = app.cmd("U0ALICE", "review done").await;
    assert!(done.contains("marked done"), "{done}");
    let again = app.cmd("U0ALICE", "review done").await;
    assert!(again.contains("already marked done"), "{again}");
    let review = app.review_id().await;
    assert!(
        app.state
            .store
            .review_done_at(review)
            .await
            .unwrap()
            .is_some()
    );
    app.stop().await;
}

async fn the_agenda_turns_a_counterfactual_into_an_item_and_closes_the_review(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.slack.command("U0BOB", CHANNEL, "counterfactual").await;
    let (view_id, _) = app
        .sandbox
        .open_modal_for("U0BOB")
        .expect("the form opened");
    let fields = [
        ("condition", "the purge had a canary stage"),
        ("control", "yes"),
        ("cost", "S"),
        ("reach", "class"),
    ];
    app.slack.submit_view("U0BOB", &view_id, &fields).await;
    app.cmd("U0ALICE", "agenda").await;
    app.run_due_jobs().await;
    let agenda = |app: &TestApp| {
        app.sandbox
            .messages_in("D0ALICE")
            .into_iter()
            .find(|m| m.blocks.to_string().contains("Agenda: Checkout errors"))
            .expect("the agenda is in alice's DM")
    };
    let first = agenda(&app);
    let blocks = first.blocks.to_string();
    assert!(
        blocks.contains(debrief::ids::COUNTERFACTUAL_TO_ACTION),
        "{blocks}"
    );
    assert!(blocks.contains(debrief::ids::REVIEW_DONE), "{blocks}");

    // "Make an action item" opens the item form, filled in; submitting it links the two.
    app.slack
        .click_button(
            "U0ALICE",
            "D0ALICE",
            &first.ts,
            &debrief::ids::numbered(debrief::ids::COUNTERFACTUAL_TO_ACTION, 0),
        )
        .await;
    let (form, view) = app
        .sandbox
        .open_modal_for("U0ALICE")
        .expect("the item form opened");
    assert!(
        view.to_string().contains("the purge had a canary stage"),
        "{view}"
    );
    let saved = app
        .slack
        .submit_view(
            "U0ALICE",
            &form,
            &[
                ("title", "Canary stage for purges"),
                ("owner", "U0CAROL"),
                ("kind", "mitigation"),
            ],
        )
        .await;
    assert!(
        saved.body.contains("no longer a proposal"),
        "{}",
        saved.body
    );
    app.run_due_jobs().await;
    let item = app
        .state
        .store
        .action_item("T0SANDBOX", 1)
        .await
        .unwrap()
        .unwrap();
    assert!(item.counterfactual_id.is_some());
    assert_eq!(item.owner_id.as_deref(), Some("U0CAROL"));
    app.cmd("U0ALICE", "agenda").await;
    app.run_due_jobs().await;
    let regenerated = agenda(&app).blocks.to_string();
    assert!(regenerated.contains("(action item #1)"), "{regenerated}");
    assert!(!regenerated.contains(debrief::ids::COUNTERFACTUAL_TO_ACTION));

    // "Mark the review done" on the agenda, after the meeting.
    app.advance(Duration::from_secs(3 * 86_400));
    app.run_due_jobs().await;
    let current = agenda(&app);
    app.slack
        .click_button("U0ALICE", "D0ALICE", &current.ts, debrief::ids::REVIEW_DONE)
        .await;
    app.run_due_jobs().await;
    let review = app.review_id().await;
    assert!(
        app.state
            .store
            .review_done_at(review)
            .await
            .unwrap()
            .is_some()
    );
    app.stop().await;
}
