//! Incidents, reviews and pseudonymous surveys, end to end against the sandbox Slack.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use debrief::clock::Clock;
use debrief::ids::{SURVEY_MUTE, SURVEY_OPEN};
use debrief::jobs::{ExecutionOutcome, JobOutcome};
use debrief::sandbox::{Fault, Sighting};

use crate::helpers::{CHANNEL, TestApp, TestDb, add_people};
use crate::on_both_databases;

on_both_databases!(
    the_whole_flow_from_incident_to_answers,
    answers_stay_hidden_below_the_k_floor,
    respondents_can_edit_until_the_survey_closes,
    a_button_that_cannot_open_its_notice_still_says_why,
    reminders_reach_only_people_who_have_not_answered,
    a_restart_mid_fan_out_sends_each_dm_exactly_once,
    rate_limits_during_fan_out_mean_waiting_not_failing,
    the_vendor_section_appears_only_with_a_vendor,
    a_database_dump_cannot_link_answers_to_people,
    user_mistakes_get_clear_sentences,
    the_survey_closes_itself_at_the_deadline,
    incidents_update_in_place_and_recurrences_are_marked,
    modal_mistakes_come_back_as_field_errors,
);

const HUMANS: [&str; 4] = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAN"];

async fn the_whole_flow_from_incident_to_answers(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    // The facilitator is told who is in, and who was left out and why.
    let report = app.last_private_message("U0ALICE");
    assert!(report.contains("Participants (4)"), "{report}");
    assert!(
        report.contains("<@U0HELPER> (a bot)") && report.contains("<@U0GONE> (deactivated)"),
        "{report}"
    );
    assert!(!report.contains("U0DEBRIEF"));

    let sent = app.confirm_survey().await;
    assert!(sent.contains("to 4 participants by DM"), "{sent}");
    app.run_due_jobs().await;
    for user in HUMANS {
        let dms = app.sandbox.dms_to(user);
        assert_eq!(dms.len(), 1, "{user} gets exactly one DM");
        let text = dms[0].blocks.to_string();
        assert!(
            text.contains("How anonymity works") && text.contains("at least 3 people"),
            "{text}"
        );
        assert!(text.contains(SURVEY_OPEN) && text.contains(SURVEY_MUTE));
    }
    assert!(app.sandbox.dms_to("U0HELPER").is_empty() && app.sandbox.dms_to("U0GONE").is_empty());

    let answers = [
        ("U0BOB", "the cache TTL dashboard was stale"),
        ("U0CAROL", "rollback looked safe because staging was green"),
        ("U0DAN", "nobody owned the purge job"),
    ];
    for (user, text) in answers {
        let response = app
            .answer_survey(
                user,
                &[
                    ("information", text),
                    ("discuss", "ownership of purge jobs"),
                ],
            )
            .await;
        assert_eq!(response.status, 200);
        assert_eq!(
            response.json()["response_action"],
            "update",
            "{}",
            response.body
        );
        assert!(response.body.contains("answers are saved"));
    }
    let status = app.cmd("U0BOB", "status").await;
    assert!(status.contains("3 of 4 answered"), "{status}");
    for user in HUMANS {
        assert!(
            !status.contains(&format!("{user}> answered")),
            "status never says who answered"
        );
    }

    let reply = app.cmd("U0ALICE", "answers").await;
    assert!(reply.contains("answers of 3 respondents"), "{reply}");
    app.run_due_jobs().await;
    let delivered: String = app
        .sandbox
        .dms_to("U0ALICE")
        .iter()
        .map(|m| m.blocks.to_string())
        .collect();
    for (_, text) in answers {
        assert!(delivered.contains(text), "facilitator sees {text}");
    }
    let pseudonyms: BTreeSet<&str> = delivered
        .match_indices("Respondent ")
        .map(|(i, _)| &delivered[i..i + 25])
        .collect();
    assert!(
        pseudonyms.len() >= 3,
        "answers appear under pseudonyms: {pseudonyms:?}"
    );
    for user in ["bob", "carol", "dan", "U0BOB", "U0CAROL", "U0DAN"] {
        assert!(
            !delivered.contains(user),
            "no name next to answers ({user})"
        );
    }

    let closed = app.cmd("U0ALICE", "survey close").await;
    assert!(closed.contains("3 of 4 answered"), "{closed}");
    app.run_due_jobs().await;
    let bob_dm = app.sandbox.dms_to("U0BOB")[0].clone();
    assert_eq!(bob_dm.edits, 1);
    assert!(bob_dm.blocks.to_string().contains("your answers are in"));
    assert!(
        !bob_dm.blocks.to_string().contains(SURVEY_OPEN),
        "the button says the survey closed"
    );
    let alice_invite = app.invite_ts("U0ALICE");
    assert!(
        alice_invite.is_none(),
        "buttons removed for non-respondents too"
    );
    app.stop().await;
}

async fn answers_stay_hidden_below_the_k_floor(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("min=3").await;
    app.confirm_survey().await;
    app.run_due_jobs().await;
    app.answer_survey("U0BOB", &[("surprise", "first")]).await;
    app.answer_survey("U0CAROL", &[("surprise", "second")])
        .await;
    let reply = app.cmd("U0ALICE", "answers").await;
    assert!(
        reply.contains("2 of 4 have answered") && reply.contains("at least 3"),
        "{reply}"
    );
    app.run_due_jobs().await;
    assert_eq!(
        app.sandbox.dms_to("U0ALICE").len(),
        1,
        "only the invitation, no answers"
    );
    app.answer_survey("U0DAN", &[("surprise", "third")]).await;
    let reply = app.cmd("U0ALICE", "answers").await;
    assert!(reply.contains("answers of 3 respondents"), "{reply}");
    app.run_due_jobs().await;
    let delivered: String = app
        .sandbox
        .dms_to("U0ALICE")
        .iter()
        .map(|m| m.blocks.to_string())
        .collect();
    assert!(
        delivered.contains("first") && delivered.contains("second") && delivered.contains("third")
    );
    app.stop().await;
}

async fn respondents_can_edit_until_the_survey_closes(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.confirm_survey().await;
    app.run_due_jobs().await;
    app.answer_survey("U0BOB", &[("surprise", "original text")])
        .await;
    // Reopening shows the earlier answer, and saving replaces it.
    let ts = app.invite_ts("U0BOB").unwrap();
    app.slack
        .click(
            "U0BOB",
            "D0BOB",
            &ts,
            SURVEY_OPEN,
            &app.review_id().await.to_string(),
        )
        .await;
    let (view_id, view) = app.sandbox.open_modal_for("U0BOB").unwrap();
    let surprise = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == "surprise")
        .unwrap()
        .clone();
    assert_eq!(surprise["element"]["initial_value"], "original text");
    assert_eq!(view["submit"]["text"], "Save changes");
    app.slack
        .submit_view("U0BOB", &view_id, &[("surprise", "edited text")])
        .await;
    let review = app.review_id().await;
    assert_eq!(
        app.state.store.respondent_keys(review).await.unwrap().len(),
        1,
        "an edit replaces, never duplicates"
    );
    let own = app.own_answers("U0BOB").await.unwrap();
    assert_eq!(own["surprise"], "edited text");
    assert_eq!(app.answered_count().await, 1);

    app.cmd("U0ALICE", "survey close").await;
    app.run_due_jobs().await;
    // After closing, the button (from an old copy of the message) opens a notice, not the form.
    app.slack
        .click("U0BOB", "D0BOB", &ts, SURVEY_OPEN, &review.to_string())
        .await;
    let sightings = app.sandbox.sightings();
    let last_modal = sightings.iter().rev().find_map(|s| match s {
        Sighting::Modal { user, view_id, .. } if user == "U0BOB" => Some(view_id.clone()),
        _ => None,
    });
    let notice = app.sandbox.view(&last_modal.unwrap()).unwrap();
    assert!(
        notice.to_string().contains("This survey has closed"),
        "{notice}"
    );
    app.stop().await;
}

async fn a_button_that_cannot_open_its_notice_still_says_why(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.confirm_survey().await;
    app.run_due_jobs().await;
    let ts = app.invite_ts("U0BOB").unwrap();
    app.cmd("U0ALICE", "survey close").await;
    app.run_due_jobs().await;
    // The press's trigger cannot be used (Slack refuses the modal), so the sentence that
    // explains the button comes back privately under the message instead of being lost.
    app.sandbox.fail_next(
        "views.open",
        Fault::SlackError("expired_trigger_id".into()),
        1,
    );
    let review = app.review_id().await.to_string();
    let click = app
        .slack
        .click("U0BOB", "D0BOB", &ts, SURVEY_OPEN, &review)
        .await;
    assert_eq!(click.status, 200);
    app.run_due_jobs().await;
    let told = app.last_private_message("U0BOB");
    assert!(told.contains("This survey has closed"), "{told:?}");
    app.stop().await;
}

async fn reminders_reach_only_people_who_have_not_answered(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("reminders=1").await;
    let sent_at = app.clock.now();
    app.confirm_survey().await;
    app.run_due_jobs().await;
    app.answer_survey("U0BOB", &[("surprise", "x")]).await;
    // Carol opts out of reminders.
    let ts = app.invite_ts("U0CAROL").unwrap();
    app.slack
        .click(
            "U0CAROL",
            "D0CAROL",
            &ts,
            SURVEY_MUTE,
            &app.review_id().await.to_string(),
        )
        .await;
    app.run_due_jobs().await;
    assert!(app.last_private_message("U0CAROL").contains("no reminders"));
    let channel_messages_before = app.sandbox.messages_in(CHANNEL).len();

    // Halfway between sending (now) and the deadline (2 days minus an hour).
    let review = app
        .state
        .store
        .review(app.review_id().await)
        .await
        .unwrap()
        .unwrap();
    let halfway = sent_at.as_second() + (review.deadline_at.unwrap() - sent_at.as_second()) / 2;
    app.clock
        .advance_to(jiff::Timestamp::from_second(halfway - 60).unwrap());
    app.run_due_jobs().await;
    assert_eq!(
        app.sandbox.dms_to("U0DAN").len(),
        1,
        "no reminder before halfway"
    );
    app.clock
        .advance_to(jiff::Timestamp::from_second(halfway).unwrap());
    app.run_due_jobs().await;
    let reminded = |user: &str| {
        app.sandbox
            .dms_to(user)
            .iter()
            .filter(|m| m.text.starts_with("A reminder"))
            .count()
    };
    assert_eq!(reminded("U0DAN"), 1);
    assert_eq!(reminded("U0ALICE"), 1);
    assert_eq!(reminded("U0BOB"), 0, "answered");
    assert_eq!(reminded("U0CAROL"), 0, "opted out");
    assert_eq!(
        app.sandbox.messages_in(CHANNEL).len(),
        channel_messages_before,
        "never in a channel"
    );
    // Delivered reminders leave no row that says who had not answered.
    let mut pending = app.state.store.pending_jobs_by_kind().await.unwrap();
    pending.sort();
    assert_eq!(
        pending,
        vec![
            ("close_survey".to_string(), 1),
            ("post_agenda".to_string(), 1),
            ("release_observations".to_string(), 1),
        ],
        "only the deadline close, the agenda post and the next observation release remain"
    );
    // And there is at most one reminder by default.
    app.run_jobs_until_idle(Duration::from_secs(3 * 86_400))
        .await;
    assert_eq!(reminded("U0DAN"), 1);
    app.stop().await;
}

async fn a_restart_mid_fan_out_sends_each_dm_exactly_once(db: TestDb) {
    let first = TestApp::spawn(&db).await;
    let people = add_people(&first.sandbox, 26);
    first.open_review("").await;
    first.confirm_survey().await;
    // The first process sends a few, then stops in the middle of the fan-out.
    for _ in 0..7 {
        debrief::jobs::run_one(&first.state, "first-worker")
            .await
            .unwrap();
    }
    let sandbox = first.sandbox.clone();
    let clock = first.clock.clone();
    first.expect_leftover_jobs(); // the restarted app takes them over
    first.stop().await;
    let second = TestApp::spawn_with(&db, sandbox.clone(), clock, |_| {}).await;
    second.run_due_jobs().await;
    let everyone: Vec<String> = HUMANS.iter().map(|s| s.to_string()).chain(people).collect();
    assert_eq!(everyone.len(), 30);
    for user in &everyone {
        assert_eq!(sandbox.dms_to(user).len(), 1, "{user}");
    }
    let participants = second
        .state
        .store
        .participants(second.review_id().await)
        .await
        .unwrap();
    assert!(participants.iter().all(|p| p.invite_state == "sent"));
    second.stop().await;
}

async fn rate_limits_during_fan_out_mean_waiting_not_failing(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let people = add_people(&app.sandbox, 196);
    app.open_review("").await;
    app.sandbox.fail_next(
        "conversations.open",
        Fault::RateLimited { retry_after: 30 },
        3,
    );
    app.sandbox
        .fail_next("chat.postMessage", Fault::RateLimited { retry_after: 1 }, 5);
    app.sandbox
        .fail_next("chat.postMessage", Fault::Status(503), 2);
    app.confirm_survey().await;
    let outcomes = app.run_jobs_until_idle(Duration::from_secs(3600)).await;
    let waited = outcomes
        .iter()
        .filter(|o| {
            matches!(
                o,
                ExecutionOutcome::Ran {
                    outcome: JobOutcome::Rescheduled(_),
                    ..
                }
            )
        })
        .count();
    assert!(waited >= 8, "429s and 503s were waited out: {waited}");
    for user in HUMANS.iter().map(|s| s.to_string()).chain(people) {
        assert_eq!(
            app.sandbox.dms_to(&user).len(),
            1,
            "{user} gets exactly one DM"
        );
    }
    assert!(app.state.store.failed_jobs().await.unwrap().is_empty());
    app.stop().await;
}

async fn the_vendor_section_appears_only_with_a_vendor(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.confirm_survey().await;
    app.run_due_jobs().await;
    let review = app.review_id().await.to_string();
    let ts = app.invite_ts("U0BOB").unwrap();
    app.slack
        .click("U0BOB", "D0BOB", &ts, SURVEY_OPEN, &review)
        .await;
    let (_, plain) = app.sandbox.open_modal_for("U0BOB").unwrap();
    assert!(
        !plain.to_string().contains("circuit breakers"),
        "no vendor section without a vendor"
    );

    app.cmd("U0ALICE", "incident vendor=\"Stripe\"").await;
    app.slack
        .click(
            "U0CAROL",
            "D0CAROL",
            &app.invite_ts("U0CAROL").unwrap(),
            SURVEY_OPEN,
            &review,
        )
        .await;
    let (view_id, with_vendor) = app.sandbox.open_modal_for("U0CAROL").unwrap();
    let text = with_vendor.to_string();
    assert!(text.contains("When Stripe failed, did the circuit breakers activate correctly?"));
    assert!(text.contains("Did customers see a coherent error, or cascading chaos?"));
    assert!(text.contains("Given that this external failure will happen again, what is the desired system behavior, and does the current architecture produce it?"));
    // How long it took to see the failure was external is a number of minutes, checked.
    let refused = app
        .slack
        .submit_view(
            "U0CAROL",
            &view_id,
            &[("vendor_minutes_to_external", "about an hour")],
        )
        .await;
    let json = refused.json();
    assert_eq!(json["response_action"], "errors", "{json}");
    assert!(
        json["errors"]["vendor_minutes_to_external"]
            .as_str()
            .unwrap()
            .contains("whole minutes, from 0 to 10080"),
        "{json}"
    );
    let response = app
        .slack
        .submit_view(
            "U0CAROL",
            &view_id,
            &[
                ("vendor_breakers", "partly"),
                ("vendor_minutes_to_external", "45"),
                ("vendor_future", "queue and retry"),
            ],
        )
        .await;
    assert_eq!(
        response.json()["response_action"],
        "update",
        "{}",
        response.body
    );
    assert!(
        response.body.contains("answers are saved"),
        "{}",
        response.body
    );
    let answers = app.own_answers("U0CAROL").await.unwrap();
    assert_eq!(
        debrief::features::survey::questions::minutes_to_external(&answers),
        Some(45)
    );
    app.stop().await;
}

/// Every table as rows of text, the way a copied database would show them.
pub async fn dump(db: &TestDb) -> BTreeMap<String, Vec<Vec<String>>> {
    use sqlx::{Connection, Row};
    let mut tables = BTreeMap::new();
    if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        let names: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for name in names {
            let sql = format!("SELECT to_jsonb(t)::text FROM {name} t");
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let rows = rows
                .into_iter()
                .map(|json| {
                    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
                    value
                        .as_object()
                        .unwrap()
                        .values()
                        .map(|v| {
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        })
                        .collect()
                })
                .collect();
            tables.insert(name, rows);
        }
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
        let names: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for name in names {
            let sql = format!("SELECT * FROM {name}");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let rows = rows
                .iter()
                .map(|row| {
                    (0..row.columns().len())
                        .map(|i| {
                            row.try_get::<String, _>(i)
                                .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                                .or_else(|_| row.try_get::<Vec<u8>, _>(i).map(hex::encode))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect();
            tables.insert(name, rows);
        }
    }
    tables
}

async fn a_database_dump_cannot_link_answers_to_people(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("reminders=2").await;
    app.confirm_survey().await;
    app.run_due_jobs().await;
    for (user, text) in [
        ("U0BOB", "the pager was silent"),
        ("U0CAROL", "staging was green"),
        ("U0DAN", "nobody owned the job"),
    ] {
        app.answer_survey(user, &[("surprise", text)]).await;
    }
    app.answer_survey("U0BOB", &[("surprise", "the pager was silent, edited")])
        .await;
    app.run_jobs_until_idle(Duration::from_secs(86_400)).await;
    let tables = dump(&db).await;
    let responses = &tables["responses"];
    assert_eq!(responses.len(), 3);
    // 0. No answer is readable anywhere: responses are sealed with the key.
    for text in [
        "pager was silent",
        "staging was green",
        "nobody owned the job",
    ] {
        for (table, rows) in &tables {
            assert!(
                !rows.iter().flatten().any(|v| v.contains(text)),
                "{text:?} is readable in {table}"
            );
        }
    }
    let people: Vec<&str> = HUMANS.to_vec();
    // 1. No response row holds a user id, a name, or anything time-like.
    for row in responses {
        for value in row {
            for user in &people {
                assert!(!value.contains(user), "a response holds {user}: {row:?}");
            }
            for name in ["alice", "bob", "carol", "dan"] {
                assert!(
                    !value.contains(&format!("\"{name}")),
                    "a response names {name}: {row:?}"
                );
            }
            if let Ok(n) = value.parse::<i64>() {
                assert!(n < 1_000_000_000, "no timestamp in a response row: {row:?}");
            }
        }
    }
    // 2. No value of a response row (other than the review id) appears in any other table,
    //    so no join leads from an answer to a row that holds a user id.
    let review_id = app.review_id().await.to_string();
    for row in responses {
        for value in row
            .iter()
            .filter(|v| **v != review_id && v.len() > 3 && v.as_str() != "null")
        {
            for (table, rows) in tables.iter().filter(|(t, _)| t.as_str() != "responses") {
                for other in rows {
                    assert!(
                        !other.iter().any(|o| o.contains(value.as_str())),
                        "{value} from a response appears in {table}: {other:?}"
                    );
                }
            }
        }
    }
    // 3. The respondent key is not computable from the user id without the key.
    let wrong_key = debrief::pseudonym::PseudonymKey::from_bytes([42; 32]);
    let review: debrief::domain::ReviewId = review_id.parse().unwrap();
    for user in &people {
        let guess = wrong_key.respondent_key(review, user);
        assert!(!responses.iter().any(|row| row.contains(&guess)));
        // With the real key, the service itself can find exactly the respondents.
        let real = app.state.pseudonym_key.respondent_key(review, user);
        let found = responses.iter().any(|row| row.contains(&real));
        assert_eq!(found, *user != "U0ALICE", "{user}");
    }
    // 4. The pseudonym key itself is nowhere in the database.
    let key_hex = crate::helpers::TEST_PSEUDONYM_KEY;
    assert!(
        !tables
            .values()
            .flatten()
            .flatten()
            .any(|v| v.contains(key_hex))
    );
    // 5. The jobs table keeps no reminder rows naming who had not answered.
    let reminder_rows = tables["jobs"]
        .iter()
        .filter(|row| row.iter().any(|v| v == "send_reminder"))
        .count();
    assert_eq!(reminder_rows, 0);
    app.stop().await;
}

async fn user_mistakes_get_clear_sentences(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    // Outside a channel with an incident.
    assert!(
        app.cmd("U0BOB", "status")
            .await
            .contains("no incident recorded for this channel")
    );
    let dm = app.slack.command("U0BOB", "D0BOB", "review").await;
    assert!(dm.text().contains("not in a direct message"), "{}", dm.body);
    assert!(
        app.cmd("U0BOB", "survey")
            .await
            .contains("no incident recorded")
    );
    app.open_review("").await;
    // A non-facilitator sending, closing or changing.
    assert!(
        app.cmd("U0BOB", "survey")
            .await
            .contains("Only the facilitator, <@U0ALICE>, can send the survey")
    );
    assert!(
        app.cmd("U0BOB", "review min=2")
            .await
            .contains("Only the facilitator")
    );
    // A deadline in the past.
    let past = app.cmd("U0ALICE", "review in=30m").await;
    assert!(past.contains("already passed"), "{past}");
    // A survey sent twice: nothing is resent.
    app.confirm_survey().await;
    app.run_due_jobs().await;
    let again = app.cmd("U0ALICE", "survey").await;
    assert!(
        again.contains("already out") && again.contains("Nothing was resent"),
        "{again}"
    );
    app.run_due_jobs().await;
    assert_eq!(app.sandbox.dms_to("U0BOB").len(), 1);
    assert!(
        app.cmd("U0CAROL", "survey close")
            .await
            .contains("Only the facilitator")
    );
    app.stop().await;
}

async fn the_survey_closes_itself_at_the_deadline(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    // Dan's account is deactivated after the list was made: his DM cannot be opened.
    app.open_review("reminders=0").await;
    app.sandbox.world().users.get_mut("U0DAN").unwrap().deleted = true;
    app.confirm_survey().await;
    app.run_due_jobs().await;
    let told: Vec<String> = app
        .sandbox
        .dms_to("U0ALICE")
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        told.iter()
            .any(|t| t.contains("couldn't send the survey to dan (<@U0DAN>)")
                && t.contains("deactivated")),
        "{told:?}"
    );
    for user in ["U0BOB", "U0CAROL", "U0ALICE"] {
        app.answer_survey(user, &[("discuss", "runbooks")]).await;
    }
    let outcomes = app
        .run_jobs_until_idle(Duration::from_secs(3 * 86_400))
        .await;
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, ExecutionOutcome::Ran { kind, .. } if kind == "close_survey"))
    );
    let review = app
        .state
        .store
        .review(app.review_id().await)
        .await
        .unwrap()
        .unwrap();
    assert!(review.survey_closed());
    let summary = app
        .sandbox
        .dms_to("U0ALICE")
        .into_iter()
        .map(|m| m.text)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(summary.contains("has closed: 3 of 4 answered"), "{summary}");
    // Submitting after the close keeps the modal open and says so; nothing is stored.
    let before = app
        .state
        .store
        .respondent_keys(review.id)
        .await
        .unwrap()
        .len();
    let status = app.cmd("U0BOB", "status").await;
    assert!(
        status.contains("Survey: closed, 3 of 4 answered")
            && status.contains("Couldn't be reached by DM: <@U0DAN>"),
        "{status}"
    );
    assert_eq!(
        app.state
            .store
            .respondent_keys(review.id)
            .await
            .unwrap()
            .len(),
        before
    );
    app.stop().await;
}

async fn incidents_update_in_place_and_recurrences_are_marked(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let first = app.cmd("U0ALICE", r#"incident title="Cache storm" mode="Cache Invalidation" services="Checkout API,search""#).await;
    assert!(
        first.contains("failure mode: cache-invalidation")
            && first.contains("services: checkout-api, search"),
        "{first}"
    );
    assert!(!first.contains("recurrence"));
    let updated = app.cmd("U0BOB", "incident sev=P2").await;
    assert!(
        updated.starts_with("Updated the incident *Cache storm* (P2"),
        "{updated}"
    );
    // Another channel, same failure mode: a recurrence.
    {
        let mut world = app.sandbox.world();
        let mut channel = world.channels["C0INCIDENT"].clone();
        channel.id = "C0SECOND".into();
        world.channels.insert("C0SECOND".into(), channel);
    }
    let second = app
        .slack
        .command(
            "U0CAROL",
            "C0SECOND",
            r#"incident title="Stale prices" mode=cache-invalidation"#,
        )
        .await
        .text();
    assert!(
        second.contains("seen before in *Cache storm*") && second.contains("recurrence"),
        "{second}"
    );
    let (_, metrics) = app.get("/metrics").await;
    // Each new label set shows at 0 on its first scrape, then counts.
    assert!(metrics.contains(r#"incident_opened_total{failure_mode="cache-invalidation",severity="P2",is_recurrence="false",team="T0SANDBOX"} 0"#), "{metrics}");
    let (_, metrics) = app.get("/metrics").await;
    assert!(metrics.contains(r#"incident_opened_total{failure_mode="cache-invalidation",severity="unknown",is_recurrence="true",team="T0SANDBOX"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"incident_opened_total{failure_mode="cache-invalidation",severity="P2",is_recurrence="false",team="T0SANDBOX"} 1"#), "{metrics}");
    assert!(!metrics.contains("debrief_incident_opened"));
    // Without a title, a new channel gets the form.
    app.slack.command("U0DAN", "C0OUTSIDE", "incident").await;
    let (_, form) = app
        .sandbox
        .open_modal_for("U0DAN")
        .expect("the incident form opened");
    assert_eq!(form["callback_id"], "incident_submit");
    app.stop().await;
}

async fn modal_mistakes_come_back_as_field_errors(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.confirm_survey().await;
    app.run_due_jobs().await;
    // Empty submission.
    let response = app.answer_survey("U0BOB", &[]).await;
    assert_eq!(response.status, 200);
    let json = response.json();
    assert_eq!(json["response_action"], "errors");
    assert!(
        json["errors"]["information"]
            .as_str()
            .unwrap()
            .contains("at least one")
    );
    // Too long (Slack's client enforces 3,000, but the server checks again).
    let (view_id, _) = app
        .sandbox
        .open_modal_for("U0BOB")
        .expect("the modal stays open after errors");
    let long = "x".repeat(3001);
    let json = app
        .slack
        .submit_view("U0BOB", &view_id, &[("surprise", &long)])
        .await
        .json();
    assert_eq!(json["response_action"], "errors");
    assert!(
        json["errors"]["surprise"]
            .as_str()
            .unwrap()
            .contains("3001 characters")
    );
    assert_eq!(app.answered_count().await, 0);
    // The incident form: a bad time is a field error, and nothing changes.
    app.slack.command("U0DAN", "C0OUTSIDE", "incident").await;
    let (form_id, _) = app.sandbox.open_modal_for("U0DAN").unwrap();
    let json = app
        .slack
        .submit_view(
            "U0DAN",
            &form_id,
            &[("title", "DNS"), ("started", "yesterday")],
        )
        .await
        .json();
    assert_eq!(json["response_action"], "errors");
    assert!(
        json["errors"]["started"]
            .as_str()
            .unwrap()
            .contains("RFC 3339")
    );
    let response = app
        .slack
        .submit_view(
            "U0DAN",
            &form_id,
            &[("title", "DNS"), ("started", "2026-11-27T09:30:00Z")],
        )
        .await;
    assert_eq!(response.status, 200);
    app.run_due_jobs().await;
    assert!(
        app.state
            .store
            .incident_for_channel("T0SANDBOX", "C0OUTSIDE")
            .await
            .unwrap()
            .is_some()
    );
    app.stop().await;
}
