//! Purpose: the survey's questions, its modal, and reading a submission. Pure.
//!
//! The questions ask about the system, not the person: what information people had,
//! what conditions made actions seem reasonable, what tooling would have caught it, and
//! what would have had to be true for it not to happen. Six short open questions, each
//! optional, at least one answered. An incident with a third-party vendor adds a section
//! about the external dependency, in the article's own words where it has them.

use crate::domain::ReviewId;
use std::borrow::Cow;
use std::collections::BTreeMap;

use slack_morphism::prelude::*;

use crate::error::FieldErrors;
use crate::features::framing::{self, Nudge};
use crate::slack::blocks::{self, limits};
use crate::slack::forms::{self, FormValues};

/// How a question is answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// Free text, up to Slack's 3,000 characters.
    Open,
    /// One of a few options: (stored value, label).
    Choice { options: Options },
    /// A whole number of minutes, 0 to [`MAX_MINUTES`], so it can be added up across incidents.
    Minutes,
    /// A whole number from `low` to `high` (a team's template: "how prepared did you feel,
    /// 1 to 5").
    Scale { low: u32, high: u32 },
}

/// A choice question's options: built in (static) or from a team's template (owned).
pub type Options = Cow<'static, [(Cow<'static, str>, Cow<'static, str>)]>;

/// The longest duration a minutes answer may give: a week.
pub const MAX_MINUTES: u32 = 7 * 24 * 60;

/// The question whose answers become pseudonymous counterfactual proposals.
pub const COUNTERFACTUAL_ID: &str = "counterfactual";
/// The vendor section's standing question.
pub const STANDING_ID: &str = "vendor_future";
/// How long it took to see the failure was external, in minutes.
pub const MINUTES_TO_EXTERNAL_ID: &str = "vendor_minutes_to_external";
/// The first default question: where "answer at least one" is shown.
pub const FIRST_ID: &str = "information";

/// One survey question. `{vendor}` in the prompt is replaced with the vendor's name.
/// Built-in questions borrow their words; a team's template owns them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Question {
    pub id: Cow<'static, str>,
    pub prompt: Cow<'static, str>,
    pub kind: Kind,
}

const fn open(id: &'static str, prompt: &'static str) -> Question {
    Question {
        id: Cow::Borrowed(id),
        prompt: Cow::Borrowed(prompt),
        kind: Kind::Open,
    }
}

const fn choice(
    id: &'static str,
    prompt: &'static str,
    options: &'static [(Cow<'static, str>, Cow<'static, str>)],
) -> Question {
    Question {
        id: Cow::Borrowed(id),
        prompt: Cow::Borrowed(prompt),
        kind: Kind::Choice {
            options: Cow::Borrowed(options),
        },
    }
}

/// An option of a built-in choice: (stored value, label).
macro_rules! options {
    ($(($value:literal, $label:literal)),+ $(,)?) => {
        &[$((Cow::Borrowed($value), Cow::Borrowed($label))),+]
    };
}

const YES_PARTLY_NO: &[(Cow<'static, str>, Cow<'static, str>)] = options![
    ("yes", "Yes"),
    ("partly", "Partly"),
    ("no", "No"),
    ("unsure", "I don't know"),
];
const YES_NO: &[(Cow<'static, str>, Cow<'static, str>)] =
    options![("yes", "Yes"), ("no", "No"), ("unsure", "I don't know")];

/// Asked in every review.
pub const CORE: &[Question] = &[
    open(
        FIRST_ID,
        "What information did you have when you made your key decisions?",
    ),
    open(
        "reasonable",
        "What conditions made the actions taken seem reasonable at the time?",
    ),
    open(
        "detection",
        "What would code review, alerting or tooling have needed to look like to catch this class of issue?",
    ),
    open("surprise", "What surprised you?"),
    open(
        COUNTERFACTUAL_ID,
        "What would have had to be true for this not to happen? Name as many conditions as you like.",
    ),
    open("discuss", "What do you want the review to discuss?"),
];

const COHERENT_OR_CHAOS: &[(Cow<'static, str>, Cow<'static, str>)] = options![
    ("coherent", "A coherent error"),
    ("chaos", "Cascading chaos"),
    ("mixed", "Some of each"),
    ("unsure", "I don't know"),
];

/// Added when a third party failed. The contrasts are the article's ("did the circuit
/// breakers activate correctly?", "a coherent error, or cascading chaos?"), and so is the
/// standing question, word for word.
pub const VENDOR: &[Question] = &[
    choice(
        "vendor_breakers",
        "When {vendor} failed, did the circuit breakers activate correctly?",
        YES_PARTLY_NO,
    ),
    choice(
        "vendor_coherent",
        "Did customers see a coherent error, or cascading chaos?",
        COHERENT_OR_CHAOS,
    ),
    open(
        "vendor_customers",
        "What did customers see while {vendor} was failing?",
    ),
    Question {
        id: Cow::Borrowed(MINUTES_TO_EXTERNAL_ID),
        prompt: Cow::Borrowed(
            "How long did it take to determine the failure was external? (minutes)",
        ),
        kind: Kind::Minutes,
    },
    open(
        "vendor_detection",
        "What told you the failure was external, and what would have told you sooner?",
    ),
    choice(
        "vendor_status",
        "Is {vendor}'s status visible in our own observability (dashboards, alerts)?",
        YES_NO,
    ),
    open(STANDING_ID, framing::STANDING_EXTERNAL),
];

/// The questions for an incident, in order: the team's template's when the review has
/// one, else the default ones, then the vendor section when a third party failed.
pub fn questions_for(template: Option<&[Question]>, vendor: Option<&str>) -> Vec<Question> {
    let mut all = template.unwrap_or(CORE).to_vec();
    if vendor.is_some() {
        all.extend_from_slice(VENDOR);
    }
    all
}

/// The question's prompt with the vendor named.
pub fn prompt(question: &Question, vendor: Option<&str>) -> String {
    // Cut, in case a longer name was stored before names were limited: a label Slack
    // refuses would leave every participant with a survey that does not open.
    let vendor = vendor.map(|v| crate::slack::blocks::truncate_words(v, 80));
    question
        .prompt
        .replace("{vendor}", vendor.as_deref().unwrap_or("the vendor"))
}

/// A respondent's answers: question id → text (or chosen option's value).
pub type Answers = BTreeMap<String, String>;

/// What the survey modal needs to know.
pub struct SurveyModal<'a> {
    pub review_id: ReviewId,
    pub incident_title: &'a str,
    pub vendor: Option<&'a str>,
    /// The review's questions, vendor section included ([`questions_for`]).
    pub questions: &'a [Question],
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
        for question in self.questions {
            if question.id.starts_with("vendor_") && !vendor_heading_done {
                blocks.push(blocks::divider());
                blocks.push(blocks::section(format!(
                    "*The external dependency: {}*",
                    blocks::escape(self.vendor.unwrap_or("vendor"))
                )));
                vendor_heading_done = true;
            }
            let label = prompt(question, self.vendor);
            let initial = self
                .existing
                .and_then(|a| a.get(question.id.as_ref()))
                .map(String::as_str);
            blocks.push(input(question, &label, initial));
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

/// The input a question is answered with.
fn input(question: &Question, label: &str, initial: Option<&str>) -> SlackBlock {
    match &question.kind {
        Kind::Open => {
            forms::text_input(&question.id, label, initial, true, true, limits::INPUT_TEXT)
        }
        Kind::Choice { options } => {
            let pairs: Vec<(&str, &str)> = options
                .iter()
                .map(|(v, l)| (v.as_ref(), l.as_ref()))
                .collect();
            forms::radio_input(&question.id, label, &pairs, initial, true)
        }
        Kind::Minutes => forms::number_input(&question.id, label, initial, true, 0, MAX_MINUTES),
        Kind::Scale { low, high } => {
            let values: Vec<String> = (*low..=*high).map(|n| n.to_string()).collect();
            let pairs: Vec<(&str, &str)> =
                values.iter().map(|v| (v.as_str(), v.as_str())).collect();
            forms::radio_input(&question.id, label, &pairs, initial, true)
        }
    }
}

/// A minutes answer: a whole number from 0 to a week. The error is a sentence for the field.
pub fn parse_minutes(raw: &str) -> Result<u32, String> {
    let problem = || {
        format!("Give the time in whole minutes, from 0 to {MAX_MINUTES} (a week), for example 15.")
    };
    let digits = raw.trim();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(problem());
    }
    match digits.parse::<u32>() {
        Ok(minutes) if minutes <= MAX_MINUTES => Ok(minutes),
        _ => Err(problem()),
    }
}

/// How long one respondent took to see the failure was external, in minutes, when they
/// said; the learning review adds these up across vendor incidents.
pub fn minutes_to_external(answers: &Answers) -> Option<u32> {
    answers
        .get(MINUTES_TO_EXTERNAL_ID)
        .and_then(|raw| parse_minutes(raw).ok())
}

/// Reads a submission of `questions`. Errors are field errors: the modal stays open
/// with the text intact.
pub fn parse_submission(
    values: &FormValues,
    questions: &[Question],
) -> Result<Answers, FieldErrors> {
    let mut answers = Answers::new();
    let mut errors = FieldErrors::default();
    for question in questions {
        let id = question.id.as_ref();
        let value = match &question.kind {
            Kind::Open => values.text(id),
            Kind::Choice { options } => values
                .selected(id)
                .filter(|v| options.iter().any(|(value, _)| value == v)),
            Kind::Scale { low, high } => values
                .selected(id)
                .filter(|v| v.parse::<u32>().is_ok_and(|n| (*low..=*high).contains(&n))),
            Kind::Minutes => match values.text(id).map(|raw| parse_minutes(&raw)) {
                Some(Ok(minutes)) => Some(minutes.to_string()),
                Some(Err(problem)) => {
                    errors.add(id, problem);
                    None
                }
                None => None,
            },
        };
        if let Some(value) = value {
            let length = value.chars().count();
            if length > limits::INPUT_TEXT {
                errors.add(
                    id,
                    format!(
                        "This answer is {length} characters; Slack allows {}. Shorten it, or move part of it to another question.",
                        limits::INPUT_TEXT
                    ),
                );
            }
            answers.insert(id.to_string(), value);
        }
    }
    // A field with its own error says enough; "answer at least one" would only add noise.
    if answers.is_empty()
        && errors.is_empty()
        && let Some(first) = questions.first()
    {
        errors.add(
            first.id.as_ref(),
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
    fn the_core_survey_is_six_open_optional_questions() {
        assert_eq!(CORE.len(), 6);
        assert!(CORE.iter().all(|q| q.kind == Kind::Open));
        let view = serde_json::to_value(
            SurveyModal {
                review_id: ReviewId(1),
                incident_title: "x",
                vendor: None,
                questions: &questions_for(None, None),
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
        assert_eq!(inputs.len(), 6);
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
                questions: &questions_for(None, None),
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
                questions: &questions_for(None, Some("Stripe")),
                min_responses: 3,
                existing: None,
                nudges: &[],
            }
            .view(),
        )
        .unwrap();
        let text = view.to_string();
        for wording in [
            "When Stripe failed, did the circuit breakers activate correctly?",
            "Did customers see a coherent error, or cascading chaos?",
            "How long did it take to determine the failure was external? (minutes)",
            "Given that this external failure will happen again, what is the desired system behavior, and does the current architecture produce it?",
        ] {
            assert!(text.contains(wording), "{wording}");
        }
        let minutes = view["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["block_id"] == MINUTES_TO_EXTERNAL_ID)
            .unwrap();
        assert_eq!(minutes["element"]["type"], "number_input");
        assert_eq!(minutes["element"]["is_decimal_allowed"], false);
        assert_eq!(minutes["element"]["min_value"], "0");
        assert_eq!(minutes["element"]["max_value"], "10080");
        assert!(view["blocks"].as_array().unwrap().len() <= limits::VIEW_BLOCKS);
    }

    #[test]
    fn the_standing_question_is_the_articles_word_for_word() {
        let standing = VENDOR.iter().find(|q| q.id == STANDING_ID).unwrap();
        assert_eq!(
            standing.prompt,
            "Given that this external failure will happen again, what is the desired system \
             behavior, and does the current architecture produce it?"
        );
    }

    #[test]
    fn minutes_are_a_whole_number_up_to_a_week() {
        assert_eq!(parse_minutes("0"), Ok(0));
        assert_eq!(parse_minutes(" 15 "), Ok(15));
        assert_eq!(parse_minutes("10080"), Ok(10080));
        for wrong in ["10081", "-5", "1.5", "15 min", "", "99999999999"] {
            let problem = parse_minutes(wrong).unwrap_err();
            assert!(
                problem.contains("whole minutes, from 0 to 10080"),
                "{wrong}: {problem}"
            );
        }
    }

    #[test]
    fn a_bad_duration_is_a_field_error_on_its_own_field() {
        let errors = parse_submission(
            &values(&[(MINUTES_TO_EXTERNAL_ID, text("about an hour"))]),
            &questions_for(None, Some("Stripe")),
        )
        .unwrap_err();
        assert_eq!(errors.0.len(), 1, "{:?}", errors.0);
        assert!(errors.0[MINUTES_TO_EXTERNAL_ID].contains("whole minutes"));
        let answers = parse_submission(
            &values(&[(MINUTES_TO_EXTERNAL_ID, text("25"))]),
            &questions_for(None, Some("Stripe")),
        )
        .unwrap();
        assert_eq!(minutes_to_external(&answers), Some(25));
        // Without a vendor there is no such question, so nothing is read from it.
        let ignored = parse_submission(
            &values(&[(MINUTES_TO_EXTERNAL_ID, text("x")), ("surprise", text("y"))]),
            &questions_for(None, None),
        )
        .unwrap();
        assert_eq!(ignored.len(), 1);
    }

    #[test]
    fn a_nudge_names_its_kind_and_root_causes_get_the_counterfactual_button() {
        let nudges = framing::detect("The root cause was the cron job.");
        let view = serde_json::to_string(
            &SurveyModal {
                review_id: ReviewId(4),
                incident_title: "x",
                vendor: None,
                questions: &questions_for(None, None),
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
        let errors = parse_submission(&values(&[]), CORE).unwrap_err();
        assert!(errors.0["information"].contains("at least one"));
    }

    #[test]
    fn an_overlong_answer_is_a_field_error_on_its_own_question() {
        let long = "a".repeat(3500);
        let errors = parse_submission(
            &values(&[("surprise", text(&long)), ("discuss", text("ok"))]),
            CORE,
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
            &questions_for(None, Some("Stripe")),
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
                questions: &questions_for(None, None),
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
