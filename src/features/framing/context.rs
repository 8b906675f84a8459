//! Context features that turn a phrase match into points: who the subject is, whether the
//! phrase is negated, denied, quoted or put as a question the author then answers "no".

use super::lexicon::Cue;
use super::tokens::{Gap, Token};
use super::words::{SYSTEM_NOUNS, WordSet, is_vendor, listed, starts_person};

static NEGATORS: WordSet = WordSet::new(
    "not no never nobody noone nothing none neither nor without hardly instead rather",
);
static NEGATIVE_SUBJECTS: WordSet = WordSet::new("nobody noone none");
/// Words that end a negation's reach: "we did not see it because he was careless".
static SCOPE_ENDS: WordSet =
    WordSet::new("because but and so that which when while although since if though");
/// How many words back "not", "no" or "never" reach (a negative subject reaches to the
/// start of its clause).
const NEGATION_WINDOW: usize = 4;
/// How many words back we look for the subject, and forward for "by <person>".
const SUBJECT_WINDOW: usize = 6;
const PASSIVE_WINDOW: usize = 4;

/// Points for one match of `cue` spanning tokens `start..end`.
pub(super) fn points(cue: &Cue, tokens: &[Token], start: usize, end: usize) -> i32 {
    let cancelled = quoted(tokens, start, end)
        || negated(tokens, start, cue.blockers)
        || cue.denied_after && denied_after(tokens, end)
        || cue.clause_start && tokens[start].gap == Gap::Space && start > 0;
    if cancelled {
        return 0;
    }
    let adjustment = match subject(tokens, start, end) {
        Subject::Person => cue.person_bonus,
        Subject::System => -cue.system_penalty,
        Subject::Unknown => 0,
    };
    (cue.points + adjustment).max(0)
}

/// Someone else's words: "the runbook says …", or text inside quotation marks.
fn quoted(tokens: &[Token], start: usize, end: usize) -> bool {
    tokens[start].quoted || tokens[end - 1].quoted
}

/// A negator shortly before the phrase, in the same clause: "it was not a bad decision",
/// "nobody should have to", "no one is at fault". A negative subject reaches further:
/// "nobody here thinks this was a bad call".
fn negated(tokens: &[Token], start: usize, blockers: &str) -> bool {
    for k in (0..start).rev() {
        if tokens[k + 1].gap != Gap::Space || SCOPE_ENDS.has(&tokens[k].word) {
            return false;
        }
        let word = tokens[k].word.as_str();
        let near = start - k <= NEGATION_WINDOW;
        let negative_subject =
            NEGATIVE_SUBJECTS.has(word) || word == "one" && k > 0 && tokens[k - 1].word == "no";
        if negative_subject || near && (NEGATORS.has(word) || listed(blockers, word)) {
            return true;
        }
    }
    false
}

/// "Poor judgment is not a useful finding": the phrase is named only to be denied.
fn denied_after(tokens: &[Token], end: usize) -> bool {
    let word = |k: usize| {
        tokens
            .get(k)
            .filter(|t| t.gap == Gap::Space)
            .map(|t| t.word.as_str())
    };
    matches!(word(end), Some("is" | "was" | "are" | "were" | "'s"))
        && matches!(word(end + 1), Some("not" | "never" | "no"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Person,
    System,
    Unknown,
}

/// Who the phrase is about: a passive agent after it ("… by the on-call engineer"), else
/// the nearest person or system noun before it in the same clause.
fn subject(tokens: &[Token], start: usize, end: usize) -> Subject {
    if passive_agent(tokens, end) {
        return Subject::Person;
    }
    for k in (start.saturating_sub(SUBJECT_WINDOW)..start).rev() {
        if tokens[k + 1].gap != Gap::Space {
            break;
        }
        let on_call = tokens[k].word == "call" && k > 0 && tokens[k - 1].word == "on";
        if tokens[k].person || on_call {
            return Subject::Person;
        }
        // A vendor is part of the system we run, not a person to judge.
        if SYSTEM_NOUNS.has(&tokens[k].word) || is_vendor(&tokens[k].word) {
            return Subject::System;
        }
    }
    Subject::Unknown
}

/// "… by the DBA" a few words after the phrase, in the same clause.
fn passive_agent(tokens: &[Token], end: usize) -> bool {
    (end..end + PASSIVE_WINDOW)
        .take_while(|&k| tokens.get(k).is_some_and(|t| t.gap == Gap::Space))
        .any(|k| tokens[k].word == "by" && starts_person(tokens, k + 1))
}

/// "Was it a bad decision? With what the dashboard showed, no.": a question the author
/// answers "no" in the next sentence is put up to be rejected.
pub(super) fn rejected_sentences(tokens: &[Token], questions: &[bool]) -> Vec<bool> {
    let mut rejected = vec![false; questions.len()];
    for (s, flag) in rejected.iter_mut().enumerate() {
        if !questions[s] {
            continue;
        }
        let mut next = tokens.iter().filter(|t| t.sentence == s + 1);
        let first = next.next().map(|t| t.word.as_str());
        let last = next.next_back().map(|t| t.word.as_str()).or(first);
        *flag = matches!(first, Some("no" | "nope" | "nah" | "not")) || last == Some("no");
    }
    rejected
}
