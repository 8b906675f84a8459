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
}

/// Text as it can be stored and shown: NUL and the other control characters that no
/// person types (PostgreSQL refuses NUL in text, so keeping one would fail forever) are
/// dropped; line breaks and tabs stay. Direction marks are kept: they are how people
/// write right-to-left languages, and Slack shows them as written.
pub fn storable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
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

/// Puts `button` behind Slack's own confirmation dialog: nothing is sent to debrief until
/// the person presses `confirm` in it.
pub fn behind_confirmation(
    button: SlackBlockButtonElement,
    title: &str,
    text: &str,
    confirm: &str,
) -> SlackBlockButtonElement {
    button.with_confirm(
        SlackBlockConfirmItem::new(
            pt!(truncate_words(title, 100)),
            md!(truncate_words(text, 300)),
            pt!(truncate_words(confirm, 30)),
            pt!("Cancel"),
        )
        .with_style("danger".to_string()),
    )
}

/// A button that opens `url` in Slack (Slack still reports the click as an action).
pub fn link_button(
    label: &str,
    action_id: &str,
    value: &str,
    url: &str,
    style: Style,
) -> SlackBlockButtonElement {
    let button = button(label, action_id, value, style);
    match url::Url::parse(url) {
        Ok(url) => button.with_url(url),
        Err(_) => button,
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

/// A time Slack renders in each reader's own time zone, with a UTC fallback.
pub fn date(unix_seconds: i64) -> String {
    let fallback = jiff::Timestamp::from_second(unix_seconds)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| unix_seconds.to_string());
    format!("<!date^{unix_seconds}^{{date_short_pretty}} at {{time}}|{fallback}>")
}

/// Splits text that may exceed a section's 3,000 characters into several sections,
/// breaking between paragraphs, then lines, then words; never inside a word.
pub fn long_section(markdown: &str) -> Vec<SlackBlock> {
    split_text(markdown, limits::SECTION_TEXT)
        .into_iter()
        .map(|part| section(&part))
        .collect()
}

/// Splits `text` into pieces of at most `max` characters at the best boundary available.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let window: String = rest.chars().take(max).collect();
        let cut = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| window.rfind(sep).filter(|&i| i > 0))
            .unwrap_or(window.len());
        pieces.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_string());
    }
    pieces
}

/// Groups blocks into messages of at most `per_message` blocks, keeping their order.
/// A block marked by `keeps_with_next` (a heading) is never left last in a message.
pub fn paginate(blocks: Vec<SlackBlock>, per_message: usize) -> Vec<Vec<SlackBlock>> {
    let mut messages: Vec<Vec<SlackBlock>> = Vec::new();
    let mut current: Vec<SlackBlock> = Vec::new();
    for block in blocks {
        if current.len() == per_message {
            let carry = match current.last() {
                Some(SlackBlock::Header(_)) if per_message > 1 => current.pop(),
                _ => None,
            };
            messages.push(std::mem::take(&mut current));
            current.extend(carry);
        }
        current.push(block);
    }
    if !current.is_empty() {
        messages.push(current);
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_splits_between_words_within_the_limit() {
        let text = "lorem ipsum dolor ".repeat(400);
        let parts = split_text(&text, 3000);
        assert!(parts.len() >= 3);
        assert!(parts.iter().all(|p| p.chars().count() <= 3000));
        assert_eq!(
            parts.join(" ").split_whitespace().count(),
            text.split_whitespace().count()
        );
        assert!(
            parts
                .iter()
                .flat_map(|p| p.split_whitespace())
                .all(|w| ["lorem", "ipsum", "dolor"].contains(&w))
        );
    }

    #[test]
    fn pagination_keeps_order_and_the_block_limit() {
        let blocks: Vec<SlackBlock> = (0..120).map(|n| section(n.to_string())).collect();
        let pages = paginate(blocks, limits::MESSAGE_BLOCKS);
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![50, 50, 20]
        );
        let first_of_second = serde_json::to_value(&pages[1][0]).unwrap();
        assert_eq!(first_of_second["text"]["text"], "50");
    }

    #[test]
    fn a_heading_is_never_the_last_block_of_a_message() {
        let mut blocks: Vec<SlackBlock> = (0..49).map(|n| section(n.to_string())).collect();
        blocks.push(header("Next question"));
        blocks.push(section("answer"));
        let pages = paginate(blocks, 50);
        assert_eq!(pages[0].len(), 49);
        assert!(matches!(pages[1][0], SlackBlock::Header(_)));
    }

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
