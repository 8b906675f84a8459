//! Unit tests: the cases ported from `blame.rs`, then negation, quotation, the new kinds,
//! the article's wording and the standing questions.

use super::Pattern::*;
use super::questions::{CONDITIONS, INDIVIDUAL_FIX, ROOT_CAUSE, WHY_GENERIC};
use super::*;

const ARTICLE_WHO: &str = "What information was available to the person making this \
                           decision, and would a reasonable engineer have acted \
                           differently given that same information?";
const ARTICLE_REVIEW: &str = "What would code review have needed to look like for this class \
                              of issue to be detectable?";

/// The first blame pattern `detect` reports (other kinds are tested further down).
fn first_blame(text: &str) -> Option<Pattern> {
    detect(text)
        .into_iter()
        .find(|n| n.kind == FramingKind::Blame)
        .map(|n| n.pattern)
}

/// Ported from `blame.rs`: each text with the first blame pattern `detect` should report,
/// or None for text that must pass without a blame nudge.
const CASES: &[(&str, Option<Pattern>)] = &[
    ("Who deployed this?", Some(WhoDid)),
    ("who pushed the config change", Some(WhoDid)),
    ("WHO MERGED THIS PR?!", Some(WhoDid)),
    ("Seriously... who approved it", Some(WhoDid)),
    ("So who broke prod again?", Some(WhoDid)),
    ("Who even wrote this migration?", Some(WhoDid)),
    ("Who is responsible for the outage?", Some(WhoDid)),
    ("Why didn't we catch this in code review?", Some(WhyDidnt)),
    ("why didn’t Bob check the dashboard", Some(WhyDidnt)),
    ("Why did not the on-call engineer escalate?", Some(WhyDidnt)),
    (
        "Why wasn't anyone looking at the queue depth?",
        Some(WhyDidnt),
    ),
    ("why couldnt they roll back sooner", Some(WhyDidnt)),
    ("Why did the team not run the canary?", Some(WhyDidnt)),
    ("We should have caught this earlier.", Some(ShouldHave)),
    ("Someone should’ve rolled back.", Some(ShouldHave)),
    ("You shouldn't have skipped staging", Some(ShouldHave)),
    (
        "The reviewer ought to have asked about the index.",
        Some(ShouldHave),
    ),
    ("we should of noticed the spike", Some(ShouldHave)),
    ("Root cause: human error.", Some(HumanError)),
    ("It was operator error, plain and simple.", Some(HumanError)),
    ("classic user error", Some(HumanError)),
    ("That was careless.", Some(Character)),
    ("Sloppy work on the migration", Some(Character)),
    ("The change was negligent", Some(Character)),
    ("lazy review, honestly", Some(Character)),
    ("He forgot to update the feature flag.", Some(Omission)),
    ("They didn’t bother to read the runbook", Some(Omission)),
    ("The deployer failed to check the diff", Some(Omission)),
    ("It was Bob's fault.", Some(Fault)),
    ("It was Bob’s fault", Some(Fault)),
    ("honestly my fault", Some(Fault)),
    ("Who's to blame here?", Some(Fault)),
    ("They put the blame on the intern", Some(Fault)),
    ("This was the fault of the on-call", Some(Fault)),
    ("If only Priya had waited for the canary.", Some(IfOnly)),
    ("if only we'd paused the rollout", Some(IfOnly)),
    (
        "The graphs were fine. If only someone had looked.",
        Some(IfOnly),
    ),
    ("Everything was green. Then, who deployed it?", Some(WhoDid)),
    // Sentences that must pass.
    ("the deploy pipeline has no canary stage", None),
    (
        "who was on call did not get paged because the alert route was wrong",
        None,
    ),
    ("the health check failed to detect the stale cache", None),
    ("the fault injection test passed", None),
    ("a faulty disk in the primary", None),
    ("we burned half the error budget", None),
    ("the human-in-the-loop step took 20 minutes", None),
    ("we should add a canary", None),
    ("should we have a runbook for this?", None),
    (
        "What information was available to the person deciding?",
        None,
    ),
    ("the retry storm started before the deploy", None),
    ("why did the alert not fire", None),
    ("Why didn't the alert fire?", None),
    ("nobody knew the cache TTL was 24h", None),
    ("We should have a runbook for failover.", None),
    ("Nobody should have to wake up for this alert.", None),
    (
        "The engineer who deployed it followed the runbook exactly.",
        None,
    ),
    ("It doesn't matter who merged it.", None),
    (
        "It was nobody's fault; the config format changed underneath us.",
        None,
    ),
    ("Nobody is to blame here.", None),
    ("The service uses lazy loading for templates.", None),
    ("The API returns a user error code for bad input.", None),
    ("Our design is fault tolerant across zones.", None),
    ("why don't we add a synthetic check?", None),
    ("Why didn't Kubernetes reschedule the pod?", None),
    ("if only the cache had a TTL", None),
    ("Don't forget to add a canary next time.", None),
    ("Automating failover removes the risk of human error.", None),
    ("We pin lazy_static to 1.4.", None),
    ("Don't blame on-call for this.", None),
    ("It wasn't Bob's fault.", None),
    ("A design fault of the old load balancer.", None),
    ("Was it the engineers’ fault?", Some(Fault)),
    (
        "The team was not careless; the warning was buried in logs.",
        None,
    ),
];

#[test]
fn every_table_case_reports_the_expected_first_pattern() {
    for (text, expected) in CASES {
        assert_eq!(first_blame(text), *expected, "text: {text:?}");
    }
}

#[test]
fn the_table_is_large_and_holds_many_sentences_that_must_pass() {
    assert!(CASES.len() >= 40);
    assert!(CASES.iter().filter(|(_, e)| e.is_none()).count() >= 15);
}

#[test]
fn patterns_come_in_order_of_appearance() {
    let text = "If only Sam had waited. It was careless, and who approved it? \
                We should have known.";
    let patterns: Vec<_> = detect(text).iter().map(|n| n.pattern).collect();
    assert_eq!(patterns, [IfOnly, Character, WhoDid, ShouldHave]);
}

#[test]
fn each_pattern_is_reported_at_most_once() {
    let text = "Who deployed this? Who merged it? We should have checked. You should've asked.";
    let nudges = detect(text);
    assert_eq!(nudges.len(), 2);
    assert_eq!(nudges[0].found, "Who deployed");
    assert_eq!(nudges[1].found, "should have");
}

#[test]
fn found_is_quoted_from_the_input_as_written() {
    for (text, _) in CASES {
        for nudge in detect(text) {
            assert!(
                text.contains(&nudge.found),
                "{:?} not in {text:?}",
                nudge.found
            );
        }
    }
    let nudges = detect("WHY DIDN’T We see it? It was Bob’s fault.");
    let found: Vec<_> = nudges.iter().map(|n| n.found.as_str()).collect();
    assert_eq!(found, ["WHY DIDN’T We", "Bob’s fault"]);
}

#[test]
fn who_deployed_is_reframed_with_the_articles_question() {
    assert_eq!(reframe("Who deployed this?").as_deref(), Some(ARTICLE_WHO));
}

#[test]
fn a_why_didnt_about_code_review_gets_the_articles_review_question() {
    let question = reframe("Why didn't we catch this in code review?");
    assert_eq!(question.as_deref(), Some(ARTICLE_REVIEW));
}

#[test]
fn why_didnt_reframing_follows_the_topic_of_its_own_sentence() {
    let tests = reframe("Why didn't they test the migration?").unwrap_or_default();
    assert!(tests.contains("tests"), "{tests}");
    let paging = reframe("The PR was reviewed. Why wasn't anyone paged?").unwrap_or_default();
    assert!(paging.contains("signal"), "{paging}");
    assert_eq!(
        reframe("why didn't we notice sooner").as_deref(),
        Some(WHY_GENERIC)
    );
}

#[test]
fn text_without_framing_has_no_reframing() {
    assert_eq!(reframe("the retry storm started before the deploy"), None);
    assert_eq!(reframe(""), None);
    assert_eq!(reframe("   ...  ’ "), None);
}

#[test]
fn every_reframing_is_a_question() {
    for (text, _) in CASES {
        for nudge in detect(text) {
            let question = nudge
                .reframing
                .split_inclusive('?')
                .next()
                .unwrap_or_default();
            assert!(question.ends_with('?'), "{}", nudge.reframing);
        }
    }
    for topic in ["review", "test", "alert", "runbook"] {
        let question = reframe(&format!("Why didn't we {topic}?")).unwrap_or_default();
        assert!(question.ends_with('?'), "{question}");
    }
}

#[test]
fn phrases_do_not_span_punctuation() {
    assert!(detect("Who? Deployed, I mean, was the fix.").is_empty());
    assert!(detect("We should, have a look").is_empty());
}

// ---- New in this module ----

#[test]
fn the_issues_examples_get_their_kind() {
    let cases = [
        ("That was a bad decision.", FramingKind::Blame),
        ("Deploying on Friday was a bad call", FramingKind::Blame),
        ("Poor judgment by the on-call engineer", FramingKind::Blame),
        ("He made a mistake", FramingKind::Blame),
        ("The engineer messed up the rollout", FramingKind::Blame),
        (
            "The root cause was the query that caused the table lock.",
            FramingKind::RootCause,
        ),
        (
            "Bob should be more careful; he needs more training.",
            FramingKind::IndividualFix,
        ),
        ("Don't do that again.", FramingKind::IndividualFix),
        (
            "Stripe was down; nothing the team could have done.",
            FramingKind::External,
        ),
        ("not our fault", FramingKind::External),
        ("vendor issue, closing", FramingKind::External),
    ];
    for (text, kind) in cases {
        assert_eq!(classify(text), Some(kind), "{text}");
    }
}

#[test]
fn negation_in_the_same_clause_cancels_the_framing() {
    for text in [
        "It was not a bad decision.",
        "Nobody should have to wake up for this.",
        "No one is at fault here.",
        "he did not make a mistake",
        "Nobody was careless.",
        "There was no single root cause.",
        "Instead of reminding people, we added a gate.",
        "No one dropped the ball; the alert went nowhere.",
    ] {
        assert!(detect(text).is_empty(), "{text}: {:?}", detect(text));
    }
}

#[test]
fn negation_does_not_reach_past_a_clause_or_a_conjunction() {
    assert_eq!(
        classify("It was not the alert, he was careless."),
        Some(FramingKind::Blame)
    );
    assert_eq!(
        classify("We did not see it because he was careless."),
        Some(FramingKind::Blame)
    );
}

#[test]
fn quoted_and_reported_words_are_not_the_authors() {
    for text in [
        "She said \"who deployed this?\" and the call went quiet.",
        "The runbook says “be more careful with the cache flush”.",
        "The runbook says to double-check the region first.",
        "'Human error' is where the investigation starts.",
        "We stopped using the term root cause.",
        "Calling it human error stops the inquiry.",
    ] {
        assert!(detect(text).is_empty(), "{text}: {:?}", detect(text));
    }
}

#[test]
fn an_unclosed_quotation_mark_hides_nothing() {
    assert_eq!(
        classify("\"ok so he was careless"),
        Some(FramingKind::Blame)
    );
}

#[test]
fn the_same_words_about_the_system_pass() {
    for text in [
        "the check should have a timeout",
        "we should have an alert for this",
        "We run blameless postmortems.",
        "the decision log shows the rollback",
        "There was a mistake in the config.",
        "The alert should have fired at 80%.",
        "The migration tool double-checks the schema version.",
        "The function made a bad call to a deprecated endpoint.",
    ] {
        assert_eq!(classify(text), None, "{text}: {:?}", detect(text));
    }
}

#[test]
fn a_question_answered_no_is_not_a_claim() {
    assert_eq!(
        classify("Was it a bad decision? Given the dashboard, no."),
        None
    );
    assert_eq!(classify("Out of our hands? Not really."), None);
    assert_eq!(classify("Was it a bad decision?"), Some(FramingKind::Blame));
}

#[test]
fn each_kind_has_its_question() {
    let question = |text: &str| reframe(text).unwrap_or_default();
    assert_eq!(question("That was a bad decision."), CONDITIONS);
    assert!(CONDITIONS.contains("What conditions made that decision seem reasonable"));
    assert_eq!(question("The root cause was the cache."), ROOT_CAUSE);
    assert_eq!(question("More training for on-call."), INDIVIDUAL_FIX);
    assert!(
        INDIVIDUAL_FIX.ends_with('?') && !INDIVIDUAL_FIX[..INDIVIDUAL_FIX.len() - 1].contains('?')
    );
    assert_eq!(
        question("AWS was down, nothing we could have done."),
        "Given that this external failure will happen again, what is the desired system \
         behavior, and does the current architecture produce it?"
    );
}

#[test]
fn nudges_of_several_kinds_come_in_reading_order_with_their_kind() {
    let nudges = detect("Root cause: human error. Remind people to double-check it.");
    let kinds: Vec<_> = nudges.iter().map(|n| (n.kind, n.pattern)).collect();
    assert_eq!(
        kinds,
        [
            (FramingKind::RootCause, RootCause),
            (FramingKind::Blame, HumanError),
            (FramingKind::IndividualFix, Reminder),
            (FramingKind::IndividualFix, Vigilance),
        ]
    );
    assert_eq!(nudges[0].found, "Root cause");
}

#[test]
fn a_phrase_claimed_by_two_kinds_is_reported_once() {
    let nudges = detect("Their API returned 500s for hours; it was entirely their fault.");
    assert!(
        nudges.iter().all(|n| n.kind == FramingKind::External),
        "{nudges:?}"
    );
}

#[test]
fn action_item_titles_are_flagged_when_they_ask_people_to_try_harder() {
    assert!(is_individual_fix("Remind on-call to check replication lag"));
    assert!(is_individual_fix("More training on kubectl contexts"));
    assert!(is_individual_fix("Add a checklist item for DNS changes"));
    assert!(!is_individual_fix(
        "Add a deploy gate that requires a green canary"
    ));
    assert!(!is_individual_fix(
        "Alert on certificate expiry 30 days out"
    ));
}

#[test]
fn standing_questions_fit_the_incident_and_are_never_fewer_than_two() {
    let plain = standing_questions(IncidentFacts::default());
    assert_eq!(plain, [STANDING_CONDITIONS, STANDING_JOINT]);
    let vendor = standing_questions(IncidentFacts {
        has_vendor: true,
        ..Default::default()
    });
    assert_eq!(vendor, [STANDING_EXTERNAL, STANDING_CONDITIONS]);
    let all = standing_questions(IncidentFacts {
        is_recurrence: true,
        has_vendor: true,
        deploy_related: true,
    });
    assert_eq!(
        all,
        [STANDING_RECURRENCE, STANDING_EXTERNAL, STANDING_DEPLOY]
    );
    assert_eq!(
        STANDING_RECURRENCE,
        "What did we learn last time, and why didn't it prevent this?"
    );
    for question in all.iter().chain(&plain) {
        assert!(question.ends_with('?'), "{question}");
    }
}

#[test]
fn every_lexicon_phrase_compiles() {
    for cue in super::lexicon::CUES {
        assert!(
            super::phrase::Phrase::compile(cue.phrase).is_some(),
            "{}",
            cue.phrase
        );
    }
}

#[test]
fn hostile_input_neither_panics_nor_quotes_outside_the_text() {
    let long = "who deployed this? ".repeat(500);
    for text in [
        "’’’",
        "n't",
        "'s",
        "<@",
        "<@U1>",
        "“",
        "\u{0130}stanbul's fault",
        &long,
    ] {
        for nudge in detect(text) {
            assert!(text.contains(&nudge.found));
        }
    }
}

#[test]
fn the_first_word_index_never_hides_a_cue_that_matches() {
    let table = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/framing.tsv"
    ));
    let texts = table
        .lines()
        .filter_map(|line| line.split('\t').next())
        .chain(CASES.iter().map(|(text, _)| *text));
    let compiled = super::Compiled::get();
    for text in texts {
        let tokens = super::tokens::tokenize(text).list;
        for start in 0..tokens.len() {
            let candidates = compiled.candidates(&tokens[start].word);
            for (n, (cue, phrase)) in compiled.cues.iter().enumerate() {
                if phrase.find(&tokens, start).is_some_and(|end| end > start) {
                    assert!(
                        candidates.contains(&n),
                        "{:?} at {start} in {text:?}",
                        cue.phrase
                    );
                }
            }
        }
    }
}

#[test]
fn inflected_forms_are_the_ones_inflects_accepts() {
    for base in [
        "make", "drop", "remind", "pay", "send", "blame", "retrain", "carry",
    ] {
        for form in super::words::forms(base) {
            assert!(super::words::inflects(&form, base), "{form} of {base}");
        }
    }
}

#[test]
fn third_round_forms_are_found() {
    for (text, kind) in [
        ("root cause - stale terraform state", FramingKind::RootCause),
        ("The real culprit: a regex", FramingKind::RootCause),
        (
            "The outage was caused solely by the disk.",
            FramingKind::RootCause,
        ),
        (
            "A developer's mistake in the YAML took down ingress.",
            FramingKind::Blame,
        ),
        ("why didnt u roll back", FramingKind::Blame),
        ("She clearly didn't think it through.", FramingKind::Blame),
        (
            "Reminder to everyone: check the namespace.",
            FramingKind::IndividualFix,
        ),
        (
            "More discipline is needed on deploys.",
            FramingKind::IndividualFix,
        ),
        (
            "Let's schedule a refresher for support.",
            FramingKind::IndividualFix,
        ),
        (
            "A Stripe problem, not an us problem.",
            FramingKind::External,
        ),
        (
            "Nothing to be done; Twilio had an outage.",
            FramingKind::External,
        ),
    ] {
        assert_eq!(classify(text), Some(kind), "{text}: {:?}", detect(text));
    }
}

#[test]
fn third_round_near_misses_pass() {
    for text in [
        "Who ran the incident call?",
        "More caution in the autoscaler defaults would help.",
        "It was on the Fastly dashboard all along.",
        "We didn't think it through when we set the TTL.",
        "The user's error rate doubled.",
        "We had to live with the latency until the fix shipped.",
        "Nothing to be done until the cache warms up.",
        "Schedule a game day for failover.",
        "The build step - lint - took a minute.",
    ] {
        assert_eq!(classify(text), None, "{text}: {:?}", detect(text));
    }
}
