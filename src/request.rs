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

/// What the person who typed a command (or pressed a button) sees right away: always
/// ephemeral, so a command never speaks for anyone in the channel.
///
/// Its fields are private so that every change goes through a method that drops the cached
/// encoding: a reply edited after [`Reply::encoded_once`] must not answer with the old JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    text: String,
    blocks: Vec<SlackBlock>,
    /// The reply already encoded as the HTTP answer's JSON, for a reply that never changes
    /// (`help`, the most frequent command): encoding its text again for each request was a
    /// sixth of that request's work. Set only by [`Reply::encoded_once`]; any change to the
    /// reply goes through a method that drops it.
    encoded: Option<bytes::Bytes>,
}

impl Reply {
    pub fn ephemeral(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            blocks: Vec::new(),
            encoded: None,
        }
    }

    pub fn ephemeral_blocks(fallback: impl Into<String>, blocks: Vec<SlackBlock>) -> Self {
        Self {
            text: fallback.into(),
            blocks,
            encoded: None,
        }
    }

    /// This reply with its HTTP answer encoded now, for a reply built once and cloned for
    /// every request.
    pub fn encoded_once(mut self) -> Self {
        self.encoded = Some(self.clone().into_http_body());
        self
    }

    /// The reply's text (its fallback text when it has blocks).
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn into_text(self) -> String {
        self.text
    }

    /// Adds a paragraph after the reply's text.
    pub fn append_text(&mut self, paragraph: &str) {
        self.encoded = None;
        self.text.push('\n');
        self.text.push_str(paragraph);
    }

    /// The body of the HTTP answer to a slash command: Slack's JSON response.
    pub fn into_http_body(self) -> bytes::Bytes {
        match self.encoded {
            Some(json) => json,
            None => serde_json::to_vec(&self.into_command_response())
                .expect("a command response always encodes as JSON")
                .into(),
        }
    }

    pub fn into_command_response(self) -> SlackCommandEventResponse {
        SlackCommandEventResponse::new(blocks::message(self.text, self.blocks))
            .with_response_type(SlackMessageResponseType::Ephemeral)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh_body(reply: &Reply) -> Vec<u8> {
        let mut plain = reply.clone();
        plain.encoded = None;
        plain.into_http_body().to_vec()
    }

    #[test]
    fn an_encoded_reply_answers_exactly_what_encoding_it_again_would() {
        let reply = Reply::ephemeral("*debrief* runs reviews\n• `/debrief help`").encoded_once();
        assert!(reply.encoded.is_some());
        let body = reply.clone().into_http_body();
        assert_eq!(body.to_vec(), fresh_body(&reply));
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["response_type"], "ephemeral");
        assert_eq!(json["text"], "*debrief* runs reviews\n• `/debrief help`");
    }

    #[test]
    fn changing_an_encoded_reply_encodes_the_change() {
        let mut reply = Reply::ephemeral("Something went wrong.").encoded_once();
        reply.append_text("What you typed, to send again: `observe x`");
        assert!(reply.encoded.is_none());
        let json: serde_json::Value =
            serde_json::from_slice(&reply.clone().into_http_body()).unwrap();
        assert_eq!(
            json["text"],
            "Something went wrong.\nWhat you typed, to send again: `observe x`"
        );
    }
}
