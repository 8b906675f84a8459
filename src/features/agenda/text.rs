//! Purpose: the text side of theme clustering: Slack markup removed, words folded,
//! stop words dropped and a light stemmer, so that "caches", "caching" and "cached" meet.
//! Pure and deterministic.

use std::borrow::Cow;

/// Normalised tokens of a text (lowercase, ASCII-folded where trivial, stop words removed, stemmed); exposed for tests and for the agenda's keyword use.
pub fn tokens(text: &str) -> Vec<String> {
    words(text).into_iter().map(|word| word.stem).collect()
}

/// A content word: its stem (what similarity is computed on) and the lowercase form it had
/// in the text (what labels show, since stems such as "pag" or "cach" read badly).
#[derive(Debug)]
pub(super) struct Word {
    pub(super) surface: String,
    pub(super) stem: String,
}

pub(super) fn words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    for_each_raw_word(&strip_markup(text), |raw| words.extend(content_word(raw)));
    words
}

fn content_word(raw: &str) -> Option<Word> {
    let surface = drop_contraction(raw)?;
    let numeric = surface.chars().all(|c| c.is_numeric() || c == '.');
    if surface.chars().count() < 2 || numeric || is_stop_word(surface) {
        return None;
    }
    let stem = stem(surface);
    // Checked again on the stem so inflections of stop words ("getting", "things") go too.
    (!is_stop_word(&stem)).then(|| Word {
        surface: surface.to_owned(),
        stem,
    })
}

/// "team's" -> "team", "we're" -> "we"; negations ("didn't") are dropped like "not" is.
fn drop_contraction(raw: &str) -> Option<&str> {
    match raw.split_once('\'') {
        Some((_, "t")) => None,
        Some((head, _)) => Some(head),
        None => Some(raw),
    }
}

/// Removes Slack markup: mentions (`<@U123>`, `<!here>`) go, links keep their text only.
/// A `<` that does not open markup (e.g. "p99 < 200ms" typed in a modal) is kept as text.
fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('>')
            .and_then(|close| markup_text(&after[..close]).map(|t| (close, t)))
        {
            Some((close, label)) => {
                out.push(' ');
                out.push_str(label);
                out.push(' ');
                rest = &after[close + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // Slack escapes these three; left alone, "&amp;" would become the token "amp".
    if out.contains('&') {
        out = out
            .replace("&amp;", " ")
            .replace("&lt;", " ")
            .replace("&gt;", " ");
    }
    out
}

/// The visible text of one `<...>` markup element, or `None` if it is not markup.
fn markup_text(inner: &str) -> Option<&str> {
    let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
    let is_markup = !target.is_empty()
        && !target.contains(char::is_whitespace)
        && (target.starts_with(['@', '!', '#']) || target.contains(':'));
    match target.chars().next() {
        _ if !is_markup => None,
        Some('@' | '!') => Some(""),
        _ => Some(label),
    }
}

/// Calls `f` with each lowercase, folded word; bare URLs are skipped. Apostrophes stay inside
/// words (for `drop_contraction`), and a dot stays between digits so "1.5s" is one token.
fn for_each_raw_word(text: &str, mut f: impl FnMut(&str)) {
    // One reused buffer: a fresh string per raw word was a large share of the run time.
    let mut word = String::new();
    for chunk in text.split_whitespace().filter(|chunk| !is_url(chunk)) {
        let mut chars = chunk
            .chars()
            .flat_map(char::to_lowercase)
            .map(fold)
            .peekable();
        let mut previous = None;
        while let Some(c) = chars.next() {
            if is_word_char(previous, c, chars.peek().copied()) {
                word.push(c);
            } else if !word.is_empty() {
                f(&word);
                word.clear();
            }
            previous = Some(c);
        }
        if !word.is_empty() {
            f(&word);
            word.clear();
        }
    }
}

fn is_url(chunk: &str) -> bool {
    let chunk = chunk.trim_start_matches(|c: char| !c.is_alphanumeric());
    ["http://", "https://", "www."]
        .iter()
        .any(|p| chunk.starts_with(p))
}

fn is_word_char(previous: Option<char>, c: char, next: Option<char>) -> bool {
    let between = |class: fn(&char) -> bool| {
        previous.as_ref().is_some_and(class) && next.as_ref().is_some_and(class)
    };
    match c {
        '\'' => between(|c| c.is_alphanumeric()),
        '.' => between(char::is_ascii_digit),
        c => c.is_alphanumeric(),
    }
}

/// Folds the accented Latin-1 letters and typographic apostrophes that English text picks up
/// ("café", "don’t"); anything else is left as typed.
fn fold(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        '\u{2018}' | '\u{2019}' | '\u{02bc}' => '\'',
        c => c,
    }
}

/// Function words and survey filler that say nothing about a theme. Sorted for binary search.
#[rustfmt::skip]
pub(super) const STOP_WORDS: &[&str] = &[
    "about", "after", "again", "all", "also", "am", "an", "and", "any", "anyone", "are", "as",
    "at", "be", "because", "been", "before", "being", "but", "by", "can", "could", "did", "do",
    "does", "doing", "done", "during", "each", "even", "everyone", "for", "from", "get", "go",
    "going", "got", "had", "has", "have", "having", "he", "her", "here", "him", "his", "how",
    "if", "in", "instead", "into", "is", "it", "its", "just", "let", "like", "lot", "made",
    "make", "makes", "many", "may", "maybe", "me", "might", "more", "most", "much", "must", "my",
    "need", "no", "nobody", "not", "now", "of", "off", "on", "one", "only", "or", "other", "our",
    "out", "over", "per", "quite", "really", "same", "she", "should", "since", "so", "some",
    "someone", "something", "still", "such", "take", "taken", "takes", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "thing", "think", "this", "those",
    "though", "through", "to", "too", "took", "under", "until", "up", "us", "use", "used",
    "using", "very", "via", "was", "way", "we", "well", "were", "what", "when", "where", "which",
    "while", "who", "why", "will", "with", "would", "yes", "yet", "you", "your",
];

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// A light suffix stripper, enough to bring plurals and verb forms of the same word together:
/// "caches", "caching", "cached" and "cache" all become "cach"; "pages", "paging", "paged"
/// become "pag"; "deployments" becomes "deploy"; "rotation" and "rotated" become "rotat".
///
/// Limits: no dictionary, so irregular forms stay apart ("ran"/"run"), some derivations do not
/// meet their base ("configuration" -> "configurat", "configure" -> "configur"; "failure" ->
/// "failur", "fail"), "-er"/"-ize"/"-ise" are left alone, words ending in "-as" lose their "s"
/// ("alias" -> "alia"), and only ASCII words of four letters or more are touched. Stems are not
/// shown to people: labels use the commonest original spelling.
fn stem(word: &str) -> String {
    if word.len() <= 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_owned();
    }
    let singular = strip_plural(word);
    let (base, ending) = strip_ending(&singular);
    let mut stem = [base, ending].concat();
    // A final "e" is dropped everywhere, so "page" meets "paging" without restoring an "e".
    if stem.len() > 3 && stem.ends_with('e') {
        stem.pop();
    }
    stem
}

fn strip_plural(word: &str) -> Cow<'_, str> {
    if let Some(base) = word.strip_suffix("ies")
        && base.len() > 1
    {
        return Cow::Owned(format!("{base}y"));
    }
    if ["sses", "xes", "ches", "shes", "zzes"]
        .iter()
        .any(|s| word.ends_with(s))
    {
        return Cow::Borrowed(&word[..word.len() - 2]);
    }
    if ["ss", "us", "is"].iter().any(|s| word.ends_with(s)) {
        return Cow::Borrowed(word);
    }
    Cow::Borrowed(word.strip_suffix('s').unwrap_or(word))
}

/// Strips at most one derivational or inflectional ending, returning what is kept and what
/// to append ("rotation" -> "rot" + "ate"). Each rule keeps a minimum stem length so short
/// words ("comment", "early", "need") are not mangled.
fn strip_ending(word: &str) -> (&str, &'static str) {
    if let Some(base) = word.strip_suffix("ation")
        && base.len() >= 3
    {
        return (base, "ate");
    }
    for (suffix, min) in [("ment", 4), ("ness", 3), ("ly", 4)] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= min
        {
            return (base, "");
        }
    }
    if let Some(base) = word.strip_suffix("ied")
        && base.len() >= 2
    {
        return (base, "y");
    }
    if word.ends_with("eed") {
        return (word, "");
    }
    for suffix in ["ing", "ed"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 3
            && base.contains(['a', 'e', 'i', 'o', 'u', 'y'])
        {
            return (undouble(base), "");
        }
    }
    (word, "")
}

/// "running" -> "run", "stopped" -> "stop"; but "called", "missed", "staffed" keep the pair,
/// because their base word ends in it too.
fn undouble(base: &str) -> &str {
    let bytes = base.as_bytes();
    let last = bytes[bytes.len() - 1];
    let doubled = bytes[bytes.len() - 2] == last;
    if doubled && !b"aeioulsfz".contains(&last) {
        return &base[..base.len() - 1];
    }
    base
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn tokens_are_lowercased_stemmed_and_free_of_stop_words() {
        assert_eq!(tokens("The Caches were PAGING us!"), ["cach", "pag"]);
        assert_eq!(
            tokens("We didn't know the team's alerts"),
            ["know", "team", "alert"]
        );
        assert!(tokens("it was what it was, and that is that").is_empty());
    }

    #[test]
    fn tokens_keep_numbers_with_units_and_drop_bare_numbers() {
        let text = "TTL of 24h, p99 at 500ms, 1.5s spikes in 2024";
        assert_eq!(tokens(text), ["ttl", "24h", "p99", "500ms", "1.5s", "spik"]);
    }

    #[test]
    fn tokens_ignore_slack_mentions_and_keep_link_text() {
        let text = "<@U024BE7LH> see <https://wiki.example.com/x|the failover runbook> \
                    and <https://grafana.example.com/d/1> in <#C01|incident-42> <!here>";
        assert_eq!(tokens(text), ["see", "failover", "runbook", "incident"]);
        assert_eq!(
            tokens("latency < 200ms and > 100ms"),
            ["latency", "200ms", "100ms"]
        );
        assert_eq!(
            tokens("read https://example.com/runbook first"),
            ["read", "first"]
        );
        assert_eq!(tokens("alerts &amp; pages"), ["alert", "pag"]);
    }

    #[test]
    fn tokens_fold_accents_and_typographic_apostrophes() {
        assert_eq!(tokens("Café outage in Zürich"), ["caf", "outag", "zurich"]);
        assert_eq!(
            tokens("We didn’t see the team’s pager"),
            ["see", "team", "pager"]
        );
    }

    #[test]
    fn stemmer_brings_inflections_of_a_word_together() {
        let groups: &[&[&str]] = &[
            &["cache", "caches", "caching", "cached"],
            &["page", "pages", "paging", "paged"],
            &[
                "deploy",
                "deploys",
                "deploying",
                "deployed",
                "deployment",
                "deployments",
            ],
            &["route", "routes", "routing", "routed"],
            &["rotate", "rotation", "rotations", "rotating", "rotated"],
            &["query", "queries", "queried"],
            &["run", "running"],
            &["ttl", "ttls"],
        ];
        for group in groups {
            let stems: BTreeSet<String> = group.iter().map(|w| stem(w)).collect();
            assert_eq!(stems.len(), 1, "{group:?} -> {stems:?}");
        }
        for kept in ["status", "analysis", "process", "comment", "string"] {
            assert_eq!(stem(kept), kept);
        }
        // Only doubled letters that base words do not end in are undoubled.
        assert_eq!(stem("called"), "call");
        assert_eq!(stem("stopped"), "stop");
        assert_eq!(stem("processes"), "process");
        assert_eq!(stem("understaffed"), "understaff");
    }

    #[test]
    fn stop_words_are_sorted_and_unique() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }
}
