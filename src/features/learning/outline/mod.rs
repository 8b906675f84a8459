//! Purpose: the report's wording, once, as a small document model (sections of headings,
//! paragraphs, lists and tables) that the Markdown and Slack renderers both draw. Text a
//! person typed is marked, so each renderer escapes it its own way.

mod audit;
mod culture;
mod overview;
mod patterns;
mod risks;

use super::report::{LearningReport, Listed, Ratio};

pub(super) struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

pub(super) enum Block {
    Heading(String),
    Para(Text),
    /// Items, and how many more were counted but not listed.
    List(Vec<Text>, usize),
    /// `compact` is the one-line form for Slack; without it Slack lists the rows.
    Table {
        head: Vec<&'static str>,
        rows: Vec<Vec<Text>>,
        compact: Option<Text>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// Our own words and figures.
    Plain,
    /// Typed by a person: escaped, whitespace folded.
    User,
    Strong,
    StrongUser,
}

/// A run of styled segments.
#[derive(Debug, Clone, Default)]
pub(super) struct Text(pub Vec<(Style, String)>);

impl Text {
    pub fn new() -> Text {
        Text::default()
    }

    pub fn p(mut self, s: impl Into<String>) -> Text {
        self.0.push((Style::Plain, s.into()));
        self
    }

    pub fn u(mut self, s: impl Into<String>) -> Text {
        self.0.push((Style::User, s.into()));
        self
    }

    pub fn b(mut self, s: impl Into<String>) -> Text {
        self.0.push((Style::Strong, s.into()));
        self
    }

    pub fn bu(mut self, s: impl Into<String>) -> Text {
        self.0.push((Style::StrongUser, s.into()));
        self
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new().p(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::new().p(s)
    }
}

/// The whole report as sections, in the template's order.
pub(super) fn outline(report: &LearningReport) -> Vec<Section> {
    vec![
        overview::header(report),
        overview::inventory(report),
        patterns::section(report),
        audit::section(report),
        culture::section(report),
        risks::section(report),
        overview::lookups(report),
    ]
}

/// A section title with its timebox from the running order.
fn timeboxed(report: &LearningReport, number: u8) -> String {
    report
        .header
        .running_order
        .iter()
        .find(|s| s.number == number)
        .map_or_else(
            || format!("{number}."),
            |s| format!("{}. {} ({} min)", s.number, s.title, s.minutes),
        )
}

/// `75%`, or a dash when there is nothing to divide by.
fn pct(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{:.0}%", v * 100.0))
}

/// `75% (6 of 8)`.
fn ratio(r: &Ratio) -> String {
    format!("{} ({} of {})", pct(r.value), r.numerator, r.denominator)
}

/// `#10, #11`, or `#10, #11 and 7 more`.
fn ids(list: &Listed<i64>) -> String {
    let shown = list
        .items
        .iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ");
    match list.more() {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// A figure with at most one decimal: `32.5`, `20`.
fn num(v: f64) -> String {
    let text = format!("{v:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "none" sentence for an empty list, or the list itself.
fn list_or(items: Vec<Text>, empty: &str) -> Block {
    listed_or(items, 0, empty)
}

/// The same for a capped list, `more` entries not being shown.
fn listed_or(items: Vec<Text>, more: usize, empty: &str) -> Block {
    if items.is_empty() && more == 0 {
        Block::Para(empty.into())
    } else {
        Block::List(items, more)
    }
}
