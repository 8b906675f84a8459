//! Purpose: notice framing that ends an incident review's learning early (blame, a single
//! root cause, an individual fix, an external attribution) and offer the systemic question
//! to ask instead. Pure, deterministic and fast; no model.
//!
//! How it works: text becomes normalised tokens (`tokens`); weighted phrase cues
//! (`lexicon`, written in the small language of `phrase`) are matched at every token;
//! `context` adjusts each match's points for its subject, negation, quotation and denial;
//! a kind is present in a sentence when its points reach the threshold. Every finding
//! quotes the author's own bytes back, so the nudge can say You wrote “…”.

mod context;
mod lexicon;
pub mod nudge;
mod phrase;
mod questions;
mod tokens;
mod words;

#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::OnceLock;

use self::lexicon::{CUES, Cue, THRESHOLD};
use self::phrase::Phrase;
use self::tokens::Token;

pub use self::questions::{
    STANDING_CONDITIONS, STANDING_DEPLOY, STANDING_EXTERNAL, STANDING_JOINT, STANDING_RECURRENCE,
};

/// The four ways of framing an incident that the article says stop the learning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FramingKind {
    /// A verdict on a person: "bad call", "he made a mistake", "who deployed this?".
    Blame,
    /// One cause named as the whole story: "the root cause was …".
    RootCause,
    /// A fix that asks people to try harder: "more training", "be more careful".
    IndividualFix,
    /// The failure was someone else's: "Stripe was down, nothing we could have done".
    External,
}

impl FramingKind {
    pub const ALL: [FramingKind; 4] = [
        FramingKind::Blame,
        FramingKind::RootCause,
        FramingKind::IndividualFix,
        FramingKind::External,
    ];

    /// The label used in the labelled table and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            FramingKind::Blame => "blame",
            FramingKind::RootCause => "root_cause",
            FramingKind::IndividualFix => "individual_fix",
            FramingKind::External => "external",
        }
    }

    /// Which kind wins a tie in one sentence: blame first, because it ends learning soonest;
    /// a dismissal ("outside our control") outranks the cause it dismisses.
    fn precedence(self) -> u8 {
        match self {
            FramingKind::Blame => 0,
            FramingKind::External => 1,
            FramingKind::RootCause => 2,
            FramingKind::IndividualFix => 3,
        }
    }
}

/// The finer sort of phrase found; each belongs to one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pattern {
    WhoDid,
    WhyDidnt,
    ShouldHave,
    HumanError,
    Character,
    Omission,
    Fault,
    IfOnly,
    BadCall,
    Mistake,
    RootCause,
    /// "… end of story": closes the inquiry around a cause.
    Finality,
    Training,
    Vigilance,
    Reminder,
    Checklist,
    DontRepeat,
    /// "going forward", "next time": a prescription, which strengthens an individual fix.
    Prescriptive,
    NothingWeCouldDo,
    NotOurs,
    /// A vendor or upstream failure named.
    Vendor,
    /// "closing", "no action needed".
    NoAction,
}

impl Pattern {
    const ALL: [Pattern; 22] = {
        use Pattern::*;
        [
            WhoDid,
            WhyDidnt,
            ShouldHave,
            HumanError,
            Character,
            Omission,
            Fault,
            IfOnly,
            BadCall,
            Mistake,
            RootCause,
            Finality,
            Training,
            Vigilance,
            Reminder,
            Checklist,
            DontRepeat,
            Prescriptive,
            NothingWeCouldDo,
            NotOurs,
            Vendor,
            NoAction,
        ]
    };

    pub fn kind(self) -> FramingKind {
        use Pattern::*;
        match self {
            WhoDid | WhyDidnt | ShouldHave | HumanError | Character | Omission | Fault | IfOnly
            | BadCall | Mistake => FramingKind::Blame,
            RootCause | Finality => FramingKind::RootCause,
            Training | Vigilance | Reminder | Checklist | DontRepeat | Prescriptive => {
                FramingKind::IndividualFix
            }
            NothingWeCouldDo | NotOurs | Vendor | NoAction => FramingKind::External,
        }
    }
}

/// What the author is shown: the phrase that was found and a systemic question to ask instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nudge {
    pub kind: FramingKind,
    pub pattern: Pattern,
    /// The words found, as they appear in the text (for the message "You wrote “…”").
    pub found: String,
    /// A systemic question to ask instead.
    pub reframing: String,
}

/// What the agenda knows about an incident when it picks its standing questions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncidentFacts {
    pub is_recurrence: bool,
    pub has_vendor: bool,
    pub deploy_related: bool,
}

/// Every framing phrase in `text`, in reading order, at most one Nudge per pattern.
pub fn detect(text: &str) -> Vec<Nudge> {
    Analysis::of(text).nudges(text)
}

/// The systemic question for the first framing in `text`, for the agenda; None when the
/// text carries none. "Who deployed this?" → the article's question about information.
pub fn reframe(text: &str) -> Option<String> {
    detect(text).into_iter().next().map(|nudge| nudge.reframing)
}

/// The main framing of a sentence (the best-scoring kind), or None.
pub fn classify(sentence: &str) -> Option<FramingKind> {
    Analysis::of(sentence).main_kind()
}

/// Whether an action item's title asks people to try harder rather than changing the system.
pub fn is_individual_fix(title: &str) -> bool {
    detect(title)
        .iter()
        .any(|nudge| nudge.kind == FramingKind::IndividualFix)
}

/// Two or three of the article's standing questions for the room, the ones that fit the
/// incident first, so the agenda asks them even when nobody wrote anything that reads as blame.
pub fn standing_questions(facts: IncidentFacts) -> Vec<&'static str> {
    let specific = [
        (facts.is_recurrence, STANDING_RECURRENCE),
        (facts.has_vendor, STANDING_EXTERNAL),
        (facts.deploy_related, STANDING_DEPLOY),
    ];
    let mut chosen: Vec<&'static str> = specific
        .iter()
        .filter(|(applies, _)| *applies)
        .map(|(_, question)| *question)
        .collect();
    for generic in [STANDING_CONDITIONS, STANDING_JOINT] {
        if chosen.len() < 2 {
            chosen.push(generic);
        }
    }
    chosen.truncate(3);
    chosen
}

/// Every cue's phrase compiled once, indexed by the words it can start with so that most
/// cues are never tried at a token that cannot begin them.
struct Compiled {
    cues: Vec<(&'static Cue, Phrase)>,
    /// Per first word, the cues to try there in lexicon order: those that start with the
    /// word and those that can start anywhere, merged once here rather than per token.
    by_first_word: HashMap<String, Vec<usize>, words::FastHash>,
    /// The cues that can start at any word, for words no cue starts with.
    anywhere: Vec<usize>,
}

impl Compiled {
    fn get() -> &'static Compiled {
        static COMPILED: OnceLock<Compiled> = OnceLock::new();
        COMPILED.get_or_init(Compiled::build)
    }

    fn build() -> Compiled {
        let cues: Vec<_> = CUES
            .iter()
            .filter_map(|cue| Phrase::compile(cue.phrase).map(|phrase| (cue, phrase)))
            .collect();
        let mut by_first_word: HashMap<String, Vec<usize>, words::FastHash> = HashMap::default();
        let mut anywhere = Vec::new();
        for (n, (_, phrase)) in cues.iter().enumerate() {
            match phrase.first_words() {
                Some(words) => words
                    .into_iter()
                    .for_each(|w| by_first_word.entry(w).or_default().push(n)),
                None => anywhere.push(n),
            }
        }
        for list in by_first_word.values_mut() {
            list.extend(&anywhere);
            list.sort_unstable();
            list.dedup();
        }
        Compiled {
            cues,
            by_first_word,
            anywhere,
        }
    }

    /// The cues worth trying at a token, in lexicon order.
    fn candidates(&self, word: &str) -> &[usize] {
        self.by_first_word
            .get(word)
            .map_or(&self.anywhere, |list| list.as_slice())
    }
}

/// One cue matched at one place, with the points its context left it.
struct Hit {
    cue: &'static Cue,
    start: usize,
    end: usize,
    points: i32,
    sentence: usize,
}

impl Hit {
    fn kind(&self) -> FramingKind {
        self.cue.pattern.kind()
    }
}

struct Analysis {
    tokens: Vec<Token>,
    hits: Vec<Hit>,
    /// Per sentence, the points of each kind present in it (0 when below the threshold).
    scores: Vec<[i32; 4]>,
}

impl Analysis {
    fn of(text: &str) -> Analysis {
        let tokens::Tokens { list, questions } = tokens::tokenize(text);
        let rejected = context::rejected_sentences(&list, &questions);
        let hits = find_hits(&list, &rejected);
        let scores = sentence_scores(&hits, questions.len());
        Analysis {
            tokens: list,
            hits,
            scores,
        }
    }

    fn score(&self, hit: &Hit) -> i32 {
        self.scores[hit.sentence][hit.kind() as usize]
    }

    fn main_kind(&self) -> Option<FramingKind> {
        self.scores
            .iter()
            .flat_map(|scores| FramingKind::ALL.map(|kind| (scores[kind as usize], kind)))
            .filter(|(points, _)| *points > 0)
            .max_by_key(|(points, kind)| (*points, std::cmp::Reverse(kind.precedence())))
            .map(|(_, kind)| kind)
    }

    fn nudges(&self, text: &str) -> Vec<Nudge> {
        let candidates = self.candidates();
        // A phrase two kinds claim ("their fault") belongs to the kind that scored higher.
        let rank = |h: &Hit| (self.score(h), std::cmp::Reverse(h.kind().precedence()));
        let mut kept: Vec<&Hit> = candidates
            .iter()
            .filter(|h| {
                !candidates.iter().any(|o| {
                    o.kind() != h.kind() && o.start < h.end && h.start < o.end && rank(o) > rank(h)
                })
            })
            .copied()
            .collect();
        // Hits were found start by start, so a stable sort keeps cue order within a start.
        kept.sort_by_key(|h| h.start);
        let mut nudges: Vec<Nudge> = Vec::new();
        for hit in kept {
            if nudges.iter().any(|n| n.pattern == hit.cue.pattern) {
                continue;
            }
            nudges.push(self.nudge(text, hit));
        }
        nudges
    }

    /// The hits of every kind present in their sentence; supporting evidence stands in
    /// only when a kind has nothing stronger to quote.
    fn candidates(&self) -> Vec<&Hit> {
        let mut chosen = Vec::new();
        for (s, scores) in self.scores.iter().enumerate() {
            for kind in FramingKind::ALL
                .into_iter()
                .filter(|k| scores[*k as usize] > 0)
            {
                let of_kind = || {
                    self.hits
                        .iter()
                        .filter(move |h| h.sentence == s && h.kind() == kind)
                };
                let before = chosen.len();
                chosen.extend(of_kind().filter(|h| !h.cue.support));
                if chosen.len() == before {
                    chosen.extend(of_kind().max_by_key(|h| h.points));
                }
            }
        }
        chosen
    }

    fn nudge(&self, text: &str, hit: &Hit) -> Nudge {
        let found = text
            .get(self.tokens[hit.start].start..self.tokens[hit.end - 1].end)
            .unwrap_or_default();
        Nudge {
            kind: hit.kind(),
            pattern: hit.cue.pattern,
            found: found.to_string(),
            reframing: questions::reframing(hit.cue.pattern, &self.tokens, hit.start).to_string(),
        }
    }
}

/// Every cue that matches somewhere and keeps points in its context, start by start.
fn find_hits(tokens: &[Token], rejected: &[bool]) -> Vec<Hit> {
    let compiled = Compiled::get();
    let mut hits = Vec::new();
    for (start, token) in tokens.iter().enumerate() {
        if rejected[token.sentence] {
            continue;
        }
        for &n in compiled.candidates(&token.word) {
            let (cue, phrase) = &compiled.cues[n];
            let Some(end) = phrase.find(tokens, start).filter(|&end| end > start) else {
                continue;
            };
            let points = context::points(cue, tokens, start, end);
            if points > 0 {
                let sentence = token.sentence;
                hits.push(Hit {
                    cue,
                    start,
                    end,
                    points,
                    sentence,
                });
            }
        }
    }
    hits
}

/// Points per kind per sentence: each pattern counts once, with its best match; supporting
/// evidence also counts from the sentences either side ("Mailgun outage. Not actionable.").
/// A kind needs a match of its own in the sentence and `THRESHOLD` points to be present.
fn sentence_scores(hits: &[Hit], sentences: usize) -> Vec<[i32; 4]> {
    let width = Pattern::ALL.len();
    let mut own = vec![0; sentences * width];
    let mut near = vec![0; sentences * width];
    for hit in hits {
        let p = hit.cue.pattern as usize;
        let cell = &mut own[hit.sentence * width + p];
        *cell = (*cell).max(hit.points);
        if hit.cue.support {
            let neighbours = [hit.sentence.checked_sub(1), Some(hit.sentence + 1)];
            for s in neighbours.into_iter().flatten().filter(|&s| s < sentences) {
                let cell = &mut near[s * width + p];
                *cell = (*cell).max(hit.points);
            }
        }
    }
    (0..sentences)
        .map(|s| {
            let mut points = [0; 4];
            let mut present = [false; 4];
            for pattern in Pattern::ALL {
                let (k, cell) = (pattern.kind() as usize, s * width + pattern as usize);
                points[k] += own[cell].max(near[cell]);
                present[k] |= own[cell] > 0;
            }
            for k in 0..4 {
                if !present[k] || points[k] < THRESHOLD {
                    points[k] = 0;
                }
            }
            points
        })
        .collect()
}
