//! Generated input: the grammar, every message and view the bot builds, and whole requests
//! through the real router, fed text a person (or a broken client) could send: NUL bytes,
//! right-to-left overrides, emoji, Slack markup, and values of 40,000 characters.
//! Properties: nothing panics, nothing answers 5xx, and every message and view stays
//! within Slack's Block Kit limits as the sandbox checks them.

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

use debrief::bot::commands::{SLASH, SUBCOMMANDS};
use debrief::domain::{ReviewId, SurveyStatus};
use debrief::features::agenda::synth;
use debrief::features::survey::{self, questions, render, responses};
use debrief::sandbox::{validate_blocks, validate_view};
use debrief::store::reviews::{Incident, Review};

use crate::helpers::{CHANNEL, TestApp, TestDb};

/// Text people and clients actually produce, weighted towards the awkward.
fn awkward_text(max: usize) -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[a-zA-Z0-9 ]{0,30}".prop_map(String::from),
        Just("\0".to_string()),
        Just("\u{202e}evil\u{202c}".to_string()),
        Just("שלום עולם".to_string()),
        Just("🔥👩‍🚒".to_string()),
        Just("<@U0BOB> <!channel> <#C1|x> <https://x|y>".to_string()),
        Just("\"quoted\" key=value".to_string()),
        Just("\n\t\r".to_string()),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(pieces, 0..20).prop_map(move |parts| {
        let text: String = parts.concat();
        text.chars().take(max).collect()
    })
}

/// Occasionally the whole value is 40,000 characters.
fn maybe_huge(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        9 => awkward_text(max),
        1 => Just("x".repeat(40_000)),
    ]
}

fn json(content: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(content).unwrap()
}

fn assert_message_fits(message: &slack_morphism::prelude::SlackMessageContent) {
    let blocks = json(&message.blocks.clone().unwrap_or_default());
    validate_blocks(blocks.as_array().unwrap(), 50).unwrap_or_else(|e| panic!("{e}: {blocks}"));
}

fn review(k: i64) -> Review {
    Review {
        id: ReviewId(1),
        facilitator_id: "U0ALICE".into(),
        min_responses: k,
        reminders: 1,
        survey_status: SurveyStatus::Open,
        deadline_at: Some(1_900_000_000),
        meeting_at: Some(1_900_003_600),
        agenda_before: 3600,
        ..Default::default()
    }
}

fn incident(title: String, vendor: Option<String>) -> Incident {
    Incident {
        title,
        vendor,
        severity: Some("P1".into()),
        services: "checkout".into(),
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_grammar_answers_every_input_without_panicking(text in maybe_huge(300)) {
        if let Ok(invocation) = debrief::grammar::parse(SLASH, &text, SUBCOMMANDS) {
            for key in invocation.args.keys() {
                prop_assert!(invocation.spec.args.iter().any(|a| a.key == *key));
            }
        }
    }

    #[test]
    fn invitations_fit_slack_for_any_title_and_vendor(
        title in awkward_text(150),
        vendor in proptest::option::of(awkward_text(80)),
    ) {
        let incident = incident(title, vendor);
        for shown in [
            survey::InviteState::Open,
            survey::InviteState::ClosedAnswered,
            survey::InviteState::ClosedUnanswered,
        ] {
            let invitee = survey::Invitee { invited: 30, is_facilitator: false };
            assert_message_fits(&survey::invite_message(&incident, &review(3), invitee, shown));
        }
    }

    #[test]
    fn the_survey_form_fits_slack_for_any_earlier_answers(
        title in awkward_text(150),
        vendor in proptest::option::of(awkward_text(80)),
        answers in prop::collection::vec(awkward_text(3000), 0..8),
    ) {
        let asked = questions::questions_for(None, vendor.as_deref());
        let ids: Vec<&str> = asked.iter().map(|q| q.id.as_ref()).collect();
        let existing: questions::Answers = ids.iter().zip(answers).map(|(id, a)| (id.to_string(), a)).collect();
        let view = questions::SurveyModal {
            review_id: ReviewId(1),
            incident_title: &title,
            vendor: vendor.as_deref(),
            questions: &asked,
            min_responses: 3,
            existing: Some(&existing),
            nudges: &[],
        }
        .view();
        let view = json(&view);
        prop_assert!(validate_view(&view).is_ok(), "{}", view);
    }

    #[test]
    fn answer_deliveries_fit_slack_for_any_answers(
        answers in prop::collection::vec((awkward_text(40), awkward_text(3000)), 0..40),
        seed in any::<u64>(),
    ) {
        let visible = responses::Visible {
            responses: answers
                .into_iter()
                .enumerate()
                .map(|(n, (q, text))| responses::Response {
                    pseudonym: format!("Respondent {n}"),
                    answers: [("discuss".to_string(), text), (q, "x".to_string())].into_iter().collect(),
                })
                .collect(),
            held_back: 2,
        };
        let incident = incident("Checkout errors".into(), Some("Stripe".into()));
        let asked = debrief::features::survey::questions::questions_for(None, Some("Stripe"));
        for message in render::answer_messages(&incident, &review(3), &asked, &visible, seed) {
            assert_message_fits(&message);
        }
    }

    #[test]
    fn agendas_fit_slack_for_any_answers_and_observations(
        answers in prop::collection::vec(awkward_text(3000), 0..30),
        observations in prop::collection::vec(awkward_text(3000), 0..10),
        title in awkward_text(150),
    ) {
        let inputs = synth::Inputs {
            questions: questions::questions_for(None, Some("Fastly")),
            incident: incident(title, Some("Fastly".into())),
            recurrence_of: Some("An earlier one".into()),
            review: review(1),
            answered: answers.len() as i64,
            answers: answers
                .into_iter()
                .enumerate()
                .map(|(n, text)| synth::SurveyAnswer {
                    pseudonym: format!("Respondent {}", n % 7),
                    question: questions::CORE[n % questions::CORE.len()].id.to_string(),
                    text,
                })
                .collect(),
            held_back: 0,
            observations,
            counterfactuals: vec![],
            links: vec![],
            done: false,
        };
        for message in synth::to_messages(&synth::synthesize(&inputs)) {
            assert_message_fits(&message);
        }
    }
}

// Whole requests through the real router: a command with any text, and interaction
// payloads with fields replaced by awkward values. Every answer is 200 or 400.
crate::on_both_databases!(awkward_requests_never_get_a_server_error);

async fn awkward_requests_never_get_a_server_error(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 64,
        ..RunnerConfig::default()
    });
    let subcommands = prop_oneof![
        Just("observe "),
        Just("incident title="),
        Just("review participants="),
        Just("review facilitator="),
        Just("incident vendor="),
        Just(""),
    ];
    runner
        .run(&(subcommands, maybe_huge(500)), |(sub, text)| {
            let status = tokio::task::block_in_place(|| {
                handle.block_on(async {
                    app.slack
                        .command("U0BOB", CHANNEL, &format!("{sub}{text}"))
                        .await
                        .status
                })
            });
            prop_assert_eq!(status, 200, "{}{}", sub, text);
            Ok(())
        })
        .unwrap();
    let fields = prop_oneof![
        Just("action_id"),
        Just("value"),
        Just("callback_id"),
        Just("type"),
        Just("private_metadata"),
    ];
    runner
        .run(&(fields, maybe_huge(300)), |(field, value)| {
            let payload = serde_json::json!({
                "type": "block_actions",
                "user": { "id": "U0BOB", "username": "bob", "team_id": "T0SANDBOX" },
                "team": { "id": "T0SANDBOX", "domain": "sandbox" },
                "api_app_id": "A0DEBRIEF",
                "token": "x",
                "trigger_id": "1.2.3",
                "container": { "type": "message", "message_ts": "1.2", "channel_id": "D0BOB", "is_ephemeral": false },
                "channel": { "id": "D0BOB", "name": "directmessage" },
                "actions": [{ "action_id": debrief::ids::SURVEY_OPEN, "block_id": "b", "type": "button",
                              "text": { "type": "plain_text", "text": "x" }, "value": "1", "action_ts": "1.2" }],
            });
            let mut payload = payload;
            match field {
                "action_id" | "value" => payload["actions"][0][field] = value.clone().into(),
                other => payload[other] = value.clone().into(),
            }
            let status = tokio::task::block_in_place(|| {
                handle.block_on(async { app.slack.interaction(&payload).await.status })
            });
            prop_assert!(status == 200 || status == 400, "{} → {}", field, status);
            Ok(())
        })
        .unwrap();
    // Nothing typed above may leave a NUL in storage (PostgreSQL would refuse it for good).
    let review = app.review_id().await;
    for stored in app.state.store.observations(review).await.unwrap() {
        let text = debrief::features::observation::open(&app.state, review, &stored).unwrap();
        assert!(!text.contains('\0'));
    }
    app.run_due_jobs().await;
    app.expect_leftover_jobs(); // some generated commands legitimately fail their jobs
    app.stop().await;
}
