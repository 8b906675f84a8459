//! Purpose: plays Slack's side towards the bot: signed slash commands, button
//! clicks, modal submissions and events, shaped like the payloads Slack sends
//! (see bolt-python's captured payloads in shared/slack-reference).

use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use sha2::Sha256;

use super::SlackSandbox;

/// What the bot answered.
#[derive(Debug, Clone)]
pub struct BotResponse {
    pub status: u16,
    pub body: String,
}

impl BotResponse {
    /// The body as JSON (`Value::Null` when it is not JSON, e.g. an empty ack).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The `text` of a slash-command reply.
    pub fn text(&self) -> String {
        self.json()["text"].as_str().unwrap_or_default().to_string()
    }
}

/// Computes Slack's v0 signature for a body.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body.as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends Slack-shaped, signed requests to a running bot.
#[derive(Clone)]
pub struct SlackDriver {
    bot_url: String,
    secret: String,
    sandbox: SlackSandbox,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl SlackDriver {
    pub fn new(
        bot_url: impl Into<String>,
        secret: impl Into<String>,
        sandbox: SlackSandbox,
    ) -> Self {
        Self {
            bot_url: bot_url.into(),
            secret: secret.into(),
            sandbox,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    pub fn sandbox(&self) -> &SlackSandbox {
        &self.sandbox
    }

    /// POSTs `body` to `path`, signed with the current time.
    pub async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: String,
        extra: &[(&str, &str)],
    ) -> BotResponse {
        let timestamp = jiff::Timestamp::now().as_second();
        let signature = sign(&self.secret, timestamp, &body);
        let mut headers = vec![
            (
                "x-slack-request-timestamp".to_string(),
                timestamp.to_string(),
            ),
            ("x-slack-signature".to_string(), signature),
        ];
        headers.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.post_raw(path, content_type, Bytes::from(body), &headers)
            .await
    }

    /// POSTs exactly what it is given (for tests of bad signatures, sizes and payloads).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Bytes,
        headers: &[(String, String)],
    ) -> BotResponse {
        let mut request = hyper::Request::post(format!("{}{path}", self.bot_url))
            .header("content-type", content_type);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request.body(Full::new(body)).expect("a valid request");
        let response = tokio::time::timeout(Duration::from_secs(30), self.client.request(request))
            .await
            .expect("the bot answers within 30 s")
            .expect("the bot is reachable");
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        BotResponse {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    fn user_name(&self, user: &str) -> String {
        self.sandbox.world().user_name(user)
    }

    /// Types `/debrief <text>` as `user` in `channel`.
    pub async fn command(&self, user: &str, channel: &str, text: &str) -> BotResponse {
        let form = self.command_form(user, channel, text);
        self.post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            form,
            &[],
        )
        .await
    }

    /// The form body Slack sends for a slash command.
    pub fn command_form(&self, user: &str, channel: &str, text: &str) -> String {
        let (team_id, team_domain, channel_name) = {
            let world = self.sandbox.world();
            let channel_name = world
                .channels
                .get(channel)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "directmessage".into());
            (
                world.team_id.clone(),
                world.team_domain.clone(),
                channel_name,
            )
        };
        let response_url = self.sandbox.issue_response_url(channel, user);
        let trigger_id = self.sandbox.issue_trigger(user);
        serde_urlencoded::to_string([
            ("token", "sandbox-verification-token"),
            ("team_id", &team_id),
            ("team_domain", &team_domain),
            ("channel_id", channel),
            ("channel_name", &channel_name),
            ("user_id", user),
            ("user_name", &self.user_name(user)),
            ("command", "/debrief"),
            ("text", text),
            ("api_app_id", "A0DEBRIEF"),
            ("response_url", &response_url),
            ("trigger_id", &trigger_id),
        ])
        .expect("form encodes")
    }

    /// Sends an interaction payload (block_actions, view_submission, shortcut…).
    pub async fn interaction(&self, payload: &Value) -> BotResponse {
        let form =
            serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form encodes");
        self.post_signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            form,
            &[],
        )
        .await
    }

    fn team(&self) -> Value {
        let world = self.sandbox.world();
        json!({ "id": world.team_id, "domain": world.team_domain })
    }

    fn user_object(&self, user: &str) -> Value {
        let name = self.user_name(user);
        let team = self.sandbox.world().team_id.clone();
        json!({ "id": user, "username": name, "name": name, "team_id": team })
    }

    /// `user` clicks the button `action_id` (with `value`) on the bot message `message_ts` in `channel`.
    pub async fn click(
        &self,
        user: &str,
        channel: &str,
        message_ts: &str,
        action_id: &str,
        value: &str,
    ) -> BotResponse {
        let message = self
            .sandbox
            .messages_in(channel)
            .into_iter()
            .find(|m| m.ts == message_ts)
            .map(|m| json!({ "type": "message", "user": m.user, "ts": m.ts, "text": m.text, "blocks": m.blocks, "thread_ts": m.thread_ts }))
            .unwrap_or(Value::Null);
        let block_id = find_block_of_action(&message["blocks"], action_id).unwrap_or_default();
        let channel_name = self
            .sandbox
            .world()
            .channels
            .get(channel)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let payload = json!({
            "type": "block_actions",
            "user": self.user_object(user),
            "api_app_id": "A0DEBRIEF",
            "token": "sandbox-verification-token",
            "container": { "type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": false },
            "trigger_id": self.sandbox.issue_trigger(user),
            "team": self.team(),
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": { "id": channel, "name": channel_name },
            "message": message,
            "state": { "values": {} },
            "response_url": self.sandbox.issue_response_url(channel, user),
            "actions": [{
                "action_id": action_id,
                "block_id": block_id,
                "text": { "type": "plain_text", "text": action_id, "emoji": true },
                "value": value,
                "type": "button",
                "action_ts": "1700000000.000001",
            }],
        });
        self.interaction(&payload).await
    }

    /// `user` clicks the button `action_id` on message `message_ts`, with the value the
    /// bot put on that button (as Slack sends it).
    pub async fn click_button(
        &self,
        user: &str,
        channel: &str,
        message_ts: &str,
        action_id: &str,
    ) -> BotResponse {
        let value = self
            .sandbox
            .messages_in(channel)
            .into_iter()
            .find(|m| m.ts == message_ts)
            .and_then(|m| button_value(&m.blocks, action_id))
            .unwrap_or_default();
        self.click(user, channel, message_ts, action_id, &value)
            .await
    }

    /// `user` clicks the button `action_id` on an ephemeral message (a command's private
    /// reply, `message` as the bot returned it). Slack sends no `message` for these, only
    /// the container, and a response_url that can replace the ephemeral.
    /// `/debrief survey` by `user`, then the confirmation's Send button (`send_button`, its
    /// action id: the sandbox sits below the bot's vocabulary): what a facilitator does to
    /// start the fan-out. Errs with the reply when either step fails.
    pub async fn send_survey(
        &self,
        user: &str,
        channel: &str,
        send_button: &str,
    ) -> Result<(), String> {
        let asked = self.command(user, channel, "survey").await;
        let confirmation = asked.json();
        if asked.status != 200 || !asked.text().contains("Ready to send the survey") {
            return Err(asked.body);
        }
        let sent = self
            .click_ephemeral(user, channel, &confirmation, send_button)
            .await;
        if sent.status != 200 {
            return Err(sent.body);
        }
        Ok(())
    }

    pub async fn click_ephemeral(
        &self,
        user: &str,
        channel: &str,
        message: &Value,
        action_id: &str,
    ) -> BotResponse {
        let value = button_value(&message["blocks"], action_id).unwrap_or_default();
        let block_id = find_block_of_action(&message["blocks"], action_id).unwrap_or_default();
        let payload = json!({
            "type": "block_actions",
            "user": self.user_object(user),
            "api_app_id": "A0DEBRIEF",
            "token": "sandbox-verification-token",
            "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": channel, "is_ephemeral": true },
            "trigger_id": self.sandbox.issue_trigger(user),
            "team": self.team(),
            "is_enterprise_install": false,
            "channel": { "id": channel, "name": "" },
            "state": { "values": {} },
            "response_url": self.sandbox.issue_response_url(channel, user),
            "actions": [{
                "action_id": action_id,
                "block_id": block_id,
                "text": { "type": "plain_text", "text": action_id, "emoji": true },
                "value": value,
                "type": "button",
                "action_ts": "1700000000.000001",
            }],
        });
        self.interaction(&payload).await
    }

    /// `user` clicks a button inside an open view (a modal or their Home tab).
    pub async fn click_in_view(
        &self,
        user: &str,
        view_id: &str,
        action_id: &str,
        value: &str,
    ) -> BotResponse {
        let view = self.sandbox.view(view_id).unwrap_or(Value::Null);
        let block_id = find_block_of_action(&view["blocks"], action_id).unwrap_or_default();
        let payload = json!({
            "type": "block_actions",
            "user": self.user_object(user),
            "api_app_id": "A0DEBRIEF",
            "token": "sandbox-verification-token",
            "container": { "type": "view", "view_id": view_id },
            "trigger_id": self.sandbox.issue_trigger(user),
            "team": self.team(),
            "is_enterprise_install": false,
            "view": view,
            "actions": [{
                "action_id": action_id,
                "block_id": block_id,
                "text": { "type": "plain_text", "text": action_id, "emoji": true },
                "value": value,
                "type": "button",
                "action_ts": "1700000000.000001",
            }],
        });
        self.interaction(&payload).await
    }

    /// `user` submits the open modal `view_id` with text typed into the given input blocks
    /// (`(block_id, text)`); single- and multi-select inputs take the option value as text.
    /// Mirrors what Slack does with the answer: closes, updates, or keeps the modal with errors.
    pub async fn submit_view(
        &self,
        user: &str,
        view_id: &str,
        inputs: &[(&str, &str)],
    ) -> BotResponse {
        let view = self
            .sandbox
            .view(view_id)
            .expect("the modal is open in the sandbox");
        let mut values = serde_json::Map::new();
        for block in view["blocks"].as_array().into_iter().flatten() {
            if block["type"] != "input" {
                continue;
            }
            let block_id = block["block_id"].as_str().unwrap_or_default();
            let element = &block["element"];
            let action_id = element["action_id"].as_str().unwrap_or_default();
            // What the person typed, else what the form came with (as Slack sends it).
            let initial: Option<String> = match &element {
                e if e["initial_value"].is_string() => {
                    e["initial_value"].as_str().map(str::to_string)
                }
                e if e["initial_option"].is_object() => {
                    e["initial_option"]["value"].as_str().map(str::to_string)
                }
                e if e["initial_users"].is_array() => Some(
                    e["initial_users"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                e if e["initial_date_time"].is_number() => {
                    e["initial_date_time"].as_i64().map(|t| t.to_string())
                }
                _ => None,
            };
            let typed = inputs
                .iter()
                .find(|(b, _)| *b == block_id)
                .map(|(_, v)| *v)
                .or(initial.as_deref());
            let kind = element["type"].as_str().unwrap_or("plain_text_input");
            let state = match kind {
                "datetimepicker" => json!({
                    "type": kind,
                    "selected_date_time": typed.and_then(|v| v.parse::<i64>().ok()),
                }),
                "multi_users_select" => {
                    let users: Vec<&str> = typed
                        .map(|v| v.split(',').filter(|s| !s.is_empty()).collect())
                        .unwrap_or_default();
                    json!({ "type": kind, "selected_users": users })
                }
                "static_select" | "radio_buttons" => {
                    let selected = typed.map(
                        |v| json!({ "text": { "type": "plain_text", "text": v }, "value": v }),
                    );
                    json!({ "type": kind, "selected_option": selected })
                }
                "users_select" => json!({ "type": kind, "selected_user": typed }),
                "checkboxes" | "multi_static_select" => {
                    let options: Vec<Value> = typed
                        .map(|v| v.split(',').filter(|s| !s.is_empty()).map(|o| json!({ "text": { "type": "plain_text", "text": o }, "value": o })).collect())
                        .unwrap_or_default();
                    json!({ "type": kind, "selected_options": options })
                }
                _ => json!({ "type": kind, "value": typed }),
            };
            values.insert(block_id.to_string(), json!({ action_id: state }));
        }
        let mut submitted = view.clone();
        submitted["state"] = json!({ "values": values });
        let payload = json!({
            "type": "view_submission",
            "team": self.team(),
            "user": self.user_object(user),
            "api_app_id": "A0DEBRIEF",
            "token": "sandbox-verification-token",
            "trigger_id": self.sandbox.issue_trigger(user),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": false,
        });
        let response = self.interaction(&payload).await;
        let answer = response.json();
        match answer["response_action"].as_str() {
            Some("errors") => {}
            Some("update") => self.sandbox.replace_view(view_id, answer["view"].clone()),
            _ if response.status == 200 => self.sandbox.close_view(view_id),
            _ => {}
        }
        response
    }

    /// `user` runs the message shortcut `callback_id` on message `ts` in `channel`.
    pub async fn message_shortcut(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        callback_id: &str,
    ) -> BotResponse {
        let message = self
            .sandbox
            .messages_in(channel)
            .into_iter()
            .find(|m| m.ts == ts)
            .map(|m| json!({ "type": "message", "user": m.user, "ts": m.ts, "text": m.text }))
            .unwrap_or(Value::Null);
        let channel_name = self
            .sandbox
            .world()
            .channels
            .get(channel)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let payload = json!({
            "type": "message_action",
            "token": "sandbox-verification-token",
            "action_ts": "1700000000.000001",
            "team": self.team(),
            "user": self.user_object(user),
            "channel": { "id": channel, "name": channel_name },
            "is_enterprise_install": false,
            "callback_id": callback_id,
            "trigger_id": self.sandbox.issue_trigger(user),
            "response_url": self.sandbox.issue_response_url(channel, user),
            "message_ts": ts,
            "message": message,
        });
        self.interaction(&payload).await
    }

    /// Wraps an inner event in Slack's `event_callback` envelope.
    pub fn envelope(&self, event_id: &str, event: Value) -> Value {
        let world = self.sandbox.world();
        json!({
            "token": "sandbox-verification-token",
            "team_id": world.team_id,
            "api_app_id": world.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": jiff::Timestamp::now().as_second(),
            "authorizations": [{
                "enterprise_id": null, "team_id": world.team_id, "user_id": world.bot_user_id,
                "is_bot": true, "is_enterprise_install": false,
            }],
            "is_ext_shared_channel": false,
            "event_context": format!("4-{event_id}"),
        })
    }

    /// Delivers an Events API envelope; `retry` sets `X-Slack-Retry-Num`.
    pub async fn event(&self, envelope: &Value, retry: Option<u32>) -> BotResponse {
        let retry_num = retry.map(|n| n.to_string());
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(n) = retry_num.as_deref() {
            headers.push(("x-slack-retry-num", n));
            headers.push(("x-slack-retry-reason", "http_timeout"));
        }
        self.post_signed(
            "/slack/events",
            "application/json",
            envelope.to_string(),
            &headers,
        )
        .await
    }

    /// `user` writes `text` in `channel` (optionally in a thread); the message lands in the
    /// sandbox and its `message` event is delivered. Returns the message ts and the bot's answer.
    pub async fn say(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> (String, BotResponse) {
        let (ts, envelope) = self.write(user, channel, text, thread_ts);
        let response = self.event(&envelope, None).await;
        (ts, response)
    }

    /// `user` writes `text` in `channel`: the message lands in the sandbox, and the
    /// `message` event's envelope is returned for whichever transport delivers it.
    pub fn write(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> (String, Value) {
        if channel.starts_with('D') {
            // Writing to the bot opens the DM, as in Slack's Messages tab.
            self.sandbox.world().dm_channel(user);
        }
        let ts = self
            .sandbox
            .add_user_message(channel, user, text, thread_ts);
        let (team, channel_type) = {
            let world = self.sandbox.world();
            let is_im = world.channels.get(channel).is_some_and(|c| c.is_im);
            (world.team_id.clone(), if is_im { "im" } else { "channel" })
        };
        let mut event = json!({
            "client_msg_id": format!("msg-{ts}"),
            "type": "message",
            "text": text,
            "user": user,
            "ts": ts,
            "team": team,
            "channel": channel,
            "event_ts": ts,
            "channel_type": channel_type,
        });
        if let Some(parent) = thread_ts {
            event["thread_ts"] = parent.into();
        }
        let envelope = self.envelope(&format!("Ev{}", ts.replace('.', "")), event);
        (ts, envelope)
    }

    /// `user` writes `text` mentioning debrief in `channel`: the message lands in the
    /// sandbox and its `app_mention` event is delivered (Slack also sends the `message`
    /// event; the mention is what debrief answers).
    pub async fn mention(&self, user: &str, channel: &str, text: &str) -> BotResponse {
        let bot = self.sandbox.world().bot_user_id.clone();
        let text = format!("<@{bot}> {text}");
        let ts = self.sandbox.add_user_message(channel, user, &text, None);
        let team = self.sandbox.world().team_id.clone();
        let event = json!({
            "client_msg_id": format!("msg-{ts}"),
            "type": "app_mention",
            "text": text,
            "user": user,
            "ts": ts,
            "team": team,
            "channel": channel,
            "event_ts": ts,
        });
        let envelope = self.envelope(&format!("Ev{}m", ts.replace('.', "")), event);
        self.event(&envelope, None).await
    }

    /// Delivers a workspace-level event (`app_uninstalled`, `tokens_revoked`, …) as Slack
    /// does: in an `event_callback` envelope with a fresh event id.
    pub async fn workspace_event(&self, event: Value) -> BotResponse {
        let id = self.sandbox.world().next_id("EvWs");
        let envelope = self.envelope(&id, event);
        self.event(&envelope, None).await
    }

    /// `user` opens the bot's App Home tab.
    pub async fn open_home(&self, user: &str) -> BotResponse {
        let event = json!({
            "type": "app_home_opened",
            "user": user,
            "channel": format!("D{}", user.trim_start_matches(['U', 'W'])),
            "tab": "home",
            "event_ts": "1700000000.000100",
        });
        let id = self.sandbox.world().next_id("EvHome");
        let envelope = self.envelope(&id, event);
        self.event(&envelope, None).await
    }
}

/// The value of the button `action_id` in `blocks`.
fn button_value(blocks: &Value, action_id: &str) -> Option<String> {
    blocks.as_array()?.iter().find_map(|block| {
        block["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(std::iter::once(&block["accessory"]))
            .find(|e| e["action_id"] == action_id)
            .and_then(|e| e["value"].as_str().map(str::to_string))
    })
}

/// The block id holding the element with `action_id`, as Slack reports it back.
fn find_block_of_action(blocks: &Value, action_id: &str) -> Option<String> {
    blocks.as_array()?.iter().find_map(|block| {
        let in_elements = block["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["action_id"] == action_id);
        let in_accessory = block["accessory"]["action_id"] == action_id;
        (in_elements || in_accessory)
            .then(|| block["block_id"].as_str().unwrap_or_default().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slack's documented worked example (shared/slack-reference/signing).
    #[test]
    fn signing_matches_slacks_documented_vector() {
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign("8f742231b10e8888abcd99yyyzzz85a5", 1_531_420_618, body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
    }
}
