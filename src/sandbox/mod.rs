//! Purpose: a local Slack for tests and `debrief demo`: a Web API server on loopback
//! with a small workspace (people, bots, channels, DMs), and a driver that plays the
//! part of Slack's servers towards the bot (signed commands, clicks, events).
//!
//! It behaves like Slack where debrief depends on it: bearer-token checks, form and
//! JSON bodies, Slack's response shapes and error codes, cursor pagination, Block Kit
//! and view limits, single-use trigger ids that expire after 3 s, optional rate-tier
//! enforcement (429 + Retry-After), and injectable faults (429, 5xx, `ok:false`, hang).
//! Every call is recorded for assertions. There is one sandbox: the tests and the demo
//! both use this code.

mod blocks;
pub mod driver;
mod methods;
mod params;
mod rate;
pub mod socket;
pub mod world;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub use blocks::{validate_blocks, validate_view};
pub use rate::{RateLimiter, Tier};
pub use socket::{SANDBOX_APP_TOKEN, SocketHub};
pub use world::{
    Fault, RecordedCall, SandboxChannel, SandboxMessage, SandboxUser, Sighting, World,
};

/// The bot token the sandbox accepts.
pub const SANDBOX_BOT_TOKEN: &str = "xoxb-sandbox-0000-token";
/// The second workspace's bot token (see [`SlackSandbox::start_two`]).
pub const SECOND_BOT_TOKEN: &str = "xoxb-sandbox-0002-token";
/// The app's OAuth credentials, as `oauth.v2.access` checks them.
pub const SANDBOX_CLIENT_ID: &str = "1111.2222";
pub const SANDBOX_CLIENT_SECRET: &str = "0123456789abcdef0123456789abcdef";
/// The signing secret the driver signs with.
pub const SANDBOX_SIGNING_SECRET: &str = "8f742231b10e8888abcd99aa00bb85a5";

/// A running sandbox. Dropping it stops the server.
#[derive(Clone)]
pub struct SlackSandbox {
    addr: SocketAddr,
    /// The workspace this handle inspects and drives.
    world: Arc<Mutex<World>>,
    /// Slack's side of Socket Mode.
    pub socket: SocketHub,
    /// Aborts the servers when the last clone is dropped.
    _server: Arc<ServerTask>,
    _socket_server: Arc<ServerTask>,
}

struct ServerTask(JoinHandle<()>);

/// Fills one workspace before the sandbox starts serving it.
type WorldSetup<'a> = Box<dyn FnOnce(&mut World) + 'a>;

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl SlackSandbox {
    /// Starts a sandbox on 127.0.0.1 with a free port and the given workspace.
    pub async fn start(setup: impl FnOnce(&mut World)) -> std::io::Result<Self> {
        let mut handles = Self::start_many(vec![Box::new(setup)]).await?;
        Ok(handles.remove(0))
    }

    /// Starts a sandbox serving two workspaces behind one Web API, as Slack serves every
    /// workspace that installed an app: each call reaches the workspace its token belongs
    /// to. The second workspace has its own team, bot user, token and id space. Returns a
    /// handle on each.
    pub async fn start_two(
        first: impl FnOnce(&mut World),
        second: impl FnOnce(&mut World),
    ) -> std::io::Result<(Self, Self)> {
        let second_setup = |world: &mut World| {
            world.team_id = "T0SECOND".into();
            world.team_domain = "second".into();
            world.token = SECOND_BOT_TOKEN.into();
            let bot = world.users.remove(&world.bot_user_id);
            world.bot_user_id = "U0DEBRIEF2".into();
            world.bot_id = "B0DEBRIEF2".into();
            if let Some(mut bot) = bot {
                bot.id = world.bot_user_id.clone();
                world.users.insert(bot.id.clone(), bot);
            }
            // Ids (messages, views, response URLs, uploads) never collide with the first's.
            world.counter = 50_000_000;
            second(world);
        };
        let mut handles = Self::start_many(vec![Box::new(first), Box::new(second_setup)]).await?;
        let second = handles.remove(1);
        Ok((handles.remove(0), second))
    }

    async fn start_many(setups: Vec<WorldSetup<'_>>) -> std::io::Result<Vec<Self>> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (socket, socket_task) = SocketHub::start().await?;
        let mut worlds = Vec::new();
        for setup in setups {
            let mut world = World::new(SANDBOX_BOT_TOKEN);
            world.base_url = format!("http://{addr}");
            world.socket_url = socket.url();
            setup(&mut world);
            worlds.push(Arc::new(Mutex::new(world)));
        }
        let workspaces = Workspaces(Arc::new(worlds.clone()));
        let router = Router::new()
            .route("/api/{method}", any(web_api))
            .route("/response/{id}", post(response_url))
            .route("/upload/{id}", post(upload).put(upload))
            .route("/oauth/v2/authorize", get(authorize))
            .with_state(workspaces);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let server = Arc::new(ServerTask(task));
        let socket_server = Arc::new(ServerTask(socket_task));
        Ok(worlds
            .into_iter()
            .map(|world| Self {
                addr,
                world,
                socket: socket.clone(),
                _server: server.clone(),
                _socket_server: socket_server.clone(),
            })
            .collect())
    }

    /// Makes `user` the next person to press "Allow" on Slack's install page for this
    /// workspace: the sandbox's `/oauth/v2/authorize` then sends their browser back to
    /// the app with a code for it.
    pub fn next_installer(&self, user: &str) {
        self.world().pending_installer = Some(user.to_string());
    }

    /// Revokes this workspace's bot token, as uninstalling the app does: every later call
    /// with it is refused with `token_revoked`.
    pub fn revoke_token(&self) {
        self.world().token_revoked = true;
    }

    /// The Web API base URL to give the bot (`SLACK_API_URL`), without a trailing slash.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Locks the workspace for inspection or changes.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().expect("sandbox lock")
    }

    /// Queues `fault` for the next `times` calls of `method`.
    pub fn fail_next(&self, method: &str, fault: Fault, times: usize) {
        let mut world = self.world();
        let queue = world.faults.entry(method.to_string()).or_default();
        for _ in 0..times {
            queue.push_back(fault.clone());
        }
    }

    /// Turns rate-tier enforcement on, with windows shrunk by `time_scale`.
    pub fn enforce_rate_limits(&self, time_scale: f64) {
        self.world().rate_limiter = Some(RateLimiter::new(time_scale));
    }

    /// Every recorded call of `method` (all calls when `method` is empty).
    pub fn calls(&self, method: &str) -> Vec<RecordedCall> {
        self.world()
            .calls
            .iter()
            .filter(|c| method.is_empty() || c.method == method)
            .cloned()
            .collect()
    }

    /// Calls of `method` that Slack accepted (`ok:true`).
    pub fn successful_calls(&self, method: &str) -> Vec<RecordedCall> {
        self.calls(method)
            .into_iter()
            .filter(|c| c.outcome == "ok")
            .collect()
    }

    /// Messages currently in `channel` (top level and thread replies), oldest first.
    pub fn messages_in(&self, channel: &str) -> Vec<SandboxMessage> {
        self.world()
            .messages
            .iter()
            .filter(|m| m.channel == channel)
            .cloned()
            .collect()
    }

    /// Messages the bot posted in the DM with `user`.
    pub fn dms_to(&self, user: &str) -> Vec<SandboxMessage> {
        let channel = format!("D{}", user.trim_start_matches(['U', 'W']));
        self.messages_in(&channel)
    }

    /// What `user` was shown privately (ephemeral messages), oldest first.
    pub fn ephemerals_for(&self, user: &str) -> Vec<String> {
        self.world()
            .sightings
            .iter()
            .filter_map(|s| match s {
                Sighting::Ephemeral { user: u, text, .. } if u == user => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// The Block Kit of each ephemeral message `user` was shown, oldest first: what a
    /// click on one of its buttons carries.
    pub fn ephemeral_blocks_for(&self, user: &str) -> Vec<Value> {
        self.world()
            .sightings
            .iter()
            .filter_map(|s| match s {
                Sighting::Ephemeral {
                    user: u, blocks, ..
                } if u == user => Some(blocks.clone()),
                _ => None,
            })
            .collect()
    }

    /// Everything visible so far, in order.
    pub fn sightings(&self) -> Vec<Sighting> {
        self.world().sightings.clone()
    }

    /// The view (modal or Home tab) with this id, as last opened or updated.
    pub fn view(&self, id: &str) -> Option<Value> {
        self.world().views.get(id).map(|v| v.view.clone())
    }

    /// The most recent modal opened for `user`, still open.
    pub fn open_modal_for(&self, user: &str) -> Option<(String, Value)> {
        let world = self.world();
        let mut candidates: Vec<_> = world
            .views
            .values()
            .filter(|v| v.user == user && v.open && v.view["type"] == "modal")
            .collect();
        candidates.sort_by(|a, b| a.id.cmp(&b.id));
        candidates.last().map(|v| (v.id.clone(), v.view.clone()))
    }

    /// The Home tab last published for `user`.
    pub fn home_of(&self, user: &str) -> Option<Value> {
        let world = self.world();
        world
            .views
            .values()
            .find(|v| v.user == user && v.view["type"] == "home")
            .map(|v| v.view.clone())
    }

    /// Issues a trigger id for an action by `user`, as Slack does with each interaction.
    pub fn issue_trigger(&self, user: &str) -> String {
        let mut world = self.world();
        let id = world.next_id("");
        let trigger = format!("{}.{}.{}", id.trim_start_matches('0'), world.team_id, user);
        world
            .triggers
            .insert(trigger.clone(), (Instant::now(), false, user.to_string()));
        trigger
    }

    /// Issues a `response_url` that answers into `channel` for `user`.
    pub fn issue_response_url(&self, channel: &str, user: &str) -> String {
        let mut world = self.world();
        let id = world.next_id("R");
        world
            .response_urls
            .insert(id.clone(), (channel.to_string(), user.to_string()));
        format!("http://{}/response/{id}", self.addr)
    }

    /// Adds a message written by a person (the driver then delivers the event to the bot).
    pub fn add_user_message(
        &self,
        channel: &str,
        user: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> String {
        let mut world = self.world();
        let ts = world.next_ts();
        world.messages.push(SandboxMessage {
            channel: channel.into(),
            ts: ts.clone(),
            user: user.into(),
            text: text.into(),
            blocks: Value::Null,
            thread_ts: thread_ts.map(str::to_string),
            edits: 0,
        });
        world.sightings.push(Sighting::Message {
            channel: channel.into(),
            ts: ts.clone(),
            user: user.into(),
            text: text.into(),
            thread_ts: thread_ts.map(str::to_string),
        });
        ts
    }

    /// Marks a modal as closed (what Slack does after a successful submission).
    pub fn close_view(&self, id: &str) {
        if let Some(view) = self.world().views.get_mut(id) {
            view.open = false;
        }
    }

    /// Replaces a view's content (what Slack does with `response_action: update`).
    pub fn replace_view(&self, id: &str, view: Value) {
        let mut world = self.world();
        if let Some(existing) = world.views.get_mut(id) {
            // Slack keeps the view's identity (id, team, app, root) and fills the same
            // defaults as for a new view; only the content is replaced.
            let mut merged = view;
            for key in ["id", "team_id", "hash", "app_id", "bot_id", "root_view_id"] {
                merged[key] = existing.view[key].clone();
            }
            if let Some(obj) = merged.as_object_mut() {
                obj.insert("state".into(), json!({ "values": {} }));
                obj.entry("private_metadata").or_insert("".into());
                obj.entry("callback_id").or_insert("".into());
                obj.entry("external_id").or_insert("".into());
            }
            existing.view = merged;
        }
    }

    /// The small workspace with its incident channel holding the bot, alice (who
    /// facilitates) and `others` generated people, ids `U2` + five digits: for benchmarks
    /// and trials that fan out to many.
    pub fn crowded_incident_channel(world: &mut World, others: usize) -> Vec<String> {
        Self::small_workspace(world);
        let bot = world.bot_user_id.clone();
        let channel = world
            .channels
            .get_mut("C0INCIDENT")
            .expect("the small workspace has an incident channel");
        channel.members.retain(|m| *m == bot || m == "U0ALICE");
        let ids: Vec<String> = (0..others).map(|i| format!("U2{i:05}")).collect();
        channel.members.extend(ids.iter().cloned());
        for (i, id) in ids.iter().enumerate() {
            world
                .users
                .insert(id.clone(), SandboxUser::human(id, &format!("person{i}")));
        }
        ids
    }

    /// A workspace with the bot, an incident channel and a few people; used by tests.
    pub fn small_workspace(world: &mut World) {
        for (id, name) in [
            ("U0ALICE", "alice"),
            ("U0BOB", "bob"),
            ("U0CAROL", "carol"),
            ("U0DAN", "dan"),
        ] {
            world.users.insert(id.into(), SandboxUser::human(id, name));
        }
        world
            .users
            .insert("U0HELPER".into(), SandboxUser::bot("U0HELPER", "pagerbot"));
        world
            .users
            .insert("U0GONE".into(), SandboxUser::deactivated("U0GONE", "erin"));
        world.channels.insert(
            "C0INCIDENT".into(),
            SandboxChannel {
                id: "C0INCIDENT".into(),
                name: "inc-checkout".into(),
                members: [
                    world.bot_user_id.as_str(),
                    "U0ALICE",
                    "U0BOB",
                    "U0CAROL",
                    "U0DAN",
                    "U0HELPER",
                    "U0GONE",
                ]
                .map(String::from)
                .to_vec(),
                is_im: false,
                is_archived: false,
            },
        );
        world.channels.insert(
            "C0OUTSIDE".into(),
            SandboxChannel {
                id: "C0OUTSIDE".into(),
                name: "random".into(),
                members: ["U0ALICE", "U0BOB"].map(String::from).to_vec(),
                is_im: false,
                is_archived: false,
            },
        );
    }
}

/// Merges query string, form body and JSON body into one JSON object.
fn read_params(
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Value, ()> {
    let mut params = serde_json::Map::new();
    for (k, v) in query {
        params.insert(k.clone(), Value::String(v.clone()));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !body.is_empty() {
        if content_type.starts_with("application/json") {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => params.extend(map),
                _ => return Err(()),
            }
        } else {
            let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| ())?;
            for (k, v) in form {
                params.insert(k, Value::String(v));
            }
        }
    }
    Ok(Value::Object(params))
}

fn slack_json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// Every workspace the sandbox serves.
#[derive(Clone)]
struct Workspaces(Arc<Vec<Arc<Mutex<World>>>>);

impl Workspaces {
    /// The workspace a call with `token` reaches; the first when no workspace owns it
    /// (the call is then refused there, and recorded there).
    fn for_token(&self, token: Option<&str>) -> Arc<Mutex<World>> {
        self.find(|world| Some(world.token.as_str()) == token)
            .unwrap_or_else(|| self.0[0].clone())
    }

    fn find(&self, matches: impl Fn(&World) -> bool) -> Option<Arc<Mutex<World>>> {
        self.0
            .iter()
            .find(|world| matches(&world.lock().expect("sandbox lock")))
            .cloned()
    }
}

async fn web_api(
    State(workspaces): State<Workspaces>,
    Path(method): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(params) = read_params(&query, &headers, &body) else {
        return slack_json(
            StatusCode::OK,
            json!({ "ok": false, "error": "invalid_form_data" }),
        );
    };
    if method == "oauth.v2.access" {
        return oauth_access(&workspaces, &headers, &params);
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .or_else(|| {
            params
                .get("token")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let now = Instant::now();
    let world = if method == "apps.connections.open" {
        workspaces.0[0].clone()
    } else {
        workspaces.for_token(bearer.as_deref())
    };
    let (answer, hang) = {
        let mut world = world.lock().expect("sandbox lock");
        let record = |world: &mut World, outcome: &str| {
            world.calls.push(RecordedCall {
                method: method.clone(),
                params: params.clone(),
                outcome: outcome.to_string(),
            });
        };
        match bearer {
            None => {
                record(&mut world, "not_authed");
                (
                    slack_json(
                        StatusCode::OK,
                        json!({ "ok": false, "error": "not_authed" }),
                    ),
                    false,
                )
            }
            // Socket Mode connections are opened with the app-level token, not the bot's.
            Some(token)
                if token
                    != if method == "apps.connections.open" {
                        SANDBOX_APP_TOKEN
                    } else {
                        world.token.as_str()
                    } =>
            {
                record(&mut world, "invalid_auth");
                (
                    slack_json(
                        StatusCode::OK,
                        json!({ "ok": false, "error": "invalid_auth" }),
                    ),
                    false,
                )
            }
            Some(_) if world.token_revoked && method != "apps.connections.open" => {
                record(&mut world, "token_revoked");
                (
                    slack_json(
                        StatusCode::OK,
                        json!({ "ok": false, "error": "token_revoked" }),
                    ),
                    false,
                )
            }
            Some(_) => match world.take_fault(&method) {
                Some(Fault::Hang) => {
                    record(&mut world, "hung");
                    (StatusCode::GATEWAY_TIMEOUT.into_response(), true)
                }
                Some(Fault::AcceptThenHang) => {
                    let outcome = match world.call(&method, &params, now) {
                        Ok(_) => "accepted-then-hung",
                        Err(_) => "hung",
                    };
                    record(&mut world, outcome);
                    (StatusCode::GATEWAY_TIMEOUT.into_response(), true)
                }
                Some(Fault::RateLimited { retry_after }) => {
                    record(&mut world, "429");
                    (rate_limited(retry_after), false)
                }
                Some(Fault::Status(code)) => {
                    record(&mut world, &code.to_string());
                    let status =
                        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    ((status, "upstream error").into_response(), false)
                }
                Some(Fault::SlackError(code)) => {
                    record(&mut world, &code);
                    (
                        slack_json(StatusCode::OK, json!({ "ok": false, "error": code })),
                        false,
                    )
                }
                None | Some(Fault::Answer) => match world.check_rate(&method, &params, now) {
                    Err(retry_after) => {
                        record(&mut world, "429");
                        (rate_limited(retry_after), false)
                    }
                    Ok(()) => match world.call(&method, &params, now) {
                        Ok(mut value) => {
                            record(&mut world, "ok");
                            value["ok"] = true.into();
                            (slack_json(StatusCode::OK, value), false)
                        }
                        Err(code) => {
                            record(&mut world, &code);
                            (
                                slack_json(StatusCode::OK, json!({ "ok": false, "error": code })),
                                false,
                            )
                        }
                    },
                },
            },
        }
    };
    if hang {
        // Never answers; the client gives up or is dropped. The call had no effect.
        std::future::pending::<()>().await;
    }
    answer
}

fn rate_limited(retry_after: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::RETRY_AFTER, retry_after.to_string()),
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
        ],
        json!({ "ok": false, "error": "ratelimited" }).to_string(),
    )
        .into_response()
}

/// `response_url` posts: ephemeral to the person who asked, unless `response_type: in_channel`.
async fn response_url(
    State(workspaces): State<Workspaces>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    let world = workspaces
        .find(|world| world.response_urls.contains_key(&id))
        .unwrap_or_else(|| workspaces.0[0].clone());
    let mut world = world.lock().expect("sandbox lock");
    world.calls.push(RecordedCall {
        method: "response_url".into(),
        params: payload.clone(),
        outcome: "ok".into(),
    });
    let Some((channel, user)) = world.response_urls.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "expired_url").into_response();
    };
    let text = blocks::readable(payload["text"].as_str().unwrap_or(""), &payload["blocks"]);
    if payload["response_type"] == "in_channel" {
        let ts = world.next_ts();
        let bot = world.bot_user_id.clone();
        world.sightings.push(Sighting::Message {
            channel,
            ts,
            user: bot,
            text,
            thread_ts: None,
        });
    } else {
        world.sightings.push(Sighting::Ephemeral {
            channel,
            user,
            text,
            blocks: payload["blocks"].clone(),
        });
    }
    (StatusCode::OK, "ok").into_response()
}

/// The upload step of `files.getUploadURLExternal`.
async fn upload(
    State(workspaces): State<Workspaces>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let world = workspaces
        .find(|world| world.uploads.contains_key(&id))
        .unwrap_or_else(|| workspaces.0[0].clone());
    let mut world = world.lock().expect("sandbox lock");
    match world.uploads.get_mut(&id) {
        Some(upload) => {
            upload.1 = Some(body.to_vec());
            (StatusCode::OK, format!("OK - {}", body.len())).into_response()
        }
        None => (StatusCode::NOT_FOUND, "file_not_found").into_response(),
    }
}

/// Slack's install page, after the person pressed "Allow": their browser is sent back to
/// the app's redirect URL with a single-use code and the app's `state`, unchanged. The
/// workspace is the one told who installs next ([`SlackSandbox::next_installer`]).
async fn authorize(
    State(workspaces): State<Workspaces>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if query.get("client_id").map(String::as_str) != Some(SANDBOX_CLIENT_ID) {
        return (StatusCode::BAD_REQUEST, "invalid_client_id").into_response();
    }
    let scopes = query.get("scope").cloned().unwrap_or_default();
    if scopes
        .split(',')
        .any(|scope| !KNOWN_BOT_SCOPES.contains(&scope))
    {
        return (StatusCode::BAD_REQUEST, "invalid_scope").into_response();
    }
    let Some(redirect) = query.get("redirect_uri").cloned() else {
        return (StatusCode::BAD_REQUEST, "bad_redirect_uri").into_response();
    };
    let Some(world) = workspaces.find(|world| world.pending_installer.is_some()) else {
        return (StatusCode::BAD_REQUEST, "nobody is installing").into_response();
    };
    let mut world = world.lock().expect("sandbox lock");
    let installer = world.pending_installer.take().expect("found by it");
    let code = format!("{}.{}", world.next_id("code"), world.team_id);
    world
        .oauth_codes
        .insert(code.clone(), (installer, redirect.clone(), scopes));
    let mut back = match url::Url::parse(&redirect) {
        Ok(url) => url,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad_redirect_uri").into_response(),
    };
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", query.get("state").map_or("", String::as_str));
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

/// Scopes a bot token can be granted (a subset of Slack's list, enough to catch typos).
const KNOWN_BOT_SCOPES: &[&str] = &[
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "users:read",
];

/// `oauth.v2.access`: the app's client id and secret by HTTP Basic (or form fields), and
/// a code issued by [`authorize`], usable once, with the same redirect URI.
fn oauth_access(workspaces: &Workspaces, headers: &HeaderMap, params: &Value) -> Response {
    use base64::Engine as _;
    let refuse = |error: &str| slack_json(StatusCode::OK, json!({ "ok": false, "error": error }));
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });
    let (client_id, client_secret) = basic.unwrap_or_else(|| {
        let field = |name| params[name].as_str().unwrap_or_default().to_string();
        (field("client_id"), field("client_secret"))
    });
    if client_id != SANDBOX_CLIENT_ID {
        return refuse("invalid_client_id");
    }
    if client_secret != SANDBOX_CLIENT_SECRET {
        return refuse("bad_client_secret");
    }
    let code = params["code"].as_str().unwrap_or_default().to_string();
    let Some(world) = workspaces.find(|world| world.oauth_codes.contains_key(&code)) else {
        return refuse("invalid_code");
    };
    let mut world = world.lock().expect("sandbox lock");
    let (installer, redirect, scopes) = world.oauth_codes.remove(&code).expect("found by it");
    if params["redirect_uri"].as_str() != Some(redirect.as_str()) {
        return refuse("bad_redirect_uri");
    }
    world.token_revoked = false;
    world.calls.push(RecordedCall {
        method: "oauth.v2.access".into(),
        params: json!({ "code": code }),
        outcome: "ok".into(),
    });
    slack_json(
        StatusCode::OK,
        json!({
            "ok": true,
            "access_token": world.token,
            "token_type": "bot",
            "scope": scopes,
            "bot_user_id": world.bot_user_id,
            "app_id": world.app_id,
            "team": { "id": world.team_id, "name": world.team_domain },
            "enterprise": null,
            "is_enterprise_install": false,
            "authed_user": { "id": installer },
        }),
    )
}
