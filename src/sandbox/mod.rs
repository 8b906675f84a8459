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
use axum::routing::{any, post};
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
/// The signing secret the driver signs with.
pub const SANDBOX_SIGNING_SECRET: &str = "8f742231b10e8888abcd99aa00bb85a5";

/// A running sandbox. Dropping it stops the server.
#[derive(Clone)]
pub struct SlackSandbox {
    addr: SocketAddr,
    world: Arc<Mutex<World>>,
    /// Slack's side of Socket Mode.
    pub socket: SocketHub,
    /// Aborts the servers when the last clone is dropped.
    _server: Arc<ServerTask>,
    _socket_server: Arc<ServerTask>,
}

struct ServerTask(JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl SlackSandbox {
    /// Starts a sandbox on 127.0.0.1 with a free port and the given workspace.
    pub async fn start(setup: impl FnOnce(&mut World)) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (socket, socket_task) = SocketHub::start().await?;
        let mut world = World::new(SANDBOX_BOT_TOKEN);
        world.base_url = format!("http://{addr}");
        world.socket_url = socket.url();
        setup(&mut world);
        let world = Arc::new(Mutex::new(world));
        let router = Router::new()
            .route("/api/{method}", any(web_api))
            .route("/response/{id}", post(response_url))
            .route("/upload/{id}", post(upload).put(upload))
            .with_state(world.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self {
            addr,
            world,
            socket,
            _server: Arc::new(ServerTask(task)),
            _socket_server: Arc::new(ServerTask(socket_task)),
        })
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
        let channel = world
            .channels
            .get_mut("C0INCIDENT")
            .expect("the small workspace has an incident channel");
        channel
            .members
            .retain(|m| m == "U0DEBRIEF" || m == "U0ALICE");
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
                    "U0DEBRIEF",
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

async fn web_api(
    State(world): State<Arc<Mutex<World>>>,
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
    State(world): State<Arc<Mutex<World>>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
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
        });
    }
    (StatusCode::OK, "ok").into_response()
}

/// The upload step of `files.getUploadURLExternal`.
async fn upload(
    State(world): State<Arc<Mutex<World>>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut world = world.lock().expect("sandbox lock");
    match world.uploads.get_mut(&id) {
        Some(upload) => {
            upload.1 = Some(body.to_vec());
            (StatusCode::OK, format!("OK - {}", body.len())).into_response()
        }
        None => (StatusCode::NOT_FOUND, "file_not_found").into_response(),
    }
}
