//! What a person is shown when their text carries a framing: one sentence that names the
//! kinds found, then one line per systemic question, and for a single root cause a button
//! into the counterfactual form. Pure; every place where text enters renders it this way.
//!
//! Findings that share a question share a line ("You wrote “X” and “Y”. …"), so no
//! message asks the same question twice.

use slack_morphism::prelude::*;

use super::{FramingKind, Nudge};
use crate::domain::ReviewId;
use crate::slack::blocks::{self, Style};

/// The label of the button that opens the counterfactual form from a root-cause nudge.
pub const COUNTERFACTUAL_BUTTON: &str = "Open the counterfactual form";

/// What a kind of framing does, as the end of a sentence whose subject is the text.
fn clause(kind: FramingKind) -> &'static str {
    match kind {
        FramingKind::Blame => "reads as blame",
        FramingKind::RootCause => "names a single root cause",
        FramingKind::IndividualFix => "proposes a fix that relies on people trying harder",
        FramingKind::External => "puts the failure outside our control",
    }
}

/// The kinds found, each once, in the order they first appear.
pub fn kinds(nudges: &[Nudge]) -> Vec<FramingKind> {
    let mut kinds = Vec::new();
    for nudge in nudges {
        if !kinds.contains(&nudge.kind) {
            kinds.push(nudge.kind);
        }
    }
    kinds
}

/// "a", "a and b", "a, b and c".
fn join_clauses(parts: &[&str]) -> String {
    match parts {
        [] => String::new(),
        [only] => (*only).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The opening sentence: `subject` ("this", "this condition", "something in your
/// answers") followed by what each kind found does, e.g. "this names a single root cause,
/// which tends to end the learning rather than start it."
pub fn header(nudges: &[Nudge], subject: &str) -> String {
    let clauses: Vec<&str> = kinds(nudges).into_iter().map(clause).collect();
    format!(
        "{subject} {}, which tends to end the learning rather than start it.",
        join_clauses(&clauses)
    )
}

/// A short plain-text version for notifications: "This reads as blame; rephrase it or
/// record it as written."
pub fn fallback(nudges: &[Nudge]) -> String {
    let clauses: Vec<&str> = kinds(nudges).into_iter().map(clause).collect();
    format!(
        "This {}; rephrase it or record it as written.",
        join_clauses(&clauses)
    )
}

/// One line per distinct question, quoting every phrase that led to it, in reading order.
pub fn question_lines(nudges: &[Nudge]) -> Vec<String> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for nudge in nudges {
        let found = nudge.found.as_str();
        match groups.iter_mut().find(|(q, _)| *q == nudge.reframing) {
            Some((_, quoted)) if quoted.contains(&found) => {}
            Some((_, quoted)) => quoted.push(found),
            None => groups.push((nudge.reframing.as_str(), vec![found])),
        }
    }
    groups
        .into_iter()
        .map(|(question, quoted)| {
            let quoted: Vec<String> = quoted
                .iter()
                .map(|q| format!("“{}”", blocks::escape(q)))
                .collect();
            let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
            format!(
                "You wrote {}. A question that teaches more: _{question}_",
                join_clauses(&quoted)
            )
        })
        .collect()
}

/// Whether a nudge should offer the counterfactual form (a single root cause was named).
pub fn offers_counterfactuals(nudges: &[Nudge]) -> bool {
    nudges.iter().any(|n| n.kind == FramingKind::RootCause)
}

/// The whole nudge as mrkdwn: `lead` (e.g. "*Before I record it:*"), the header with
/// `subject`, the question lines, then `closing` (what the person can do next).
pub fn text(nudges: &[Nudge], lead: &str, subject: &str, closing: &str) -> String {
    let mut lines = vec![format!("{lead} {}", header(nudges, subject))];
    lines.extend(question_lines(nudges));
    if offers_counterfactuals(nudges) {
        lines.push(
            "The counterfactual form keeps each condition on its own, with whether it is ours to change."
                .into(),
        );
    }
    if !closing.is_empty() {
        lines.push(closing.to_string());
    }
    lines.join("\n")
}

/// The button that opens the counterfactual form for a review; it rides along with a
/// root-cause nudge (see [`offers_counterfactuals`]).
pub fn counterfactual_button(review_id: ReviewId) -> SlackBlockButtonElement {
    blocks::button(
        COUNTERFACTUAL_BUTTON,
        crate::ids::COUNTERFACTUAL_OPEN,
        &review_id.to_string(),
        Style::Default,
    )
}

/// The nudge for a view (a modal): its section, and the counterfactual button when a root
/// cause was named and the form is not the one already open.
pub fn view_blocks(
    nudges: &[Nudge],
    text: String,
    counterfactual_for: Option<ReviewId>,
) -> Vec<SlackBlock> {
    let mut content = vec![blocks::section(text)];
    if let Some(review_id) = counterfactual_for.filter(|_| offers_counterfactuals(nudges)) {
        content.push(blocks::actions(
            None,
            vec![counterfactual_button(review_id)],
        ));
    }
    content
}

#[cfg(test)]
mod tests {
    use super::super::{STANDING_EXTERNAL, detect};
    use super::*;

    #[test]
    fn the_header_names_the_kind_found_not_always_blame() {
        let root = detect("The root cause was the query that caused the table lock.");
        assert_eq!(
            header(&root, "this"),
            "this names a single root cause, which tends to end the learning rather than start it."
        );
        let fix = detect("Bob needs more training.");
        assert!(header(&fix, "this").contains("relies on people trying harder"));
        let external = detect("Stripe was down; nothing the team could have done.");
        assert!(header(&external, "this").contains("outside our control"));
        assert!(!header(&external, "this").contains("blame"));
        let blame = detect("That was a bad decision.");
        assert!(header(&blame, "this").starts_with("this reads as blame,"));
    }

    #[test]
    fn several_kinds_share_one_sentence() {
        let nudges = detect("Root cause: human error. Remind people to double-check it.");
        assert_eq!(
            kinds(&nudges),
            [
                FramingKind::RootCause,
                FramingKind::Blame,
                FramingKind::IndividualFix
            ]
        );
        assert_eq!(
            header(&nudges, "this"),
            "this names a single root cause, reads as blame and proposes a fix that relies on \
             people trying harder, which tends to end the learning rather than start it."
        );
    }

    #[test]
    fn findings_that_share_a_question_share_a_line() {
        // "bad call" and "messed up" both get the conditions question; "more training"
        // and "be more careful" both get the individual-fix question.
        let nudges = detect(
            "It was a bad call and he messed up. He needs more training and to be more careful.",
        );
        assert!(nudges.len() >= 4, "{nudges:?}");
        let lines = question_lines(&nudges);
        let questions: Vec<&str> = lines
            .iter()
            .map(|l| {
                l.split("A question that teaches more:")
                    .nth(1)
                    .unwrap_or("")
            })
            .collect();
        let mut unique = questions.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), questions.len(), "{lines:?}");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("“bad call” and “messed up”"), "{lines:?}");
    }

    #[test]
    fn quoted_words_are_escaped_so_they_cannot_mention_anyone() {
        let nudges = detect("<!channel> made a mistake");
        let text = question_lines(&nudges).join("\n");
        assert!(!text.contains("<!channel>"), "{text}");
    }

    #[test]
    fn only_a_root_cause_offers_the_counterfactual_form() {
        let root = detect("The root cause was the cron job.");
        let review = ReviewId(7);
        let with_button = serde_json::to_string(&view_blocks(
            &root,
            text(&root, "*Before:*", "this", ""),
            Some(review),
        ))
        .unwrap();
        assert!(with_button.contains(crate::ids::COUNTERFACTUAL_OPEN));
        assert!(with_button.contains("\"value\":\"7\""));
        let blame = detect("He made a mistake.");
        let without = serde_json::to_string(&view_blocks(
            &blame,
            text(&blame, "*Before:*", "this", ""),
            Some(review),
        ))
        .unwrap();
        assert!(!without.contains(crate::ids::COUNTERFACTUAL_OPEN));
    }

    #[test]
    fn an_external_attribution_gets_the_standing_question() {
        let nudges = detect("Vendor issue, closing. Nothing we could have done.");
        let text = text(&nudges, "*Before:*", "this", "Edit it.");
        assert_eq!(text.matches(STANDING_EXTERNAL).count(), 1, "{text}");
        assert!(text.ends_with("Edit it."));
    }
}
