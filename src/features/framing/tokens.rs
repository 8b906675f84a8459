//! Text → normalised word tokens that remember their bytes, clause and sentence.
//!
//! Normalising here (lowercase, one apostrophe, contractions split, "judgement" spelled one
//! way) lets every phrase in the lexicon be written once, in one spelling.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Gap {
    Space,
    Clause,
    Sentence,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    /// Lowercase, apostrophes written as ', contractions split ("didn't" → "did", "not").
    pub(super) word: String,
    pub(super) start: usize,
    pub(super) end: usize,
    /// What separates this token from the previous one.
    pub(super) gap: Gap,
    /// A colon, equals sign or dash stands just before it ("Root cause: …").
    pub(super) label: bool,
    /// Shaped like a personal name ("Bob", not "CI" or "PagerDuty").
    pub(super) name_like: bool,
    /// Hyphenated to the previous word ("force-pushed").
    pub(super) joined: bool,
    /// A Slack mention, `<@U123>`.
    pub(super) mention: bool,
    /// A pronoun, role, mention or name (see `words::names_a_person`).
    pub(super) person: bool,
    /// Where a person named from this token on ends ("the release manager" spans three
    /// tokens), or None. Worked out once per token: every phrase starting with `$person`
    /// asks at every token, and asking afresh was a third of the framing check's cost.
    pub(super) person_end: Option<usize>,
    /// Inside quotation marks or reported speech: someone else's words, not the author's.
    pub(super) quoted: bool,
    pub(super) sentence: usize,
}

pub(super) struct Tokens {
    pub(super) list: Vec<Token>,
    /// One entry per sentence: did it end with a question mark?
    pub(super) questions: Vec<bool>,
}

pub(super) fn tokenize(text: &str) -> Tokens {
    let mut scan = Scan::default();
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        if is_word_char(c) {
            let end = word_end(text, at);
            scan.word(text, at, end);
            at = end;
        } else {
            scan.mark(text, at, c);
            at += c.len_utf8();
        }
    }
    scan.finish()
}

/// The state carried between characters while scanning.
struct Scan {
    list: Vec<Token>,
    questions: Vec<bool>,
    gap: Gap,
    label: bool,
    question: bool,
    quote_marks: Vec<(usize, char)>,
}

impl Default for Scan {
    fn default() -> Self {
        Scan {
            list: Vec::new(),
            questions: Vec::new(),
            gap: Gap::Sentence,
            label: false,
            question: false,
            quote_marks: Vec::new(),
        }
    }
}

impl Scan {
    fn mark(&mut self, text: &str, at: usize, c: char) {
        // "->" and "→" introduce what follows the way a colon does ("root cause -> the cron"),
        // and so does a hyphen standing alone between spaces ("root cause - stale state").
        let arrow = c == '→' || c == '>' && text[..at].ends_with('-');
        let spaced_dash = c == '-'
            && text[..at].ends_with(char::is_whitespace)
            && text[at + 1..].starts_with(char::is_whitespace);
        let gap = if arrow || spaced_dash {
            Gap::Clause
        } else {
            gap_of(text, at, c)
        };
        self.gap = self.gap.max(gap);
        self.label |=
            (arrow || spaced_dash || matches!(c, ':' | '=' | '—' | '–')) && self.gap > Gap::Space;
        self.question |= c == '?';
        if is_quote(c) {
            self.quote_marks.push((at, c));
        }
    }

    fn word(&mut self, text: &str, start: usize, end: usize) {
        if self.gap == Gap::Sentence && !self.list.is_empty() {
            self.questions.push(self.question);
        }
        let sentence = self.questions.len();
        let mention = text[..start].ends_with("<@");
        let joined = text[..start]
            .strip_suffix('-')
            .is_some_and(|before| before.chars().next_back().is_some_and(is_word_char));
        for (from, to, word) in pieces(&text[start..end]) {
            let raw = &text[start + from..start + to];
            self.list.push(Token {
                word,
                start: start + from,
                end: start + to,
                gap: if from == 0 { self.gap } else { Gap::Space },
                label: from == 0 && self.label,
                name_like: from == 0 && title_case(raw),
                joined: from == 0 && joined,
                mention,
                person: false,
                person_end: None,
                quoted: false,
                sentence,
            });
        }
        self.gap = Gap::Space;
        self.label = false;
        self.question = false;
    }

    fn finish(mut self) -> Tokens {
        if !self.list.is_empty() {
            self.questions.push(self.question);
        }
        for (open, close) in quote_regions(&self.quote_marks) {
            for token in self.list.iter_mut() {
                token.quoted |= (open..close).contains(&token.start);
            }
        }
        mark_reported_speech(&mut self.list);
        for token in self.list.iter_mut() {
            token.person = super::words::names_a_person(token);
        }
        // After `person`, which it reads.
        for i in 0..self.list.len() {
            self.list[i].person_end = super::words::person(&self.list, i);
        }
        Tokens {
            list: self.list,
            questions: self.questions,
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ')
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '\'' | '‘' | '’' | '`')
}

/// A full stop or colon between two word characters ("v2.14", "16:00") joins them.
fn gap_of(text: &str, at: usize, c: char) -> Gap {
    let before = text[..at].chars().next_back().is_some_and(is_word_char);
    let after = text[at + c.len_utf8()..]
        .chars()
        .next()
        .is_some_and(is_word_char);
    match c {
        '.' | ':' if before && after => Gap::Space,
        '.' | '!' | '?' | '\n' | '…' => Gap::Sentence,
        ',' | ';' | ':' | '(' | ')' | '[' | ']' | '—' | '–' | '=' => Gap::Clause,
        _ => Gap::Space,
    }
}

/// Apostrophes stay inside a word ("didn't", "Bob’s") and after a plural possessive
/// ("engineers' fault"); anywhere else they are quotation marks.
fn word_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for (i, c) in text[start..].char_indices().map(|(i, c)| (start + i, c)) {
        let next = text[i + c.len_utf8()..].chars().next();
        let inner = is_apostrophe(c) && next.is_some_and(is_word_char);
        let plural = is_apostrophe(c) && text[start..i].ends_with(['s', 'S']) && !inner;
        if !(is_word_char(c) || inner || plural) {
            break;
        }
        end = i + c.len_utf8();
        if plural {
            break;
        }
    }
    end
}

fn title_case(raw: &str) -> bool {
    let mut chars = raw.chars();
    chars.next().is_some_and(char::is_uppercase)
        && raw.chars().count() > 1
        && chars.all(char::is_lowercase)
}

fn normalise(raw: &str) -> String {
    // The common case, and the same result: ASCII's only apostrophe is already '.
    let word: String = if raw.is_ascii() {
        raw.to_ascii_lowercase()
    } else {
        raw.chars()
            .flat_map(char::to_lowercase)
            .map(|c| if is_apostrophe(c) { '\'' } else { c })
            .collect()
    };
    match word.as_str() {
        "judgement" => "judgment".into(),
        "judgements" => "judgments".into(),
        _ => word,
    }
}

/// Contractions without an apostrophe, as typed in chat ("didnt", "cant").
const BARE_NOT: [&str; 17] = [
    "didnt", "dont", "doesnt", "wasnt", "isnt", "werent", "arent", "shouldnt", "couldnt",
    "wouldnt", "hadnt", "hasnt", "havent", "mustnt", "cant", "wont", "aint",
];
const BARE_HAVE: [&str; 4] = ["shouldve", "couldve", "wouldve", "mustve"];

/// One raw word as one or two (start, end, normalised word) pieces, offsets within `raw`.
fn pieces(raw: &str) -> Vec<(usize, usize, String)> {
    let lower = normalise(raw);
    let Some((mid, second)) = split_point(raw, &lower) else {
        return vec![(0, raw.len(), lower)];
    };
    let first = match normalise(&raw[..mid]).as_str() {
        "ca" => "can".to_string(),
        "wo" => "will".to_string(),
        "sha" => "shall".to_string(),
        "ai" => "is".to_string(),
        stem => stem.to_string(),
    };
    vec![(0, mid, first), (mid, raw.len(), second.to_string())]
}

/// Where a contraction splits (a byte offset in `raw`) and what its second half means.
fn split_point(raw: &str, lower: &str) -> Option<(usize, &'static str)> {
    if lower == "cannot" {
        return Some((3, "not"));
    }
    if BARE_NOT.contains(&lower) {
        return Some((raw.len() - 2, "not"));
    }
    if BARE_HAVE.contains(&lower) {
        return Some((raw.len() - 2, "have"));
    }
    let (at, _) = raw.char_indices().rfind(|&(_, c)| is_apostrophe(c))?;
    let suffix = normalise(&raw[at..]);
    let second = match suffix.as_str() {
        "'t" if at > 1 && raw[..at].ends_with(['n', 'N']) => return Some((at - 1, "not")),
        "'ve" => "have",
        "'ll" => "will",
        "'re" => "are",
        "'m" => "am",
        "'d" => "had",
        "'s" | "'" => "'s",
        _ => return None,
    };
    (at > 0).then_some((at, second))
}

/// Pairs quotation marks; a mark left without its partner quotes nothing, so a stray
/// apostrophe cannot hide the rest of a message.
fn quote_regions(marks: &[(usize, char)]) -> Vec<(usize, usize)> {
    let family = |c: char| match c {
        '"' | '“' | '”' => 0,
        '`' => 2,
        _ => 1,
    };
    let mut regions = Vec::new();
    let mut open: Option<(usize, char)> = None;
    for &(at, c) in marks {
        match open {
            Some((from, o)) if family(o) == family(c) && !matches!(c, '“' | '‘') => {
                regions.push((from, at));
                open = None;
            }
            None if !matches!(c, '”') => open = Some((at, c)),
            _ => {}
        }
    }
    regions
}

/// Words after "says"/"said" (to the end of the sentence) or after "the term"/"calling it"
/// (to the end of the clause) report or name a phrase rather than use it.
fn mark_reported_speech(list: &mut [Token]) {
    for k in 0..list.len() {
        let word = list[k].word.as_str();
        let previous = k.checked_sub(1).map(|p| list[p].word.as_str());
        let next = list.get(k + 1).map(|t| t.word.as_str());
        let limit = match word {
            "say" | "says" | "said" | "saying" => Gap::Sentence,
            "term" | "phrase" | "word" | "label" if matches!(previous, Some("the" | "a")) => {
                Gap::Clause
            }
            "call" | "calling" | "called" if matches!(next, Some("it" | "this" | "that")) => {
                Gap::Clause
            }
            _ => continue,
        };
        for token in list[k + 1..].iter_mut().take_while(|t| t.gap < limit) {
            token.quoted = true;
        }
    }
}
