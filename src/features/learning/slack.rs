//! Purpose: the report as Slack mrkdwn, one (title, body) pair per template section, each
//! body under Slack's 3,000-character section limit: long lists end in "…and N more".

use super::markdown::fold;
use super::outline::{Block, Style, Text, outline};
use super::report::LearningReport;

/// Slack's limit for a section block's text.
pub const SECTION_LIMIT: usize = 3_000;

/// Room kept under the limit, so a caller can add a line without recounting.
const BUDGET: usize = SECTION_LIMIT - 100;
/// Items shown per list before "…and N more", for readability as much as size.
const MAX_ITEMS: usize = 10;
/// Longest single line.
const MAX_LINE: usize = 400;
/// Room kept for each later list, so an early long list cannot starve them.
const LIST_RESERVE: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackSection {
    pub title: String,
    /// mrkdwn, fewer than `SECTION_LIMIT` characters.
    pub body: String,
}

pub fn to_slack_sections(report: &LearningReport) -> Vec<SlackSection> {
    outline(report)
        .into_iter()
        .map(|section| SlackSection {
            title: section.title,
            body: fit(section.blocks.iter().map(part).collect(), BUDGET),
        })
        .collect()
}

enum Part {
    Fixed(String),
    /// Lines, and how many more entries the report counted but did not list.
    List(Vec<String>, usize),
}

fn part(block: &Block) -> Part {
    match block {
        Block::Heading(title) => Part::Fixed(format!("\n*{}*", escape(title))),
        Block::Para(text) => Part::Fixed(line(text)),
        Block::List(items, more) => Part::List(
            items.iter().map(|t| format!("• {}", line(t))).collect(),
            *more,
        ),
        Block::Table {
            compact: Some(text),
            ..
        } => Part::Fixed(line(text)),
        Block::Table { head, rows, .. } => {
            Part::List(rows.iter().map(|r| row(head, r)).collect(), 0)
        }
    }
}

/// A table row as one line: `Quarter 2026-Q3 · Opened 3 · …`.
fn row(head: &[&str], cells: &[Text]) -> String {
    let cells: Vec<String> = head
        .iter()
        .zip(cells)
        .map(|(h, c)| format!("{} {}", escape(h), line(c)))
        .collect();
    format!("• {}", cells.join(" · "))
}

fn line(text: &Text) -> String {
    let rendered: String = text
        .0
        .iter()
        .map(|(style, s)| match style {
            Style::Plain => escape(s),
            Style::User => escape(&fold(s)),
            Style::Strong => bold(&escape(s)),
            Style::StrongUser => bold(&escape(&fold(s))),
        })
        .collect();
    clip(&rendered, MAX_LINE)
}

/// `*bold*`, with spaces outside the markers, where Slack requires them.
fn bold(s: &str) -> String {
    let core = s.trim();
    if core.is_empty() {
        return s.to_string();
    }
    let lead = &s[..s.len() - s.trim_start().len()];
    let tail = &s[s.trim_end().len()..];
    format!("{lead}*{core}*{tail}")
}

/// Lays parts out within `budget` characters: every fixed line, and as many items of each
/// list as fit (at most `MAX_ITEMS`), the rest counted in "…and N more".
fn fit(parts: Vec<Part>, budget: usize) -> String {
    let width = |s: &str| s.chars().count() + 1;
    let fixed: usize = parts
        .iter()
        .map(|p| match p {
            Part::Fixed(s) => width(s),
            Part::List(..) => 0,
        })
        .sum();
    let mut lists_left = parts.iter().filter(|p| matches!(p, Part::List(..))).count();
    let mut remaining = budget.saturating_sub(fixed);
    let mut lines = Vec::new();
    for part in parts {
        match part {
            Part::Fixed(s) => lines.push(s),
            Part::List(items, unlisted) => {
                lists_left -= 1;
                let allowance = remaining.saturating_sub(lists_left * LIST_RESERVE);
                let shown = take_within(&items, allowance);
                let used: usize = items[..shown].iter().map(|s| width(s)).sum();
                lines.extend(items[..shown].iter().cloned());
                let mut spent = used;
                if shown < items.len() + unlisted {
                    let more = format!("…and {} more", items.len() + unlisted - shown);
                    spent += width(&more);
                    lines.push(more);
                }
                remaining = remaining.saturating_sub(spent);
            }
        }
    }
    let body = lines.join("\n").trim().to_string();
    clip(&body, budget)
}

/// How many leading items fit in `allowance`, leaving room for "…and N more" if some remain.
fn take_within(items: &[String], allowance: usize) -> usize {
    const MORE: usize = 24;
    let mut used = 0;
    for (n, item) in items.iter().enumerate().take(MAX_ITEMS) {
        let cost = item.chars().count() + 1;
        let more = if n + 1 < items.len() { MORE } else { 0 };
        if used + cost + more > allowance {
            return n;
        }
        used += cost;
    }
    items.len().min(MAX_ITEMS)
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The three characters Slack asks to be escaped in mrkdwn.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_end_in_and_n_more_within_the_budget() {
        let items: Vec<String> = (0..500)
            .map(|n| format!("• item number {n:03} with some words"))
            .collect();
        let parts = vec![
            Part::Fixed("*Heading*".into()),
            Part::List(items.clone(), 0),
            Part::List(items, 7),
        ];
        let body = fit(parts, 600);
        assert!(body.chars().count() <= 600, "{}", body.len());
        assert_eq!(body.matches("more").count(), 2, "{body}");
        assert!(body.contains("• item number 000"));
    }

    #[test]
    fn short_lists_are_shown_whole() {
        let parts = vec![Part::List(vec!["• a".into(), "• b".into()], 0)];
        assert_eq!(fit(parts, 100), "• a\n• b");
    }

    #[test]
    fn escapes_and_bold() {
        assert_eq!(escape("a<b>&c"), "a&lt;b&gt;&amp;c");
        assert_eq!(bold("By hour: "), "*By hour:* ");
    }
}
