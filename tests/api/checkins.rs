//! Round-robin check-ins in a thread, against the sandbox Slack, on both databases.

use std::time::Duration;

use debrief::clock::Clock;
use debrief::ids::{CHECKIN_END, CHECKIN_PASS, CHECKIN_SHARE, CHECKIN_SKIP};
use serde_json::json;

use crate::helpers::{CHANNEL, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    a_full_round_with_replies_passes_and_a_timeout,
    an_out_of_turn_reply_counts_without_breaking_the_order,
    a_restart_mid_round_resumes_with_the_same_person,
    retried_and_edited_messages_are_not_second_turns,
    buttons_pressed_by_the_wrong_person_change_nothing,
    participation_figures_of_a_scripted_meeting,
);

async fn a_full_round_with_replies_passes_and_a_timeout(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let ts = app.start_round("turn=2m").await;
    assert_eq!(
        app.calls(&ts).len(),
        1,
        "exactly one person is mentioned at a time"
    );
    let first = app.current_turn(&ts);
    // The call holds only the speaker's buttons; Skip and End reach the facilitator alone.
    let call = app
        .thread(&ts)
        .into_iter()
        .rfind(|m| m.text.contains("your turn"))
        .unwrap();
    let buttons = call.blocks.to_string();
    assert!(buttons.contains(CHECKIN_SHARE) && buttons.contains(CHECKIN_PASS));
    assert!(!buttons.contains(CHECKIN_SKIP) && !buttons.contains(CHECKIN_END));
    let controls = app.sandbox.ephemeral_blocks_for("U0ALICE");
    assert!(
        controls
            .iter()
            .any(|b| b.to_string().contains(CHECKIN_SKIP)),
        "{controls:?}"
    );
    for person in ["U0BOB", "U0CAROL", "U0DAN"] {
        assert!(
            app.sandbox
                .ephemeral_blocks_for(person)
                .iter()
                .all(|b| !b.to_string().contains(CHECKIN_SKIP)),
            "{person} is not shown the facilitator's controls"
        );
    }
    // Someone else pressing Share is told whose turn it is; no form opens for them.
    let other = ["U0BOB", "U0CAROL", "U0DAN"]
        .into_iter()
        .find(|u| *u != first)
        .unwrap();
    app.press(other, &ts, CHECKIN_SHARE).await;
    assert!(app.sandbox.open_modal_for(other).is_none());
    assert!(
        app.last_private_message(other).contains("turn"),
        "{}",
        app.last_private_message(other)
    );
    // Share opens a form for the speaker: an empty one is sent back with a field error,
    // and what they write goes in the thread under their name, as their turn.
    app.press(&first, &ts, CHECKIN_SHARE).await;
    let (view_id, view) = app.sandbox.open_modal_for(&first).expect("the share form");
    assert_eq!(view["callback_id"], debrief::ids::CHECKIN_SHARE_SUBMIT);
    let empty = app
        .slack
        .submit_view(&first, &view_id, &[("share", "")])
        .await;
    assert!(
        empty.body.contains("response_action") && empty.body.contains("errors"),
        "{}",
        empty.body
    );
    assert_eq!(app.current_turn(&ts), first, "nothing changed");
    let shared = app
        .slack
        .submit_view(
            &first,
            &view_id,
            &[("share", "the cache warmed too slowly")],
        )
        .await;
    assert_eq!(shared.status, 200, "{}", shared.body);
    app.run_due_jobs().await;
    assert!(
        app.thread(&ts)
            .iter()
            .any(|m| m.text == format!("<@{first}>: the cache warmed too slowly")),
        "{:?}",
        app.thread(&ts)
    );
    let second = app.current_turn(&ts);
    assert_ne!(first, second);
    app.press(&second, &ts, CHECKIN_PASS).await;
    let third = app.current_turn(&ts);
    // Nobody answers: the turn times out after two minutes.
    app.advance(Duration::from_secs(119));
    app.run_due_jobs().await;
    assert_eq!(app.current_turn(&ts), third, "not before the turn is over");
    app.advance(Duration::from_secs(1));
    app.run_due_jobs().await;
    let fourth = app.current_turn(&ts);
    assert_ne!(fourth, third);
    app.slack
        .say(
            &fourth,
            CHANNEL,
            "alerts went to the old rotation",
            Some(&ts),
        )
        .await;
    app.run_due_jobs().await;

    let texts: Vec<String> = app
        .thread(&ts)
        .into_iter()
        .filter(|m| m.user == "U0DEBRIEF")
        .map(|m| m.text)
        .collect();
    assert_eq!(
        texts.iter().filter(|t| t.contains("moving on")).count(),
        2,
        "{texts:#?}"
    );
    let summary = texts.last().unwrap();
    assert_eq!(
        summary,
        "2 of 4 shared, 2 passed. The floor is open for discussion."
    );
    // The shared observation carries its author's name, as their own reply would.
    for text in texts
        .iter()
        .filter(|t| !t.contains("your turn") && !t.ends_with("the cache warmed too slowly"))
    {
        assert!(
            !text.contains("<@"),
            "moving-on lines and the summary name nobody: {text}"
        );
    }
    let mut called = app.calls(&ts);
    called.sort();
    assert_eq!(
        called,
        vec!["U0ALICE", "U0BOB", "U0CAROL", "U0DAN"],
        "each person called exactly once"
    );
    let status = app.cmd("U0BOB", "status").await;
    assert!(
        status.contains("Check-in: ended, 2 of 4 shared."),
        "{status}"
    );
    app.stop().await;
}

async fn an_out_of_turn_reply_counts_without_breaking_the_order(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let ts = app.start_round("").await;
    let checkin = app.stored_round(&ts).await;
    let order: Vec<String> =
        serde_json::from_str::<serde_json::Value>(&checkin.state).unwrap()["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
    // The last in the order speaks first, out of turn.
    app.slack
        .say(&order[3], CHANNEL, "I saw the error spike first", Some(&ts))
        .await;
    app.run_due_jobs().await;
    assert_eq!(app.current_turn(&ts), order[0], "the order is not broken");
    for speaker in &order[..3] {
        assert_eq!(&app.current_turn(&ts), speaker);
        app.slack
            .say(speaker, CHANNEL, "an observation", Some(&ts))
            .await;
        app.run_due_jobs().await;
    }
    assert_eq!(
        app.calls(&ts),
        order[..3].to_vec(),
        "the early speaker is not called later"
    );
    let last = app.thread(&ts).last().unwrap().text.clone();
    assert_eq!(
        last,
        "4 of 4 shared, 0 passed. The floor is open for discussion."
    );
    app.stop().await;
}

async fn a_restart_mid_round_resumes_with_the_same_person(db: TestDb) {
    let first = TestApp::spawn(&db).await;
    let ts = first.start_round("turn=3m").await;
    let speaker = first.current_turn(&ts);
    first.slack.say(&speaker, CHANNEL, "one", Some(&ts)).await;
    first.run_due_jobs().await;
    let waiting = first.current_turn(&ts);
    let (sandbox, clock) = (first.sandbox.clone(), first.clock.clone());
    first.stop().await;

    let second = TestApp::spawn_with(&db, sandbox, clock, |_| {}).await;
    // The process died after Slack took the call but before the job was marked done, so
    // the call job runs again after the restart.
    let checkin = second.stored_round(&ts).await;
    let round: debrief::features::checkin::machine::CheckinState =
        serde_json::from_str(&checkin.state).unwrap();
    let again = debrief::queue::Job::CheckinCall {
        checkin_id: checkin.id,
        turn: round.turn,
        user: waiting.clone(),
    };
    second
        .state
        .store
        .enqueue(&again.to_row(second.clock.now()), second.clock.now())
        .await
        .unwrap();
    second.run_due_jobs().await;
    assert_eq!(
        second.calls(&ts).len(),
        2,
        "the repeated call job posted nothing"
    );
    assert_eq!(
        second.current_turn(&ts),
        waiting,
        "the same person is still up"
    );
    // Their timeout still fires after the restart.
    second.advance(Duration::from_secs(180));
    second.run_due_jobs().await;
    let next = second.current_turn(&ts);
    assert_ne!(next, waiting);
    second.slack.say(&next, CHANNEL, "two", Some(&ts)).await;
    second.run_due_jobs().await;
    let last = second.current_turn(&ts);
    second.slack.say(&last, CHANNEL, "three", Some(&ts)).await;
    second.run_due_jobs().await;
    let mut called = second.calls(&ts);
    assert_eq!(called.len(), 4);
    called.sort();
    called.dedup();
    assert_eq!(called.len(), 4, "nobody was called twice");
    second.stop().await;
}

async fn retried_and_edited_messages_are_not_second_turns(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let ts = app.start_round("").await;
    let speaker = app.current_turn(&ts);
    let (reply_ts, _) = app
        .slack
        .say(&speaker, CHANNEL, "first thought", Some(&ts))
        .await;
    app.run_due_jobs().await;
    let next = app.current_turn(&ts);
    // Slack retries the same event.
    let event = json!({
        "type": "message", "text": "first thought", "user": speaker, "ts": reply_ts, "channel": CHANNEL,
        "event_ts": reply_ts, "channel_type": "channel", "thread_ts": ts,
    });
    let envelope = app
        .slack
        .envelope(&format!("Ev{}", reply_ts.replace('.', "")), event);
    assert_eq!(app.slack.event(&envelope, Some(1)).await.status, 200);
    // The next speaker's earlier message is edited: message_changed is not a reply.
    let edit = json!({
        "type": "message", "subtype": "message_changed", "channel": CHANNEL, "ts": "1700000001.000001",
        "hidden": true, "channel_type": "channel",
        "message": { "type": "message", "user": next, "text": "edited", "ts": "1700000000.000900", "thread_ts": ts },
        "previous_message": { "type": "message", "user": next, "text": "orig", "ts": "1700000000.000900" },
        "event_ts": "1700000001.000001",
    });
    assert_eq!(
        app.slack
            .event(&app.slack.envelope("EvEDIT1", edit), None)
            .await
            .status,
        200
    );
    app.run_due_jobs().await;
    assert_eq!(app.current_turn(&ts), next, "neither counted as a turn");
    assert_eq!(app.calls(&ts).len(), 2);
    // Nor as a message: the speaker wrote once, the edited message is no new message.
    let review = app.review_id().await;
    let spoken = app.state.store.participation(review).await.unwrap();
    let messages = |user: &str| {
        spoken
            .iter()
            .find(|p| p.user_id == user)
            .map_or(0, |p| p.messages)
    };
    assert_eq!(messages(&speaker), 1, "the retried event counted once");
    assert_eq!(messages(&next), 0, "an edit is not a message");
    app.stop().await;
}

async fn buttons_pressed_by_the_wrong_person_change_nothing(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let ts = app.start_round("").await;
    let speaker = app.current_turn(&ts);
    let other = ["U0BOB", "U0CAROL", "U0DAN"]
        .into_iter()
        .find(|u| *u != speaker)
        .unwrap();
    let speaker_name = app.sandbox.world().user_name(&speaker);
    app.press(other, &ts, CHECKIN_PASS).await;
    assert_eq!(
        app.last_private_message(other),
        format!("It's {speaker_name}'s turn.")
    );
    app.press(other, &ts, CHECKIN_SKIP).await;
    assert!(
        app.last_private_message(other)
            .contains("Only the facilitator")
    );
    app.press(other, &ts, CHECKIN_END).await;
    assert_eq!(app.current_turn(&ts), speaker, "nothing changed");
    assert_eq!(app.calls(&ts).len(), 1);
    // The facilitator can skip and end.
    app.press("U0ALICE", &ts, CHECKIN_SKIP).await;
    assert_ne!(app.current_turn(&ts), speaker);
    app.press("U0ALICE", &ts, CHECKIN_END).await;
    assert_eq!(
        app.thread(&ts).last().unwrap().text,
        "0 of 4 shared, 1 passed, 3 not reached before the round ended. The floor is open for discussion.",
        "the numbers add up and name nobody"
    );
    app.stop().await;
}

async fn participation_figures_of_a_scripted_meeting(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    // The meeting starts in two hours; messages before its window do not count.
    app.cmd("U0ALICE", "review in=2h").await;
    app.slack
        .say("U0BOB", CHANNEL, "too early to count", None)
        .await;
    app.advance(Duration::from_secs(2 * 3600));
    for (user, n) in [("U0ALICE", 6), ("U0BOB", 3), ("U0CAROL", 1)] {
        for i in 0..n {
            app.slack
                .say(user, CHANNEL, &format!("message {i}"), None)
                .await;
        }
    }
    app.run_due_jobs().await;
    let status = app.cmd("U0DAN", "status").await;
    // 4 participants, 3 spoke; 10 messages, the top 3 wrote all; Gini of [6,3,1,0] = 0.5.
    assert!(
        status.contains("Participation: 3 of 4 attendees spoke (75%); 10 messages, the top 3 wrote 100%; Gini 0.50"),
        "{status}"
    );
    app.stop().await;
}
