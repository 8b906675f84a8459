//! Purpose: the survey's questions, its modal, and reading a submission. Pure.
//!
//! The questions ask about the system, not the person: what information people had,
//! what made actions reasonable, what tooling would have caught it. Five short open
//! questions, each optional, at least one answered. An incident with a third-party
//! vendor adds a section about the external dependency.

use crate::domain::ReviewId;
use std::collections::BTreeMap;

use slack_morphism::prelude::*;

use crate::error::FieldErrors;
use crate::features::framing::{self, Nudge};
use crate::slack::blocks::{self, limits};
use crate::slack::forms::{self, FormValues};

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, up to Slack's 3,000 characters.
    Open,
    /// One of a few options.
    Choice(&'static [(&'static str, &'static str)]),
}

/// One survey question. `{vendor}` in the prompt is replaced with the vendor's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    pub id: &'static str,
    pub prompt: &'static str,
    pub kind: Kind,
}

const YES_PARTLY_NO: &[(&str, &str)] = &[
    ("yes", "Yes"),
    ("partly", "Partly"),
    ("no", "No"),
    ("unsure", "I don't know"),
];
const YES_NO: &[(&str, &str)] = &[("yes", "Yes"), ("no", "No"), ("unsure", "I don't know")];

/// Asked in every review.
pub const CORE: &[Question] = &[
    Question {
        id: "information",
        prompt: "What information did you have when you made your key decisions?",
        kind: Kind::Open,
    },
    Question {
        id: "reasonable",
        prompt: "What made the actions taken seem reasonable at the time?",
        kind: Kind::Open,
    },
    Question {
        id: "detection",
        prompt: "What would code review, alerting or tooling have needed to look like to catch this class of issue?",
        kind: Kind::Open,
    },
    Question {
        id: "surprise",
        prompt: "What surprised you?",
        kind: Kind::Open,
    },
    Question {
        id: "discuss",
        prompt: "What do you want the review to discuss?",
        kind: Kind::Open,
    },
];

/// Added when a third party failed.
pub const VENDOR: &[Question] = &[
    Question {
        id: "vendor_breakers",
        prompt: "When {vendor} failed, did circuit breakers or timeouts act?",
        kind: Kind::Choice(YES_PARTLY_NO),
    },
    Question {
        id: "vendor_degraded",
        prompt: "Did our service degrade gracefully?",
        kind: Kind::Choice(YES_PARTLY_NO),
    },
    Question {
        id: "vendor_customers",
        prompt: "What did customers see while {vendor} was failing?",
        kind: Kind::Open,
    },
    Question {
        id: "vendor_detection",
        prompt: "How long did it take to tell that the failure was external, and what told you?",
        kind: Kind::Open,
    },
    Question {
        id: "vendor_status",
        prompt: "Is {vendor}'s status visible in our own observability (dashboards, alerts)?",
        kind: Kind::Choice(YES_NO),
    },
    Question {
        id: "vendor_future",
        prompt: "Given that this external failure will happen again, what should our system do, and does the current architecture do it?",
        kind: Kind::Open,
    },
];

/// The questions for an incident, in order.
pub fn questions_for(vendor: Option<&str>) -> Vec<Question> {
    let mut all = CORE.to_vec();
    if vendor.is_some() {
        all.extend_from_slice(VENDOR);
    }
    all
}

/// The question's prompt with the vendor named.
pub fn prompt(question: &Question, vendor: Option<&str>) -> String {
    question
        .prompt
        .replace("{vendor}", vendor.unwrap_or("the vendor"))
}

/// A respondent's answers: question id → text (or chosen option's value).
pub type Answers = BTreeMap<String, String>;

/// What the survey modal needs to know.
pub struct SurveyModal<'a> {
    pub review_id: ReviewId,
    pub incident_title: &'a str,
    pub vendor: Option<&'a str>,
    pub min_responses: i64,
    /// The respondent's earlier answers, when they reopen the survey to edit.
    pub existing: Option<&'a Answers>,
    /// Framings found in the answers, shown above the questions; the next submit records
    /// the answers as written.
    pub nudges: &'a [Nudge],
}

impl SurveyModal<'_> {
    pub fn view(&self) -> SlackView {
        let mut blocks = vec![
            blocks::section(format!(
                "*{}*\nBefore the review meeting, tell us how this incident looked from where you were. \
                 Every question is optional; answer at least one.",
                blocks::escape(self.incident_title)
            )),
            blocks::context(format!(
                ":lock: Your answers are stored without your name and without a time. The facilitator \
                 sees them under a pseudonym, and only once at least {} people have answered.",
                self.min_responses
            )),
        ];
        if !self.nudges.is_empty() {
            let text = framing::nudge::text(
                self.nudges,
                "*Before you submit:*",
                "something in your answers",
                "Edit them, or submit again to keep them as written.",
            );
            blocks.extend(framing::nudge::view_blocks(
                self.nudges,
                text,
                Some(self.review_id),
            ));
        }
        let mut vendor_heading_done = false;
        for question in questions_for(self.vendor) {
            if question.id.starts_with("vendor_") && !vendor_heading_done {
                blocks.push(blocks::divider());
                blocks.push(blocks::section(format!(
                    "*The external dependency: {}*",
                    blocks::escape(self.vendor.unwrap_or("vendor"))
                )));
                vendor_heading_done = true;
            }
            let label = prompt(&question, self.vendor);
            let initial = self
                .existing
                .and_then(|a| a.get(question.id))
                .map(String::as_str);
            blocks.push(match question.kind {
                Kind::Open => {
                    forms::text_input(question.id, &label, initial, true, true, limits::INPUT_TEXT)
                }
                Kind::Choice(options) => {
                    forms::radio_input(question.id, &label, options, initial, true)
                }
            });
        }
        let submit = if self.existing.is_some() {
            "Save changes"
        } else {
            "Submit"
        };
        let metadata = if self.nudges.is_empty() {
            self.review_id.to_string()
        } else {
            format!("{}:nudged", self.review_id)
        };
        forms::modal(
            "Incident survey",
            submit,
            crate::ids::SURVEY_SUBMIT,
            &metadata,
            blocks,
        )
    }
}

/// Reads a submission. Errors are field errors: the modal stays open with the text intact.
pub fn parse_submission(values: &FormValues, vendor: Option<&str>) -> Result<Answers, FieldErrors> {
    let mut answers = Answers::new();
    let mut errors = FieldErrors::default();
    for question in questions_for(vendor) {
        let value = match question.kind {
            Kind::Open => values.text(question.id),
            Kind::Choice(options) => values
                .selected(question.id)
                .filter(|v| options.iter().any(|(value, _)| value == v)),
        };
        if let Some(value) = value {
            let length = value.chars().count();
            if length > limits::INPUT_TEXT {
                errors.add(
                    question.id,
                    format!(
                        "This answer is {length} characters; Slack allows {}. Shorten it, or move part of it to another question.",
                        limits::INPUT_TEXT
                    ),
                );
            }
            answers.insert(question.id.to_string(), value);
        }
    }
    if answers.is_empty() {
        errors.add(
            CORE[0].id,
            "Answer at least one question; any one is enough.",
        );
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(pairs: &[(&str, serde_json::Value)]) -> FormValues {
        let mut state = serde_json::Map::new();
        for (block, value) in pairs {
            state.insert(block.to_string(), json!({ "value": value }));
        }
        let view: SlackStatefulView = serde_json::from_value(json!({
            "id": "V1", "team_id": "T1", "hash": "h", "type": "modal",
            "title": { "type": "plain_text", "text": "t" }, "blocks": [],
            "state": { "values": state },
        }))
        .unwrap();
        FormValues::from_view(&view)
    }

    fn text(t: &str) -> serde_json::Value {
        json!({ "type": "plain_text_input", "value": t })
    }

    fn choice(v: &str) -> serde_json::Value {
        json!({ "type": "radio_buttons", "selected_option": { "text": { "type": "plain_text", "text": v }, "value": v } })
    }

    #[test]
    fn the_core_survey_is_five_open_optional_questions() {
        assert_eq!(CORE.len(), 5);
        assert!(CORE.iter().all(|q| q.kind == Kind::Open));
        let view = serde_json::to_value(
            SurveyModal {
                review_id: ReviewId(1),
                incident_title: "x",
                vendor: None,
                min_responses: 3,
                existing: None,
                nudges: &[],
            }
            .view(),
        )
        .unwrap();
        let inputs: Vec<&serde_json::Value> = view["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "input")
            .collect();
        assert_eq!(inputs.len(), 5);
        assert!(
            inputs
                .iter()
                .all(|b| b["optional"] == true && b["element"]["max_length"] == 3000)
        );
        assert!(view["title"]["text"].as_str().unwrap().chars().count() <= 24);
    }

    #[test]
    fn the_vendor_section_appears_only_with_a_vendor() {
        let plain = serde_json::to_string(
            &SurveyModal {
                review_id: ReviewId(1),
                incident_title: "x",
                vendor: None,
                min_responses: 3,
                existing: None,
                nudges: &[],
            }
            .view(),
        )
        .unwrap();
        assert!(!plain.contains("external"));
        let view = serde_json::to_value(
            SurveyModal {
                review_id: ReviewId(1),
                incident_title: "x",
                vendor: Some("Stripe"),
                min_responses: 3,
                existing: None,
                nudges: &[],
            }
            .view(),
        )
        .unwrap();
        let text = view.to_string();
        assert!(text.contains("When Stripe failed, did circuit breakers or timeouts act?"));
        assert!(text.contains("Given that this external failure will happen again, what should our system do, and does the current architecture do it?"));
        assert!(view["blocks"].as_array().unwrap().len() <= limits::VIEW_BLOCKS);
    }

    #[test]
    fn a_nudge_names_its_kind_and_root_causes_get_the_counterfactual_button() {
        let nudges = framing::detect("The root cause was the cron job.");
        let view = serde_json::to_string(
            &SurveyModal {
                review_id: ReviewId(4),
                incident_title: "x",
                vendor: None,
                min_responses: 3,
                existing: None,
                nudges: &nudges,
            }
            .view(),
        )
        .unwrap();
        assert!(view.contains("names a single root cause"), "{view}");
        assert!(!view.contains("reads as blame"), "{view}");
        assert!(view.contains(crate::ids::COUNTERFACTUAL_OPEN));
        assert!(view.contains("4:nudged"));
    }

    #[test]
    fn an_empty_submission_is_a_field_error() {
        let errors = parse_submission(&values(&[]), None).unwrap_err();
        assert!(errors.0["information"].contains("at least one"));
    }

    #[test]
    fn an_overlong_answer_is_a_field_error_on_its_own_question() {
        let long = "a".repeat(3500);
        let errors = parse_submission(
            &values(&[("surprise", text(&long)), ("discuss", text("ok"))]),
            None,
        )
        .unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert!(errors.0["surprise"].contains("3500 characters"));
    }

    #[test]
    fn answers_are_read_by_question_and_blank_ones_dropped() {
        let answers = parse_submission(
            &values(&[
                ("information", text("  the dashboard lagged  ")),
                ("surprise", text("   ")),
                ("vendor_breakers", choice("partly")),
            ]),
            Some("Stripe"),
        )
        .unwrap();
        assert_eq!(answers.len(), 2);
        assert_eq!(answers["information"], "the dashboard lagged");
        assert_eq!(answers["vendor_breakers"], "partly");
    }

    #[test]
    fn editing_prefills_earlier_answers() {
        let mut earlier = Answers::new();
        earlier.insert("discuss".into(), "the runbook".into());
        let view = serde_json::to_value(
            SurveyModal {
                review_id: ReviewId(1),
                incident_title: "x",
                vendor: None,
                min_responses: 3,
                existing: Some(&earlier),
                nudges: &[],
            }
            .view(),
        )
        .unwrap();
        let discuss = view["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["block_id"] == "discuss")
            .unwrap();
        assert_eq!(discuss["element"]["initial_value"], "the runbook");
        assert_eq!(view["submit"]["text"], "Save changes");
    }
}
