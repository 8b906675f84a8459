//! Purpose: small Block Kit builders shared by every feature, and Slack's size limits.
//!
//! Feature-specific views live with their feature; this module only knows how to
//! make the few block shapes debrief uses, so that limits are enforced in one place.

use slack_morphism::prelude::*;

/// Slack's documented limits (docs.slack.dev Block Kit reference).
pub mod limits {
    /// Blocks in one message.
    pub const MESSAGE_BLOCKS: usize = 50;
    /// Blocks in one modal or Home tab.
    pub const VIEW_BLOCKS: usize = 100;
    /// Characters in a section's text.
    pub const SECTION_TEXT: usize = 3000;
    /// Characters in a modal's title, submit and close labels.
    pub const VIEW_TITLE: usize = 24;
    /// Characters in a header block.
    pub const HEADER_TEXT: usize = 150;
    /// Characters a plain-text input may hold.
    pub const INPUT_TEXT: usize = 3000;
    /// Characters in a button label.
    pub const BUTTON_TEXT: usize = 75;
    /// Characters in a button value.
    pub const BUTTON_VALUE: usize = 2000;
    /// Characters in a view's private_metadata.
    pub const PRIVATE_METADATA: usize = 3000;
}

/// Cuts `text` to at most `max` characters at a word boundary, adding "…" when cut.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let budget = max.saturating_sub(1);
    let cut: String = text.chars().take(budget).collect();
    let at_word = match cut.rfind(char::is_whitespace) {
        Some(i) if i > budget / 2 => cut[..i].trim_end().to_string(),
        _ => cut,
    };
    format!("{at_word}…")
}

/// A section with mrkdwn text (cut to Slack's limit at a word boundary).
pub fn section(markdown: impl AsRef<str>) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(md!(truncate_words(markdown.as_ref(), limits::SECTION_TEXT)))
        .into()
}

/// A header block (plain text, cut to 150 characters).
pub fn header(text: impl AsRef<str>) -> SlackBlock {
    SlackHeaderBlock::new(pt!(truncate_words(text.as_ref(), limits::HEADER_TEXT))).into()
}

/// A context block holding one line of small mrkdwn text.
pub fn context(markdown: impl AsRef<str>) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(truncate_words(markdown.as_ref(), limits::SECTION_TEXT)),
    )])
    .into()
}

pub fn divider() -> SlackBlock {
    SlackDividerBlock::new().into()
}

/// Button styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Default,
    Primary,
    Danger,
}

/// A button with an action id and a value the handler reads back.
pub fn button(label: &str, action_id: &str, value: &str, style: Style) -> SlackBlockButtonElement {
    let button = SlackBlockButtonElement::new(pt!(truncate_words(label, limits::BUTTON_TEXT)))
        .with_action_id(action_id.into())
        .with_value(value.to_string());
    match style {
        Style::Default => button,
        Style::Primary => button.with_style(SlackBlockButtonStyle::Primary),
        Style::Danger => button.with_style(SlackBlockButtonStyle::Danger),
    }
}

/// An actions block of buttons.
pub fn actions(block_id: Option<&str>, buttons: Vec<SlackBlockButtonElement>) -> SlackBlock {
    let block = SlackActionsBlock::new(buttons.into_iter().map(Into::into).collect());
    match block_id {
        Some(id) => block.with_block_id(id.into()).into(),
        None => block.into(),
    }
}

/// Message content with a plain-text fallback (for notifications) and blocks.
pub fn message(fallback: impl Into<String>, blocks: Vec<SlackBlock>) -> SlackMessageContent {
    let content = SlackMessageContent::new().with_text(fallback.into());
    if blocks.is_empty() {
        content
    } else {
        content.with_blocks(blocks)
    }
}

/// Message content that is just text.
pub fn text(text: impl Into<String>) -> SlackMessageContent {
    SlackMessageContent::new().with_text(text.into())
}

/// Escapes the three characters Slack's mrkdwn treats as control characters, so
/// that text a person typed cannot ping a channel or fake a link when we echo it.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_stops_at_a_word_and_respects_the_limit() {
        let text = "alpha beta gamma delta epsilon";
        let cut = truncate_words(text, 14);
        assert_eq!(cut, "alpha beta…");
        assert!(cut.chars().count() <= 14);
        assert_eq!(truncate_words("short", 10), "short");
    }

    #[test]
    fn truncation_of_one_long_word_still_fits() {
        let cut = truncate_words(&"x".repeat(5000), limits::SECTION_TEXT);
        assert_eq!(cut.chars().count(), limits::SECTION_TEXT);
    }

    #[test]
    fn escaping_neutralises_mentions_and_links() {
        assert_eq!(
            escape("<!channel> & <http://x|y>"),
            "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"
        );
    }
}
