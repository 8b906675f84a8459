//! Purpose: notice wording that points at a person rather than at the system, and offer a
//! systemic question to ask instead. Pure and deterministic.
//!
//! Text is split into lowercase word tokens that remember their byte span, so a rule can
//! match a phrase over words while the nudge quotes the author's own spelling back to them.

/// One kind of blame language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlamePattern {
    WhoDid,
    WhyDidnt,
    ShouldHave,
    HumanError,
    Character,
    Omission,
    Fault,
    IfOnly,
}

/// What the author is shown: the phrase that was found and a systemic question to ask instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nudge {
    pub pattern: BlamePattern,
    /// The words found, as they appear in the text (for the message "You wrote “…”").
    pub found: String,
    /// A systemic reframing, a whole sentence ending in "?".
    pub reframing: String,
}

/// Every blame phrase in `text`, in order of appearance, at most one Nudge per pattern.
pub fn detect(text: &str) -> Vec<Nudge> {
    let tokens = tokenize(text);
    let mut nudges: Vec<Nudge> = Vec::new();
    // Scanning by start position, not rule by rule, is what keeps nudges in reading order.
    for start in 0..tokens.len() {
        for (pattern, rule) in RULES {
            if nudges.iter().any(|n| n.pattern == pattern) {
                continue;
            }
            if let Some(end) = rule(&tokens, start) {
                // Quoted from the original bytes so the author sees their own case and quotes.
                let found = &text[tokens[start].start..tokens[end - 1].end];
                nudges.push(Nudge {
                    pattern,
                    found: found.to_string(),
                    reframing: reframing(pattern, &tokens, start).to_string(),
                });
            }
        }
    }
    nudges
}

/// A systemic question for a blame-laden question or statement, for the agenda:
/// e.g. "Who deployed this?" → "What information was available to the person making this
/// decision, and would a reasonable engineer have acted differently given that same
/// information?"
/// Returns None when the text carries no blame.
pub fn reframe(text: &str) -> Option<String> {
    detect(text).into_iter().next().map(|nudge| nudge.reframing)
}

/// A rule looks for its phrase starting at a token and returns the index just past it.
type Rule = fn(&[Token], usize) -> Option<usize>;

const RULES: [(BlamePattern, Rule); 8] = [
    (BlamePattern::WhoDid, who_did),
    (BlamePattern::WhyDidnt, why_didnt),
    (BlamePattern::ShouldHave, should_have),
    (BlamePattern::HumanError, human_error),
    (BlamePattern::Character, character),
    (BlamePattern::Omission, omission),
    (BlamePattern::Fault, fault),
    (BlamePattern::IfOnly, if_only),
];

const WHO_DID: &str = "What information was available to the person making this decision, and \
                       would a reasonable engineer have acted differently given that same \
                       information?";
const WHY_REVIEW: &str =
    "What would code review have needed to look like for this class of issue to be detectable?";
const WHY_TESTS: &str =
    "What would our tests have needed to exercise for this failure to show up before release?";
const WHY_SIGNALS: &str =
    "What signal would have made this visible sooner, and whom would it have needed to reach?";
const WHY_GENERIC: &str = "What would have had to be in place for this to be caught earlier?";

const SHOULD_HAVE_Q: &str = "What made the action that was taken seem reasonable at the time, \
                             and what would have made the alternative the easy choice?";
const HUMAN_ERROR_Q: &str =
    "What about the system made this error easy to make and hard to notice?";
const CHARACTER_Q: &str =
    "What pressures, defaults or missing signals shaped how this work was done?";
const OMISSION_Q: &str = "What would have reminded anyone to do this step, and why was it manual?";
const FAULT_Q: &str =
    "Which conditions had to line up for this to happen, and which of them can we change?";
const IF_ONLY_Q: &str =
    "What would have had to be true for a different choice to be the obvious one?";

fn reframing(pattern: BlamePattern, tokens: &[Token], start: usize) -> &'static str {
    match pattern {
        BlamePattern::WhoDid => WHO_DID,
        BlamePattern::WhyDidnt => why_didnt_reframing(tokens, start),
        BlamePattern::ShouldHave => SHOULD_HAVE_Q,
        BlamePattern::HumanError => HUMAN_ERROR_Q,
        BlamePattern::Character => CHARACTER_Q,
        BlamePattern::Omission => OMISSION_Q,
        BlamePattern::Fault => FAULT_Q,
        BlamePattern::IfOnly => IF_ONLY_Q,
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
fn why_didnt_reframing(tokens: &[Token], start: usize) -> &'static str {
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

// ---- Tokens ----

/// What separates a token from the one before it; phrases never span a `Clause` or
/// `Sentence` gap, so "who. Deployed" or "should, have" are not phrases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    Space,
    Clause,
    Sentence,
}

#[derive(Debug)]
struct Token {
    /// Lowercase, with every apostrophe variant written as '.
    word: String,
    start: usize,
    end: usize,
    gap: Gap,
    /// Shaped like a personal name ("Bob", not "CI" or "PagerDuty").
    name_like: bool,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut gap = Gap::Sentence;
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        if is_word_char(c) {
            let end = word_end(text, at);
            tokens.push(token(text, at, end, gap));
            gap = Gap::Space;
            // `word_end` already read ahead; skip the characters it covered.
            while chars.next_if(|&(i, _)| i < end).is_some() {}
        } else {
            gap = gap.max(gap_after(c));
            chars.next();
        }
    }
    tokens
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ')
}

fn gap_after(c: char) -> Gap {
    match c {
        '.' | '!' | '?' | '\n' | '…' => Gap::Sentence,
        ',' | ';' | ':' | '(' | ')' | '[' | ']' | '"' | '“' | '”' | '—' | '–' => {
            Gap::Clause
        }
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
        if is_word_char(c) || inner || plural {
            end = i + c.len_utf8();
        } else {
            break;
        }
        if plural {
            break;
        }
    }
    end
}

fn token(text: &str, start: usize, end: usize, gap: Gap) -> Token {
    let raw = &text[start..end];
    let word = raw
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if is_apostrophe(c) { '\'' } else { c })
        .collect();
    // Title case alone, so acronyms ("CI") and product names ("PagerDuty") are not people.
    let mut chars = raw.chars();
    let name_like = chars.next().is_some_and(char::is_uppercase)
        && raw.chars().count() > 1
        && chars.all(char::is_lowercase);
    Token {
        word,
        start,
        end,
        gap,
        name_like,
    }
}

// ---- Phrase helpers ----

/// The word at `i` when it directly continues the previous one, with no punctuation between.
fn next_word(tokens: &[Token], i: usize) -> Option<&str> {
    tokens
        .get(i)
        .filter(|t| t.gap == Gap::Space)
        .map(|t| t.word.as_str())
}

/// Word lists are written as one space-separated string so the tables stay readable.
fn listed(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

fn continues_with(tokens: &[Token], i: usize, list: &str) -> bool {
    next_word(tokens, i).is_some_and(|w| listed(list, w))
}

/// The phrase's first word may follow any punctuation; the rest must follow directly.
fn phrase(tokens: &[Token], i: usize, words: &str) -> Option<usize> {
    let mut end = i;
    for (k, word) in words.split_whitespace().enumerate() {
        let token = tokens.get(i + k)?;
        if token.word != word || (k > 0 && token.gap != Gap::Space) {
            return None;
        }
        end = i + k + 1;
    }
    Some(end)
}

fn any_phrase(tokens: &[Token], i: usize, phrases: &[&str]) -> Option<usize> {
    phrases.iter().find_map(|words| phrase(tokens, i, words))
}

const NEGATORS: &str = "not never no nobody noone nothing none neither nor without dont didnt \
    doesnt wasnt isnt werent arent cant wont";

/// "Nobody was careless" and "it wasn't Bob's fault" push back against blame.
fn negated(tokens: &[Token], i: usize) -> bool {
    preceded_by(tokens, i, |w| listed(NEGATORS, w) || w.ends_with("n't"))
}

/// Looks up to three words back, within the same clause, for a word that changes the sense.
fn preceded_by(tokens: &[Token], i: usize, test: impl Fn(&str) -> bool) -> bool {
    let mut k = i;
    for _ in 0..3 {
        if k == 0 || tokens[k].gap != Gap::Space {
            return false;
        }
        k -= 1;
        if test(&tokens[k].word) {
            return true;
        }
    }
    false
}

// ---- People ----

const PERSON_WORDS: &str = "we you they he she i someone somebody anyone anybody nobody noone \
    everyone everybody ops him her them us me";
const DETERMINERS: &str = "the our your their that this";
const ROLE_NOUNS: &str = "engineer engineers developer developers dev devs reviewer reviewers team \
    operator operators author sre sres ops person owner approver admin admins intern";
/// Capitalised words that follow "why didn't" but name a tool or a thing, not a person.
const NOT_NAMES: &str = "the this that it there these those our my your its their any anything \
    something nothing kubernetes jenkins terraform postgres redis nginx docker github gitlab \
    slack datadog grafana prometheus sentry argo helm kafka linux chef puppet ansible consul \
    vault envoy istio mysql cloudflare heroku bazel dependabot renovate spinnaker nomad opsgenie \
    pagerduty splunk elasticsearch cassandra mongo airflow celery sidekiq rails django node java \
    python rust";

/// A person-ish subject starting at `i`: a pronoun, "no one", a role ("the on-call
/// engineer", "the team") or a capitalised name.
fn person(tokens: &[Token], i: usize) -> Option<usize> {
    let word = next_word(tokens, i)?;
    if listed(PERSON_WORDS, word) {
        return Some(i + 1);
    }
    if let Some(end) = phrase(tokens, i, "no one").or_else(|| role(tokens, i)) {
        return Some(end);
    }
    (tokens[i].name_like && !listed(NOT_NAMES, word)).then_some(i + 1)
}

fn role(tokens: &[Token], i: usize) -> Option<usize> {
    let i = if continues_with(tokens, i, DETERMINERS) {
        i + 1
    } else {
        i
    };
    // "On-call" arrives as two tokens because hyphens only separate words.
    let on_call = if continues_with(tokens, i, "oncall") {
        Some(i + 1)
    } else {
        phrase(tokens, i, "on call").filter(|_| tokens[i].gap == Gap::Space)
    };
    match on_call {
        Some(end) if continues_with(tokens, end, ROLE_NOUNS) => Some(end + 1),
        Some(end) => Some(end),
        None => continues_with(tokens, i, ROLE_NOUNS).then_some(i + 1),
    }
}

// ---- Rules ----

const CULPRIT_VERBS: &str = "deployed pushed merged approved broke wrote shipped committed caused \
    reviewed";
/// Words before "who" that make it a relative clause ("the engineer who deployed it
/// followed the runbook") or a dismissal ("no matter who merged it"), not a hunt.
const NOT_A_HUNT: &str = "person people engineer engineers developer developers dev devs one ones \
    someone somebody anyone anybody everyone everybody those reviewer operator teammate colleague \
    folks team call oncall of about matter matters mattered";

fn who_did(tokens: &[Token], i: usize) -> Option<usize> {
    if !listed("who who's", &tokens[i].word) {
        return None;
    }
    let responsible = [
        "who is responsible",
        "who was responsible",
        "who's responsible",
    ];
    // A comma still allows "the engineers, who deployed it, …" to read as a relative clause.
    let follows_person =
        i > 0 && tokens[i].gap <= Gap::Clause && listed(NOT_A_HUNT, &tokens[i - 1].word);
    if follows_person {
        return None;
    }
    if let Some(end) = any_phrase(tokens, i, &responsible) {
        return Some(end);
    }
    // "Who even approved this?" is the same hunt with an intensifier.
    let adverb = continues_with(tokens, i + 1, "actually even just originally");
    let verb = if adverb { i + 2 } else { i + 1 };
    (tokens[i].word == "who" && continues_with(tokens, verb, CULPRIT_VERBS)).then_some(verb + 1)
}

const NEGATED_AUX: &str = "didn't didnt wasn't wasnt weren't werent couldn't couldnt wouldn't \
    wouldnt hadn't hadnt";
const AUX: &str = "did was were could would had";

/// "Why didn't we…", "why did not Bob…" and "why did the team not…" count; asking why a
/// system did not act ("why did the alert not fire") is the question we want.
fn why_didnt(tokens: &[Token], i: usize) -> Option<usize> {
    if tokens[i].word != "why" {
        return None;
    }
    let aux = next_word(tokens, i + 1)?;
    // The subject may sit after the negation ("why didn't we") or before it ("why did we not").
    if listed(NEGATED_AUX, aux) {
        return person(tokens, i + 2);
    }
    if !listed(AUX, aux) {
        return None;
    }
    if continues_with(tokens, i + 2, "not") {
        return person(tokens, i + 3);
    }
    let end = person(tokens, i + 2)?;
    continues_with(tokens, end, "not").then_some(end + 1)
}

const SHOULD_HAVE: &[&str] = &[
    "should have",
    "should not have",
    "shouldn't have",
    "shouldnt have",
    "ought to have",
];
/// "We should have a canary" is a wish for the future, not a verdict on the past; a
/// determiner or "to" after "have" marks that sense.
const POSSESSION_MARKERS: &str = "a an the some any more fewer less better no one two our their \
    its this that these those enough to";

fn should_have(tokens: &[Token], i: usize) -> Option<usize> {
    if matches!(tokens[i].word.as_str(), "should've" | "shouldve") {
        return Some(i + 1);
    }
    // "Should of" is a common spelling of "should've"; "should, of course," is not.
    if let Some(end) = phrase(tokens, i, "should of") {
        return (!continues_with(tokens, end, "course")).then_some(end);
    }
    let end = any_phrase(tokens, i, SHOULD_HAVE)?;
    (!continues_with(tokens, end, POSSESSION_MARKERS)).then_some(end)
}

const HUMAN_ERROR: &[&str] = &[
    "human error",
    "human errors",
    "operator error",
    "user error",
    "pilot error",
];
/// "A user error message" or "the user error rate" is an HTTP status, not a verdict.
const ERROR_COMPOUNDS: &str = "message messages code codes rate rates response responses page \
    pages handling handler type types count metric metrics budget log logs";

/// Designing against human error ("removes the risk of human error") is the systemic
/// view we want, so these words just before the phrase clear it.
const MITIGATIONS: &str = "reduce reduces reduced prevent prevents avoid avoids eliminate \
    eliminates minimise minimize risk chance room against";

fn human_error(tokens: &[Token], i: usize) -> Option<usize> {
    let end = any_phrase(tokens, i, HUMAN_ERROR)?;
    let technical = continues_with(tokens, end, ERROR_COMPOUNDS);
    let mitigated = preceded_by(tokens, i, |w| listed(MITIGATIONS, w));
    (!technical && !mitigated && !negated(tokens, i)).then_some(end)
}

const CHARACTER_WORDS: &str = "careless carelessly carelessness sloppy sloppily sloppiness \
    negligent negligently negligence lazy laziness incompetent incompetence reckless recklessly";
/// Engineering terms that borrow these words: lazy loading, lazy_static, sloppy quorums.
const TECHNICAL_NOUNS: &str = "loading load loaded loader evaluation init initialization \
    initialisation static quorum quorums iterator iterators sequence val property import imports \
    deletion binding mode";

fn character(tokens: &[Token], i: usize) -> Option<usize> {
    let word = tokens[i].word.as_str();
    let blames = listed(CHARACTER_WORDS, word)
        && !continues_with(tokens, i + 1, TECHNICAL_NOUNS)
        && !negated(tokens, i);
    blames.then_some(i + 1)
}

const OMISSIONS: &[&str] = &[
    "forgot to",
    "forgotten to",
    "neglected to",
    "didn't bother",
    "didnt bother",
    "didn't even bother",
    "did not bother",
    "never bothered",
];
/// Only verbs of diligence make "failed to" an accusation; "the health check failed to
/// detect the stale cache" describes a system.
const DILIGENCE_VERBS: &str = "check test follow verify review validate confirm notice read double";

fn omission(tokens: &[Token], i: usize) -> Option<usize> {
    if let Some(end) = any_phrase(tokens, i, OMISSIONS) {
        return Some(end);
    }
    let end = phrase(tokens, i, "failed to")?;
    continues_with(tokens, end, DILIGENCE_VERBS).then_some(end + 1)
}

const BLAME_PHRASES: &[&str] = &[
    "to blame",
    "blame on",
    "blamed on",
    "blame it on",
    "blamed it on",
];
const POSSESSIVE_PRONOUNS: &str = "his her their my your our whose";
/// "It's fault tolerant" and "nobody's fault" end in 's without blaming anyone.
const NOT_OWNERS: &str = "it's that's what's there's here's nobody's noone's anyone's anybody's";
const FAULT_COMPOUNDS: &str = "injection injections tolerance tolerant domain domains isolation \
    detection line lines code codes handler handling model tree zone";

fn fault(tokens: &[Token], i: usize) -> Option<usize> {
    let end = possessive_fault(tokens, i)
        .or_else(|| phrase(tokens, i, "fault of").and_then(|end| person(tokens, end)))
        .or_else(|| any_phrase(tokens, i, BLAME_PHRASES))?;
    (!negated(tokens, i)).then_some(end)
}

fn possessive_fault(tokens: &[Token], i: usize) -> Option<usize> {
    let owner = tokens[i].word.as_str();
    let possessive = owner.ends_with("'s") || owner.ends_with("s'");
    // Plural possessives ("the engineers' fault") keep their trailing apostrophe as a token.
    let is_owner = listed(POSSESSIVE_PRONOUNS, owner) || possessive && !listed(NOT_OWNERS, owner);
    let blames = is_owner
        && continues_with(tokens, i + 1, "fault")
        && !continues_with(tokens, i + 2, FAULT_COMPOUNDS);
    blames.then_some(i + 2)
}

/// "If only we had…" and "if only Bob had…" aim the counterfactual at a person; "if only
/// the cache had a TTL" aims it at the system and passes.
fn if_only(tokens: &[Token], i: usize) -> Option<usize> {
    let after = phrase(tokens, i, "if only")?;
    let contracted = next_word(tokens, after)
        .and_then(|w| w.strip_suffix("'d"))
        .is_some_and(|who| listed(PERSON_WORDS, who));
    if contracted {
        return Some(after + 1);
    }
    let subject_end = person(tokens, after)?;
    // Allow a couple of words between subject and verb: "if only the on-call engineer had".
    (subject_end..subject_end + 3)
        .map_while(|k| next_word(tokens, k).map(|w| (k, w)))
        .find(|(_, w)| matches!(*w, "had" | "hadn't" | "hadnt"))
        .map(|(k, _)| k + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use BlamePattern::*;

    const ARTICLE_WHO: &str = "What information was available to the person making this \
                               decision, and would a reasonable engineer have acted \
                               differently given that same information?";
    const ARTICLE_REVIEW: &str = "What would code review have needed to look like for this class \
                                  of issue to be detectable?";

    /// Each text with the first pattern `detect` should report, or None for text that
    /// must pass without a nudge.
    const CASES: &[(&str, Option<BlamePattern>)] = &[
        ("Who deployed this?", Some(WhoDid)),
        ("who pushed the config change", Some(WhoDid)),
        ("WHO MERGED THIS PR?!", Some(WhoDid)),
        ("Seriously... who approved it", Some(WhoDid)),
        ("So who broke prod again?", Some(WhoDid)),
        ("Who even wrote this migration?", Some(WhoDid)),
        ("Who is responsible for the outage?", Some(WhoDid)),
        ("Why didn't we catch this in code review?", Some(WhyDidnt)),
        ("why didn’t Bob check the dashboard", Some(WhyDidnt)),
        ("Why did not the on-call engineer escalate?", Some(WhyDidnt)),
        (
            "Why wasn't anyone looking at the queue depth?",
            Some(WhyDidnt),
        ),
        ("why couldnt they roll back sooner", Some(WhyDidnt)),
        ("Why did the team not run the canary?", Some(WhyDidnt)),
        ("We should have caught this earlier.", Some(ShouldHave)),
        ("Someone should’ve rolled back.", Some(ShouldHave)),
        ("You shouldn't have skipped staging", Some(ShouldHave)),
        (
            "The reviewer ought to have asked about the index.",
            Some(ShouldHave),
        ),
        ("we should of noticed the spike", Some(ShouldHave)),
        ("Root cause: human error.", Some(HumanError)),
        ("It was operator error, plain and simple.", Some(HumanError)),
        ("classic user error", Some(HumanError)),
        ("That was careless.", Some(Character)),
        ("Sloppy work on the migration", Some(Character)),
        ("The change was negligent", Some(Character)),
        ("lazy review, honestly", Some(Character)),
        ("He forgot to update the feature flag.", Some(Omission)),
        ("They didn’t bother to read the runbook", Some(Omission)),
        ("The deployer failed to check the diff", Some(Omission)),
        ("It was Bob's fault.", Some(Fault)),
        ("It was Bob’s fault", Some(Fault)),
        ("honestly my fault", Some(Fault)),
        ("Who's to blame here?", Some(Fault)),
        ("They put the blame on the intern", Some(Fault)),
        ("This was the fault of the on-call", Some(Fault)),
        ("If only Priya had waited for the canary.", Some(IfOnly)),
        ("if only we'd paused the rollout", Some(IfOnly)),
        (
            "The graphs were fine. If only someone had looked.",
            Some(IfOnly),
        ),
        ("Everything was green. Then, who deployed it?", Some(WhoDid)),
        // Sentences that must pass.
        ("the deploy pipeline has no canary stage", None),
        (
            "who was on call did not get paged because the alert route was wrong",
            None,
        ),
        ("the health check failed to detect the stale cache", None),
        ("the fault injection test passed", None),
        ("a faulty disk in the primary", None),
        ("we burned half the error budget", None),
        ("the human-in-the-loop step took 20 minutes", None),
        ("we should add a canary", None),
        ("should we have a runbook for this?", None),
        (
            "What information was available to the person deciding?",
            None,
        ),
        ("the retry storm started before the deploy", None),
        ("why did the alert not fire", None),
        ("Why didn't the alert fire?", None),
        ("nobody knew the cache TTL was 24h", None),
        ("We should have a runbook for failover.", None),
        ("Nobody should have to wake up for this alert.", None),
        (
            "The engineer who deployed it followed the runbook exactly.",
            None,
        ),
        ("It doesn't matter who merged it.", None),
        (
            "It was nobody's fault; the config format changed underneath us.",
            None,
        ),
        ("Nobody is to blame here.", None),
        ("The service uses lazy loading for templates.", None),
        ("The API returns a user error code for bad input.", None),
        ("Our design is fault tolerant across zones.", None),
        ("why don't we add a synthetic check?", None),
        ("Why didn't Kubernetes reschedule the pod?", None),
        ("if only the cache had a TTL", None),
        ("Don't forget to add a canary next time.", None),
        ("Automating failover removes the risk of human error.", None),
        ("We pin lazy_static to 1.4.", None),
        ("Don't blame on-call for this.", None),
        ("It wasn't Bob's fault.", None),
        ("A design fault of the old load balancer.", None),
        ("Was it the engineers’ fault?", Some(Fault)),
        (
            "The team was not careless; the warning was buried in logs.",
            None,
        ),
    ];

    #[test]
    fn every_table_case_reports_the_expected_first_pattern() {
        for (text, expected) in CASES {
            let first = detect(text).first().map(|n| n.pattern);
            assert_eq!(first, *expected, "text: {text:?}");
        }
    }

    #[test]
    fn the_table_is_large_and_holds_many_sentences_that_must_pass() {
        assert!(CASES.len() >= 40);
        assert!(
            CASES
                .iter()
                .filter(|(_, expected)| expected.is_none())
                .count()
                >= 15
        );
    }

    #[test]
    fn patterns_come_in_order_of_appearance() {
        let text = "If only Sam had waited. It was careless, and who approved it? \
                    We should have known.";
        let patterns: Vec<_> = detect(text).iter().map(|n| n.pattern).collect();
        assert_eq!(patterns, [IfOnly, Character, WhoDid, ShouldHave]);
    }

    #[test]
    fn each_pattern_is_reported_at_most_once() {
        let text = "Who deployed this? Who merged it? We should have checked. You should've asked.";
        let nudges = detect(text);
        assert_eq!(nudges.len(), 2);
        assert_eq!(nudges[0].found, "Who deployed");
        assert_eq!(nudges[1].found, "should have");
    }

    #[test]
    fn found_is_quoted_from_the_input_as_written() {
        for (text, _) in CASES {
            for nudge in detect(text) {
                assert!(
                    text.contains(&nudge.found),
                    "{:?} not in {text:?}",
                    nudge.found
                );
            }
        }
        let nudges = detect("WHY DIDN’T We see it? It was Bob’s fault.");
        let found: Vec<_> = nudges.iter().map(|n| n.found.as_str()).collect();
        assert_eq!(found, ["WHY DIDN’T We", "Bob’s fault"]);
    }

    #[test]
    fn who_deployed_is_reframed_with_the_articles_question() {
        assert_eq!(reframe("Who deployed this?").as_deref(), Some(ARTICLE_WHO));
    }

    #[test]
    fn a_why_didnt_about_code_review_gets_the_articles_review_question() {
        let question = reframe("Why didn't we catch this in code review?");
        assert_eq!(question.as_deref(), Some(ARTICLE_REVIEW));
    }

    #[test]
    fn why_didnt_reframing_follows_the_topic_of_its_own_sentence() {
        let tests = reframe("Why didn't they test the migration?").unwrap();
        assert!(tests.contains("tests"), "{tests}");
        let paging = reframe("The PR was reviewed. Why wasn't anyone paged?").unwrap();
        assert!(paging.contains("signal"), "{paging}");
        let generic = reframe("why didn't we notice sooner").unwrap();
        assert_eq!(generic, WHY_GENERIC);
    }

    #[test]
    fn text_without_blame_has_no_reframing() {
        assert_eq!(reframe("the retry storm started before the deploy"), None);
        assert_eq!(reframe(""), None);
        assert_eq!(reframe("   ...  ’ "), None);
    }

    #[test]
    fn every_reframing_is_a_question() {
        for (text, _) in CASES {
            for nudge in detect(text) {
                assert!(nudge.reframing.ends_with('?'), "{}", nudge.reframing);
            }
        }
        for topic in ["review", "test", "alert", "runbook"] {
            let question = reframe(&format!("Why didn't we {topic}?")).unwrap();
            assert!(question.ends_with('?'), "{question}");
        }
    }

    #[test]
    fn phrases_do_not_span_punctuation() {
        assert!(detect("Who? Deployed, I mean, was the fix.").is_empty());
        assert!(detect("We should, have a look").is_empty());
    }
}
