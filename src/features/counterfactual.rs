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

use std::cmp::Ordering;

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::domain::{Condition, Control, Cost, Reach, ReviewId};
use crate::error::{Error, FieldErrors};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, limits};
use crate::slack::forms::{self, FormValues};

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

/// The form.
pub fn modal(review_id: ReviewId) -> SlackView {
    forms::modal(
        "What had to be true",
        "Add",
        crate::ids::COUNTERFACTUAL_SUBMIT,
        &review_id.to_string(),
        vec![
            blocks::context(
                "A condition that, had it been true, would have prevented this incident or reduced its impact. E.g. “the alert had fired 10 minutes earlier”, “the runbook had the escalation path”.",
            ),
            forms::text_input("condition", "Had this been true…", None, true, false, 500),
            forms::radio_input(
                "control",
                "Is it within our control?",
                CONTROL_OPTIONS,
                None,
                false,
            ),
            forms::radio_input(
                "cost",
                "Rough cost to make it true",
                COST_OPTIONS,
                None,
                false,
            ),
            forms::radio_input(
                "reach",
                "How far would it help?",
                REACH_OPTIONS,
                None,
                false,
            ),
        ],
    )
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

/// `/debrief counterfactual`: anyone in the review's channel opens the form.
pub async fn command(state: &AppState, request: &CommandRequest) -> Result<Reply, Error> {
    let (_, review) = super::require_review(state, request).await?;
    state
        .slack
        .open_view(&request.trigger_id, modal(review.id))
        .await
        .map_err(|e| anyhow::anyhow!("could not open the counterfactual form: {e}"))?;
    Ok(Reply::ephemeral(""))
}

/// The form was submitted.
pub async fn submit(
    state: &AppState,
    view: &SlackStatefulView,
    metadata: &str,
    now: Timestamp,
) -> Result<SlackView, Error> {
    let review_id: ReviewId = metadata
        .parse()
        .map_err(|_| anyhow::anyhow!("counterfactual metadata"))?;
    let condition = parse(&FormValues::from_view(view)).map_err(Error::Form)?;
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
