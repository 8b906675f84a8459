//! Purpose: the sandbox's little Slack workspace and its Web API methods.
//!
//! The answers follow Slack's documented shapes (the OpenAPI examples and recorded
//! SDK samples in shared/slack-reference): `ok`, `ts`, channel ids,
//! `response_metadata.next_cursor`, and Slack's own error codes for the mistakes a
//! client can make (`channel_not_found`, `not_in_channel`, `cannot_dm_bot`,
//! `invalid_blocks`, `expired_trigger_id`, …).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A person (or bot) in the sandbox workspace.
#[derive(Debug, Clone)]
pub struct SandboxUser {
    pub id: String,
    pub name: String,
    pub real_name: String,
    pub is_bot: bool,
    pub deleted: bool,
}

impl SandboxUser {
    pub fn human(id: &str, name: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            real_name: name.into(),
            is_bot: false,
            deleted: false,
        }
    }
    pub fn bot(id: &str, name: &str) -> Self {
        Self {
            is_bot: true,
            ..Self::human(id, name)
        }
    }
    pub fn deactivated(id: &str, name: &str) -> Self {
        Self {
            deleted: true,
            ..Self::human(id, name)
        }
    }
}

/// A channel, private group or DM.
#[derive(Debug, Clone)]
pub struct SandboxChannel {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
    pub is_im: bool,
    pub is_archived: bool,
}

/// A message as it sits in a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxMessage {
    pub channel: String,
    pub ts: String,
    pub user: String,
    pub text: String,
    pub blocks: Value,
    pub thread_ts: Option<String>,
    /// How many times `chat.update` replaced it.
    pub edits: u32,
}

/// Something a person could see, in the order it happened (the demo prints these).
#[derive(Debug, Clone, PartialEq)]
pub enum Sighting {
    /// A message visible to everyone in `channel` (a DM for one person).
    Message {
        channel: String,
        ts: String,
        user: String,
        text: String,
        thread_ts: Option<String>,
    },
    /// An existing message changed.
    Edited {
        channel: String,
        ts: String,
        text: String,
    },
    /// Visible to `user` only.
    Ephemeral {
        channel: String,
        user: String,
        text: String,
    },
    /// A modal opened or changed for `user`.
    Modal {
        user: String,
        view_id: String,
        title: String,
    },
    /// `user`'s App Home tab was (re)published.
    Home { user: String },
    /// A file shared into `channel`.
    File {
        channel: String,
        title: String,
        content: String,
    },
}

/// A view (modal or Home tab) the sandbox is showing.
#[derive(Debug, Clone)]
pub struct SandboxView {
    pub id: String,
    pub user: String,
    pub view: Value,
    pub hash: String,
    pub open: bool,
}

/// One Web API call, as received.
#[derive(Debug, Clone)]
pub struct RecordedCall {
    pub method: String,
    pub params: Value,
    /// What the sandbox answered: `ok`, a Slack error code, `429`, `500`, or `hung`.
    pub outcome: String,
}

/// A failure to inject into upcoming calls of one method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with this `Retry-After` (seconds).
    RateLimited { retry_after: u64 },
    /// An HTTP error status such as 500 or 503.
    Status(u16),
    /// HTTP 200 with `{"ok":false,"error":code}`.
    SlackError(String),
    /// Never answer (the client times out or is dropped); the call has no effect.
    Hang,
}

/// Slack's published rate tiers, per method per minute (docs.slack.dev rate limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    T1,
    T2,
    T3,
    T4,
    /// chat.postMessage: about one message per second per channel.
    PerChannelPerSecond,
}

impl Tier {
    pub fn of(method: &str) -> Tier {
        match method {
            "chat.postMessage" => Tier::PerChannelPerSecond,
            "conversations.open"
            | "chat.update"
            | "conversations.history"
            | "conversations.replies"
            | "conversations.info" => Tier::T3,
            "users.list" | "conversations.list" => Tier::T2,
            _ => Tier::T4,
        }
    }

    /// (calls allowed, window length) before time scaling.
    fn budget(self) -> (usize, Duration) {
        match self {
            Tier::T1 => (1, Duration::from_secs(60)),
            Tier::T2 => (20, Duration::from_secs(60)),
            Tier::T3 => (50, Duration::from_secs(60)),
            Tier::T4 => (100, Duration::from_secs(60)),
            Tier::PerChannelPerSecond => (1, Duration::from_secs(1)),
        }
    }
}

/// Enforces the tiers with sliding windows. `time_scale` shrinks every window
/// (10.0 → a minute lasts 6 s) so benchmarks and the demo finish quickly.
#[derive(Debug)]
pub struct RateLimiter {
    pub time_scale: f64,
    windows: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(time_scale: f64) -> Self {
        Self {
            time_scale: time_scale.max(0.001),
            windows: HashMap::new(),
        }
    }

    /// The shortest possible time for `calls` calls of `tier` in one bucket, from an empty window.
    pub fn minimum_duration(tier: Tier, calls: usize, time_scale: f64) -> Duration {
        let (allowed, window) = tier.budget();
        let windows_needed = calls.saturating_sub(1) / allowed;
        window.mul_f64(windows_needed as f64 / time_scale.max(0.001))
    }

    /// `Ok` if the call fits; otherwise how many whole seconds to wait.
    fn admit(&mut self, key: String, tier: Tier, now: Instant) -> Result<(), u64> {
        let (allowed, window) = tier.budget();
        let window = window.div_f64(self.time_scale);
        let log = self.windows.entry(key).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            log.pop_front();
        }
        if log.len() < allowed {
            log.push_back(now);
            return Ok(());
        }
        let oldest = *log.front().expect("a full window has entries");
        let wait = window.saturating_sub(now.duration_since(oldest));
        // Slack's Retry-After is whole seconds; never answer 0.
        Err(wait.as_secs_f64().ceil().max(1.0) as u64)
    }
}

/// The whole sandbox state, behind one lock.
#[derive(Debug)]
pub struct World {
    pub team_id: String,
    pub team_domain: String,
    pub app_id: String,
    pub bot_user_id: String,
    pub bot_id: String,
    pub token: String,
    pub users: BTreeMap<String, SandboxUser>,
    pub channels: BTreeMap<String, SandboxChannel>,
    pub messages: Vec<SandboxMessage>,
    pub sightings: Vec<Sighting>,
    pub views: BTreeMap<String, SandboxView>,
    pub calls: Vec<RecordedCall>,
    pub faults: HashMap<String, VecDeque<Fault>>,
    pub rate_limiter: Option<RateLimiter>,
    /// trigger_id → when it was issued, whether it was used, and whose action issued it.
    pub triggers: HashMap<String, (Instant, bool, String)>,
    /// `http://127.0.0.1:PORT`, for absolute URLs such as upload URLs.
    pub base_url: String,
    /// Where `apps.connections.open` sends Socket Mode clients.
    pub socket_url: String,
    /// response_url id → (channel, user) it answers in.
    pub response_urls: HashMap<String, (String, String)>,
    /// Uploads started with files.getUploadURLExternal: file id → (title, content once uploaded).
    pub uploads: HashMap<String, (String, Option<String>)>,
    /// Seconds part of every ts; the counter gives the fraction.
    ts_base: i64,
    counter: u64,
    /// `conversations.members` page size when the client asks for none.
    pub default_page_size: usize,
}

/// How long a trigger_id stays valid (Slack: 3 seconds).
pub const TRIGGER_LIFETIME: Duration = Duration::from_secs(3);

impl World {
    pub fn new(token: &str) -> Self {
        let mut world = Self {
            team_id: "T0SANDBOX".into(),
            team_domain: "sandbox".into(),
            app_id: "A0DEBRIEF".into(),
            bot_user_id: "U0DEBRIEF".into(),
            bot_id: "B0DEBRIEF".into(),
            token: token.into(),
            users: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: Vec::new(),
            sightings: Vec::new(),
            views: BTreeMap::new(),
            calls: Vec::new(),
            faults: HashMap::new(),
            rate_limiter: None,
            triggers: HashMap::new(),
            base_url: String::new(),
            socket_url: String::new(),
            response_urls: HashMap::new(),
            uploads: HashMap::new(),
            ts_base: jiff::Timestamp::now().as_second(),
            counter: 0,
            default_page_size: 100,
        };
        let bot = SandboxUser::bot("U0DEBRIEF", "debrief");
        world.users.insert(bot.id.clone(), bot);
        world
    }

    pub fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:07}", self.counter)
    }

    pub fn next_ts(&mut self) -> String {
        self.counter += 1;
        let extra_seconds = (self.counter / 1_000_000) as i64;
        format!(
            "{}.{:06}",
            self.ts_base + extra_seconds,
            self.counter % 1_000_000
        )
    }

    pub fn user_name(&self, id: &str) -> String {
        self.users
            .get(id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// The DM channel between the bot and `user`, created on first use.
    pub fn dm_channel(&mut self, user: &str) -> String {
        let id = format!("D{}", user.trim_start_matches(['U', 'W']));
        let bot = self.bot_user_id.clone();
        self.channels
            .entry(id.clone())
            .or_insert_with(|| SandboxChannel {
                id: id.clone(),
                name: format!("dm-{user}"),
                members: vec![bot, user.to_string()],
                is_im: true,
                is_archived: false,
            });
        id
    }

    /// The fault to apply to this call, if one is queued for the method.
    pub fn take_fault(&mut self, method: &str) -> Option<Fault> {
        self.faults.get_mut(method).and_then(VecDeque::pop_front)
    }

    /// Rate-limit check; `Err(seconds)` when the tier is exhausted.
    pub fn check_rate(&mut self, method: &str, params: &Value, now: Instant) -> Result<(), u64> {
        let Some(limiter) = self.rate_limiter.as_mut() else {
            return Ok(());
        };
        let tier = Tier::of(method);
        let key = match tier {
            Tier::PerChannelPerSecond => {
                format!("{method}:{}", str_param(params, "channel").unwrap_or(""))
            }
            _ => method.to_string(),
        };
        limiter.admit(key, tier, now)
    }

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
            "id": channel.id, "name": channel.name, "is_im": channel.is_im,
            "is_archived": channel.is_archived, "is_member": channel.members.contains(&self.bot_user_id),
            "num_members": channel.members.len(),
        }}))
    }

    fn replies(&mut self, params: &Value) -> Result<Value, String> {
        let channel = str_param(params, "channel").ok_or("channel_not_found")?;
        let ts = str_param(params, "ts").ok_or("thread_not_found")?;
        let thread: Vec<Value> = self
            .messages
            .iter()
            .filter(|m| m.channel == channel && (m.ts == ts || m.thread_ts.as_deref() == Some(ts)))
            .map(|m| json!({ "type": "message", "user": m.user, "text": m.text, "ts": m.ts, "thread_ts": m.thread_ts.clone().unwrap_or_else(|| m.ts.clone()) }))
            .collect();
        if thread.is_empty() {
            return Err("thread_not_found".into());
        }
        Ok(
            json!({ "messages": thread, "has_more": false, "response_metadata": { "next_cursor": "" } }),
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
            "is_admin": false,
            "is_owner": false,
            "is_app_user": false,
            "tz": "Europe/London",
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
            let content = content.ok_or("file_not_found")?;
            let title = file["title"].as_str().unwrap_or(&name).to_string();
            if let Some(channel) = &channel {
                self.sightings.push(Sighting::File {
                    channel: channel.clone(),
                    title: title.clone(),
                    content,
                });
            }
            completed.push(json!({ "id": id, "title": title }));
        }
        Ok(json!({ "files": completed }))
    }
}

/// A readable one-line-per-block rendering of a message, for transcripts.
pub fn readable(text: &str, blocks: &Value) -> String {
    let Some(list) = blocks.as_array() else {
        return text.to_string();
    };
    let mut lines = Vec::new();
    for block in list {
        match block["type"].as_str().unwrap_or("") {
            "section" | "header" => {
                if let Some(t) = block["text"]["text"].as_str() {
                    lines.push(t.to_string());
                }
                for field in block["fields"].as_array().into_iter().flatten() {
                    if let Some(t) = field["text"].as_str() {
                        lines.push(t.to_string());
                    }
                }
            }
            "context" => {
                let parts: Vec<&str> = block["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["text"].as_str())
                    .collect();
                if !parts.is_empty() {
                    lines.push(parts.join(" "));
                }
            }
            "actions" => {
                let buttons: Vec<String> = block["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["text"]["text"].as_str())
                    .map(|t| format!("[{t}]"))
                    .collect();
                lines.push(buttons.join(" "));
            }
            "divider" => lines.push("---".into()),
            _ => {}
        }
    }
    if lines.is_empty() {
        text.to_string()
    } else {
        lines.join("\n")
    }
}

/// Checks blocks against Slack's documented limits; `invalid_blocks` like Slack when not.
pub fn validate_blocks(blocks: &[Value], max_blocks: usize) -> Result<(), String> {
    if blocks.len() > max_blocks {
        return Err("invalid_blocks".into());
    }
    for block in blocks {
        let kind = block["type"].as_str().ok_or("invalid_blocks")?;
        let text_len = block["text"]["text"]
            .as_str()
            .map_or(0, |t| t.chars().count());
        let too_long = match kind {
            "section" => text_len > 3000,
            "header" => text_len > 150 || block["text"]["type"] != "plain_text",
            _ => false,
        };
        if too_long {
            return Err("invalid_blocks".into());
        }
        if block["block_id"].as_str().is_some_and(|id| id.len() > 255) {
            return Err("invalid_blocks".into());
        }
        for element in block["elements"].as_array().into_iter().flatten() {
            if element["type"] == "button" {
                let label = element["text"]["text"]
                    .as_str()
                    .map_or(0, |t| t.chars().count());
                let value = element["value"].as_str().map_or(0, str::len);
                if label > 75
                    || value > 2000
                    || element["action_id"].as_str().is_some_and(|a| a.len() > 255)
                {
                    return Err("invalid_blocks".into());
                }
            }
        }
    }
    Ok(())
}

/// Checks a modal or Home view against Slack's view limits.
pub fn validate_view(view: &Value) -> Result<(), String> {
    let blocks = view["blocks"].as_array().ok_or("invalid_arguments")?;
    validate_blocks(blocks, 100).map_err(|_| "invalid_arguments".to_string())?;
    if view["type"] == "modal" {
        for key in ["title", "submit", "close"] {
            if view[key]["text"]
                .as_str()
                .is_some_and(|t| t.chars().count() > 24)
            {
                return Err("invalid_arguments".into());
            }
        }
        if view["title"]["text"].as_str().is_none() {
            return Err("invalid_arguments".into());
        }
        let has_input = blocks.iter().any(|b| b["type"] == "input");
        if has_input && view["submit"].is_null() {
            return Err("invalid_arguments".into());
        }
        for block in blocks.iter().filter(|b| b["type"] == "input") {
            if block["element"]["max_length"]
                .as_u64()
                .is_some_and(|m| m > 3000)
            {
                return Err("invalid_arguments".into());
            }
        }
    }
    if view["private_metadata"]
        .as_str()
        .is_some_and(|m| m.len() > 3000)
    {
        return Err("invalid_arguments".into());
    }
    Ok(())
}

pub fn str_param<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

/// A parameter that is JSON: already an object/array (JSON bodies) or a JSON string (form bodies).
pub fn json_param(params: &Value, key: &str) -> Option<Value> {
    match params.get(key)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        Value::Null => None,
        other => Some(other.clone()),
    }
}

/// A list given as a JSON array or a comma-separated string (Slack accepts both for `users`).
pub fn list_param(params: &Value, key: &str) -> Vec<String> {
    match params.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn encode_cursor(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("offset:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_windows_admit_the_tier_then_say_how_long_to_wait() {
        let mut limiter = RateLimiter::new(1.0);
        let start = Instant::now();
        for _ in 0..50 {
            assert!(
                limiter
                    .admit("conversations.open".into(), Tier::T3, start)
                    .is_ok()
            );
        }
        let wait = limiter
            .admit("conversations.open".into(), Tier::T3, start)
            .unwrap_err();
        assert_eq!(wait, 60);
        let later = start + Duration::from_secs(60);
        assert!(
            limiter
                .admit("conversations.open".into(), Tier::T3, later)
                .is_ok()
        );
    }

    #[test]
    fn minimum_durations_follow_the_tiers() {
        assert_eq!(
            RateLimiter::minimum_duration(Tier::T3, 50, 1.0),
            Duration::ZERO
        );
        assert_eq!(
            RateLimiter::minimum_duration(Tier::T3, 51, 1.0),
            Duration::from_secs(60)
        );
        assert_eq!(
            RateLimiter::minimum_duration(Tier::T3, 500, 10.0),
            Duration::from_secs(54)
        );
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(decode_cursor(&encode_cursor(200)), Some(200));
        assert_eq!(decode_cursor("garbage"), None);
    }

    #[test]
    fn oversized_views_are_refused_like_slack() {
        let long_title = json!({ "type": "modal", "title": { "type": "plain_text", "text": "x".repeat(25) }, "blocks": [] });
        assert_eq!(validate_view(&long_title), Err("invalid_arguments".into()));
        let many: Vec<Value> = (0..51).map(|_| json!({ "type": "divider" })).collect();
        assert_eq!(validate_blocks(&many, 50), Err("invalid_blocks".into()));
    }
}
