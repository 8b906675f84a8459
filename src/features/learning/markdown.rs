//! Purpose: the report as a Markdown document (headings, lists, pipe tables) that pastes
//! cleanly into Confluence or Notion: no raw HTML, no trailing blank lines.

use super::outline::{Block, Style, Text, outline};
use super::report::LearningReport;

/// The whole report as Markdown, ending in exactly one newline.
pub fn to_markdown(report: &LearningReport) -> String {
    to_markdown_with_images(report, &[])
}

/// An image the Markdown links under a section: (section index, alt text, file name).
pub type SectionImage<'a> = (usize, &'a str, &'a str);

/// The report as Markdown, with each image linked at the end of its section (the export
/// writes the chart files beside the document).
pub fn to_markdown_with_images(report: &LearningReport, images: &[SectionImage<'_>]) -> String {
    let mut blocks = Vec::new();
    for (n, section) in outline(report).iter().enumerate() {
        // The first section is the title page: its sub-headings sit one level up.
        let (level, sub) = if n == 0 { ("#", "##") } else { ("##", "###") };
        blocks.push(format!("{level} {}", escape(&section.title)));
        for block in &section.blocks {
            blocks.push(render_block(block, sub));
        }
        for (_, alt, file) in images.iter().filter(|(s, _, _)| *s == n) {
            blocks.push(format!("![{}]({file})", escape(alt)));
        }
    }
    let mut out = blocks.join("\n\n").trim_end().to_string();
    out.push('\n');
    out
}

fn render_block(block: &Block, heading: &str) -> String {
    match block {
        Block::Heading(title) => format!("{heading} {}", escape(title)),
        Block::Para(text) => inline(text),
        Block::List(items, more) => items
            .iter()
            .map(|t| format!("- {}", inline(t)))
            .chain((*more > 0).then(|| format!("- …and {more} more")))
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Table { head, rows, .. } => table(head, rows),
    }
}

fn table(head: &[&str], rows: &[Vec<Text>]) -> String {
    let row = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let mut lines = vec![
        row(head.iter().map(|h| escape(h)).collect()),
        row(head.iter().map(|_| "---".to_string()).collect()),
    ];
    lines.extend(rows.iter().map(|r| row(r.iter().map(inline).collect())));
    lines.join("\n")
}

fn inline(text: &Text) -> String {
    text.0
        .iter()
        .map(|(style, s)| match style {
            Style::Plain => s.clone(),
            Style::User => escape(&fold(s)),
            Style::Strong => strong(s),
            Style::StrongUser => strong(&escape(&fold(s))),
        })
        .collect()
}

/// Bold, keeping surrounding spaces outside the markers (CommonMark ignores `** x**`).
fn strong(s: &str) -> String {
    let core = s.trim();
    if core.is_empty() {
        return s.to_string();
    }
    let lead = &s[..s.len() - s.trim_start().len()];
    let tail = &s[s.trim_end().len()..];
    format!("{lead}**{core}**{tail}")
}

/// Typed text on one line: newlines and runs of spaces become one space; a space at
/// either edge stays, since it separates the text from its neighbours.
pub(super) fn fold(s: &str) -> String {
    let inner = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let lead = if s.starts_with(char::is_whitespace) && !inner.is_empty() {
        " "
    } else {
        ""
    };
    let tail = if s.ends_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    format!("{lead}{inner}{tail}")
}

/// Escapes what Markdown (and pipe tables) would read as syntax.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_cannot_become_markup() {
        assert_eq!(escape("a|b *c* <d>"), "a\\|b \\*c\\* \\<d\\>");
        assert_eq!(fold("two\n  lines"), "two lines");
        assert_eq!(fold("edge: "), "edge: ");
        assert_eq!(strong("Period: "), "**Period:** ");
    }
}
