//! Purpose: posting a message that must reach Slack exactly once, whatever happens to the
//! process or to Slack's answer.
//!
//! Jobs run at least once: a `kill -9`, a lost lease or a timed-out call that Slack did
//! act on all lead to a second run. Before posting, the message's key is written to the
//! outbox ledger; after, its ts. A run that finds the key with a ts has nothing to do; one
//! that finds the key without a ts (the earlier run may or may not have reached Slack)
//! looks for the message in Slack, by a marker in its first block, before posting. The
//! lookup happens only in that rare case, so the common path costs one database write on
//! each side of the post and no extra Slack call.

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use slack_morphism::prelude::SlackMessageContent;

use crate::app::AppState;
use crate::queue::JobError;
use crate::slack::SlackCallError;
use crate::store::outbox::OutboxEntry;

/// How far back a lookup starts before the first attempt (Slack's and our clocks differ).
const LOOKUP_SLACK_SECONDS: i64 = 120;

/// Posts `content` in `channel` (in `thread_ts` when given) unless the message `key` was
/// already posted; returns its ts either way.
pub async fn post_once(
    state: &AppState,
    key: &str,
    channel: &str,
    thread_ts: Option<&str>,
    content: SlackMessageContent,
) -> Result<String, JobError> {
    let marker = marker(key);
    match state
        .store
        .outbox_begin(key, channel, state.clock.now())
        .await?
    {
        OutboxEntry::Sent(ts) => return Ok(ts),
        OutboxEntry::Attempted { since } => {
            let found = state
                .slack
                .find_marked(
                    channel,
                    thread_ts,
                    &marker,
                    Some(since - LOOKUP_SLACK_SECONDS),
                )
                .await?;
            if let Some(ts) = found {
                state.store.outbox_sent(key, &ts).await?;
                return Ok(ts);
            }
        }
        OutboxEntry::Fresh => {}
    }
    let ts = state
        .slack
        .post_message(channel, with_marker(content, &marker)?, thread_ts)
        .await?;
    state.store.outbox_sent(key, &ts).await?;
    Ok(ts)
}

/// Whether a message with this key was found in Slack (for callers that post through
/// another path, such as the reminder pass, which keeps no ledger row per person).
pub async fn already_posted(
    state: &AppState,
    key: &str,
    channel: &str,
    since: Timestamp,
) -> Result<bool, SlackCallError> {
    Ok(state
        .slack
        .find_marked(
            channel,
            None,
            &marker(key),
            Some(since.as_second() - LOOKUP_SLACK_SECONDS),
        )
        .await?
        .is_some())
}

/// Posts `content` with the marker for `key`, keeping no ledger row (see [`already_posted`]).
pub async fn post_marked(
    state: &AppState,
    key: &str,
    channel: &str,
    content: SlackMessageContent,
) -> Result<String, JobError> {
    Ok(state
        .slack
        .post_message(channel, with_marker(content, &marker(key))?, None)
        .await?)
}

/// The block id that marks a message: a hash, so keys of any length fit Slack's limit
/// and say nothing readable in the message's JSON.
pub fn marker(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("dbf-{}", hex::encode(&digest[..12]))
}

/// Puts `marker` on the message's first block (a text-only message gets a section block
/// carrying its text, which Slack shows the same way).
fn with_marker(content: SlackMessageContent, marker: &str) -> anyhow::Result<SlackMessageContent> {
    let mut value = serde_json::to_value(&content)?;
    let text = value["text"].as_str().unwrap_or_default().to_string();
    let blocks = value["blocks"].as_array().cloned().unwrap_or_default();
    let mut blocks = if blocks.is_empty() {
        vec![serde_json::json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": text },
        })]
    } else {
        blocks
    };
    blocks[0]["block_id"] = marker.into();
    value["blocks"] = blocks.into();
    Ok(serde_json::from_value(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_stable_short_and_distinct() {
        assert_eq!(marker("invite:1:U1"), marker("invite:1:U1"));
        assert_ne!(marker("invite:1:U1"), marker("invite:1:U2"));
        assert!(marker("x").len() < 40);
        assert!(!marker("invite:1:U1").contains("U1"));
    }

    #[test]
    fn the_marker_goes_on_the_first_block_and_text_only_messages_get_one() {
        let marked = with_marker(crate::slack::blocks::text("hello"), "dbf-1").unwrap();
        let json = serde_json::to_value(&marked).unwrap();
        assert_eq!(json["blocks"][0]["block_id"], "dbf-1");
        assert_eq!(json["blocks"][0]["text"]["text"], "hello");
        assert_eq!(json["text"], "hello");
        let with_blocks = crate::slack::blocks::message(
            "fallback",
            vec![
                crate::slack::blocks::section("one"),
                crate::slack::blocks::section("two"),
            ],
        );
        let json = serde_json::to_value(with_marker(with_blocks, "dbf-2").unwrap()).unwrap();
        assert_eq!(json["blocks"][0]["block_id"], "dbf-2");
        assert_eq!(json["blocks"].as_array().unwrap().len(), 2);
    }
}
