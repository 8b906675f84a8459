//! Purpose: what a slash command brings in ([`CommandRequest`]) and what the person who
//! typed it, or pressed a button, sees right away ([`Reply`]), whichever transport carried it.

use slack_morphism::prelude::*;

use crate::slack::blocks;

/// A slash command as debrief needs it, whichever transport delivered it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct CommandRequest {
    pub team_id: String,
    pub channel_id: String,
    pub user_id: String,
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub response_url: String,
    pub trigger_id: String,
}

impl From<SlackCommandEvent> for CommandRequest {
    fn from(ev: SlackCommandEvent) -> Self {
        Self {
            team_id: ev.team_id.to_string(),
            channel_id: ev.channel_id.to_string(),
            user_id: ev.user_id.to_string(),
            command: ev.command.to_string(),
            text: blocks::storable(&ev.text.unwrap_or_default()),
            response_url: ev.response_url.value().to_string(),
            trigger_id: ev.trigger_id.to_string(),
        }
    }
}

/// What the person who typed a command (or pressed a button) sees right away.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub blocks: Vec<SlackBlock>,
    /// Ephemeral unless a feature deliberately posts in the channel.
    pub in_channel: bool,
}

impl Reply {
    pub fn ephemeral(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            blocks: Vec::new(),
            in_channel: false,
        }
    }

    pub fn ephemeral_blocks(fallback: impl Into<String>, blocks: Vec<SlackBlock>) -> Self {
        Self {
            text: fallback.into(),
            blocks,
            in_channel: false,
        }
    }

    pub fn into_command_response(self) -> SlackCommandEventResponse {
        let kind = if self.in_channel {
            SlackMessageResponseType::InChannel
        } else {
            SlackMessageResponseType::Ephemeral
        };
        SlackCommandEventResponse::new(blocks::message(self.text, self.blocks))
            .with_response_type(kind)
    }
}
