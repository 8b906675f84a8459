//! Purpose: the sandbox's little Slack workspace: its people, channels, messages and
//! views, and what it has seen. The Web API methods that change it are in `methods`.
//!
//! The answers follow Slack's documented shapes (the OpenAPI examples and recorded
//! SDK samples in shared/slack-reference): `ok`, `ts`, channel ids,
//! `response_metadata.next_cursor`, and Slack's own error codes for the mistakes a
//! client can make (`channel_not_found`, `not_in_channel`, `cannot_dm_bot`,
//! `invalid_blocks`, `expired_trigger_id`, …).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::params::str_param;
use super::rate::{RateLimiter, Tier};

/// A person (or bot) in the sandbox workspace.
#[derive(Debug, Clone)]
pub struct SandboxUser {
    pub id: String,
    pub name: String,
    pub real_name: String,
    pub is_bot: bool,
    pub deleted: bool,
    /// A workspace admin or owner.
    pub is_admin: bool,
    /// The profile's IANA time zone.
    pub tz: String,
}

impl SandboxUser {
    pub fn human(id: &str, name: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            real_name: name.into(),
            is_bot: false,
            deleted: false,
            is_admin: false,
            tz: "Europe/London".into(),
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
        /// The message's blocks (buttons included), as sent.
        blocks: Value,
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
        /// The content as text (lossy for binary files such as images).
        content: String,
        /// The content as uploaded.
        bytes: Vec<u8>,
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
    /// Do what was asked, then never answer: the client cannot know the call worked.
    AcceptThenHang,
    /// Answer normally: lets a queue of faults pass over a call.
    Answer,
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
    pub uploads: HashMap<String, (String, Option<Vec<u8>>)>,
    /// Seconds part of every ts; the counter gives the fraction.
    pub(super) ts_base: i64,
    pub(super) counter: u64,
    /// `conversations.members` page size when the client asks for none.
    pub default_page_size: usize,
    /// Who presses "Allow" next on the install page.
    pub pending_installer: Option<String>,
    /// Install codes not yet exchanged: code → (installer, redirect URI, scopes).
    pub oauth_codes: HashMap<String, (String, String, String)>,
    /// The app was uninstalled: the bot token is refused until it is installed again.
    pub token_revoked: bool,
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
            pending_installer: None,
            oauth_codes: HashMap::new(),
            token_revoked: false,
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
}
