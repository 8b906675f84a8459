//! The facilitator's agenda (automatic post, regeneration in place, the k-floor, Markdown),
//! the App Home tab, and the counterfactual modal, against the sandbox on both databases.

use debrief::ids::AGENDA_OPEN_FROM_HOME;
use debrief::ids::COUNTERFACTUAL_SUBMIT as COUNTERFACTUAL_CALLBACK;
use debrief::ids::SURVEY_OPEN;
use debrief::sandbox::{Fault, SandboxMessage, Sighting};
use jiff::Timestamp;
use std::time::Duration;

use crate::helpers::{CHANNEL, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    the_agenda_is_posted_before_the_meeting_and_replaced_when_regenerated,
    survey_answers_stay_out_of_the_agenda_below_the_k_floor,
    the_markdown_agenda_is_a_file_or_else_a_snippet,
    the_app_home_shows_reviews_and_pending_surveys,
    counterfactuals_are_checked_and_ranked,
    two_workers_never_post_two_agendas,
    a_failed_agenda_is_explained_to_whoever_asked,
    a_moved_meeting_moves_the_automatic_agenda,
);

const FACILITATOR_DM: &str = "D0ALICE";

/// The agenda's messages in the facilitator's DM (the first part has the header).
fn agenda_messages(app: &TestApp) -> Vec<SandboxMessage> {
    app.sandbox
        .messages_in(FACILITATOR_DM)
        .into_iter()
        .filter(|m| m.blocks.to_string().contains("Agenda: Checkout errors"))
        .collect()
}

async fn the_agenda_is_posted_before_the_meeting_and_replaced_when_regenerated(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("agenda_at=2h").await;
    app.send_survey().await;
    app.answer("U0BOB", "the cache ttl of a day surprised me")
        .await;
    app.answer("U0CAROL", "nobody knew the cache ttl was a day")
        .await;
    app.answer("U0DAN", "the cache ttl was on no dashboard")
        .await;

    let review = app
        .state
        .store
        .review(app.review_id().await)
        .await
        .unwrap()
        .unwrap();
    let post_at = review.meeting_at.unwrap() - 2 * 3600;
    app.clock
        .advance_to(Timestamp::from_second(post_at - 1).unwrap());
    app.run_due_jobs().await;
    assert!(agenda_messages(&app).is_empty(), "not before its time");

    app.clock
        .advance_to(Timestamp::from_second(post_at).unwrap());
    app.run_due_jobs().await;
    let posted = agenda_messages(&app);
    assert_eq!(posted.len(), 1, "posted once, to the facilitator only");
    let blocks = posted[0].blocks.to_string();
    assert!(blocks.contains("cache ttl"), "{blocks}");
    assert!(blocks.contains("3 respondents"), "{blocks}");
    assert!(
        app.sandbox
            .messages_in(CHANNEL)
            .iter()
            .all(|m| !m.blocks.to_string().contains("Agenda: Checkout errors")),
        "never in the channel"
    );

    // A late observation, then regeneration: the same message is updated in place. The
    // observation shows only after its release, a random 2 to 10 minutes later, so
    // regenerating right away says nothing about who just wrote it.
    app.slack
        .command(
            "U0BOB",
            CHANNEL,
            "observe the ttl lives in a config file nobody reads",
        )
        .await;
    let reply = app.cmd("U0ALICE", "agenda").await;
    assert!(reply.contains("replaces the earlier version"), "{reply}");
    app.run_due_jobs().await;
    let after = agenda_messages(&app);
    assert_eq!(after.len(), 1, "regenerating never duplicates");
    assert_eq!(after[0].ts, posted[0].ts);
    assert_eq!(after[0].edits, 1);
    assert!(
        !after[0].blocks.to_string().contains("1 observation"),
        "not before its release: {}",
        after[0].blocks
    );
    app.run_jobs_until_idle(Duration::from_secs(600)).await;
    app.cmd("U0ALICE", "agenda").await;
    app.run_due_jobs().await;
    let after = agenda_messages(&app);
    assert_eq!(after.len(), 1, "regenerating never duplicates");
    assert_eq!(after[0].edits, 2);
    let regenerated = after[0].blocks.to_string();
    assert!(
        regenerated.contains("3 respondents, 1 observation"),
        "the released observation joined the theme: {regenerated}"
    );
    assert_eq!(app.sandbox.successful_calls("chat.update").len(), 2);
    app.stop().await;
}

async fn survey_answers_stay_out_of_the_agenda_below_the_k_floor(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    app.answer("U0BOB", "the pager app had logged me out").await;
    app.answer("U0CAROL", "the purge runbook was two years old")
        .await;
    app.slack
        .command("U0DAN", CHANNEL, "observe staging never runs the purge job")
        .await;
    app.run_jobs_until_idle(Duration::from_secs(600)).await;

    // Only the facilitator gets the agenda; anyone else is told so, privately.
    let refused = app.cmd("U0BOB", "agenda").await;
    assert!(refused.contains("facilitator"), "{refused}");

    app.cmd("U0ALICE", "agenda").await;
    app.run_due_jobs().await;
    let below = agenda_messages(&app)[0].blocks.to_string();
    assert!(!below.contains("pager app"), "{below}");
    assert!(!below.contains("runbook was two years old"), "{below}");
    assert!(
        !below.contains("Respondent"),
        "no pseudonym either: {below}"
    );
    assert!(below.contains("2 of the 3 needed"), "{below}");
    assert!(
        below.contains("staging never runs the purge job"),
        "observations are anonymous by construction: {below}"
    );

    app.answer("U0DAN", "the dashboards hid the purge").await;
    app.cmd("U0ALICE", "agenda").await;
    app.run_due_jobs().await;
    let met = agenda_messages(&app);
    assert_eq!(met.len(), 1);
    let met = met[0].blocks.to_string();
    assert!(met.contains("pager app"), "{met}");
    assert!(met.contains("Respondent"), "{met}");
    assert!(!met.contains("of the 3 needed"), "{met}");
    app.stop().await;
}

async fn the_markdown_agenda_is_a_file_or_else_a_snippet(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.slack
        .command("U0BOB", CHANNEL, "observe the purge job has no owner")
        .await;
    app.run_jobs_until_idle(Duration::from_secs(600)).await;
    let reply = app.cmd("U0ALICE", "agenda format=markdown").await;
    assert!(reply.contains("Markdown file"), "{reply}");
    app.run_due_jobs().await;
    let files: Vec<(String, String, String)> = app
        .sandbox
        .sightings()
        .into_iter()
        .filter_map(|s| match s {
            Sighting::File {
                channel,
                title,
                content,
                ..
            } => Some((channel, title, content)),
            _ => None,
        })
        .collect();
    assert_eq!(files.len(), 1);
    let (channel, title, content) = &files[0];
    assert_eq!(channel, FACILITATOR_DM);
    assert_eq!(title, "Agenda: Checkout errors");
    assert!(
        content.starts_with("# Agenda: Checkout errors"),
        "{content}"
    );
    assert!(content.contains("## Themes"), "{content}");
    assert!(content.contains("the purge job has no owner"), "{content}");

    // Where uploads are not granted, the same text arrives as a snippet.
    app.sandbox.fail_next(
        "files.getUploadURLExternal",
        Fault::SlackError("missing_scope".into()),
        1,
    );
    let before = app.sandbox.messages_in(FACILITATOR_DM).len();
    app.cmd("U0ALICE", "agenda format=markdown").await;
    app.run_due_jobs().await;
    let snippets: Vec<SandboxMessage> = app
        .sandbox
        .messages_in(FACILITATOR_DM)
        .into_iter()
        .skip(before)
        .collect();
    assert!(!snippets.is_empty());
    let text = snippets[0].blocks.to_string();
    assert!(text.contains("```"), "{text}");
    assert!(text.contains("# Agenda: Checkout errors"), "{text}");
    assert!(app.state.store.failed_jobs().await.unwrap().is_empty());
    app.stop().await;
}

async fn the_app_home_shows_reviews_and_pending_surveys(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;

    assert_eq!(app.slack.open_home("U0BOB").await.status, 200);
    app.run_due_jobs().await;
    let home = app
        .sandbox
        .home_of("U0BOB")
        .expect("bob's home")
        .to_string();
    assert!(home.contains("Surveys waiting for you"), "{home}");
    assert!(home.contains("Checkout errors"), "{home}");
    assert!(home.contains(SURVEY_OPEN), "{home}");
    assert!(
        !home.contains("Reviews you facilitate"),
        "bob facilitates nothing"
    );

    app.answer("U0BOB", "the cache was cold").await;
    app.slack.open_home("U0BOB").await;
    app.run_due_jobs().await;
    let home = app.sandbox.home_of("U0BOB").unwrap().to_string();
    assert!(home.contains("None right now"), "{home}");

    app.slack.open_home("U0ALICE").await;
    app.run_due_jobs().await;
    let home = app.sandbox.home_of("U0ALICE").expect("alice's home");
    let text = home.to_string();
    assert!(text.contains("Reviews you facilitate"), "{text}");
    assert!(text.contains("1 of 4 answered"), "{text}");
    assert!(text.contains(AGENDA_OPEN_FROM_HOME), "{text}");

    let review = app.review_id().await.to_string();
    let view_id = home["id"].as_str().unwrap().to_string();
    let click = app
        .slack
        .click_in_view("U0ALICE", &view_id, AGENDA_OPEN_FROM_HOME, &review)
        .await;
    assert_eq!(click.status, 200);
    let (_, modal) = app
        .sandbox
        .open_modal_for("U0ALICE")
        .expect("the agenda opens in a modal");
    assert!(
        modal.to_string().contains("Agenda: Checkout errors"),
        "{modal}"
    );

    // Someone else pressing a stale agenda button sees a refusal, not the agenda.
    app.slack
        .click_in_view("U0BOB", &view_id, AGENDA_OPEN_FROM_HOME, &review)
        .await;
    let (_, refusal) = app.sandbox.open_modal_for("U0BOB").unwrap();
    assert!(
        refusal
            .to_string()
            .contains("Only the review's facilitator"),
        "{refusal}"
    );
    assert!(!refusal.to_string().contains("Agenda: Checkout errors"));
    app.stop().await;
}

async fn counterfactuals_are_checked_and_ranked(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let add = |user: &'static str, fields: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let opened = app.slack.command(user, CHANNEL, "counterfactual").await;
            assert_eq!(opened.status, 200);
            let (view_id, view) = app.sandbox.open_modal_for(user).expect("the form opened");
            assert_eq!(view["callback_id"], COUNTERFACTUAL_CALLBACK);
            app.slack.submit_view(user, &view_id, &fields).await
        }
    };
    // Missing choices come back as field errors, and nothing is stored.
    let refused = add("U0BOB", vec![("condition", "the alert fired earlier")]).await;
    let json = refused.json();
    assert_eq!(json["response_action"], "errors", "{json}");
    for field in ["control", "cost", "reach"] {
        assert!(json["errors"][field].is_string(), "{json}");
    }
    let id = app.review_id().await;
    assert!(
        app.state
            .store
            .counterfactuals(id)
            .await
            .unwrap()
            .is_empty()
    );

    for (user, fields) in [
        (
            "U0BOB",
            vec![
                ("condition", "traffic was 20% lower"),
                ("control", "no"),
                ("cost", "S"),
                ("reach", "many"),
            ],
        ),
        (
            "U0CAROL",
            vec![
                ("condition", "the purge had a canary stage"),
                ("control", "yes"),
                ("cost", "L"),
                ("reach", "class"),
            ],
        ),
        (
            "U0DAN",
            vec![
                ("condition", "the runbook had the escalation path"),
                ("control", "yes"),
                ("cost", "S"),
                ("reach", "class"),
            ],
        ),
    ] {
        let saved = add(user, fields).await;
        assert_eq!(saved.status, 200);
        assert!(saved.body.contains("ranks"), "{}", saved.body);
    }
    let stored = app.state.store.counterfactuals(id).await.unwrap();
    assert_eq!(stored.len(), 3);

    // Controllable first, then generalisation ÷ cost; uncontrollable last.
    app.cmd("U0ALICE", "agenda format=markdown").await;
    app.run_due_jobs().await;
    let markdown = app
        .sandbox
        .sightings()
        .into_iter()
        .find_map(|s| match s {
            Sighting::File { content, .. } => Some(content),
            _ => None,
        })
        .unwrap();
    let position = |needle: &str| {
        markdown
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {markdown}"))
    };
    assert!(
        position("the runbook had the escalation path") < position("the purge had a canary stage")
    );
    assert!(position("the purge had a canary stage") < position("traffic was 20% lower"));
    assert!(
        markdown.contains("(proposal)"),
        "kept as proposals until action items land"
    );
    app.stop().await;
}

async fn two_workers_never_post_two_agendas(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    // Two requests queued together, run by two workers at the same moment.
    app.cmd("U0ALICE", "agenda").await;
    app.cmd("U0ALICE", "agenda").await;
    let (a, b) = tokio::join!(
        debrief::jobs::run_one(&app.state, "worker-a"),
        debrief::jobs::run_one(&app.state, "worker-b"),
    );
    a.unwrap();
    b.unwrap();
    app.run_jobs_until_idle(Duration::from_secs(120)).await;
    let posted = agenda_messages(&app);
    assert_eq!(posted.len(), 1, "one agenda, updated by the second job");
    assert_eq!(posted[0].edits, 1);
    assert!(app.state.store.failed_jobs().await.unwrap().is_empty());
    app.stop().await;
}

async fn a_failed_agenda_is_explained_to_whoever_asked(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.expect_leftover_jobs(); // the failed job is the point
    app.open_review("").await;
    app.sandbox.fail_next(
        "conversations.open",
        Fault::SlackError("cannot_dm_bot".into()),
        1,
    );
    let reply = app.cmd("U0ALICE", "agenda").await;
    assert!(reply.contains("Sending you the agenda"), "{reply}");
    app.run_due_jobs().await;
    assert!(agenda_messages(&app).is_empty());
    let told = app.last_private_message("U0ALICE");
    assert!(told.starts_with("I couldn't send you the agenda"), "{told}");
    assert_eq!(app.state.store.failed_jobs().await.unwrap().len(), 1);
    app.stop().await;
}

async fn a_moved_meeting_moves_the_automatic_agenda(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("agenda_at=2h").await;
    let review_id = app.review_id().await;
    let first_meeting = meeting_at(&app, review_id).await;
    let reply = app.cmd("U0ALICE", "review in=3d").await;
    assert!(reply.contains("Updated the review"), "{reply}");
    let moved = meeting_at(&app, review_id).await;
    assert!(moved > first_meeting);

    // The old time passes: its post is stale and sends nothing.
    app.clock
        .advance_to(Timestamp::from_second(first_meeting - 2 * 3600 + 60).unwrap());
    app.run_due_jobs().await;
    assert!(agenda_messages(&app).is_empty(), "nothing at the old time");

    app.clock
        .advance_to(Timestamp::from_second(moved - 2 * 3600).unwrap());
    app.run_due_jobs().await;
    assert_eq!(agenda_messages(&app).len(), 1, "once, at the new time");
    app.stop().await;
}

async fn meeting_at(app: &TestApp, review_id: debrief::domain::ReviewId) -> i64 {
    let review = app.state.store.review(review_id).await.unwrap().unwrap();
    review.meeting_at.expect("the review has a meeting")
}
