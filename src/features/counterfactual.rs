//! Purpose: counterfactual leverage points: conditions that, had they been true, would
//! have prevented the incident or reduced its impact, ranked into a portfolio of
//! interventions.
//!
//! The ranking rule (pure, table-tested below):
//! 1. What is within our control comes first: yes, then partly, then no.
//! 2. Within that, the higher generalisation ÷ cost wins, with generalisation
//!    this incident = 1, this class of incident = 2, many classes = 3, and cost S = 1,
//!    M = 2, L = 3. A cheap fix for many classes of incident scores 3; an expensive fix
//!    for this incident alone scores 1/3.
//! 3. Ties keep a stable order: higher generalisation, then lower cost, then the text.
//!
//! Each ranked condition is kept as a proposal; action items are not part of debrief yet.
//!
//! Conditions come from the form (`/debrief counterfactual`, or the button under a
//! root-cause nudge) and from the survey's counterfactual question. A survey answer is split
//! into its conditions and shown in the agenda without its pseudonym; the facilitator ranks
//! one by pressing its Rank button, which opens this form with the text filled in.

use std::cmp::Ordering;

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::domain::{Condition, Control, Cost, Reach, ReviewId};
use crate::error::{Error, FieldErrors};
use crate::features::framing::{self, Nudge};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, limits};
use crate::slack::forms::{self, FormValues};
use crate::user_error;

/// The ranking rule of the module comment.
pub fn compare(a: &Condition, b: &Condition) -> Ordering {
    a.control
        .cmp(&b.control)
        .then_with(|| b.leverage().total_cmp(&a.leverage()))
        .then_with(|| b.reach.cmp(&a.reach))
        .then_with(|| a.cost.cmp(&b.cost))
        .then_with(|| a.text.cmp(&b.text))
}

/// Conditions in portfolio order.
pub fn rank(mut conditions: Vec<Condition>) -> Vec<Condition> {
    conditions.sort_by(compare);
    conditions
}

/// One line of the ranked list, for the agenda.
pub fn describe(c: &Condition) -> String {
    let control = match c.control {
        Control::Yes => "within our control",
        Control::Partly => "partly within our control",
        Control::No => "outside our control",
    };
    format!(
        "{} — {control}, cost {}, helps {} (proposal)",
        c.text,
        c.cost.code(),
        c.reach.label()
    )
}

const CONTROL_OPTIONS: &[(&str, &str)] = &[("yes", "Yes"), ("partly", "Partly"), ("no", "No")];
const COST_OPTIONS: &[(&str, &str)] = &[
    ("S", "S (days)"),
    ("M", "M (weeks)"),
    ("L", "L (a quarter or more)"),
];
const REACH_OPTIONS: &[(&str, &str)] = &[
    ("incident", "This incident"),
    ("class", "This class of incident"),
    ("many", "Many classes of incident"),
];

/// The longest condition the form takes.
const MAX_CONDITION: usize = 500;

/// What the form shows besides its empty fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prefill<'a> {
    /// The condition's text (a survey proposal being ranked, or a submission sent back).
    pub text: Option<&'a str>,
    /// The choices made before a nudge sent the form back.
    pub choices: Option<(Control, Cost, Reach)>,
    /// Framings found in the text; the next submission adds it as written.
    pub nudges: &'a [Nudge],
}

/// The empty form.
pub fn modal(review_id: ReviewId) -> SlackView {
    form(review_id, Prefill::default())
}

/// The form, prefilled.
pub fn form(review_id: ReviewId, prefill: Prefill<'_>) -> SlackView {
    let (control, cost, reach) = match prefill.choices {
        Some((control, cost, reach)) => {
            (Some(control.code()), Some(cost.code()), Some(reach.code()))
        }
        None => (None, None, None),
    };
    let mut content = vec![blocks::context(
        "A condition that, had it been true, would have prevented this incident or reduced its impact. E.g. “the alert had fired 10 minutes earlier”, “the runbook had the escalation path”. Add each condition on its own: together they make the set that was enough.",
    )];
    if !prefill.nudges.is_empty() {
        // No counterfactual button here: this is the counterfactual form.
        let text = framing::nudge::text(
            prefill.nudges,
            "*Before I add it:*",
            "this condition",
            "Edit it, or press Add again to keep it as written.",
        );
        content.extend(framing::nudge::view_blocks(prefill.nudges, text, None));
    }
    content.extend([
        forms::text_input(
            "condition",
            "Had this been true…",
            prefill.text,
            true,
            false,
            MAX_CONDITION,
        ),
        forms::radio_input(
            "control",
            "Is it within our control?",
            CONTROL_OPTIONS,
            control,
            false,
        ),
        forms::radio_input(
            "cost",
            "Rough cost to make it true",
            COST_OPTIONS,
            cost,
            false,
        ),
        forms::radio_input(
            "reach",
            "How far would it help?",
            REACH_OPTIONS,
            reach,
            false,
        ),
    ]);
    let metadata = if prefill.nudges.is_empty() {
        review_id.to_string()
    } else {
        format!("{review_id}:nudged")
    };
    forms::modal(
        "What had to be true",
        "Add",
        crate::ids::COUNTERFACTUAL_SUBMIT,
        &metadata,
        content,
    )
}

/// A survey answer to "what would have had to be true" as separate conditions: one per
/// line, bullet or semicolon, without the bullet, each cut to what the form takes. Pure.
pub fn split_conditions(answer: &str) -> Vec<String> {
    answer
        .split(['\n', ';', '•'])
        .map(|part| {
            part.trim()
                .trim_start_matches(|c: char| {
                    matches!(c, '-' | '*' | '–' | '—') || c.is_whitespace()
                })
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start_matches(['.', ')'])
                .trim()
                .trim_end_matches(['.', ','])
                .to_string()
        })
        .filter(|part| part.chars().any(char::is_alphanumeric))
        .map(|part| blocks::truncate_words(&part, MAX_CONDITION))
        .collect()
}

/// Two wordings of one condition: letter case, spacing and final full stops aside.
pub fn same_condition(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .trim_end_matches('.')
            .to_lowercase()
    };
    key(a) == key(b)
}

/// Reads the form; every field is required.
pub fn parse(values: &FormValues) -> Result<Condition, FieldErrors> {
    let mut errors = FieldErrors::default();
    let text = values.text("condition");
    if text.is_none() {
        errors.add(
            "condition",
            "Describe the condition, e.g. “the deploy had a canary stage”.",
        );
    }
    let control = values.selected("control").and_then(|v| Control::parse(&v));
    let cost = values.selected("cost").and_then(|v| Cost::parse(&v));
    let reach = values.selected("reach").and_then(|v| Reach::parse(&v));
    for (field, missing) in [
        ("control", control.is_none()),
        ("cost", cost.is_none()),
        ("reach", reach.is_none()),
    ] {
        if missing {
            errors.add(field, "Pick one.");
        }
    }
    match (text, control, cost, reach) {
        (Some(text), Some(control), Some(cost), Some(reach)) if errors.is_empty() => {
            Ok(Condition {
                text: text.chars().take(limits::INPUT_TEXT).collect(),
                control,
                cost,
                reach,
            })
        }
        _ => Err(errors),
    }
}

/// "Open the counterfactual form" under a root-cause nudge. Opened inline: the trigger id
/// lasts 3 s. Pressed inside a modal (the survey, an observation), the form is pushed on
/// top of it, so closing the form goes back to the text being written.
pub async fn open_from_button(
    state: &AppState,
    trigger_id: &str,
    value: &str,
    in_modal: bool,
) -> Result<(), Error> {
    let review = super::review_from_button(state, value).await?;
    show_form(
        state,
        trigger_id,
        form(review.id, Prefill::default()),
        in_modal,
    )
    .await
}

/// The value of a Rank button: the review, and the proposal's text.
#[derive(serde::Serialize, serde::Deserialize)]
struct RankValue {
    r: ReviewId,
    t: String,
}

/// The value for the Rank button beside a survey proposal; `None` when it would not fit.
pub fn rank_value(review_id: ReviewId, text: &str) -> Option<String> {
    let value = serde_json::to_string(&RankValue {
        r: review_id,
        t: text.to_string(),
    })
    .ok()?;
    (value.len() <= limits::BUTTON_VALUE).then_some(value)
}

/// "Rank" beside a condition proposed in the survey: the facilitator gets the form with
/// the text filled in, and the ranked condition joins the portfolio.
pub async fn rank_from_agenda(
    state: &AppState,
    user_id: &str,
    trigger_id: &str,
    value: &str,
    in_modal: bool,
) -> Result<(), Error> {
    let Ok(RankValue { r, t }) = serde_json::from_str::<RankValue>(value) else {
        user_error!("That button is out of date; regenerate the agenda with `/debrief agenda`.");
    };
    let Some(review) = state.store.review(r).await? else {
        user_error!("That review no longer exists.");
    };
    super::require_facilitator(
        &review,
        user_id,
        "rank the conditions proposed in the survey",
    )?;
    let prefill = Prefill {
        text: Some(&t),
        ..Prefill::default()
    };
    show_form(state, trigger_id, form(review.id, prefill), in_modal).await
}

async fn show_form(
    state: &AppState,
    trigger_id: &str,
    view: SlackView,
    in_modal: bool,
) -> Result<(), Error> {
    let opened = if in_modal {
        state.slack.push_view(trigger_id, view).await
    } else {
        state.slack.open_view(trigger_id, view).await
    };
    opened.map_err(|e| super::form_did_not_open("the counterfactual form", e))?;
    Ok(())
}

/// `/debrief counterfactual`: anyone in the review's channel opens the form.
pub async fn command(state: &AppState, request: &CommandRequest) -> Result<Reply, Error> {
    let (_, review) = super::require_review(state, request).await?;
    state
        .slack
        .open_view(&request.trigger_id, modal(review.id))
        .await
        .map_err(|e| super::form_did_not_open("the counterfactual form", e))?;
    Ok(Reply::ephemeral(""))
}

/// The form was submitted.
pub async fn submit(
    state: &AppState,
    view: &SlackStatefulView,
    metadata: &str,
    now: Timestamp,
) -> Result<SlackView, Error> {
    let (id, nudged) = match metadata.split_once(':') {
        Some((id, flag)) => (id, flag == "nudged"),
        None => (metadata, false),
    };
    let review_id: ReviewId = id
        .parse()
        .map_err(|_| anyhow::anyhow!("counterfactual metadata"))?;
    let condition = parse(&FormValues::from_view(view)).map_err(Error::Form)?;
    if !nudged {
        let nudges = framing::detect(&condition.text);
        if !nudges.is_empty() {
            // Shown once, with the text and choices kept; pressing Add again keeps it.
            let prefill = Prefill {
                text: Some(&condition.text),
                choices: Some((condition.control, condition.cost, condition.reach)),
                nudges: &nudges,
            };
            return Ok(form(review_id, prefill));
        }
    }
    state
        .store
        .add_counterfactual(review_id, &condition, now)
        .await?;
    let ranked = rank(state.store.counterfactuals(review_id).await?);
    let position = ranked
        .iter()
        .position(|c| *c == condition)
        .map_or(0, |p| p + 1);
    Ok(forms::notice(
        "What had to be true",
        &format!(
            "Added. It ranks {position} of {} in the portfolio (controllable first, then generalisation ÷ cost). It is kept as a proposal for the agenda.",
            ranked.len()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str, control: Control, cost: Cost, reach: Reach) -> Condition {
        Condition {
            text: text.into(),
            control,
            cost,
            reach,
        }
    }

    #[test]
    fn the_ranking_rule_as_a_table() {
        use Control::*;
        use Cost::*;
        use Reach::*;
        let input = vec![
            c("traffic was 20% lower", No, S, ManyClasses),
            c("the runbook had the escalation path", Yes, S, ThisClass),
            c(
                "the alert had fired 10 minutes earlier",
                Yes,
                M,
                ManyClasses,
            ),
            c("the vendor had a status API", Partly, S, ManyClasses),
            c("a second region existed", Yes, L, ManyClasses),
            c("this one config was reviewed", Yes, S, ThisIncident),
            c("canary deploys everywhere", Yes, S, ManyClasses),
        ];
        let order: Vec<String> = rank(input).into_iter().map(|c| c.text).collect();
        assert_eq!(
            order,
            vec![
                "canary deploys everywhere",              // yes, 3/1 = 3
                "the runbook had the escalation path",    // yes, 2/1 = 2
                "the alert had fired 10 minutes earlier", // yes, 3/2 = 1.5
                "a second region existed",                // yes, 3/3 = 1 (more reach than the next)
                "this one config was reviewed",           // yes, 1/1 = 1
                "the vendor had a status API",            // partly
                "traffic was 20% lower",                  // not ours to change
            ]
        );
    }

    #[test]
    fn ranking_does_not_depend_on_input_order() {
        let items = vec![
            c("b", Control::Yes, Cost::M, Reach::ThisClass),
            c("a", Control::Yes, Cost::M, Reach::ThisClass),
            c("z", Control::Partly, Cost::S, Reach::ManyClasses),
        ];
        let mut reversed = items.clone();
        reversed.reverse();
        assert_eq!(rank(items), rank(reversed));
    }

    #[test]
    fn leverage_is_generalisation_over_cost() {
        assert_eq!(
            c("x", Control::Yes, Cost::S, Reach::ManyClasses).leverage(),
            3.0
        );
        assert!(
            (c("x", Control::Yes, Cost::L, Reach::ThisIncident).leverage() - 1.0 / 3.0).abs()
                < 1e-12
        );
    }

    #[test]
    fn a_survey_answer_is_split_into_its_conditions() {
        let answer = "- the purge had a canary stage\n* the TTL was on the dashboard;\n\
                      2. Fastly had announced the maintenance.\n• \n  origin had headroom";
        assert_eq!(
            split_conditions(answer),
            [
                "the purge had a canary stage",
                "the TTL was on the dashboard",
                "Fastly had announced the maintenance",
                "origin had headroom",
            ]
        );
        assert!(split_conditions(" - ; \n ").is_empty());
        let long = "word ".repeat(200);
        assert!(split_conditions(&long)[0].chars().count() <= MAX_CONDITION);
    }

    #[test]
    fn the_same_condition_is_recognised_across_case_and_spacing() {
        assert!(same_condition(
            "The purge had a  canary.",
            "the purge had a canary"
        ));
        assert!(!same_condition(
            "the purge had a canary",
            "the purge had no canary"
        ));
    }

    #[test]
    fn a_rank_button_carries_the_review_and_the_text_when_it_fits() {
        let value = rank_value(ReviewId(3), "origin had headroom").unwrap();
        let back: RankValue = serde_json::from_str(&value).unwrap();
        assert_eq!(
            (back.r, back.t.as_str()),
            (ReviewId(3), "origin had headroom")
        );
        assert_eq!(rank_value(ReviewId(3), &"x".repeat(2000)), None);
    }

    #[test]
    fn a_nudged_form_keeps_the_text_and_choices_and_says_what_it_found() {
        let nudges = framing::detect("the on-call engineer had been more careful");
        assert!(!nudges.is_empty());
        let view = serde_json::to_value(form(
            ReviewId(2),
            Prefill {
                text: Some("the on-call engineer had been more careful"),
                choices: Some((Control::Yes, Cost::S, Reach::ThisIncident)),
                nudges: &nudges,
            },
        ))
        .unwrap();
        let text = view.to_string();
        assert!(text.contains("relies on people trying harder"), "{text}");
        assert!(text.contains("press Add again"));
        assert_eq!(view["private_metadata"], "2:nudged");
        let blocks = view["blocks"].as_array().unwrap();
        let input = |id: &str| blocks.iter().find(|b| b["block_id"] == id).unwrap().clone();
        assert_eq!(
            input("condition")["element"]["initial_value"],
            "the on-call engineer had been more careful"
        );
        assert_eq!(
            input("control")["element"]["initial_option"]["value"],
            "yes"
        );
        assert_eq!(
            input("reach")["element"]["initial_option"]["value"],
            "incident"
        );
        assert!(
            !text.contains(crate::ids::COUNTERFACTUAL_OPEN),
            "already in the form"
        );
    }

    #[test]
    fn codes_round_trip() {
        for control in [Control::Yes, Control::Partly, Control::No] {
            assert_eq!(Control::parse(control.code()), Some(control));
        }
        for cost in [Cost::S, Cost::M, Cost::L] {
            assert_eq!(Cost::parse(cost.code()), Some(cost));
        }
        for reach in [Reach::ThisIncident, Reach::ThisClass, Reach::ManyClasses] {
            assert_eq!(Reach::parse(reach.code()), Some(reach));
        }
    }
}
