//! Debrief as a Slack app should feel: it asks before messaging many people, and it
//! speaks to each person as they are.

use debrief::ids::{SURVEY_EDIT_PARTICIPANTS, SURVEY_SEND};

use crate::helpers::{CHANNEL, TestApp, TestDb, add_people};
use crate::on_both_databases;

on_both_databases!(
    the_survey_is_confirmed_before_anyone_is_messaged,
    a_double_click_on_send_sends_once,
    a_large_survey_gets_a_warning,
    editing_participants_sends_nothing,
    only_the_facilitator_can_press_send,
);

const HUMANS: [&str; 4] = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAN"];

fn nobody_was_messaged(app: &TestApp) -> bool {
    HUMANS.iter().all(|u| app.sandbox.dms_to(u).is_empty())
}

async fn the_survey_is_confirmed_before_anyone_is_messaged(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let confirmation = app.ask_for_survey("U0ALICE").await;
    let shown = confirmation["blocks"].to_string();
    assert!(shown.contains("to 4 people"), "{shown}");
    // Who is left out, and why.
    assert!(
        shown.contains("<@U0HELPER> (a bot)") && shown.contains("<@U0GONE> (deactivated)"),
        "{shown}"
    );
    // The questions, and when it closes.
    assert!(shown.contains("What information did you have"), "{shown}");
    assert!(shown.contains("The survey closes"), "{shown}");
    assert!(!shown.contains(":warning:"), "{shown}");
    assert!(shown.contains(SURVEY_SEND) && shown.contains(SURVEY_EDIT_PARTICIPANTS));
    app.run_due_jobs().await;
    assert!(nobody_was_messaged(&app), "nothing goes out before Send");

    let sent = app
        .press_on_reply("U0ALICE", &confirmation, SURVEY_SEND)
        .await;
    assert!(sent.contains("to 4 participants by DM"), "{sent}");
    // Each invitation says how many were invited; the facilitator's speaks to them.
    let bob = app.sandbox.dms_to("U0BOB")[0].blocks.to_string();
    assert!(
        bob.contains("<@U0ALICE> is preparing") && bob.contains("invited 4 people"),
        "{bob}"
    );
    let alice = app.sandbox.dms_to("U0ALICE")[0].blocks.to_string();
    assert!(
        alice.contains("You are preparing") && alice.contains("yourself among them"),
        "{alice}"
    );
    assert!(!alice.contains("<@U0ALICE> is preparing"), "{alice}");
    app.stop().await;
}

async fn a_double_click_on_send_sends_once(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let confirmation = app.ask_for_survey("U0ALICE").await;
    let (first, second) = tokio::join!(
        app.slack
            .click_ephemeral("U0ALICE", CHANNEL, &confirmation, SURVEY_SEND),
        app.slack
            .click_ephemeral("U0ALICE", CHANNEL, &confirmation, SURVEY_SEND),
    );
    assert_eq!((first.status, second.status), (200, 200));
    app.run_due_jobs().await;
    for user in HUMANS {
        assert_eq!(app.sandbox.dms_to(user).len(), 1, "{user} gets one DM");
    }
    app.stop().await;
}

async fn a_large_survey_gets_a_warning(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    add_people(&app.sandbox, 30);
    app.open_review("").await;
    let confirmation = app.ask_for_survey("U0ALICE").await;
    let shown = confirmation["blocks"].to_string();
    assert!(
        shown.contains(":warning:") && shown.contains("more than 25 people"),
        "{shown}"
    );
    assert!(shown.contains("to 34 people"), "{shown}");
    app.stop().await;
}

async fn editing_participants_sends_nothing(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let confirmation = app.ask_for_survey("U0ALICE").await;
    let told = app
        .press_on_reply("U0ALICE", &confirmation, SURVEY_EDIT_PARTICIPANTS)
        .await;
    assert!(
        told.contains("Nothing was sent") && told.contains("participants="),
        "{told}"
    );
    assert!(nobody_was_messaged(&app));
    // After changing the list, the next confirmation shows the new one.
    app.cmd(
        "U0ALICE",
        "review participants=@U0ALICE,@U0BOB,@U0CAROL,@U0DAN min=2",
    )
    .await;
    app.run_due_jobs().await;
    let again = app.ask_for_survey("U0ALICE").await;
    assert!(again["blocks"].to_string().contains("to 4 people"));
    app.stop().await;
}

async fn only_the_facilitator_can_press_send(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let confirmation = app.ask_for_survey("U0ALICE").await;
    // Bob got hold of the button (a shared screen, an old copy): it does nothing for him.
    let response = app
        .slack
        .click_ephemeral("U0BOB", CHANNEL, &confirmation, SURVEY_SEND)
        .await;
    assert_eq!(response.status, 200);
    app.run_due_jobs().await;
    assert!(nobody_was_messaged(&app));
    app.stop().await;
}
