//! The systemic questions offered instead of the framing found, and the standing questions
//! every agenda opens with.

use super::Pattern;
use super::tokens::{Gap, Token};
use super::words::listed;

/// The article's question for a "who deployed this?" hunt, verbatim.
pub(super) const WHO_DID: &str = "What information was available to the person making this \
                                  decision, and would a reasonable engineer have acted \
                                  differently given that same information?";
/// The article's question about code review, verbatim.
pub(super) const WHY_REVIEW: &str =
    "What would code review have needed to look like for this class of issue to be detectable?";
pub(super) const WHY_TESTS: &str =
    "What would our tests have needed to exercise for this failure to show up before release?";
pub(super) const WHY_SIGNALS: &str =
    "What signal would have made this visible sooner, and whom would it have needed to reach?";
pub(super) const WHY_GENERIC: &str =
    "What would have had to be in place for this to be caught earlier?";
/// The article asks what *conditions* made the action seem reasonable.
pub(super) const CONDITIONS: &str = "What conditions made that decision seem reasonable at the \
                                     time, and what would have made the alternative the easy \
                                     choice?";
pub(super) const OMISSION: &str =
    "What would have reminded anyone to do this step, and why was it manual?";
pub(super) const IF_ONLY: &str =
    "What would have had to be true for a different choice to be the obvious one?";
pub(super) const ROOT_CAUSE: &str = "What else had to be true for this to happen? List the \
                                     conditions that together were enough, and mark which \
                                     ones we can change.";
pub(super) const INDIVIDUAL_FIX: &str = "What would make the right action the default instead \
                                         of something a person must remember, such as a \
                                         deployment gate, better observability or a capacity \
                                         buffer?";

/// The article's standing question for a vendor incident, verbatim.
pub const STANDING_EXTERNAL: &str = "Given that this external failure will happen again, what \
                                     is the desired system behavior, and does the current \
                                     architecture produce it?";
pub const STANDING_RECURRENCE: &str =
    "What did we learn last time, and why didn't it prevent this?";
pub const STANDING_DEPLOY: &str = "What conditions made this deployment look safe to ship at \
                                   the time, and what would have let it fail small?";
pub const STANDING_CONDITIONS: &str = "What conditions made the actions taken seem reasonable \
                                       at the time, and what would have made the alternative \
                                       the easy choice?";
pub const STANDING_JOINT: &str = "What else had to be true for this to happen, and which of \
                                  those conditions can we change?";

pub(super) fn reframing(pattern: Pattern, tokens: &[Token], start: usize) -> &'static str {
    use Pattern::*;
    match pattern {
        WhoDid => WHO_DID,
        WhyDidnt => why_didnt(tokens, start),
        Omission => OMISSION,
        IfOnly => IF_ONLY,
        ShouldHave | HumanError | Character | Fault | BadCall | Mistake => CONDITIONS,
        RootCause | Finality => ROOT_CAUSE,
        Training | Vigilance | Reminder | Checklist | DontRepeat | Prescriptive => INDIVIDUAL_FIX,
        NothingWeCouldDo | NotOurs | Vendor | NoAction => STANDING_EXTERNAL,
    }
}

/// Topics checked in order: a question naming code review is about review even when it
/// also says "test", so the more specific reframing wins.
const WHY_TOPICS: [(&str, &str); 3] = [
    (
        "review reviews reviewed reviewer reviewers reviewing pr prs",
        WHY_REVIEW,
    ),
    ("test tests tested testing staging qa", WHY_TESTS),
    (
        "alert alerts alerted alerting monitor monitors monitoring dashboard dashboards page \
         paged paging pager",
        WHY_SIGNALS,
    ),
];

/// Only the sentence holding the question counts, so an earlier sentence about a review
/// does not steer a later question about paging.
fn why_didnt(tokens: &[Token], start: usize) -> &'static str {
    let sentence: Vec<&str> = tokens[start..]
        .iter()
        .enumerate()
        .take_while(|(k, t)| *k == 0 || t.gap != Gap::Sentence)
        .map(|(_, t)| t.word.as_str())
        .collect();
    WHY_TOPICS
        .iter()
        .find(|(words, _)| sentence.iter().any(|w| listed(words, w)))
        .map_or(WHY_GENERIC, |(_, question)| question)
}
