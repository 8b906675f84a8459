//! Framing nudges wherever text enters (survey answers, observations by command, DM and
//! shortcut, counterfactual conditions), each with its own kind and question; the
//! counterfactual form opened from a root-cause nudge; standing questions in an agenda
//! with no blame; survey conditions ranked by the facilitator; and a vendor review whose
//! section is empty being warned about. Through the sandbox, on both databases.

use std::time::Duration;

use debrief::clock::Clock;
use debrief::features::framing::{self, STANDING_EXTERNAL};
use debrief::ids::{COUNTERFACTUAL_OPEN, COUNTERFACTUAL_RANK, COUNTERFACTUAL_SUBMIT};
use debrief::sandbox::Sighting;
use jiff::Timestamp;

use crate::helpers::{CHANNEL, TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(
    a_survey_answer_of_every_kind_gets_its_own_nudge,
    an_observation_of_every_kind_gets_its_own_nudge,
    a_counterfactual_condition_of_every_kind_gets_its_own_nudge,
    an_incident_with_no_blame_still_gets_standing_questions,
    survey_conditions_join_the_portfolio_and_the_facilitator_ranks_them,
    a_vendor_review_with_its_section_empty_is_warned_about,
);

/// One text per kind, with the words its header uses and the start of its question.
struct Case {
    text: &'static str,
    header: &'static str,
    question: &'static str,
}

const HEADERS: [&str; 4] = [
    "reads as blame",
    "names a single root cause",
    "relies on people trying harder",
    "puts the failure outside our control",
];

const ANSWERS: [Case; 4] = [
    Case {
        text: "That was a bad decision by the on-call engineer.",
        header: "reads as blame",
        question: "What conditions made that decision seem reasonable at the time",
    },
    Case {
        text: "The root cause was the query that caused the table lock.",
        header: "names a single root cause",
        question: "What else had to be true for this to happen?",
    },
    Case {
        text: "Everyone needs more training on the purge runbook.",
        header: "relies on people trying harder",
        question: "What would make the right action the default",
    },
    Case {
        text: "Stripe was down; nothing the team could have done.",
        header: "puts the failure outside our control",
        question: STANDING_EXTERNAL,
    },
];

/// Checks that `shown` carries this case's header and question and no other kind's header.
fn assert_nudge(shown: &str, case: &Case) {
    assert!(shown.contains(case.header), "{}: {shown}", case.text);
    assert!(shown.contains(case.question), "{}: {shown}", case.text);
    assert!(shown.contains("A question that teaches more"), "{shown}");
    for other in HEADERS.iter().filter(|h| **h != case.header) {
        assert!(
            !shown.contains(other),
            "{} also said {other}: {shown}",
            case.text
        );
    }
}

async fn a_survey_answer_of_every_kind_gets_its_own_nudge(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    for case in &ANSWERS {
        let response = app.answer_survey("U0BOB", &[("discuss", case.text)]).await;
        let json = response.json();
        assert_eq!(json["response_action"], "update", "{json}");
        let view = json["view"].to_string();
        assert_nudge(&view, case);
        assert!(view.contains(case.text), "the answer is kept in the form");
        let offers_form = view.contains(COUNTERFACTUAL_OPEN);
        assert_eq!(
            offers_form,
            case.header == "names a single root cause",
            "{view}"
        );
        assert_eq!(
            app.answered_count().await,
            0,
            "nothing is stored until bob decides"
        );
    }

    // The root-cause nudge's button puts the counterfactual form on top of the survey.
    let response = app
        .answer_survey("U0BOB", &[("discuss", ANSWERS[1].text)])
        .await;
    assert_eq!(response.json()["response_action"], "update");
    let (survey_view, _) = app.sandbox.open_modal_for("U0BOB").unwrap();
    let review = app.review_id().await.to_string();
    let pressed = app
        .slack
        .click_in_view("U0BOB", &survey_view, COUNTERFACTUAL_OPEN, &review)
        .await;
    assert_eq!(pressed.status, 200);
    assert_eq!(app.sandbox.successful_calls("views.push").len(), 1);
    let (form_view, form) = app.sandbox.open_modal_for("U0BOB").unwrap();
    assert_ne!(form_view, survey_view);
    assert_eq!(form["callback_id"], COUNTERFACTUAL_SUBMIT);

    // A nudge never blocks: submitted again, the answer is kept as written.
    let kept = app
        .slack
        .submit_view("U0BOB", &survey_view, &[("discuss", ANSWERS[1].text)])
        .await;
    assert!(kept.body.contains("answers are saved"), "{}", kept.body);
    let stored = app.own_answers("U0BOB").await.unwrap();
    assert_eq!(stored["discuss"], ANSWERS[1].text);
    app.stop().await;
}

async fn an_observation_of_every_kind_gets_its_own_nudge(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    // By command: a private reply, nothing stored.
    for case in &ANSWERS {
        let reply = app
            .slack
            .command("U0BOB", CHANNEL, &format!("observe {}", case.text))
            .await;
        assert_eq!(reply.json()["response_type"], "ephemeral");
        assert_nudge(&reply.json()["blocks"].to_string(), case);
    }
    let review = app.review_id().await;
    assert!(
        app.state
            .store
            .observations(review)
            .await
            .unwrap()
            .is_empty()
    );

    // The root-cause button on the private reply opens the counterfactual form.
    let reply = app
        .slack
        .command("U0BOB", CHANNEL, &format!("observe {}", ANSWERS[1].text))
        .await;
    let blocks = reply.json()["blocks"].to_string();
    assert!(blocks.contains(COUNTERFACTUAL_OPEN), "{blocks}");
    let pressed = app
        .slack
        .click(
            "U0BOB",
            CHANNEL,
            "1.1",
            COUNTERFACTUAL_OPEN,
            &review.to_string(),
        )
        .await;
    assert_eq!(pressed.status, 200);
    let (_, form) = app
        .sandbox
        .open_modal_for("U0BOB")
        .expect("the form opened");
    assert_eq!(form["callback_id"], COUNTERFACTUAL_SUBMIT);
    assert!(app.sandbox.successful_calls("views.push").is_empty());

    // By DM.
    for case in &ANSWERS {
        app.slack
            .say("U0DAN", "D0DAN", &format!("observe {}", case.text), None)
            .await;
        app.run_due_jobs().await;
        let last = app.sandbox.dms_to("U0DAN").last().cloned().unwrap();
        assert_nudge(&last.blocks.to_string(), case);
    }

    // By the message shortcut: the form shows the nudge, and for a root cause its button
    // pushes the counterfactual form over the observation.
    let (ts, _) = app
        .slack
        .say("U0CAROL", CHANNEL, "origin CPU hit 100%", None)
        .await;
    for case in &ANSWERS {
        app.slack
            .message_shortcut("U0CAROL", CHANNEL, &ts, debrief::ids::OBSERVE_SHORTCUT)
            .await;
        let (view_id, _) = app.sandbox.open_modal_for("U0CAROL").unwrap();
        let response = app
            .slack
            .submit_view("U0CAROL", &view_id, &[("observation", case.text)])
            .await;
        assert_eq!(response.json()["response_action"], "update");
        assert_nudge(&response.json()["view"].to_string(), case);
        app.sandbox.close_view(&view_id);
    }
    app.slack
        .message_shortcut("U0CAROL", CHANNEL, &ts, debrief::ids::OBSERVE_SHORTCUT)
        .await;
    let (view_id, _) = app.sandbox.open_modal_for("U0CAROL").unwrap();
    app.slack
        .submit_view("U0CAROL", &view_id, &[("observation", ANSWERS[1].text)])
        .await;
    app.slack
        .click_in_view(
            "U0CAROL",
            &view_id,
            COUNTERFACTUAL_OPEN,
            &review.to_string(),
        )
        .await;
    assert_eq!(app.sandbox.successful_calls("views.push").len(), 1);
    // Submitted again, it is recorded as written.
    let recorded = app
        .slack
        .submit_view("U0CAROL", &view_id, &[("observation", ANSWERS[1].text)])
        .await;
    assert!(
        recorded.body.contains("Recorded anonymously"),
        "{}",
        recorded.body
    );
    app.stop().await;
}

/// One condition per kind, as a counterfactual is written ("had this been true…").
const CONDITIONS: [Case; 4] = [
    Case {
        text: "the engineer who made the bad call had waited for the canary",
        header: "reads as blame",
        question: "What conditions made that decision seem reasonable at the time",
    },
    Case {
        text: "the root cause had been found before the deploy",
        header: "names a single root cause",
        question: "What else had to be true for this to happen?",
    },
    Case {
        text: "the on-call engineer had been more careful",
        header: "relies on people trying harder",
        question: "What would make the right action the default",
    },
    Case {
        text: "Fastly had stayed up, it was out of our hands",
        header: "puts the failure outside our control",
        question: STANDING_EXTERNAL,
    },
];

async fn a_counterfactual_condition_of_every_kind_gets_its_own_nudge(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    let review = app.review_id().await;
    for case in &CONDITIONS {
        app.cmd("U0BOB", "counterfactual").await;
        let (view_id, _) = app.sandbox.open_modal_for("U0BOB").unwrap();
        let fields = [
            ("condition", case.text),
            ("control", "yes"),
            ("cost", "S"),
            ("reach", "class"),
        ];
        let response = app.slack.submit_view("U0BOB", &view_id, &fields).await;
        let json = response.json();
        assert_eq!(json["response_action"], "update", "{json}");
        let view = json["view"].to_string();
        assert_nudge(&view, case);
        assert!(
            !view.contains(COUNTERFACTUAL_OPEN),
            "already in the counterfactual form"
        );
        assert!(
            app.state
                .store
                .counterfactuals(review)
                .await
                .unwrap()
                .is_empty()
        );
        app.sandbox.close_view(&view_id);
    }
    // Add again: kept as written, with the choices made the first time.
    app.cmd("U0BOB", "counterfactual").await;
    let (view_id, _) = app.sandbox.open_modal_for("U0BOB").unwrap();
    let fields = [
        ("condition", CONDITIONS[2].text),
        ("control", "partly"),
        ("cost", "M"),
        ("reach", "many"),
    ];
    app.slack.submit_view("U0BOB", &view_id, &fields).await;
    let view = app.sandbox.view(&view_id).unwrap();
    let blocks = view["blocks"].as_array().unwrap();
    let control = blocks.iter().find(|b| b["block_id"] == "control").unwrap();
    assert_eq!(control["element"]["initial_option"]["value"], "partly");
    let added = app.slack.submit_view("U0BOB", &view_id, &fields).await;
    assert!(added.body.contains("It ranks 1 of 1"), "{}", added.body);
    let stored = app.state.store.counterfactuals(review).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].text, CONDITIONS[2].text);
    app.stop().await;
}

/// The Markdown agenda the facilitator last received.
async fn markdown_agenda(app: &TestApp) -> String {
    app.cmd("U0ALICE", "agenda format=markdown").await;
    app.run_due_jobs().await;
    app.sandbox
        .sightings()
        .into_iter()
        .filter_map(|s| match s {
            Sighting::File { content, .. } => Some(content),
            _ => None,
        })
        .next_back()
        .expect("the agenda was uploaded")
}

/// The questions for the room, one per line, from a Markdown agenda.
fn room_questions(markdown: &str) -> Vec<String> {
    let start = markdown.find("## Questions for the room").unwrap();
    markdown[start..]
        .lines()
        .skip(1)
        .skip_while(|l| l.is_empty())
        .take_while(|l| l.starts_with("- "))
        .map(|l| l[2..].to_string())
        .collect()
}

async fn an_incident_with_no_blame_still_gets_standing_questions(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    for (user, text) in [
        ("U0BOB", "the cache ttl of a day surprised me"),
        ("U0CAROL", "nobody knew the cache ttl was a day"),
        ("U0DAN", "the cache ttl was on no dashboard"),
    ] {
        app.answer(user, text).await;
    }
    let markdown = markdown_agenda(&app).await;
    assert_eq!(
        room_questions(&markdown),
        [framing::STANDING_CONDITIONS, framing::STANDING_JOINT],
        "{markdown}"
    );

    // A deploy, a vendor and a trigger: the questions follow the incident, and the trigger
    // stands apart from the conditions.
    let reply = app
        .cmd(
            "U0ALICE",
            r#"incident deploy=yes vendor="Fastly" trigger="the 09:00 CDN purge""#,
        )
        .await;
    assert!(reply.contains("trigger: the 09:00 CDN purge"), "{reply}");
    let markdown = markdown_agenda(&app).await;
    let questions = room_questions(&markdown);
    assert_eq!(
        questions[..2],
        [STANDING_EXTERNAL, framing::STANDING_DEPLOY],
        "{markdown}"
    );
    assert!(
        markdown.contains("**Trigger:** the 09:00 CDN purge"),
        "{markdown}"
    );
    app.stop().await;
}

async fn survey_conditions_join_the_portfolio_and_the_facilitator_ranks_them(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    app.open_review("").await;
    app.send_survey().await;
    let proposal = "origin had headroom for a cold cache";
    for (user, conditions) in [
        (
            "U0BOB",
            format!("- the purge had a canary stage\n- {proposal}"),
        ),
        ("U0CAROL", "the TTL was on the dashboard".to_string()),
    ] {
        let response = app
            .answer_survey(user, &[("counterfactual", &conditions)])
            .await;
        assert!(
            response.body.contains("answers are saved"),
            "{}",
            response.body
        );
    }
    // Below the k-floor nothing from a survey answer reaches the agenda.
    let below = markdown_agenda(&app).await;
    assert!(!below.contains("headroom"), "{below}");
    app.answer("U0DAN", "the dashboard had no ttl panel").await;
    let markdown = markdown_agenda(&app).await;
    let portfolio = &markdown[markdown.find("## What would have had to be true").unwrap()..];
    let portfolio = &portfolio[..portfolio.find("\n## ").unwrap()];
    for condition in [
        proposal,
        "the purge had a canary stage",
        "the TTL was on the dashboard",
    ] {
        assert!(portfolio.contains(&format!("- {condition}")), "{portfolio}");
    }
    assert!(
        !portfolio.contains("Respondent"),
        "no pseudonym: {portfolio}"
    );

    // The agenda in alice's DM has a Rank button per proposal.
    app.cmd("U0ALICE", "agenda").await;
    app.run_due_jobs().await;
    let agenda = app
        .sandbox
        .messages_in("D0ALICE")
        .into_iter()
        .rfind(|m| m.blocks.to_string().contains(COUNTERFACTUAL_RANK))
        .expect("the agenda has Rank buttons");
    let value = agenda.blocks.as_array().unwrap().iter().find_map(|b| {
        let button = &b["accessory"];
        (button["action_id"] == COUNTERFACTUAL_RANK
            && button["value"].as_str().unwrap().contains(proposal))
        .then(|| button["value"].as_str().unwrap().to_string())
    });
    let value = value.expect("a Rank button for the proposal");
    // Only the facilitator ranks.
    app.slack
        .click("U0BOB", "D0ALICE", &agenda.ts, COUNTERFACTUAL_RANK, &value)
        .await;
    let (_, notice) = app.sandbox.open_modal_for("U0BOB").unwrap();
    assert!(
        notice.to_string().contains("Only the facilitator"),
        "{notice}"
    );
    app.slack
        .click(
            "U0ALICE",
            "D0ALICE",
            &agenda.ts,
            COUNTERFACTUAL_RANK,
            &value,
        )
        .await;
    let (view_id, form) = app.sandbox.open_modal_for("U0ALICE").unwrap();
    assert_eq!(form["callback_id"], COUNTERFACTUAL_SUBMIT);
    let condition = form["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == "condition")
        .unwrap();
    assert_eq!(condition["element"]["initial_value"], proposal);
    let ranked = app
        .slack
        .submit_view(
            "U0ALICE",
            &view_id,
            &[
                ("condition", proposal),
                ("control", "yes"),
                ("cost", "S"),
                ("reach", "many"),
            ],
        )
        .await;
    assert!(ranked.body.contains("It ranks 1 of 1"), "{}", ranked.body);
    let markdown = markdown_agenda(&app).await;
    let ranked_line = format!("- {proposal} — within our control");
    assert!(markdown.contains(&ranked_line), "{markdown}");
    assert_eq!(
        markdown.matches(proposal).count(),
        1,
        "shown once: {markdown}"
    );
    app.stop().await;
}

async fn a_vendor_review_with_its_section_empty_is_warned_about(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let reply = app
        .cmd(
            "U0ALICE",
            r#"incident title="Payments failing" sev=P2 vendor="Stripe""#,
        )
        .await;
    assert!(reply.contains("Recorded"), "{reply}");
    app.cmd("U0ALICE", "review in=2d").await;
    app.run_due_jobs().await;
    app.send_survey().await;
    for user in ["U0BOB", "U0CAROL", "U0DAN"] {
        app.answer(user, "checkout spun for a minute").await;
    }
    app.cmd("U0BOB", "counterfactual").await;
    let (view_id, _) = app.sandbox.open_modal_for("U0BOB").unwrap();
    app.slack
        .submit_view(
            "U0BOB",
            &view_id,
            &[
                ("condition", "Stripe had stayed up"),
                ("control", "no"),
                ("cost", "S"),
                ("reach", "incident"),
            ],
        )
        .await;

    // Before the meeting, status has nothing to say about closing.
    let status = app.cmd("U0ALICE", "status").await;
    assert!(!status.contains("Before this review is closed"), "{status}");

    let review = app
        .state
        .store
        .review(app.review_id().await)
        .await
        .unwrap()
        .unwrap();
    let after_meeting = review.meeting_at.unwrap() + 60;
    app.run_jobs_until_idle(Duration::from_secs(3 * 86_400))
        .await;
    app.clock.advance_to(
        Timestamp::from_second(after_meeting)
            .unwrap()
            .max(app.clock.now()),
    );
    app.run_due_jobs().await;
    let gaps = debrief::features::review::vendor_review_warnings(&app.state, &review)
        .await
        .unwrap();
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    let status = app.cmd("U0ALICE", "status").await;
    assert!(status.contains("Before this review is closed"), "{status}");
    assert!(
        status.contains("Nobody has answered the standing question about Stripe"),
        "{status}"
    );
    assert!(
        status.contains("No counterfactual within our control"),
        "{status}"
    );

    // A condition of our own answers half of it.
    app.cmd("U0CAROL", "counterfactual").await;
    let (view_id, _) = app.sandbox.open_modal_for("U0CAROL").unwrap();
    app.slack
        .submit_view(
            "U0CAROL",
            &view_id,
            &[
                (
                    "condition",
                    "checkout showed a clear retry message when Stripe timed out",
                ),
                ("control", "yes"),
                ("cost", "M"),
                ("reach", "class"),
            ],
        )
        .await;
    let gaps = debrief::features::review::vendor_review_warnings(&app.state, &review)
        .await
        .unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].contains(STANDING_EXTERNAL));
    app.stop().await;
}
