//! Debrief as a Slack app should feel: it asks before messaging many people, and it
//! speaks to each person as they are.

use debrief::ids::{HELP_ALL, START_REVIEW, SURVEY_EDIT_PARTICIPANTS, SURVEY_SEND};

use std::time::Duration;

use crate::helpers::{CHANNEL, TestApp, TestDb, add_people};
use crate::on_both_databases;

on_both_databases!(
    the_survey_is_confirmed_before_anyone_is_messaged,
    a_double_click_on_send_sends_once,
    a_large_survey_gets_a_warning,
    editing_participants_sends_nothing,
    only_the_facilitator_can_press_send,
    debrief_alone_answers_with_a_short_help_and_a_button_for_more,
    full_help_is_grouped_by_task_and_details_one_subcommand,
    a_mention_or_a_dm_saying_help_gets_the_short_help,
    the_app_home_welcomes_newcomers_and_shows_what_is_waiting,
    every_message_reads_like_a_sentence,
    marking_a_review_done_offers_a_summary_to_edit_and_post,
    times_are_typed_in_plain_words_on_the_persons_own_clock,
    review_without_arguments_opens_a_form_with_pickers,
    checkin_without_arguments_opens_a_small_form,
    a_team_template_is_asked_and_its_answers_shown_with_its_words,
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

async fn debrief_alone_answers_with_a_short_help_and_a_button_for_more(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let response = app.slack.command("U0BOB", CHANNEL, "").await;
    assert_eq!(response.status, 200);
    let help = response.json();
    let shown = help["blocks"].to_string();
    assert!(shown.contains("Three steps"), "{shown}");
    for command in ["/debrief incident", "/debrief review", "/debrief survey"] {
        assert!(shown.contains(command), "{shown}");
    }
    assert!(shown.contains(HELP_ALL), "{shown}");
    let all = app.press_on_reply("U0BOB", &help, HELP_ALL).await;
    assert!(
        all.contains("Before the meeting") && all.contains("After the meeting"),
        "{all}"
    );
    app.stop().await;
}

async fn full_help_is_grouped_by_task_and_details_one_subcommand(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let help = app.cmd("U0BOB", "help").await;
    for task in [
        "Before the meeting",
        "During the meeting",
        "After the meeting",
    ] {
        assert!(help.contains(task), "{help}");
    }
    assert!(help.contains("/debrief help <subcommand>"), "{help}");
    let survey = app.cmd("U0BOB", "help survey").await;
    assert!(
        survey.contains("/debrief survey close") && survey.contains("Send"),
        "{survey}"
    );
    let unknown = app.cmd("U0BOB", "help frobnicate").await;
    assert!(
        unknown.contains("There is no `/debrief frobnicate`"),
        "{unknown}"
    );
    app.stop().await;
}

async fn a_mention_or_a_dm_saying_help_gets_the_short_help(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let response = app
        .slack
        .mention("U0CAROL", CHANNEL, "what do you do?")
        .await;
    assert_eq!(response.status, 200);
    app.run_due_jobs().await;
    let seen = app.last_private_message("U0CAROL");
    assert!(seen.contains("Three steps"), "{seen}");
    // Only Carol sees it: the channel is not interrupted.
    assert!(
        app.sandbox
            .messages_in(CHANNEL)
            .iter()
            .all(|m| !m.text.contains("Three steps"))
    );

    app.slack.say("U0DAN", "D0DAN", "help", None).await;
    app.run_due_jobs().await;
    let dm: Vec<_> = app
        .sandbox
        .dms_to("U0DAN")
        .into_iter()
        .filter(|m| m.user == "U0DEBRIEF")
        .collect();
    assert_eq!(dm.len(), 1, "{dm:?}");
    assert!(dm[0].blocks.to_string().contains(HELP_ALL));
    app.stop().await;
}

async fn the_app_home_welcomes_newcomers_and_shows_what_is_waiting(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.slack.open_home("U0BOB").await;
    app.run_due_jobs().await;
    let home = app.sandbox.home_of("U0BOB").expect("bob's home");
    let text = home.to_string();
    assert!(
        text.contains("Welcome") && text.contains("three steps"),
        "{text}"
    );
    assert!(text.contains(START_REVIEW), "{text}");
    // "Start a review" explains, where Bob is looking, how a review starts.
    let view_id = home["id"].as_str().unwrap().to_string();
    let click = app
        .slack
        .click_in_view("U0BOB", &view_id, START_REVIEW, "home")
        .await;
    assert_eq!(click.status, 200);
    let (_, modal) = app.sandbox.open_modal_for("U0BOB").expect("a modal opened");
    assert!(
        modal.to_string().contains("/debrief review in=2d"),
        "{modal}"
    );

    // A facilitator with a review sees it, its status in words, and no beginner steps.
    app.open_review("").await;
    app.slack.open_home("U0ALICE").await;
    app.run_due_jobs().await;
    let text = app.sandbox.home_of("U0ALICE").unwrap().to_string();
    assert!(text.contains("Reviews you facilitate"), "{text}");
    assert!(text.contains("Survey: not sent yet"), "{text}");
    assert!(!text.contains("three steps"), "{text}");
    assert!(!text.contains("draft"), "{text}");
    app.stop().await;
}

/// Every id-like word outside a mention (`<@U…>`, `<#C…>`): a person would see a code
/// where a name belongs.
fn raw_ids(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if starts_word
            && matches!(bytes[i], b'U' | b'W' | b'C' | b'D')
            && bytes.get(i + 1) == Some(&b'0')
        {
            let end = (i..bytes.len())
                .find(|&j| !(bytes[j].is_ascii_uppercase() || bytes[j].is_ascii_digit()))
                .unwrap_or(bytes.len());
            let mentioned = i >= 2 && matches!(&text[i - 2..i], "<@" | "<#");
            if end - i >= 4 && !mentioned {
                found.push(text[i..end].to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

/// The words a person reads in a message or view: every `text` string, recursively.
fn readable_texts(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("text", serde_json::Value::String(text)) => out.push(text.clone()),
                    _ => readable_texts(inner, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| readable_texts(v, out)),
        _ => {}
    }
}

/// Sections and context lines with nothing in them.
fn empty_sections(blocks: &serde_json::Value) -> usize {
    blocks
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| {
            (b["type"] == "section"
                && b["fields"].is_null()
                && b["text"]["text"]
                    .as_str()
                    .is_none_or(|t| t.trim().is_empty()))
                || (b["type"] == "context"
                    && b["elements"].as_array().is_none_or(|e| {
                        e.iter()
                            .all(|el| el["text"].as_str().is_some_and(|t| t.trim().is_empty()))
                    }))
        })
        .count()
}

async fn every_message_reads_like_a_sentence(db: TestDb) {
    // The detector itself: a mention is fine, a bare id is not.
    assert_eq!(
        raw_ids("<@U0ALICE> asked U0BOB in <#C0INCIDENT>"),
        ["U0BOB"]
    );
    let app = TestApp::spawn(&db).await;
    let mut replies = Vec::new();
    replies.push(app.slack.command("U0BOB", CHANNEL, "").await.json());
    app.open_review("").await;
    for text in ["help", "help review", "status"] {
        replies.push(app.slack.command("U0ALICE", CHANNEL, text).await.json());
    }
    replies.push(app.ask_for_survey("U0ALICE").await);
    app.send_survey().await;
    for (user, text) in [
        ("U0BOB", "the cache TTL dashboard was stale"),
        ("U0CAROL", "nobody knew the purge was global"),
        ("U0DAN", "the runbook assumed a warm cache"),
    ] {
        app.answer(user, text).await;
    }
    let thread = app.start_checkin("").await;
    for _ in 0..4 {
        let turn = app.current_turn(&thread);
        let user = turn
            .trim_start_matches("<@")
            .split('>')
            .next()
            .unwrap()
            .to_string();
        app.press(&user, &thread, debrief::ids::CHECKIN_PASS).await;
    }
    for text in ["survey close", "answers", "agenda", "status"] {
        replies.push(app.slack.command("U0ALICE", CHANNEL, text).await.json());
        app.run_due_jobs().await;
    }
    app.slack.mention("U0CAROL", CHANNEL, "hello").await;
    for user in HUMANS {
        app.slack.open_home(user).await;
    }
    app.run_due_jobs().await;

    let mut shown: Vec<(String, serde_json::Value)> = replies
        .into_iter()
        .map(|r| ("a command reply".to_string(), r))
        .collect();
    {
        let world = app.sandbox.world();
        let bot = world.bot_user_id.clone();
        for m in world.messages.iter().filter(|m| m.user == bot) {
            shown.push((
                format!("a message in {}", m.channel),
                serde_json::json!({ "text": m.text, "blocks": m.blocks }),
            ));
        }
        for v in world.views.values() {
            shown.push((format!("view {}", v.id), v.view.clone()));
        }
    }
    for sighting in app.sandbox.sightings() {
        if let debrief::sandbox::Sighting::Ephemeral { text, .. } = sighting {
            shown.push(("an ephemeral".into(), serde_json::json!({ "text": text })));
        }
    }
    assert!(
        shown.len() > 20,
        "the flow reached {} messages",
        shown.len()
    );
    let mut problems = Vec::new();
    for (where_, value) in &shown {
        let mut texts = Vec::new();
        readable_texts(value, &mut texts);
        for text in texts {
            // Slack's own markup (`<!date^…^{date_short_pretty}|…>`) may hold braces.
            let outside_markup: String = text
                .split('<')
                .enumerate()
                .map(|(n, piece)| {
                    if n == 0 {
                        piece
                    } else {
                        piece.split_once('>').map_or(piece, |(_, after)| after)
                    }
                })
                .collect();
            if outside_markup.contains('{') || outside_markup.contains('}') {
                problems.push(format!("{where_}: a placeholder left in: {text}"));
            }
            let ids = raw_ids(&text);
            if !ids.is_empty() {
                problems.push(format!("{where_}: raw ids {ids:?} in: {text}"));
            }
        }
        if empty_sections(&value["blocks"]) > 0 {
            problems.push(format!("{where_}: an empty section in {value}"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    app.stop().await;
}

/// The written outcome: marking the review done offers a summary; the facilitator edits
/// it in a form and it is posted in the channel once. It quotes nobody and names no
/// pseudonym; only the facilitator can post it; an empty summary is refused in the form.
async fn marking_a_review_done_offers_a_summary_to_edit_and_post(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    app.answer("U0BOB", "SURVEY-TEXT the cache purge emptied the edge")
        .await;
    app.cmd(
        "U0ALICE",
        r#"action add title="Canary stage for purges" owner=<@U0BOB> kind=mitigation"#,
    )
    .await;
    app.run_due_jobs().await;
    app.advance(Duration::from_secs(2 * 86_400 + 3600));
    app.run_due_jobs().await;
    let refused = app.cmd("U0BOB", "review summary").await;
    assert!(refused.contains("facilitator"), "{refused}");

    let done = app.slack.command("U0ALICE", CHANNEL, "review done").await;
    assert!(done.text().contains("marked done"), "{}", done.body);
    let clicked = app
        .slack
        .click_ephemeral("U0ALICE", CHANNEL, &done.json(), debrief::ids::SUMMARY_OPEN)
        .await;
    assert_eq!(clicked.status, 200, "{}", clicked.body);
    let (view_id, view) = app
        .sandbox
        .open_modal_for("U0ALICE")
        .expect("the form opened");
    assert_eq!(view["callback_id"], debrief::ids::SUMMARY_SUBMIT);
    let draft = view.to_string();
    assert!(
        draft.contains("Canary stage for purges (<@U0BOB>, open)"),
        "{draft}"
    );
    assert!(
        draft.contains("0 of 4 people spoke in the meeting or the check-in"),
        "{draft}"
    );
    for secret in ["SURVEY-TEXT", "Respondent", "Gini"] {
        assert!(!draft.contains(secret), "{secret} in the draft: {draft}");
    }
    let before = app.sandbox.messages_in(CHANNEL).len();

    // Someone else submitting the facilitator's form, and an emptied form: field errors.
    let by_bob = app
        .slack
        .submit_view("U0BOB", &view_id, &[("summary_text", "hijacked")])
        .await
        .json();
    assert_eq!(by_bob["response_action"], "errors", "{by_bob}");
    let empty = app
        .slack
        .submit_view("U0ALICE", &view_id, &[("summary_text", "   ")])
        .await
        .json();
    assert_eq!(empty["response_action"], "errors", "{empty}");
    app.run_due_jobs().await;
    assert_eq!(
        app.sandbox.messages_in(CHANNEL).len(),
        before,
        "nothing posted yet"
    );

    let posted = app
        .slack
        .submit_view(
            "U0ALICE",
            &view_id,
            &[("summary_text", "EDITED SUMMARY: we add a canary stage.")],
        )
        .await;
    assert_eq!(posted.status, 200);
    app.run_due_jobs().await;
    app.run_due_jobs().await;
    let summaries: Vec<_> = app
        .sandbox
        .messages_in(CHANNEL)
        .into_iter()
        .filter(|m| m.text.contains("EDITED SUMMARY"))
        .collect();
    assert_eq!(summaries.len(), 1, "posted once");

    // The same draft as Markdown, for a wiki.
    let reply = app
        .slack
        .command("U0ALICE", CHANNEL, "review summary")
        .await;
    let blocks = reply.json()["blocks"].to_string();
    assert!(blocks.contains("# Review of"), "{blocks}");
    assert!(
        blocks.contains("- #1 Canary stage for purges (@U0BOB, open)"),
        "{blocks}"
    );
    app.stop().await;
}

/// `meeting=tomorrow 15:00` means 15:00 on the clock of whoever typed it (their Slack
/// profile's time zone), and an incident's `started=` too; RFC 3339 stays exact.
async fn times_are_typed_in_plain_words_on_the_persons_own_clock(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.sandbox.world().users.get_mut("U0ALICE").unwrap().tz = "America/New_York".into();
    let text = app
        .cmd(
            "U0ALICE",
            r#"incident title="Checkout errors" sev=P2 started=today 9:00"#,
        )
        .await;
    assert!(text.contains("Recorded"), "{text}");
    let reply = app.cmd("U0ALICE", "review meeting=tomorrow 15:00").await;
    assert!(reply.contains("Opened the review"), "{reply}");
    let ny = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let now = app.state.clock.now();
    let today = now.to_zoned(ny.clone()).date();
    let expected = today
        .tomorrow()
        .unwrap()
        .at(15, 0, 0, 0)
        .to_zoned(ny.clone())
        .unwrap()
        .timestamp()
        .as_second();
    assert_eq!(app.review().await.meeting_at, Some(expected));
    let incident = app
        .state
        .store
        .incident_for_channel("T0SANDBOX", CHANNEL)
        .await
        .unwrap()
        .unwrap();
    let nine = today
        .at(9, 0, 0, 0)
        .to_zoned(ny)
        .unwrap()
        .timestamp()
        .as_second();
    assert_eq!(incident.started_at, Some(nine));
    // A mistyped time says what to type, and changes nothing.
    let wrong = app.cmd("U0ALICE", "review meeting=soonish").await;
    assert!(wrong.contains("tomorrow 15:00"), "{wrong}");
    assert_eq!(app.review().await.meeting_at, Some(expected));
    app.expect_leftover_jobs();
    app.stop().await;
}

/// `/debrief review` alone opens a form: a date and time picker, a people picker
/// pre-filled with the channel's members, k, reminders, observations and the agenda's lead
/// time. Mistakes come back as field errors; saving opens the review as the typed command
/// would; opening it again shows the saved settings; only the facilitator may.
async fn review_without_arguments_opens_a_form_with_pickers(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.cmd("U0ALICE", r#"incident title="Checkout errors" sev=P2"#)
        .await;
    let opened = app.slack.command("U0ALICE", CHANNEL, "review").await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let (view_id, view) = app
        .sandbox
        .open_modal_for("U0ALICE")
        .expect("the form opened");
    assert_eq!(view["callback_id"], debrief::ids::REVIEW_SUBMIT, "{view}");
    let text = view.to_string();
    assert!(
        text.contains("datetimepicker") && text.contains("multi_users_select"),
        "{text}"
    );
    for person in HUMANS {
        assert!(text.contains(person), "{person} is pre-filled: {text}");
    }
    assert!(!text.contains("U0DEBRIEF"), "the bot itself is not offered");

    let now = app.state.clock.now().as_second();
    let past = (now - 3600).to_string();
    let refused = app
        .slack
        .submit_view(
            "U0ALICE",
            &view_id,
            &[("review_meeting", &past), ("review_min", "1")],
        )
        .await
        .json();
    assert_eq!(refused["response_action"], "errors", "{refused}");
    assert!(refused["errors"]["review_meeting"].is_string(), "{refused}");
    assert!(refused["errors"]["review_min"].is_string(), "{refused}");
    assert!(
        app.state
            .store
            .review_for_channel("T0SANDBOX", CHANNEL)
            .await
            .unwrap()
            .is_none()
    );

    let meeting = (now + 2 * 86_400).to_string();
    let saved = app
        .slack
        .submit_view(
            "U0ALICE",
            &view_id,
            &[
                ("review_meeting", &meeting),
                ("review_participants", "U0ALICE,U0BOB,U0CAROL"),
                ("review_min", "2"),
                ("review_observations", "live"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200);
    assert!(!saved.body.contains("errors"), "{}", saved.body);
    app.run_due_jobs().await;
    let review = app.review().await;
    assert_eq!(review.meeting_at, Some(now + 2 * 86_400));
    assert_eq!(review.min_responses, 2);
    assert!(review.observations_live);
    let people: Vec<String> = app
        .state
        .store
        .participants(review.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    assert_eq!(people.len(), 3, "{people:?}");
    assert!(
        app.sandbox
            .ephemerals_for("U0ALICE")
            .iter()
            .any(|m| m.contains("Opened the review"))
    );

    // Again: the saved settings come back in the form; someone else is refused.
    app.slack.command("U0ALICE", CHANNEL, "review").await;
    let (_, again) = app
        .sandbox
        .open_modal_for("U0ALICE")
        .expect("the form again");
    assert!(again.to_string().contains(&meeting), "{again}");
    let bob = app.cmd("U0BOB", "review").await;
    assert!(bob.contains("Only the facilitator"), "{bob}");
    app.stop().await;
}

async fn checkin_without_arguments_opens_a_small_form(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    // Only the facilitator gets the form.
    let bob = app.cmd("U0BOB", "checkin").await;
    assert!(bob.contains("facilitator"), "{bob}");
    assert!(app.sandbox.open_modal_for("U0BOB").is_none());

    let opened = app.cmd("U0ALICE", "checkin").await;
    assert!(opened.contains("form is open"), "{opened}");
    let (view_id, view) = app
        .sandbox
        .open_modal_for("U0ALICE")
        .expect("the form opened");
    assert_eq!(view["callback_id"], debrief::ids::CHECKIN_SUBMIT, "{view}");
    let text = view.to_string();
    for person in HUMANS {
        assert!(text.contains(person), "{person} is pre-filled: {text}");
    }
    assert!(text.contains("3 minutes"), "{text}");

    // Nobody chosen: sent back next to the field, and no round starts.
    let refused = app
        .slack
        .submit_view("U0ALICE", &view_id, &[("checkin_people", "")])
        .await
        .json();
    assert_eq!(refused["response_action"], "errors", "{refused}");
    assert!(refused["errors"]["checkin_people"].is_string(), "{refused}");
    let review = app.review_id().await;
    assert!(
        app.state
            .store
            .running_checkin(review)
            .await
            .unwrap()
            .is_none()
    );

    // Two people, a minute each: the round starts with exactly them.
    let started = app
        .slack
        .submit_view(
            "U0ALICE",
            &view_id,
            &[("checkin_turn", "60"), ("checkin_people", "U0BOB,U0CAROL")],
        )
        .await;
    assert_eq!(started.status, 200);
    assert!(!started.body.contains("errors"), "{}", started.body);
    app.run_due_jobs().await;
    let round = app
        .state
        .store
        .running_checkin(review)
        .await
        .unwrap()
        .expect("the round started");
    let state: debrief::features::checkin::machine::CheckinState =
        serde_json::from_str(&round.state).unwrap();
    let mut order = state.order.clone();
    order.sort();
    assert_eq!(order, vec!["U0BOB", "U0CAROL"]);
    assert_eq!(state.turn_seconds, 60);
    assert!(
        app.sandbox
            .ephemerals_for("U0ALICE")
            .iter()
            .any(|m| m.contains("Starting a round-robin check-in with 2 people, 1 minute per turn")),
        "{:?}",
        app.sandbox.ephemerals_for("U0ALICE")
    );
    // The typed form still works alongside: a second round is refused while this one runs.
    let again = app.cmd("U0ALICE", "checkin turn=2m").await;
    assert!(again.contains("already running"), "{again}");
    app.stop().await;
}

async fn a_team_template_is_asked_and_its_answers_shown_with_its_words(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    // The form starts from the default questions, one per line.
    let opened = app.cmd("U0ALICE", "template retro").await;
    assert!(opened.contains("form is open"), "{opened}");
    let (view_id, view) = app.sandbox.open_modal_for("U0ALICE").expect("the form");
    assert_eq!(view["callback_id"], debrief::ids::TEMPLATE_SUBMIT);
    assert!(view.to_string().contains("What surprised you?"), "{view}");

    // A line that is not a question type is sent back on its field, by line number.
    let refused = app
        .slack
        .submit_view(
            "U0ALICE",
            &view_id,
            &[("template_questions", "What surprised you?\nRate it [stars]")],
        )
        .await
        .json();
    assert_eq!(refused["response_action"], "errors", "{refused}");
    let said = refused["errors"]["template_questions"].as_str().unwrap();
    assert!(
        said.starts_with("Line 2:") && said.contains("not a type"),
        "{said}"
    );

    // A question that blames gets the same nudge as an answer would, once.
    let lines = "Who deployed this?\nHow prepared did you feel? [scale 1-5]\nWas the runbook used? [choice: Yes | No | Partly]";
    let nudged = app
        .slack
        .submit_view("U0ALICE", &view_id, &[("template_questions", lines)])
        .await
        .json();
    assert_eq!(nudged["response_action"], "update", "{nudged}");
    assert!(
        nudged.to_string().contains("information was available"),
        "{nudged}"
    );
    app.sandbox.replace_view(&view_id, nudged["view"].clone());
    // Reworded, it saves without a second look.
    let lines = lines.replace("Who deployed this?", "What made the deploy look safe?");
    let saved = app
        .slack
        .submit_view("U0ALICE", &view_id, &[("template_questions", &lines)])
        .await
        .json();
    assert_eq!(saved["response_action"], "update", "{saved}");
    assert!(
        saved.to_string().contains("Saved *retro* with 3 questions"),
        "{saved}"
    );
    let listed = app.cmd("U0ALICE", "template list").await;
    assert!(listed.contains("*retro*: 3 questions"), "{listed}");

    // A review of a vendor incident asks the template, then the vendor section.
    let text = app
        .cmd(
            "U0ALICE",
            r#"incident title="Payments down" sev=P2 vendor=Stripe"#,
        )
        .await;
    assert!(text.contains("Recorded"), "{text}");
    let wrong = app.cmd("U0ALICE", "review in=2d template=nope").await;
    assert!(wrong.contains("no survey template called"), "{wrong}");
    assert!(
        app.state
            .store
            .review_for_channel("T0SANDBOX", CHANNEL)
            .await
            .unwrap()
            .is_none()
    );
    let opened = app
        .cmd("U0ALICE", "review in=2d min=2 template=retro")
        .await;
    assert!(
        opened.contains("template *retro* (3 questions)"),
        "{opened}"
    );
    app.run_due_jobs().await;
    let confirmation = app.ask_for_survey("U0ALICE").await.to_string();
    assert!(
        confirmation.contains("1. What made the deploy look safe?"),
        "{confirmation}"
    );
    assert!(
        confirmation.contains("circuit breakers"),
        "the vendor section: {confirmation}"
    );
    assert!(
        !confirmation.contains("What surprised you?"),
        "{confirmation}"
    );
    app.send_survey().await;

    // The form people answer holds exactly those questions, of their types.
    for (user, scale, choice) in [("U0BOB", "4", "yes"), ("U0CAROL", "2", "partly")] {
        let response = app
            .answer_survey(
                user,
                &[
                    ("q1", "the canary was green"),
                    ("q2", scale),
                    ("q3", choice),
                ],
            )
            .await;
        assert!(
            response.body.contains("answers are saved"),
            "{}",
            response.body
        );
    }

    // Once the survey is out, the questions stay as sent.
    let late = app.cmd("U0ALICE", "review template=default").await;
    assert!(late.contains("gone out already"), "{late}");

    // The answers come back under the questions' words, tallied, never by field id.
    app.cmd("U0ALICE", "answers").await;
    app.run_due_jobs().await;
    let shown: String = app
        .sandbox
        .dms_to("U0ALICE")
        .iter()
        .map(|m| m.blocks.to_string())
        .collect();
    assert!(shown.contains("What made the deploy look safe?"), "{shown}");
    assert!(shown.contains("the canary was green"), "{shown}");
    assert!(
        shown.contains("1: 0 · 2: 1 · 3: 0 · 4: 1 · 5: 0"),
        "{shown}"
    );
    assert!(shown.contains("Yes: 1 · No: 0 · Partly: 1"), "{shown}");
    for id in ["\"q1\"", "\"q2\"", "q3:"] {
        assert!(!shown.contains(id), "{id} in {shown}");
    }
    app.stop().await;
}
