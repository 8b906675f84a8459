//! Purpose: the learning review's few links to the rest of debrief, in one place: the
//! counterfactual portfolio order, tag normalisation and the participation ratio, each the
//! project's own rule applied to the review's plain facts.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::facts::{Counterfactual, ParticipationFacts};
use crate::domain::{Condition, Control};
use crate::features::counterfactual;
use crate::grammar;

fn condition(c: &Counterfactual) -> Condition {
    Condition {
        text: c.text.clone(),
        control: c.control,
        cost: c.cost,
        reach: c.reach,
    }
}

/// Portfolio order (`counterfactual::compare`); equal conditions fall back to their ids,
/// so that the same facts always give the same list.
pub fn compare_counterfactuals(a: &Counterfactual, b: &Counterfactual) -> Ordering {
    counterfactual::compare(&condition(a), &condition(b)).then_with(|| a.id.cmp(&b.id))
}

/// Generalisation ÷ cost (`Condition::leverage`).
pub fn leverage(c: &Counterfactual) -> f64 {
    condition(c).leverage()
}

/// Counts as controllable for "proposed systemic investments": yes and partly both do;
/// the portfolio order still puts yes first.
pub fn is_controllable(control: Control) -> bool {
    control != Control::No
}

/// Unique speakers ÷ attendees, as `participation::Figures::speaker_ratio` computes it,
/// except that a meeting nobody attended has no ratio (the project reports 0.0), so that it
/// does not pull a mean down.
pub fn speaker_ratio(p: &ParticipationFacts) -> Option<f64> {
    (p.attendees > 0).then(|| f64::from(p.speakers.min(p.attendees)) / f64::from(p.attendees))
}

/// `grammar::normalize_tag`, borrowing when the tag already is normal, which is the case
/// for everything the store wrote: the report interns hundreds of thousands of tags.
pub fn normalize_tag(raw: &str) -> Cow<'_, str> {
    if is_normal(raw) {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(grammar::normalize_tag(raw))
    }
}

/// Already what `normalize_tag` returns: ASCII lower-case words joined by single hyphens,
/// within 64 characters.
fn is_normal(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    let word_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 64
        && word_char(bytes[0])
        && word_char(bytes[bytes.len() - 1])
        && bytes.windows(2).all(|w| word_char(w[0]) || word_char(w[1]))
        && bytes.iter().all(|&b| word_char(b) || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_the_grammar() {
        for raw in [
            "payments-api",
            " Payments API ",
            "cache--invalidation",
            "-x-",
            "!!",
            "Café",
            "a1-b2",
        ] {
            assert_eq!(normalize_tag(raw), grammar::normalize_tag(raw), "{raw:?}");
        }
        assert!(matches!(normalize_tag("payments-api"), Cow::Borrowed(_)));
    }

    #[test]
    fn an_empty_meeting_has_no_ratio() {
        let p = |attendees, speakers| ParticipationFacts {
            attendees,
            speakers,
            top3_share: 0.0,
        };
        assert_eq!(speaker_ratio(&p(0, 0)), None);
        assert_eq!(speaker_ratio(&p(8, 6)), Some(0.75));
    }
}
