//! Purpose: the facilitator's view of the answers: grouped by question, each answer
//! under its pseudonym, in shuffled order, split into messages within Slack's limits. Pure.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use slack_morphism::prelude::*;

use super::questions::{self, Answers, Kind, Question};
use super::responses::Visible;
use crate::slack::blocks::{self, limits};
use crate::store::reviews::{Incident, Review};

/// Quotes text for mrkdwn, escaped so a respondent cannot mention or link anyone.
pub fn quote(text: &str) -> String {
    blocks::escape(text)
        .lines()
        .map(|line| format!("> {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Says how many newer answers are not shown yet, and why.
pub fn held_back_note(held_back: usize, k: i64) -> String {
    let what = if held_back == 1 {
        "1 answer that came in or changed after you first saw the answers is".to_string()
    } else {
        format!("{held_back} answers that came in or changed after you first saw the answers are")
    };
    format!(
        "{what} held back until at least {k} people have new or changed answers, so that no single late answer can be told apart."
    )
}

/// The answers as one or more messages. The same `seed` gives the same order, so a
/// delivery that resumes after a failure continues the same document.
pub fn answer_messages(
    incident: &Incident,
    review: &Review,
    asked: &[Question],
    visible: &Visible,
    seed: u64,
) -> Vec<SlackMessageContent> {
    let mut rng = StdRng::seed_from_u64(seed);
    let parsed: Vec<(String, Answers)> = visible
        .responses
        .iter()
        .map(|r| (r.pseudonym.clone(), r.answers.clone()))
        .collect();
    let mut content = vec![
        blocks::header(format!("Survey answers: {}", incident.title)),
        blocks::context(format!(
            "{} respondents, {} reminder(s), k-floor {}. Answers appear under pseudonyms that are stable within this review only, in random order.",
            parsed.len(),
            review.reminders,
            review.min_responses
        )),
    ];
    if visible.held_back > 0 {
        content.push(blocks::context(held_back_note(
            visible.held_back,
            review.min_responses,
        )));
    }
    let vendor = incident.vendor.as_deref();
    for question in asked {
        content.push(blocks::header(questions::prompt(question, vendor)));
        let id = question.id.as_ref();
        match &question.kind {
            Kind::Open => {
                let mut answers: Vec<(&str, &str)> = parsed
                    .iter()
                    .filter_map(|(pseudonym, a)| {
                        a.get(id).map(|text| (pseudonym.as_str(), text.as_str()))
                    })
                    .collect();
                answers.shuffle(&mut rng);
                if answers.is_empty() {
                    content.push(blocks::context("Nobody answered this question."));
                }
                for (pseudonym, text) in answers {
                    content.extend(blocks::long_section(&format!(
                        "{}\n— _{pseudonym}_",
                        quote(text)
                    )));
                }
            }
            // Durations are listed smallest first, like a tally: no pseudonym, no order.
            Kind::Minutes => {
                let mut minutes: Vec<u32> = parsed
                    .iter()
                    .filter_map(|(_, a)| questions::minutes_to_external(a))
                    .collect();
                minutes.sort_unstable();
                content.push(if minutes.is_empty() {
                    blocks::context("Nobody answered this question.")
                } else {
                    let listed: Vec<String> = minutes.iter().map(|m| format!("{m} min")).collect();
                    blocks::section(format!("Smallest first: {}", listed.join(" · ")))
                });
            }
            // Choices and scales are tallied: counts, no pseudonym, no order.
            Kind::Choice { .. } | Kind::Scale { .. } => {
                let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
                for (_, a) in &parsed {
                    if let Some(choice) = a.get(id) {
                        *tally.entry(choice.as_str()).or_default() += 1;
                    }
                }
                let options: Vec<(String, String)> = match &question.kind {
                    Kind::Choice { options } => options
                        .iter()
                        .map(|(v, l)| (v.to_string(), l.to_string()))
                        .collect(),
                    Kind::Scale { low, high } => (*low..=*high)
                        .map(|n| (n.to_string(), n.to_string()))
                        .collect(),
                    _ => Vec::new(),
                };
                let line = options
                    .iter()
                    .map(|(value, label)| {
                        format!(
                            "{label}: {}",
                            tally.get(value.as_str()).copied().unwrap_or(0)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" · ");
                content.push(blocks::section(line));
            }
        }
    }
    let pages = blocks::paginate(content, limits::MESSAGE_BLOCKS);
    let total = pages.len();
    pages
        .into_iter()
        .enumerate()
        .map(|(i, page)| {
            blocks::message(
                format!(
                    "Survey answers for “{}” ({} of {total})",
                    incident.title,
                    i + 1
                ),
                page,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::responses::Response;
    use super::*;
    use crate::domain::{ReviewId, SurveyStatus};

    fn incident(vendor: Option<&str>) -> Incident {
        Incident {
            id: 1,
            team_id: "T".into(),
            channel_id: "C".into(),
            title: "Outage".into(),
            severity: None,
            services: String::new(),
            failure_mode: None,
            vendor: vendor.map(str::to_string),
            deploy_related: None,
            started_at: None,
            resolved_at: None,
            recurrence_of: None,
            created_by: "U".into(),
            created_at: 0,
            updated_at: 0,
            trigger: None,
        }
    }

    fn review() -> Review {
        Review {
            id: ReviewId(1),
            incident_id: 1,
            team_id: "T".into(),
            channel_id: "C".into(),
            facilitator_id: "U".into(),
            min_responses: 3,
            reminders: 1,
            survey_status: SurveyStatus::Closed,
            participants_ready: true,
            agenda_before: 3600,
            ..Default::default()
        }
    }

    fn response(pseudonym: &str, pairs: &[(&str, &str)]) -> Response {
        Response {
            pseudonym: pseudonym.into(),
            answers: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn shown(responses: Vec<Response>) -> Visible {
        Visible {
            responses,
            held_back: 0,
        }
    }

    fn all_text(messages: &[SlackMessageContent]) -> String {
        serde_json::to_string(messages).unwrap()
    }

    #[test]
    fn answers_are_grouped_under_pseudonyms_and_mentions_are_neutralised() {
        let responses = vec![
            response(
                "Respondent Teal Heron",
                &[("surprise", "the <!channel> alert was silent")],
            ),
            response(
                "Respondent Amber Wren",
                &[("surprise", "failover took 9 minutes")],
            ),
        ];
        let text = all_text(&answer_messages(
            &incident(None),
            &review(),
            &questions::questions_for(None, None),
            &shown(responses.clone()),
            1,
        ));
        assert!(text.contains("Respondent Teal Heron") && text.contains("Respondent Amber Wren"));
        assert!(text.contains("&lt;!channel&gt;"));
        assert!(text.contains("Nobody answered this question."));
    }

    #[test]
    fn minutes_to_external_are_listed_smallest_first_without_pseudonyms() {
        let responses = vec![
            response("Respondent A", &[("vendor_minutes_to_external", "40")]),
            response("Respondent B", &[("vendor_minutes_to_external", "15")]),
            response("Respondent C", &[("surprise", "x")]),
        ];
        let messages = answer_messages(
            &incident(Some("Stripe")),
            &review(),
            &questions::questions_for(None, Some("Stripe")),
            &shown(responses),
            3,
        );
        let text = all_text(&messages);
        assert!(text.contains("Smallest first: 15 min · 40 min"), "{text}");
        assert!(
            !text.contains("Respondent A"),
            "a duration is listed without its pseudonym"
        );
    }

    #[test]
    fn the_order_depends_only_on_the_seed() {
        let responses: Vec<Response> = (0..8)
            .map(|n| response(&format!("Respondent {n}"), &[("discuss", "x")]))
            .collect();
        let a = all_text(&answer_messages(
            &incident(None),
            &review(),
            &questions::questions_for(None, None),
            &shown(responses.clone()),
            5,
        ));
        let b = all_text(&answer_messages(
            &incident(None),
            &review(),
            &questions::questions_for(None, None),
            &shown(responses.clone()),
            5,
        ));
        assert_eq!(a, b);
        let orders: std::collections::BTreeSet<String> = (0..10)
            .map(|seed| {
                all_text(&answer_messages(
                    &incident(None),
                    &review(),
                    &questions::questions_for(None, None),
                    &shown(responses.clone()),
                    seed,
                ))
            })
            .collect();
        assert!(orders.len() > 1, "shuffled");
    }

    #[test]
    fn many_long_answers_stay_within_block_kit_limits() {
        let long = "an answer that goes on ".repeat(130);
        let responses: Vec<Response> = (0..120)
            .map(|n| {
                response(
                    &format!("Respondent {n}"),
                    &[("information", &long), ("discuss", "short")],
                )
            })
            .collect();
        let messages = answer_messages(
            &incident(Some("Stripe")),
            &review(),
            &questions::questions_for(None, Some("Stripe")),
            &shown(responses.clone()),
            9,
        );
        assert!(messages.len() > 3);
        for message in &messages {
            let blocks = message.blocks.as_ref().unwrap();
            assert!(blocks.len() <= limits::MESSAGE_BLOCKS);
            let json = serde_json::to_value(blocks).unwrap();
            for block in json.as_array().unwrap() {
                let text = block["text"]["text"].as_str().unwrap_or("");
                assert!(text.chars().count() <= limits::SECTION_TEXT);
            }
        }
        assert!(all_text(&messages).contains("Yes: 0"));
    }
}
