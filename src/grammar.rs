//! Purpose: the `/debrief <subcommand> [key=value …]` grammar. Pure: text in, a
//! validated [`Invocation`] or a sentence for the user out.
//!
//! Subcommands are declared as data ([`CommandSpec`]); the same declarations drive
//! parsing, the error messages, `/debrief help` and the manifest consistency test,
//! so they cannot drift apart.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

/// What kind of value an argument takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Any text; quote it when it has spaces.
    Text,
    /// One user mention, `<@U…>`.
    User,
    /// User mentions separated by commas.
    Users,
    /// One channel mention, `<#C…|name>` (Slack escapes `#name` so).
    Channel,
    /// `90s`, `45m`, `2h`, `3d` (or combinations such as `1h30m`).
    Duration,
    /// A time: RFC 3339 (`2026-12-01T15:00:00Z`), or on the person's clock
    /// (`tomorrow 15:00`, `monday 9:30`, `2026-12-07 15:00`, `15:00`, `3pm`).
    Time,
    /// One of a fixed set of words (compared case-insensitively).
    Choice(&'static [&'static str]),
    /// Comma-separated tags, normalised (`Cache Invalidation` → `cache-invalidation`).
    Tags,
    /// One normalised tag.
    Tag,
    /// A whole number in a range.
    Int { min: i64, max: i64 },
    /// `yes` or `no`.
    YesNo,
}

impl ArgKind {
    /// How the value is written, for usage lines.
    fn placeholder(self) -> String {
        match self {
            ArgKind::Text => "\"…\"".into(),
            ArgKind::User => "<@user>".into(),
            ArgKind::Users => "<@user>,<@user>".into(),
            ArgKind::Channel => "#channel".into(),
            ArgKind::Duration => "<duration>".into(),
            ArgKind::Time => "<time>".into(),
            ArgKind::Choice(options) => options.join("|"),
            ArgKind::Tags => "a,b".into(),
            ArgKind::Tag => "<tag>".into(),
            ArgKind::Int { min, max } => format!("{min}..{max}"),
            ArgKind::YesNo => "yes|no".into(),
        }
    }

    /// What was expected, for error messages.
    fn expectation(self) -> String {
        match self {
            ArgKind::Text => "some text (quote it if it has spaces)".into(),
            ArgKind::User => "one person mentioned with @".into(),
            ArgKind::Users => "people mentioned with @, separated by commas".into(),
            ArgKind::Channel => "a channel picked with # (e.g. #sre)".into(),
            ArgKind::Duration => "a duration such as 90s, 45m, 2h or 3d".into(),
            ArgKind::Time => {
                "a time such as \"tomorrow 15:00\", \"monday 9:30\", \"2026-12-07 15:00\" or 2026-12-07T15:00:00Z"
                    .into()
            }
            ArgKind::Choice(options) => format!("one of {}", options.join(", ")),
            ArgKind::Tags => "comma-separated names such as api,checkout".into(),
            ArgKind::Tag => "a short name such as cache-invalidation".into(),
            ArgKind::Int { min, max } => format!("a whole number from {min} to {max}"),
            ArgKind::YesNo => "yes or no".into(),
        }
    }
}

/// One `key=value` argument of a subcommand.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    pub key: &'static str,
    pub kind: ArgKind,
    pub required: bool,
}

/// Free text after the subcommand (for `observe <text>`).
#[derive(Debug, Clone, Copy)]
pub struct RestSpec {
    pub name: &'static str,
    pub required: bool,
}

/// One subcommand: its name (one or two words), what it does, and what it accepts.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    pub name: &'static str,
    pub summary: &'static str,
    pub args: &'static [ArgSpec],
    pub rest: Option<RestSpec>,
}

impl CommandSpec {
    /// `/debrief review [facilitator=<@user>] …`
    pub fn usage(&self, slash: &str) -> String {
        let mut line = format!("{slash} {}", self.name);
        for arg in self.args {
            let piece = format!("{}={}", arg.key, arg.kind.placeholder());
            if arg.required {
                line.push_str(&format!(" {piece}"));
            } else {
                line.push_str(&format!(" [{piece}]"));
            }
        }
        if let Some(rest) = self.rest {
            if rest.required {
                line.push_str(&format!(" <{}>", rest.name));
            } else {
                line.push_str(&format!(" [{}]", rest.name));
            }
        }
        line
    }
}

/// A parsed argument value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    User(String),
    Users(Vec<String>),
    Channel(String),
    Duration(Duration),
    Time(When),
    Choice(&'static str),
    Tags(Vec<String>),
    Tag(String),
    Int(i64),
    Bool(bool),
}

/// A subcommand with validated arguments.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub spec: &'static CommandSpec,
    pub args: BTreeMap<&'static str, Value>,
    pub rest: Option<String>,
}

impl Invocation {
    pub fn name(&self) -> &'static str {
        self.spec.name
    }
    pub fn text(&self, key: &str) -> Option<&str> {
        match self.args.get(key) {
            Some(Value::Text(t)) => Some(t),
            _ => None,
        }
    }
    pub fn user(&self, key: &str) -> Option<&str> {
        match self.args.get(key) {
            Some(Value::User(u)) => Some(u),
            _ => None,
        }
    }
    pub fn users(&self, key: &str) -> Option<&[String]> {
        match self.args.get(key) {
            Some(Value::Users(u)) => Some(u),
            _ => None,
        }
    }
    pub fn channel(&self, key: &str) -> Option<&str> {
        match self.args.get(key) {
            Some(Value::Channel(c)) => Some(c),
            _ => None,
        }
    }
    pub fn duration(&self, key: &str) -> Option<Duration> {
        match self.args.get(key) {
            Some(Value::Duration(d)) => Some(*d),
            _ => None,
        }
    }
    /// A time given exactly (RFC 3339); a wall-clock time needs [`Invocation::time_in`].
    pub fn time(&self, key: &str) -> Option<Timestamp> {
        match self.args.get(key) {
            Some(Value::Time(When::Exact(t))) => Some(*t),
            _ => None,
        }
    }

    /// Whether some time was given on a wall clock, so that the person's time zone matters.
    pub fn has_wall_clock_time(&self) -> bool {
        self.args
            .values()
            .any(|v| matches!(v, Value::Time(When::Local { .. })))
    }

    /// A time, wall-clock forms read on `tz`'s clock as of `now`.
    pub fn time_in(&self, key: &str, now: Timestamp, tz: &jiff::tz::TimeZone) -> Option<Timestamp> {
        match self.args.get(key) {
            Some(Value::Time(when)) => when.resolve(now, tz),
            _ => None,
        }
    }
    pub fn choice(&self, key: &str) -> Option<&'static str> {
        match self.args.get(key) {
            Some(Value::Choice(c)) => Some(c),
            _ => None,
        }
    }
    pub fn tags(&self, key: &str) -> Option<&[String]> {
        match self.args.get(key) {
            Some(Value::Tags(t)) => Some(t),
            _ => None,
        }
    }
    pub fn tag(&self, key: &str) -> Option<&str> {
        match self.args.get(key) {
            Some(Value::Tag(t)) => Some(t),
            _ => None,
        }
    }
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.args.get(key) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }
    pub fn yes_no(&self, key: &str) -> Option<bool> {
        match self.args.get(key) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}

/// Why the text did not parse: a sentence for the person, saying what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GrammarError(pub String);

/// Splits command text into words, keeping `"quoted values"` (straight or curly quotes) whole.
pub fn tokenize(text: &str) -> Result<Vec<String>, GrammarError> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut has_token = false;
    for c in text.chars() {
        match c {
            '"' | '“' | '”' => {
                in_quotes = !in_quotes;
                has_token = true;
            }
            c if c.is_whitespace() && !in_quotes => {
                if has_token {
                    tokens.push(std::mem::take(&mut current));
                    has_token = false;
                }
            }
            c => {
                current.push(c);
                has_token = true;
            }
        }
    }
    if in_quotes {
        return Err(GrammarError(
            "A quote was opened but never closed. Put the closing \" after the value, e.g. title=\"Checkout outage\".".into(),
        ));
    }
    if has_token {
        tokens.push(current);
    }
    Ok(tokens)
}

/// Parses the text after the slash command against `specs`.
pub fn parse(
    slash: &str,
    text: &str,
    specs: &'static [CommandSpec],
) -> Result<Invocation, GrammarError> {
    // A free-text subcommand ("observe …") takes the rest verbatim, so it is found from
    // its plain leading words and the rest is never tokenized: a stray quote mark in an
    // observation ("the 27\" monitor") is part of the text, not an unclosed argument.
    if let Some(spec) = free_text_spec(text, specs) {
        return parse_arguments(slash, spec, &[], text);
    }
    let tokens = tokenize(text)?;
    let Some(first) = tokens.first() else {
        return Err(GrammarError(format!(
            "Tell me what to do, e.g. `{slash} help` to see every subcommand."
        )));
    };
    let first = first.to_lowercase();
    let second = tokens.get(1).map(|t| t.to_lowercase());
    let Some((spec, consumed)) = named_spec(&first, second.as_deref(), specs) else {
        return Err(unknown_subcommand(slash, &first, specs));
    };
    parse_arguments(slash, spec, &tokens[consumed..], text)
}

/// The subcommand the leading words (lowercase) name, and how many words its name takes.
/// Two-word subcommands ("survey close") win over their one-word prefix.
fn named_spec(
    first: &str,
    second: Option<&str>,
    specs: &'static [CommandSpec],
) -> Option<(&'static CommandSpec, usize)> {
    let two_words = second.map(|second| format!("{first} {second}"));
    two_words
        .and_then(|name| specs.iter().find(|s| s.name == name))
        .map(|spec| (spec, 2))
        .or_else(|| specs.iter().find(|s| s.name == first).map(|spec| (spec, 1)))
}

/// The free-text subcommand `text` starts with, when its plain leading words name one
/// (any case), found as [`parse`] finds every subcommand.
fn free_text_spec(text: &str, specs: &'static [CommandSpec]) -> Option<&'static CommandSpec> {
    let mut words = text.split_whitespace();
    let first = words.next()?.to_lowercase();
    let second = words.next().map(str::to_lowercase);
    named_spec(&first, second.as_deref(), specs)
        .map(|(spec, _)| spec)
        .filter(|spec| spec.rest.is_some())
}

fn unknown_subcommand(slash: &str, word: &str, specs: &[CommandSpec]) -> GrammarError {
    let suggestion = closest(word, specs.iter().map(|s| s.name))
        .map(|name| format!(" Did you mean `{slash} {name}`?"))
        .unwrap_or_default();
    GrammarError(format!(
        "I don't know `{slash} {word}`.{suggestion} Type `{slash} help` to see every subcommand."
    ))
}

/// The candidate nearest to `word`, if it is plausibly a typo of it.
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(distance, c)| *distance <= 2.max(c.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

fn parse_arguments(
    slash: &str,
    spec: &'static CommandSpec,
    tokens: &[String],
    raw_text: &str,
) -> Result<Invocation, GrammarError> {
    let usage = || format!("Usage: `{}`", spec.usage(slash));
    if let Some(rest) = spec.rest {
        // Free-text subcommands take everything after the name verbatim (quotes and all),
        // so that an observation is stored exactly as typed.
        let text = strip_words(raw_text, spec.name.split(' ').count())
            .trim()
            .to_string();
        if rest.required && text.is_empty() {
            return Err(GrammarError(format!(
                "`{slash} {}` needs the {} after it. {}",
                spec.name,
                rest.name,
                usage()
            )));
        }
        return Ok(Invocation {
            spec,
            args: BTreeMap::new(),
            rest: (!text.is_empty()).then_some(text),
        });
    }

    let mut args: BTreeMap<&'static str, Value> = BTreeMap::new();
    let mut last_users_key: Option<&'static str> = None;
    let tokens = join_clock_times(tokens);
    for token in &tokens {
        let Some((key, raw_value)) = token.split_once('=') else {
            // `participants=<@U1> <@U2>`: a bare mention continues the previous list.
            if let (Some(key), Some(user)) = (last_users_key, parse_user(token))
                && let Some(Value::Users(list)) = args.get_mut(key)
            {
                list.push(user);
                continue;
            }
            return Err(GrammarError(format!(
                "I didn't understand `{token}`: arguments look like key=value. {}",
                usage()
            )));
        };
        let key_lower = key.to_lowercase();
        let Some(arg) = spec.args.iter().find(|a| a.key == key_lower) else {
            let hint = closest(&key_lower, spec.args.iter().map(|a| a.key))
                .map(|k| format!(" Did you mean `{k}=`?"))
                .unwrap_or_default();
            let known = if spec.args.is_empty() {
                format!("`{slash} {}` takes no arguments.", spec.name)
            } else {
                format!(
                    "It accepts {}.",
                    spec.args
                        .iter()
                        .map(|a| format!("`{}=`", a.key))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(GrammarError(format!(
                "`{slash} {}` has no `{key}=` argument.{hint} {known}",
                spec.name
            )));
        };
        if args.contains_key(arg.key) {
            return Err(GrammarError(format!(
                "`{}=` is given twice; keep one. {}",
                arg.key,
                usage()
            )));
        }
        let value = parse_value(arg.kind, raw_value).map_err(|()| {
            GrammarError(format!(
                "`{}={raw_value}` is not valid: `{}=` takes {}. {}",
                arg.key,
                arg.key,
                arg.kind.expectation(),
                usage()
            ))
        })?;
        last_users_key = matches!(arg.kind, ArgKind::Users).then_some(arg.key);
        args.insert(arg.key, value);
    }
    if let Some(missing) = spec
        .args
        .iter()
        .find(|a| a.required && !args.contains_key(a.key))
    {
        return Err(GrammarError(format!(
            "`{slash} {}` needs `{}=`. {}",
            spec.name,
            missing.key,
            usage()
        )));
    }
    Ok(Invocation {
        spec,
        args,
        rest: None,
    })
}

/// `meeting=tomorrow 15:00` arrives as two words: a day followed by a clock time is one
/// value.
fn join_clock_times(tokens: &[String]) -> Vec<String> {
    let mut joined: Vec<String> = Vec::new();
    for token in tokens {
        let follows_a_day = joined.last().is_some_and(|last| {
            last.split_once('=')
                .is_some_and(|(_, v)| parse_day(v).is_some() && parse_clock(v).is_none())
        });
        if follows_a_day && !token.contains('=') && parse_clock(token).is_some() {
            let last = joined.last_mut().expect("checked above");
            last.push(' ');
            last.push_str(token);
        } else {
            joined.push(token.clone());
        }
    }
    joined
}

/// A time as given: exact, or on someone's wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Exact(Timestamp),
    /// On the clock of whoever typed it: a day (today when none) and a time of day.
    Local {
        day: Option<Day>,
        time: jiff::civil::Time,
    },
}

/// A day as people write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    Today,
    Tomorrow,
    /// The next such weekday (today's counts only while its time is still ahead).
    Next(jiff::civil::Weekday),
    On(jiff::civil::Date),
}

impl When {
    /// The instant meant, on `tz`'s clock as of `now`. A bare time of day that has passed
    /// today means tomorrow. `None` for a wall time that does not exist (a DST gap).
    pub fn resolve(self, now: Timestamp, tz: &jiff::tz::TimeZone) -> Option<Timestamp> {
        let (day, time) = match self {
            When::Exact(t) => return Some(t),
            When::Local { day, time } => (day, time),
        };
        let today = now.to_zoned(tz.clone()).date();
        let at = |date: jiff::civil::Date| {
            date.to_datetime(time)
                .to_zoned(tz.clone())
                .ok()
                .map(|z| z.timestamp())
        };
        match day {
            Some(Day::On(date)) => at(date),
            Some(Day::Today) => at(today),
            Some(Day::Tomorrow) => at(today.tomorrow().ok()?),
            Some(Day::Next(weekday)) => {
                let mut date = today;
                for _ in 0..8 {
                    if date.weekday() == weekday && at(date).is_some_and(|t| t > now) {
                        return at(date);
                    }
                    date = date.tomorrow().ok()?;
                }
                None
            }
            None => match at(today) {
                Some(t) if t > now => Some(t),
                _ => at(today.tomorrow().ok()?),
            },
        }
    }
}

/// `today`, `tomorrow`, a weekday (`mon`, `Monday`), or `2026-12-07`.
fn parse_day(raw: &str) -> Option<Day> {
    use jiff::civil::Weekday::*;
    let word = raw.trim().to_lowercase();
    let weekdays = [
        ("monday", Monday),
        ("tuesday", Tuesday),
        ("wednesday", Wednesday),
        ("thursday", Thursday),
        ("friday", Friday),
        ("saturday", Saturday),
        ("sunday", Sunday),
    ];
    match word.as_str() {
        "today" => return Some(Day::Today),
        "tomorrow" => return Some(Day::Tomorrow),
        _ => {}
    }
    if word.len() >= 3
        && let Some((_, day)) = weekdays.iter().find(|(name, _)| name.starts_with(&word))
    {
        return Some(Day::Next(*day));
    }
    word.parse::<jiff::civil::Date>().ok().map(Day::On)
}

/// `15:00`, `9:30`, `3pm`, `3:30pm`, `12am`.
fn parse_clock(raw: &str) -> Option<jiff::civil::Time> {
    let word = raw.trim().to_lowercase();
    let (digits, offset) = if let Some(d) = word.strip_suffix("am") {
        (d, Some(0))
    } else if let Some(d) = word.strip_suffix("pm") {
        (d, Some(12))
    } else {
        (word.as_str(), None)
    };
    let (hour, minute) = match digits.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h.parse::<i8>().ok()?, m.parse::<i8>().ok()?),
        None if offset.is_some() => (digits.parse::<i8>().ok()?, 0),
        _ => return None,
    };
    let hour = match offset {
        Some(add) if (1..=12).contains(&hour) => hour % 12 + add,
        Some(_) => return None,
        None => hour,
    };
    jiff::civil::Time::new(hour, minute, 0, 0).ok()
}

/// Every form `ArgKind::Time` accepts.
fn parse_when(raw: &str) -> Option<When> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Some(When::Exact(t));
    }
    if let Some(time) = parse_clock(raw) {
        return Some(When::Local { day: None, time });
    }
    let (day, clock) = raw
        .split_once(' ')
        .or_else(|| raw.split_once('T').filter(|(d, _)| d.len() == 10))?;
    Some(When::Local {
        day: Some(parse_day(day)?),
        time: parse_clock(clock)?,
    })
}

/// Drops the first `n` whitespace-separated words of `text`.
fn strip_words(text: &str, n: usize) -> &str {
    let mut rest = text.trim_start();
    for _ in 0..n {
        rest = rest
            .find(char::is_whitespace)
            .map(|i| rest[i..].trim_start())
            .unwrap_or("");
    }
    rest
}

fn parse_value(kind: ArgKind, raw: &str) -> Result<Value, ()> {
    let raw = raw.trim();
    match kind {
        ArgKind::Text => {
            if raw.is_empty() {
                Err(())
            } else {
                Ok(Value::Text(raw.to_string()))
            }
        }
        ArgKind::User => parse_user(raw).map(Value::User).ok_or(()),
        ArgKind::Channel => parse_channel(raw).map(Value::Channel).ok_or(()),
        ArgKind::Users => {
            let users: Option<Vec<String>> = raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(parse_user)
                .collect();
            match users {
                Some(list) if !list.is_empty() => {
                    let mut unique = Vec::new();
                    for u in list {
                        if !unique.contains(&u) {
                            unique.push(u);
                        }
                    }
                    Ok(Value::Users(unique))
                }
                _ => Err(()),
            }
        }
        ArgKind::Duration => parse_duration(raw).map(Value::Duration).ok_or(()),
        ArgKind::Time => parse_when(raw).map(Value::Time).ok_or(()),
        ArgKind::Choice(options) => options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(raw))
            .map(|o| Value::Choice(o))
            .ok_or(()),
        ArgKind::Tags => {
            let tags: Vec<String> = raw
                .split(',')
                .map(normalize_tag)
                .filter(|t| !t.is_empty())
                .collect();
            if tags.is_empty() {
                Err(())
            } else {
                Ok(Value::Tags(dedup(tags)))
            }
        }
        ArgKind::Tag => {
            let tag = normalize_tag(raw);
            if tag.is_empty() {
                Err(())
            } else {
                Ok(Value::Tag(tag))
            }
        }
        ArgKind::Int { min, max } => match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::Int(n)),
            _ => Err(()),
        },
        ArgKind::YesNo => match raw.to_lowercase().as_str() {
            "yes" | "y" | "true" => Ok(Value::Bool(true)),
            "no" | "n" | "false" => Ok(Value::Bool(false)),
            _ => Err(()),
        },
    }
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// `<@U123|name>` or `<@U123>` → `U123`. Slack escapes mentions because the manifest
/// sets `should_escape: true`; a bare `@name` cannot be resolved reliably, so it is refused.
fn parse_user(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix("<@")?.strip_suffix('>')?;
    let id = inner.split('|').next()?;
    let valid = id.len() >= 2
        && (id.starts_with('U') || id.starts_with('W'))
        && id.chars().all(|c| c.is_ascii_alphanumeric());
    valid.then(|| id.to_string())
}

/// `<#C123|sre>` or `<#C123>` → `C123` (public `C…` or private `G…` channels).
fn parse_channel(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix("<#")?.strip_suffix('>')?;
    let id = inner.split('|').next()?;
    let valid = id.len() >= 2
        && (id.starts_with('C') || id.starts_with('G'))
        && id.chars().all(|c| c.is_ascii_alphanumeric());
    valid.then(|| id.to_string())
}

/// `90s`, `45m`, `2h`, `3d`, `1h30m`. At least one second, at most a year.
fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim().to_lowercase();
    if raw.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in raw.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return None,
        };
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
    }
    if !number.is_empty() || total == 0 || total > 366 * 86_400 {
        return None;
    }
    Some(Duration::from_secs(total))
}

/// `Cache Invalidation` → `cache-invalidation`: lowercase ASCII letters and digits,
/// every other run of characters becomes one hyphen.
pub fn normalize_tag(raw: &str) -> String {
    let mut out = String::new();
    let mut pending_hyphen = false;
    for c in raw.trim().chars() {
        if c.is_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.extend(c.to_lowercase());
        } else {
            pending_hyphen = true;
        }
    }
    out.chars()
        .take(64)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Renders a duration the way people write it: `3d`, `2h`, `1h30m`, `45m`, `90s`.
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// Renders a duration in words, for sentences: `3 minutes`, `1 hour 30 minutes`, `2 days`.
/// (`format_duration` gives the typed form, for command hints.)
pub fn spoken_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "no time".into();
    }
    let mut parts = Vec::new();
    for (unit, size) in [
        ("day", 86_400),
        ("hour", 3600),
        ("minute", 60),
        ("second", 1),
    ] {
        if secs >= size {
            let n = secs / size;
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
            secs %= size;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words_in_sentences() {
        assert_eq!(spoken_duration(Duration::from_secs(120)), "2 minutes");
        assert_eq!(
            spoken_duration(Duration::from_secs(90)),
            "1 minute 30 seconds"
        );
        assert_eq!(
            spoken_duration(Duration::from_secs(5400)),
            "1 hour 30 minutes"
        );
        assert_eq!(spoken_duration(Duration::from_secs(2 * 86_400)), "2 days");
    }

    static TEST_SPECS: &[CommandSpec] = &[
        CommandSpec {
            name: "help",
            summary: "List subcommands",
            args: &[],
            rest: None,
        },
        CommandSpec {
            name: "incident",
            summary: "Record the incident",
            args: &[
                ArgSpec {
                    key: "title",
                    kind: ArgKind::Text,
                    required: false,
                },
                ArgSpec {
                    key: "sev",
                    kind: ArgKind::Choice(&["P1", "P2", "P3"]),
                    required: false,
                },
                ArgSpec {
                    key: "services",
                    kind: ArgKind::Tags,
                    required: false,
                },
                ArgSpec {
                    key: "mode",
                    kind: ArgKind::Tag,
                    required: false,
                },
                ArgSpec {
                    key: "deploy",
                    kind: ArgKind::YesNo,
                    required: false,
                },
                ArgSpec {
                    key: "started",
                    kind: ArgKind::Time,
                    required: false,
                },
            ],
            rest: None,
        },
        CommandSpec {
            name: "review",
            summary: "Open the review",
            args: &[
                ArgSpec {
                    key: "facilitator",
                    kind: ArgKind::User,
                    required: false,
                },
                ArgSpec {
                    key: "participants",
                    kind: ArgKind::Users,
                    required: false,
                },
                ArgSpec {
                    key: "in",
                    kind: ArgKind::Duration,
                    required: false,
                },
                ArgSpec {
                    key: "min",
                    kind: ArgKind::Int { min: 2, max: 50 },
                    required: false,
                },
                ArgSpec {
                    key: "meeting",
                    kind: ArgKind::Time,
                    required: false,
                },
                ArgSpec {
                    key: "deadline",
                    kind: ArgKind::Duration,
                    required: false,
                },
            ],
            rest: None,
        },
        CommandSpec {
            name: "survey",
            summary: "Send the survey",
            args: &[],
            rest: None,
        },
        CommandSpec {
            name: "survey close",
            summary: "Close the survey",
            args: &[],
            rest: None,
        },
        CommandSpec {
            name: "observe",
            summary: "Add an anonymous observation",
            args: &[],
            rest: Some(RestSpec {
                name: "text",
                required: true,
            }),
        },
        CommandSpec {
            name: "needs",
            summary: "Needs an argument",
            args: &[ArgSpec {
                key: "turn",
                kind: ArgKind::Duration,
                required: true,
            }],
            rest: None,
        },
    ];

    fn ok(text: &str) -> Invocation {
        parse("/debrief", text, TEST_SPECS).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> String {
        parse("/debrief", text, TEST_SPECS).unwrap_err().0
    }

    #[test]
    fn quoted_values_keep_their_spaces() {
        let inv = ok(r#"incident title="Checkout outage in EU" sev=p1"#);
        assert_eq!(inv.name(), "incident");
        assert_eq!(inv.text("title"), Some("Checkout outage in EU"));
        assert_eq!(inv.choice("sev"), Some("P1"));
    }

    #[test]
    fn curly_quotes_from_autocorrect_work_too() {
        assert_eq!(
            ok("incident title=“Cache storm”").text("title"),
            Some("Cache storm")
        );
    }

    #[test]
    fn escaped_mentions_become_user_ids() {
        let inv = ok("review facilitator=<@U123|maria> participants=<@U1|a>,<@U2|b>,<@U1|a>");
        assert_eq!(inv.user("facilitator"), Some("U123"));
        assert_eq!(
            inv.users("participants"),
            Some(&["U1".to_string(), "U2".to_string()][..])
        );
    }

    #[test]
    fn mentions_separated_by_spaces_continue_the_list() {
        let inv = ok("review participants=<@U1|a> <@U2|b> min=3");
        assert_eq!(inv.users("participants").unwrap().len(), 2);
        assert_eq!(inv.int("min"), Some(3));
    }

    #[test]
    fn tags_are_normalised() {
        let inv = ok(r#"incident services="Checkout API, payments" mode="Cache Invalidation""#);
        assert_eq!(
            inv.tags("services"),
            Some(&["checkout-api".to_string(), "payments".to_string()][..])
        );
        assert_eq!(inv.tag("mode"), Some("cache-invalidation"));
    }

    #[test]
    fn two_word_subcommands_win_over_their_prefix() {
        assert_eq!(ok("survey close").name(), "survey close");
        assert_eq!(ok("Survey").name(), "survey");
    }

    #[test]
    fn free_text_is_kept_verbatim() {
        let inv = ok(r#"observe The "retry" storm  started before the deploy"#);
        assert_eq!(
            inv.rest.as_deref(),
            Some(r#"The "retry" storm  started before the deploy"#)
        );
        assert!(err("observe").contains("needs the text"));
    }

    #[test]
    fn a_stray_quote_mark_in_free_text_is_part_of_the_text() {
        // One quote mark: an unclosed argument anywhere else, but an observation is prose.
        let inv = ok(r#"observe the 27" monitor hid the "error rate"#);
        assert_eq!(
            inv.rest.as_deref(),
            Some(r#"the 27" monitor hid the "error rate"#)
        );
        assert_eq!(
            ok("OBSERVE “curly alone").rest.as_deref(),
            Some("“curly alone")
        );
        // Other subcommands still say what is wrong with an unclosed quote.
        assert!(err(r#"incident title="unclosed"#).contains("never closed"));
    }

    #[test]
    fn times_on_the_persons_clock_resolve_in_their_time_zone() {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        // Thursday 3 December 2026, 14:00 in Berlin.
        let now: Timestamp = "2026-12-03T13:00:00Z".parse().unwrap();
        let at = |text: &str| {
            ok(&format!("review {text}"))
                .time_in("meeting", now, &tz)
                .map(|t| t.to_string())
        };
        assert_eq!(
            at("meeting=tomorrow 15:00").as_deref(),
            Some("2026-12-04T14:00:00Z")
        );
        assert_eq!(
            at(r#"meeting="tomorrow 3pm""#).as_deref(),
            Some("2026-12-04T14:00:00Z")
        );
        assert_eq!(
            at("meeting=today 9:30").as_deref(),
            Some("2026-12-03T08:30:00Z")
        );
        // A bare time already past today means tomorrow; one still ahead, today.
        assert_eq!(at("meeting=10:00").as_deref(), Some("2026-12-04T09:00:00Z"));
        assert_eq!(at("meeting=16:30").as_deref(), Some("2026-12-03T15:30:00Z"));
        // Weekdays: the next one; today's only while its time is ahead.
        assert_eq!(
            at("meeting=mon 10:00").as_deref(),
            Some("2026-12-07T09:00:00Z")
        );
        assert_eq!(
            at("meeting=thursday 9:00").as_deref(),
            Some("2026-12-10T08:00:00Z")
        );
        assert_eq!(
            at("meeting=thursday 17:00").as_deref(),
            Some("2026-12-03T16:00:00Z")
        );
        assert_eq!(
            at("meeting=2026-12-07 15:00").as_deref(),
            Some("2026-12-07T14:00:00Z")
        );
        assert_eq!(
            at("meeting=2026-12-07T15:00").as_deref(),
            Some("2026-12-07T14:00:00Z")
        );
        assert!(
            err("review meeting=12am tomorrow").contains("key=value"),
            "not a form we read"
        );
        // RFC 3339 stays exact, whatever the clock.
        assert_eq!(
            at("meeting=2026-12-07T15:00:00Z").as_deref(),
            Some("2026-12-07T15:00:00Z")
        );
        // Later arguments still parse after a joined time.
        let inv = ok("review meeting=tomorrow 15:00 deadline=2d");
        assert!(inv.duration("deadline").is_some());
        assert_eq!(parse_clock("12am"), jiff::civil::Time::new(0, 0, 0, 0).ok());
        assert_eq!(
            parse_clock("12pm"),
            jiff::civil::Time::new(12, 0, 0, 0).ok()
        );
        assert_eq!(parse_clock("13pm"), None);
        assert_eq!(parse_clock("25:00"), None);
    }

    #[test]
    fn rfc3339_times_and_yes_no_parse() {
        let inv = ok("incident started=2026-11-27T09:30:00+01:00 deploy=yes");
        assert_eq!(inv.time("started").unwrap().as_second(), 1_795_768_200);
        assert_eq!(inv.yes_no("deploy"), Some(true));
    }

    #[test]
    fn user_mistakes_get_a_sentence_that_says_what_to_type() {
        let cases = [
            ("", "help"),
            ("statsu", "I don't know `/debrief statsu`"),
            ("reviw", "Did you mean `/debrief review`?"),
            ("incident titel=x", "Did you mean `title=`?"),
            ("incident sev=P9", "one of P1, P2, P3"),
            ("review in=soon", "a duration such as 90s"),
            ("review facilitator=maria", "one person mentioned with @"),
            ("review min=1", "a whole number from 2 to 50"),
            ("incident started=yesterday", "\"tomorrow 15:00\""),
            ("incident title=\"unclosed", "never closed"),
            ("incident title=a title=b", "given twice"),
            ("incident stray", "arguments look like key=value"),
            ("needs", "needs `turn=`"),
            ("help me=now", "takes no arguments"),
        ];
        for (text, expected) in cases {
            let message = err(text);
            assert!(message.contains(expected), "{text:?} gave {message:?}");
            assert!(
                message.ends_with('.') || message.ends_with('`'),
                "{message}"
            );
        }
    }

    #[test]
    fn durations_parse_and_print() {
        for (raw, secs) in [
            ("90s", 90),
            ("45m", 2700),
            ("2h", 7200),
            ("3d", 259_200),
            ("1h30m", 5400),
        ] {
            let d = parse_duration(raw).unwrap();
            assert_eq!(d.as_secs(), secs, "{raw}");
            assert_eq!(parse_duration(&format_duration(d)), Some(d));
        }
        for bad in ["", "0s", "5", "h", "2x", "10y", "400d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn tag_normalisation_examples() {
        assert_eq!(normalize_tag("Cache Invalidation"), "cache-invalidation");
        assert_eq!(normalize_tag("  DNS / TTL  "), "dns-ttl");
        assert_eq!(normalize_tag("---"), "");
    }

    #[test]
    fn user_mentions_are_validated() {
        assert_eq!(parse_user("<@U0G9QF9C6>"), Some("U0G9QF9C6".into()));
        assert_eq!(parse_user("<@U1 evil>"), None);
        assert_eq!(parse_user("@maria"), None);
    }

    #[test]
    fn channel_mentions_are_validated() {
        assert_eq!(parse_channel("<#C024BE7LR|sre>"), Some("C024BE7LR".into()));
        assert_eq!(parse_channel("<#G12345>"), Some("G12345".into()));
        assert_eq!(parse_channel("#sre"), None);
        assert_eq!(parse_channel("<#U123|someone>"), None);
        assert_eq!(parse_channel("<#C1 x|sre>"), None);
    }

    #[test]
    fn usage_lines_are_generated_from_the_spec() {
        let spec = TEST_SPECS.iter().find(|s| s.name == "incident").unwrap();
        assert_eq!(
            spec.usage("/debrief"),
            "/debrief incident [title=\"…\"] [sev=P1|P2|P3] [services=a,b] [mode=<tag>] [deploy=yes|no] [started=<time>]"
        );
    }
}
