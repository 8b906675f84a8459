//! Purpose: the sandbox's Web API methods, answering in Slack's documented shapes (the
//! OpenAPI examples and recorded SDK samples in shared/slack-reference): `ok`, `ts`,
//! channel ids, `response_metadata.next_cursor`, and Slack's own error codes for the
//! mistakes a client can make (`channel_not_found`, `not_in_channel`, `cannot_dm_bot`,
//! `invalid_blocks`, `expired_trigger_id`, …).

use std::time::Instant;

use serde_json::{Value, json};

use super::blocks::{readable, validate_blocks, validate_view};
use super::params::{decode_cursor, encode_cursor, json_param, list_param, str_param};
use super::world::*;

impl World {
    /// Runs one Web API method. `Err(code)` is Slack's `ok:false` error.
    pub fn call(&mut self, method: &str, params: &Value, now: Instant) -> Result<Value, String> {
        match method {
            "api.test" => Ok(json!({ "args": params })),
            "apps.connections.open" => Ok(json!({ "url": self.socket_url })),
            "auth.test" => Ok(json!({
                "url": format!("https://{}.slack.com/", self.team_domain),
                "team": "Sandbox",
                "user": "debrief",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": false,
            })),
            "chat.postMessage" => self.post_message(params),
            "chat.postEphemeral" => self.post_ephemeral(params),
            "chat.update" => self.update_message(params),
            "chat.delete" => self.delete_message(params),
            "chat.getPermalink" => self.permalink(params),
            "conversations.open" => self.open_conversation(params),
            "conversations.members" => self.members(params),
            "conversations.info" => self.conversation_info(params),
            "conversations.replies" => self.replies(params),
            "conversations.history" => self.history(params),
            "users.info" => self.user_info(params),
            "views.open" => self.open_view(params, now),
            "views.update" => self.update_view(params),
            "views.push" => self.open_view(params, now),
            "views.publish" => self.publish_view(params),
            "files.getUploadURLExternal" => self.start_upload(params),
            "files.completeUploadExternal" => self.complete_upload(params),
            _ => Err("unknown_method".into()),
        }
    }

    fn channel_for_posting(&self, params: &Value) -> Result<&SandboxChannel, String> {
        let id = str_param(params, "channel").ok_or("channel_not_found")?;
        let channel = self.channels.get(id).ok_or("channel_not_found")?;
        if channel.is_archived {
            return Err("is_archived".into());
        }
        if !channel.members.contains(&self.bot_user_id) {
            return Err("not_in_channel".into());
        }
        Ok(channel)
    }

    fn message_content(params: &Value, max_blocks: usize) -> Result<(String, Value), String> {
        let text = str_param(params, "text").unwrap_or("").to_string();
        let blocks = json_param(params, "blocks").unwrap_or(Value::Null);
        if text.is_empty() && !blocks.is_array() {
            return Err("no_text".into());
        }
        if text.chars().count() > 40_000 {
            return Err("msg_too_long".into());
        }
        if let Some(list) = blocks.as_array() {
            validate_blocks(list, max_blocks)?;
        }
        Ok((text, blocks))
    }

    fn post_message(&mut self, params: &Value) -> Result<Value, String> {
        let channel = self.channel_for_posting(params)?.id.clone();
        let (text, blocks) = Self::message_content(params, 50)?;
        let thread_ts = str_param(params, "thread_ts").map(str::to_string);
        if let Some(parent) = &thread_ts
            && !self
                .messages
                .iter()
                .any(|m| m.channel == channel && &m.ts == parent)
        {
            return Err("thread_not_found".into());
        }
        let ts = self.next_ts();
        let message = SandboxMessage {
            channel: channel.clone(),
            ts: ts.clone(),
            user: self.bot_user_id.clone(),
            text: text.clone(),
            blocks: blocks.clone(),
            thread_ts: thread_ts.clone(),
            edits: 0,
        };
        self.messages.push(message);
        self.sightings.push(Sighting::Message {
            channel: channel.clone(),
            ts: ts.clone(),
            user: self.bot_user_id.clone(),
            text: readable(&text, &blocks),
            thread_ts: thread_ts.clone(),
        });
        let mut message = json!({
            "type": "message",
            "subtype": "bot_message",
            "text": text,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "ts": ts,
        });
        if blocks.is_array() {
            message["blocks"] = blocks;
        }
        if let Some(parent) = thread_ts {
            message["thread_ts"] = parent.into();
        }
        Ok(json!({ "channel": channel, "ts": ts, "message": message }))
    }

    fn post_ephemeral(&mut self, params: &Value) -> Result<Value, String> {
        let channel = self.channel_for_posting(params)?.clone();
        let user = str_param(params, "user")
            .ok_or("user_not_found")?
            .to_string();
        if !channel.members.contains(&user) {
            return Err("user_not_in_channel".into());
        }
        let (text, blocks) = Self::message_content(params, 50)?;
        self.sightings.push(Sighting::Ephemeral {
            channel: channel.id.clone(),
            user,
            text: readable(&text, &blocks),
            blocks,
        });
        let ts = self.next_ts();
        Ok(json!({ "message_ts": ts }))
    }

    fn update_message(&mut self, params: &Value) -> Result<Value, String> {
        let channel = str_param(params, "channel")
            .ok_or("channel_not_found")?
            .to_string();
        if !self.channels.contains_key(&channel) {
            return Err("channel_not_found".into());
        }
        let ts = str_param(params, "ts")
            .ok_or("message_not_found")?
            .to_string();
        let (text, blocks) = Self::message_content(params, 50)?;
        let bot = self.bot_user_id.clone();
        let message = self
            .messages
            .iter_mut()
            .find(|m| m.channel == channel && m.ts == ts)
            .ok_or("message_not_found")?;
        if message.user != bot {
            return Err("cant_update_message".into());
        }
        message.text = text.clone();
        message.blocks = blocks.clone();
        message.edits += 1;
        self.sightings.push(Sighting::Edited {
            channel: channel.clone(),
            ts: ts.clone(),
            text: readable(&text, &blocks),
        });
        Ok(
            json!({ "channel": channel, "ts": ts, "text": text, "message": { "text": text, "user": bot } }),
        )
    }

    /// A link that opens the message (for a thread's parent, the thread).
    fn permalink(&self, params: &Value) -> Result<Value, String> {
        let channel = str_param(params, "channel").ok_or("channel_not_found")?;
        if !self.channels.contains_key(channel) {
            return Err("channel_not_found".into());
        }
        let ts = str_param(params, "message_ts").ok_or("message_not_found")?;
        if !self
            .messages
            .iter()
            .any(|m| m.channel == channel && m.ts == ts)
        {
            return Err("message_not_found".into());
        }
        Ok(json!({
            "channel": channel,
            "permalink": format!(
                "https://{}.slack.com/archives/{channel}/p{}",
                self.team_domain,
                ts.replace('.', "")
            ),
        }))
    }

    fn delete_message(&mut self, params: &Value) -> Result<Value, String> {
        let channel = str_param(params, "channel")
            .ok_or("channel_not_found")?
            .to_string();
        let ts = str_param(params, "ts")
            .ok_or("message_not_found")?
            .to_string();
        let bot = self.bot_user_id.clone();
        let index = self
            .messages
            .iter()
            .position(|m| m.channel == channel && m.ts == ts)
            .ok_or("message_not_found")?;
        if self.messages[index].user != bot {
            return Err("cant_delete_message".into());
        }
        self.messages.remove(index);
        Ok(json!({ "channel": channel, "ts": ts }))
    }

    fn open_conversation(&mut self, params: &Value) -> Result<Value, String> {
        let users = list_param(params, "users");
        if users.is_empty() {
            return Err("users_list_not_supplied".into());
        }
        if users.len() > 1 {
            // Group DMs are not part of debrief.
            return Err("method_not_supported_for_channel_type".into());
        }
        let user = self.users.get(&users[0]).ok_or("user_not_found")?;
        if user.deleted {
            return Err("user_disabled".into());
        }
        if user.is_bot {
            return Err("cannot_dm_bot".into());
        }
        let id = users[0].clone();
        let already_open = self
            .channels
            .contains_key(&format!("D{}", id.trim_start_matches(['U', 'W'])));
        let channel = self.dm_channel(&id);
        Ok(
            json!({ "no_op": already_open, "already_open": already_open, "channel": { "id": channel } }),
        )
    }

    fn members(&mut self, params: &Value) -> Result<Value, String> {
        let id = str_param(params, "channel").ok_or("channel_not_found")?;
        let channel = self.channels.get(id).ok_or("channel_not_found")?;
        let limit = match str_param(params, "limit").map(str::parse::<usize>) {
            None => self.default_page_size,
            Some(Ok(n)) if (1..=1000).contains(&n) => n,
            Some(_) => return Err("invalid_limit".into()),
        };
        let offset = match str_param(params, "cursor").filter(|c| !c.is_empty()) {
            None => 0,
            Some(cursor) => decode_cursor(cursor).ok_or("invalid_cursor")?,
        };
        let page: Vec<&String> = channel.members.iter().skip(offset).take(limit).collect();
        let next = if offset + limit < channel.members.len() {
            encode_cursor(offset + limit)
        } else {
            String::new()
        };
        Ok(json!({ "members": page, "response_metadata": { "next_cursor": next } }))
    }

    fn conversation_info(&mut self, params: &Value) -> Result<Value, String> {
        let id = str_param(params, "channel").ok_or("channel_not_found")?;
        let channel = self.channels.get(id).ok_or("channel_not_found")?;
        Ok(json!({ "channel": {
            "id": channel.id, "name": channel.name, "is_im": channel.is_im, "created": 1_600_000_000,
            "is_archived": channel.is_archived, "is_member": channel.members.contains(&self.bot_user_id),
            "num_members": channel.members.len(),
        }}))
    }

    fn replies(&mut self, params: &Value) -> Result<Value, String> {
        let channel = str_param(params, "channel").ok_or("channel_not_found")?;
        let ts = str_param(params, "ts").ok_or("thread_not_found")?;
        // Parent first, then replies oldest first, as Slack orders a thread.
        let thread: Vec<&SandboxMessage> = self
            .messages
            .iter()
            .filter(|m| m.channel == channel && (m.ts == ts || m.thread_ts.as_deref() == Some(ts)))
            .collect();
        if thread.is_empty() {
            return Err("thread_not_found".into());
        }
        self.page_of(params, &thread)
    }

    /// `conversations.history`: a channel's top-level messages, newest first, within
    /// `oldest`/`latest` (exclusive, as Slack's default), paginated with a cursor.
    fn history(&mut self, params: &Value) -> Result<Value, String> {
        let channel = str_param(params, "channel").ok_or("channel_not_found")?;
        if !self.channels.contains_key(channel) {
            return Err("channel_not_found".into());
        }
        let bound = |name: &str| str_param(params, name).and_then(|v| v.parse::<f64>().ok());
        let (oldest, latest) = (bound("oldest"), bound("latest"));
        let mut messages: Vec<&SandboxMessage> = self
            .messages
            .iter()
            .filter(|m| m.channel == channel)
            .filter(|m| m.thread_ts.as_deref().is_none_or(|t| t == m.ts))
            .filter(|m| {
                let ts = m.ts.parse::<f64>().unwrap_or(0.0);
                oldest.is_none_or(|o| ts > o) && latest.is_none_or(|l| ts < l)
            })
            .collect();
        messages.reverse();
        self.page_of(params, &messages)
    }

    /// One page of messages in Slack's shape, blocks included, following `cursor`/`limit`.
    fn page_of(&self, params: &Value, messages: &[&SandboxMessage]) -> Result<Value, String> {
        let limit = match str_param(params, "limit").map(str::parse::<usize>) {
            None => 100,
            Some(Ok(n)) if (1..=999).contains(&n) => n,
            Some(_) => return Err("invalid_limit".into()),
        };
        let offset = match str_param(params, "cursor").filter(|c| !c.is_empty()) {
            None => 0,
            Some(cursor) => decode_cursor(cursor).ok_or("invalid_cursor")?,
        };
        let page: Vec<Value> = messages
            .iter()
            .skip(offset)
            .take(limit)
            .map(|m| {
                let mut message =
                    json!({ "type": "message", "user": m.user, "text": m.text, "ts": m.ts });
                if let Some(thread) = &m.thread_ts {
                    message["thread_ts"] = thread.clone().into();
                }
                if m.blocks.as_array().is_some_and(|b| !b.is_empty()) {
                    message["blocks"] = m.blocks.clone();
                }
                message
            })
            .collect();
        let more = offset + limit < messages.len();
        let next = if more {
            encode_cursor(offset + limit)
        } else {
            String::new()
        };
        Ok(
            json!({ "messages": page, "has_more": more, "response_metadata": { "next_cursor": next } }),
        )
    }

    fn user_info(&mut self, params: &Value) -> Result<Value, String> {
        let id = str_param(params, "user").ok_or("user_not_found")?;
        let user = self.users.get(id).ok_or("user_not_found")?;
        Ok(json!({ "user": {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "real_name": user.real_name,
            "deleted": user.deleted,
            "is_bot": user.is_bot,
            "is_admin": user.is_admin,
            "is_owner": false,
            "is_app_user": false,
            "tz": user.tz,
            "profile": {
                "display_name": user.name,
                "display_name_normalized": user.name,
                "real_name": user.real_name,
                "real_name_normalized": user.real_name,
                "team": self.team_id,
            }
        }}))
    }

    fn open_view(&mut self, params: &Value, now: Instant) -> Result<Value, String> {
        let trigger = str_param(params, "trigger_id")
            .ok_or("invalid_trigger_id")?
            .to_string();
        let (issued, used, user) = self
            .triggers
            .get(&trigger)
            .cloned()
            .ok_or("invalid_trigger_id")?;
        if used {
            return Err("exchanged_trigger_id".into());
        }
        if now.duration_since(issued) > TRIGGER_LIFETIME {
            return Err("expired_trigger_id".into());
        }
        let view = json_param(params, "view").ok_or("invalid_arguments")?;
        validate_view(&view)?;
        self.triggers
            .insert(trigger.clone(), (issued, true, user.clone()));
        let id = self.next_id("V");
        let stored = self.store_view(id, user, view);
        Ok(json!({ "view": stored }))
    }

    fn store_view(&mut self, id: String, user: String, view: Value) -> Value {
        let hash = format!("{}.{}", self.ts_base, self.counter);
        let mut full = view.clone();
        if let Some(obj) = full.as_object_mut() {
            obj.insert("id".into(), id.clone().into());
            obj.insert("team_id".into(), self.team_id.clone().into());
            obj.insert("hash".into(), hash.clone().into());
            obj.insert("app_id".into(), self.app_id.clone().into());
            obj.insert("bot_id".into(), self.bot_id.clone().into());
            obj.insert("root_view_id".into(), id.clone().into());
            obj.entry("state").or_insert(json!({ "values": {} }));
            obj.entry("private_metadata").or_insert("".into());
            obj.entry("callback_id").or_insert("".into());
            obj.entry("external_id").or_insert("".into());
        }
        let is_home = view["type"] == "home";
        let title = view["title"]["text"].as_str().unwrap_or("").to_string();
        self.sightings.push(if is_home {
            Sighting::Home { user: user.clone() }
        } else {
            Sighting::Modal {
                user: user.clone(),
                view_id: id.clone(),
                title,
            }
        });
        self.views.insert(
            id.clone(),
            SandboxView {
                id,
                user,
                view: full.clone(),
                hash,
                open: !is_home,
            },
        );
        full
    }

    fn update_view(&mut self, params: &Value) -> Result<Value, String> {
        let id = str_param(params, "view_id").ok_or("not_found")?.to_string();
        let view = json_param(params, "view").ok_or("invalid_arguments")?;
        validate_view(&view)?;
        let existing = self.views.get(&id).ok_or("not_found")?.clone();
        if let Some(hash) = str_param(params, "hash")
            && hash != existing.hash
        {
            return Err("hash_conflict".into());
        }
        let stored = self.store_view(id, existing.user, view);
        Ok(json!({ "view": stored }))
    }

    fn publish_view(&mut self, params: &Value) -> Result<Value, String> {
        let user = str_param(params, "user_id")
            .ok_or("invalid_arguments")?
            .to_string();
        if !self.users.contains_key(&user) {
            return Err("user_not_found".into());
        }
        let view = json_param(params, "view").ok_or("invalid_arguments")?;
        if view["type"] != "home" {
            return Err("invalid_arguments".into());
        }
        validate_view(&view)?;
        let existing = self
            .views
            .values()
            .find(|v| v.user == user && v.view["type"] == "home")
            .map(|v| v.id.clone());
        let id = existing.unwrap_or_else(|| self.next_id("V"));
        let stored = self.store_view(id, user, view);
        Ok(json!({ "view": stored }))
    }

    fn start_upload(&mut self, params: &Value) -> Result<Value, String> {
        let filename = str_param(params, "filename")
            .ok_or("missing_argument")?
            .to_string();
        let length: usize = str_param(params, "length")
            .and_then(|l| l.parse().ok())
            .ok_or("missing_argument")?;
        if length > 1_000_000 {
            return Err("file_upload_size_restricted".into());
        }
        let id = self.next_id("F");
        self.uploads.insert(id.clone(), (filename, None));
        Ok(json!({ "file_id": id, "upload_url": format!("{}/upload/{id}", self.base_url) }))
    }

    fn complete_upload(&mut self, params: &Value) -> Result<Value, String> {
        let files = json_param(params, "files").ok_or("missing_argument")?;
        let channel = str_param(params, "channel_id").map(str::to_string);
        if let Some(channel) = &channel {
            self.channel_for_posting(&json!({ "channel": channel }))?;
        }
        let mut completed = Vec::new();
        for file in files.as_array().cloned().unwrap_or_default() {
            let id = file["id"].as_str().unwrap_or_default().to_string();
            let (name, content) = self.uploads.get(&id).cloned().ok_or("file_not_found")?;
            let bytes = content.ok_or("file_not_found")?;
            let title = file["title"].as_str().unwrap_or(&name).to_string();
            if let Some(channel) = &channel {
                self.sightings.push(Sighting::File {
                    channel: channel.clone(),
                    title: title.clone(),
                    content: String::from_utf8_lossy(&bytes).into_owned(),
                    bytes,
                });
            }
            completed.push(json!({ "id": id, "title": title }));
        }
        Ok(json!({ "files": completed }))
    }
}
