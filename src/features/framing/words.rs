//! Word classes the phrase language refers to as `$name`, and the matchers for classes
//! that span several tokens (a person, a vendor, the incident itself).

use super::tokens::{Gap, Token};

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FNV-1a: the keys are short words we wrote ourselves, so a fast hash without flood
/// protection is the right trade (the default SipHash dominated the profile).
#[derive(Default)]
pub(super) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for byte in bytes {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

pub(super) type FastHash = BuildHasherDefault<Fnv>;

/// Word lists are written as one space-separated string so the tables stay readable.
/// Short lists are scanned; the long ones are `WordSet`s, hashed on first use.
pub(super) fn listed(list: &str, word: &str) -> bool {
    list.split(' ').any(|w| w == word)
}

pub(super) struct WordSet {
    list: &'static str,
    set: OnceLock<HashSet<&'static str, FastHash>>,
}

impl WordSet {
    pub(super) const fn new(list: &'static str) -> WordSet {
        WordSet {
            list,
            set: OnceLock::new(),
        }
    }

    pub(super) fn has(&self, word: &str) -> bool {
        self.set
            .get_or_init(|| self.list.split_whitespace().collect())
            .contains(word)
    }

    pub(super) fn words(&self) -> impl Iterator<Item = &'static str> {
        self.list.split_whitespace()
    }
}

impl std::fmt::Debug for WordSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.list)
    }
}

/// A class a phrase can name with `$name`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Class {
    Words(&'static WordSet),
    Person,
    Individual,
    People,
    Vendor,
    Incident,
    RootCause,
    Participle,
}

pub(super) fn class(name: &str) -> Option<Class> {
    let words = match name {
        "person" => return Some(Class::Person),
        "individual" => return Some(Class::Individual),
        "people" => return Some(Class::People),
        "vendor" => return Some(Class::Vendor),
        "incident" => return Some(Class::Incident),
        "rc" => return Some(Class::RootCause),
        "participle" => return Some(Class::Participle),
        "be" => &BE,
        "det" => &DETERMINERS,
        "aux" => &AUX,
        "culprit" => &CULPRIT_VERBS,
        "nothunt" => &NOT_A_HUNT,
        "possession" => &POSSESSION_MARKERS,
        "errcompound" => &ERROR_COMPOUNDS,
        "technical" => &TECHNICAL_NOUNS,
        "faultcompound" => &FAULT_COMPOUNDS,
        "diligence" => &DILIGENCE_VERBS,
        "checkobject" => &CHECK_OBJECTS,
        "outage" => &OUTAGE_WORDS,
        "action" => &ACTION_VERBS,
        "causeadj" => &CAUSE_ADJECTIVES,
        _ => return None,
    };
    Some(Class::Words(words))
}

static BE: WordSet = WordSet::new("be is am are was were been being 's 're");
static DETERMINERS: WordSet =
    WordSet::new("a an the this that these those some any one our their his her my your its");
static AUX: WordSet = WordSet::new("did was were could would had");
static CULPRIT_VERBS: WordSet = WordSet::new(
    "deployed pushed merged approved broke wrote shipped committed caused \
    reviewed signed triggered",
);
/// Words before "who" that make it a relative clause ("the engineer who deployed it
/// followed the runbook") or a dismissal ("no matter who merged it"), not a hunt.
static NOT_A_HUNT: WordSet = WordSet::new(
    "person people engineer engineers developer developers dev devs one ones \
    someone somebody anyone anybody everyone everybody those reviewer operator teammate colleague \
    folks team call oncall of about matter matters mattered",
);
/// "We should have a canary" is a wish, not a verdict on the past; a determiner, "to" or
/// "had" after "have" marks that sense.
static POSSESSION_MARKERS: WordSet = WordSet::new(
    "a an the some any more fewer less better no one two our their \
    its this that these those enough to had",
);
/// "A user error message" or "the user error rate" is an HTTP status, not a verdict.
static ERROR_COMPOUNDS: WordSet = WordSet::new(
    "message messages code codes rate rates response responses page \
    pages handling handler type types count metric metrics budget log logs",
);
/// Engineering terms that borrow character words: lazy loading, sloppy quorums.
static TECHNICAL_NOUNS: WordSet = WordSet::new(
    "loading load loaded loader evaluation init initialization \
    initialisation static quorum quorums iterator iterators sequence val property import imports \
    deletion binding mode",
);
static FAULT_COMPOUNDS: WordSet = WordSet::new(
    "injection injections tolerance tolerant domain domains isolation \
    detection line lines code codes handler handling model tree zone",
);
/// Only verbs of diligence make "failed to" an accusation; "the health check failed to
/// detect the stale cache" describes a system.
static DILIGENCE_VERBS: WordSet = WordSet::new(
    "check checked test tested follow followed verify verified review \
    reviewed validate validated confirm confirmed notice noticed read double look looked",
);
/// What follows an imperative "double-check": its object, not a noun it modifies.
static CHECK_OBJECTS: WordSet = WordSet::new(
    "a an the this that these those your our their it everything all \
    before again twice each every whether if what which when",
);
static OUTAGE_WORDS: WordSet = WordSet::new(
    "down outage outages incident incidents issue issues problem problems \
    degraded degradation failure failures failed broke bug bugs side end fault error errors \
    messed screwed thing",
);
static ACTION_VERBS: WordSet = WordSet::new(
    "push deploy run merge touch do use skip ship restart delete drop edit \
    change force apply rush bypass disable ignore make hotfix roll reboot kill truncate",
);
static CAUSE_ADJECTIVES: WordSet = WordSet::new(
    "main primary real true actual underlying fundamental single only \
    sole ultimate",
);

pub(super) static PRONOUNS: WordSet = WordSet::new(
    "i we you u he she they someone somebody anyone anybody everyone \
    everybody people whoever folks me him her them us",
);
/// First-person subjects speak for the team; "we never tested failover" is not an
/// accusation the way "he never tested it" is.
static COLLECTIVE: WordSet = WordSet::new("i we me us");
static ROLE_NOUNS: WordSet = WordSet::new(
    "engineer engineers developer developers dev devs reviewer reviewers \
    team operator operators author sre sres ops person owner approver admin admins intern \
    deployer deployers manager commander ic dba dbas staff hire hires colleague colleagues \
    teammate teammates responder responders guy guys",
);
static PEOPLE_NOUNS: WordSet = WordSet::new(
    "everyone everybody people folks engineers developers devs staff team \
    teams reviewers responders operators sres ops oncall engineering all hires",
);
/// Capitalised words that name a tool or a thing, not a person.
static NOT_NAMES: WordSet = WordSet::new(
    "the this that it there these those our my your its their any anything \
    something nothing kubernetes jenkins terraform postgres redis nginx docker github gitlab \
    slack datadog grafana prometheus sentry argo helm kafka linux chef puppet ansible consul \
    vault envoy istio mysql cloudflare heroku bazel dependabot renovate spinnaker nomad opsgenie \
    pagerduty splunk elasticsearch cassandra mongo airflow celery sidekiq rails django node java \
    python rust",
);
static VENDOR_NAMES: WordSet = WordSet::new(
    "aws amazon gcp google azure microsoft cloudflare fastly akamai stripe \
    twilio okta auth0 github gitlab bitbucket heroku vercel netlify datadog pagerduty opsgenie \
    mailgun sendgrid salesforce snowflake apple apns fcm firebase slack atlassian npm pypi \
    dockerhub cloudfront s3 ec2 rds route53 digitalocean linode hetzner ovh braintree paypal \
    adyen plaid segment sentry zendesk intercom shopify openai fly render supabase",
);
static VENDOR_NOUNS: WordSet = WordSet::new(
    "vendor vendors provider providers upstream external dependency \
    dependencies isp carrier carriers cdn saas partner supplier bank registry thirdparty \
    processor processors",
);
static INCIDENT_NOUNS: WordSet = WordSet::new(
    "incident outage issue problem failure thing downtime breakage \
    disruption",
);
/// Nouns that make a subject a piece of the system ("the check should have…").
pub(super) static SYSTEM_NOUNS: WordSet = WordSet::new(
    "check checks alert alerts alarm alarms config \
    configuration service services pipeline deploy deployment tool tooling function system \
    timeout job jobs api script query code build server cluster database db cache queue endpoint \
    library sdk template dashboard monitor monitoring migration test tests gate rule healthcheck \
    health threshold limit balancer proxy gateway network disk node pod container app \
    application client module component design setting settings default defaults ui cli handler \
    worker scheduler autoscaler retry retries replica primary bot automation switch",
);

/// The word at `i` when it continues the phrase without punctuation in between.
fn word_at(tokens: &[Token], i: usize) -> Option<&str> {
    tokens
        .get(i)
        .filter(|t| t.gap == Gap::Space)
        .map(|t| t.word.as_str())
}

/// A single token that names a person: a pronoun, a role, a mention or a name.
/// Computed once per token by the tokenizer; read it as `token.person`.
pub(super) fn names_a_person(token: &Token) -> bool {
    let word = token.word.as_str();
    PRONOUNS.has(word)
        || ROLE_NOUNS.has(word)
        || token.mention
        || token.name_like && !NOT_NAMES.has(word) && !VENDOR_NAMES.has(word)
}

/// Where a class match starting at `i` ends (the first word may follow any gap).
pub(super) fn class_end(class: Class, tokens: &[Token], i: usize) -> Option<usize> {
    let first = tokens.get(i)?;
    match class {
        Class::Words(set) => set.has(&first.word).then_some(i + 1),
        Class::Person => first.person_end,
        Class::Individual => first.person_end.filter(|_| !COLLECTIVE.has(&first.word)),
        Class::People => people(tokens, i),
        Class::Vendor => vendor(tokens, i),
        Class::Incident => incident(tokens, i),
        Class::RootCause => root_cause(tokens, i),
        // "force-pushed": the participle may be the second half of a hyphenated verb.
        Class::Participle => {
            let second = tokens.get(i + 1).filter(|t| t.joined);
            (participle(&first.word) || second.is_some_and(|t| participle(&t.word)))
                .then_some(i + 1)
        }
    }
}

/// The words a class match can start with, or None when it can start with any name.
pub(super) fn first_words(class: Class) -> Option<Vec<&'static str>> {
    let mut words: Vec<&'static str> = match class {
        Class::Words(set) => set.words().collect(),
        Class::Person | Class::Individual | Class::Participle => return None,
        Class::People => PEOPLE_NOUNS
            .words()
            .chain(["the", "our", "all", "on"])
            .collect(),
        Class::Vendor => VENDOR_NAMES
            .words()
            .chain(VENDOR_NOUNS.words())
            .chain(["third"])
            .collect(),
        Class::Incident => INCIDENT_NOUNS
            .words()
            .chain(["the", "this", "that"])
            .collect(),
        Class::RootCause => vec!["root", "rootcause"],
    };
    words.sort_unstable();
    words.dedup();
    Some(words)
}

/// Every spelling `inflects` accepts for `base`, for indexing phrases by their first word.
pub(super) fn forms(base: &str) -> Vec<String> {
    let mut forms: Vec<String> = ["", "s", "es", "ed", "ing"]
        .iter()
        .map(|suffix| format!("{base}{suffix}"))
        .collect();
    if let Some(last) = base.chars().next_back() {
        forms.extend(["ed", "ing"].map(|suffix| format!("{base}{last}{suffix}")));
    }
    if let Some(trunk) = base.strip_suffix('e') {
        forms.extend(["ed", "ing", "es"].map(|suffix| format!("{trunk}{suffix}")));
    }
    if let Some(trunk) = base.strip_suffix('y') {
        forms.extend(["ied", "ies"].map(|suffix| format!("{trunk}{suffix}")));
    }
    for (b, irregular) in IRREGULAR {
        if *b == base {
            forms.extend(irregular.split_whitespace().map(String::from));
        }
    }
    forms
}

/// Whether a person is named at `i`, in the same clause as the word before it.
pub(super) fn starts_person(tokens: &[Token], i: usize) -> bool {
    tokens
        .get(i)
        .is_some_and(|t| t.gap == Gap::Space && t.person_end.is_some())
}

/// A person-ish subject: a pronoun, a mention, a role ("the on-call engineer", "the
/// release manager") or a capitalised name. The tokenizer keeps the answer for each
/// token in `Token::person_end`; read it there.
pub(super) fn person(tokens: &[Token], i: usize) -> Option<usize> {
    let first = tokens.get(i)?;
    if PRONOUNS.has(&first.word) || first.mention {
        return Some(i + 1);
    }
    role(tokens, i).or_else(|| first.person.then_some(i + 1))
}

fn role(tokens: &[Token], i: usize) -> Option<usize> {
    let det = matches!(
        tokens.get(i)?.word.as_str(),
        "the" | "our" | "your" | "their" | "that" | "this" | "a" | "an"
    );
    let at = |k: usize| {
        if k == i {
            tokens.get(k).map(|t| t.word.as_str())
        } else {
            word_at(tokens, k)
        }
    };
    let i = if det { i + 1 } else { i };
    // "On-call" arrives as two tokens because hyphens separate words.
    let after_on_call = match (at(i), at(i + 1)) {
        (Some("oncall"), _) => Some(i + 1),
        (Some("on"), Some("call")) => Some(i + 2),
        _ => None,
    };
    if let Some(end) = after_on_call {
        return Some(if at(end).is_some_and(|w| ROLE_NOUNS.has(w)) {
            end + 1
        } else {
            end
        });
    }
    if at(i).is_some_and(|w| ROLE_NOUNS.has(w)) {
        return Some(i + 1);
    }
    // One modifier before the role: "the release manager", "the support staff".
    (det && at(i + 1).is_some_and(|w| ROLE_NOUNS.has(w))).then_some(i + 2)
}

/// The people a reminder or a training is aimed at: "everyone", "the team", "on-call".
fn people(tokens: &[Token], i: usize) -> Option<usize> {
    let at = |k: usize| {
        if k == i {
            tokens.get(k).map(|t| t.word.as_str())
        } else {
            word_at(tokens, k)
        }
    };
    let i = if matches!(at(i), Some("the" | "our" | "all")) {
        i + 1
    } else {
        i
    };
    if at(i) == Some("on") && at(i + 1) == Some("call") {
        return Some(i + 2);
    }
    at(i).is_some_and(|w| PEOPLE_NOUNS.has(w)).then_some(i + 1)
}

pub(super) fn is_vendor(word: &str) -> bool {
    VENDOR_NAMES.has(word) || VENDOR_NOUNS.has(word)
}

fn vendor(tokens: &[Token], i: usize) -> Option<usize> {
    let word = tokens.get(i)?.word.as_str();
    if word == "third" && word_at(tokens, i + 1) == Some("party") {
        return Some(i + 2);
    }
    is_vendor(word).then_some(i + 1)
}

/// The incident itself as a subject: "the outage", "this incident", "the whole thing", "this".
fn incident(tokens: &[Token], i: usize) -> Option<usize> {
    let first = tokens.get(i)?.word.as_str();
    let mut k = i;
    if matches!(first, "the" | "this" | "that") {
        k += 1;
        if matches!(word_at(tokens, k), Some("whole" | "entire")) {
            k += 1;
        }
    }
    let word = if k == i {
        Some(first)
    } else {
        word_at(tokens, k)
    };
    match word {
        Some(w) if INCIDENT_NOUNS.has(w) => Some(k + 1),
        _ if first == "this" => Some(i + 1),
        _ => None,
    }
}

/// "root cause", "root causes", "rootcause", "root-cause", and its cousins "root issue",
/// "root problem", "root reason".
fn root_cause(tokens: &[Token], i: usize) -> Option<usize> {
    let first = tokens.get(i)?.word.as_str();
    if first == "rootcause" {
        return Some(i + 1);
    }
    let noun = "cause causes issue problem reason";
    (first == "root" && word_at(tokens, i + 1).is_some_and(|w| listed(noun, w))).then_some(i + 2)
}

static IRREGULAR_PARTICIPLES: WordSet = WordSet::new(
    "caught done seen run read set put let hit cut sent spent built brought thought taught told \
     found made kept left lost paid said stood understood got met felt held heard led meant spoke \
     begun gone won sold shut bought fought sought dealt struck stuck hung",
);

/// Shaped like a past participle ("checked", "known", "caught"): the verb after "should
/// have" in a verdict on the past.
fn participle(word: &str) -> bool {
    ["ed", "en", "wn"].iter().any(|end| word.ends_with(end)) || IRREGULAR_PARTICIPLES.has(word)
}

const IRREGULAR: &[(&str, &str)] = &[
    ("make", "made"),
    ("be", "is am are was were been being 's 're"),
    ("have", "has had having"),
    ("do", "did does doing done"),
    ("forget", "forgot forgotten"),
    ("break", "broke broken"),
    ("write", "wrote written"),
    ("find", "found"),
    ("come", "came"),
    ("send", "sent"),
    ("lie", "lay lies lying"),
    ("pay", "paid"),
    ("read", "read"),
    ("think", "thought"),
    ("blow", "blew blown"),
    ("put", "put puts putting"),
    ("take", "took taken"),
];

/// Whether `word` is `base` or one of its inflections ("made" of "make", "dropped" of "drop").
pub(super) fn inflects(word: &str, base: &str) -> bool {
    if word == base {
        return true;
    }
    if IRREGULAR
        .iter()
        .any(|(b, forms)| *b == base && listed(forms, word))
    {
        return true;
    }
    if let Some(rest) = word.strip_prefix(base) {
        let doubled = base.chars().next_back().is_some_and(|last| {
            rest.strip_prefix(last)
                .is_some_and(|r| matches!(r, "ed" | "ing"))
        });
        if doubled || matches!(rest, "s" | "es" | "ed" | "ing") {
            return true;
        }
    }
    if let Some(trunk) = base.strip_suffix('e') {
        return matches!(word.strip_prefix(trunk), Some("ed" | "ing" | "es"));
    }
    if let Some(trunk) = base.strip_suffix('y') {
        return matches!(word.strip_prefix(trunk), Some("ied" | "ies"));
    }
    false
}
