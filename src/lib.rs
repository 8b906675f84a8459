//! debrief: a Slack bot that makes incident reviews produce learning.
//!
//! # A tour, from the bottom layer up
//! Every `use crate::…` points down this list; `tests/api/layers.rs` fails the build
//! when one points up.
//!
//! **Infrastructure**, which knows nothing of features:
//! - [`config`]: the one typed configuration, read once (the only module that reads the environment).
//! - [`clock`], [`telemetry`], [`error`] (errors split by who reads them), [`pseudonym`] (the keyed hash).
//! - [`workspace`]: which workspace (and so which bot token) the current request or job acts for.
//! - [`metrics`]: Prometheus metrics, declared in one place.
//! - [`charts`]: the learning review's charts as PNG, pure (figures in, bytes out).
//! - [`slack`]: every outgoing Web API call, with failures classified once; Block Kit builders.
//! - [`store`]: persistence; all SQL lives here, for SQLite and PostgreSQL.
//! - [`sandbox`]: a local Slack Web API used by the tests and `debrief demo`.
//!
//! **The kit** every feature shares:
//! - [`domain`]: value types shared by the store and the features (ids, statuses, scales).
//! - [`grammar`]: the pure `/debrief` parser; [`ids`]: every action, callback and shortcut id.
//! - [`request`]: what a command brings in and what the person sees back.
//! - [`queue`]: the vocabulary of background work (`Job`, `enqueue`).
//! - [`outbox`]: posting a message that must reach Slack once, whatever happens.
//! - [`app`]: `AppState`, what every handler and job is given.
//!
//! **Features**: [`features`], one module per feature; each imports only what lies above in this list.
//!
//! **Dispatch**: [`bot`], the only code that names every feature: commands, interactions,
//! events and jobs each have one `match`.
//!
//! **The edge**: [`http`] and [`socket_mode`] (transports into [`bot`]), [`jobs`] (the engine
//! that claims, runs and retries jobs through `bot::on_job`), [`startup`] (the only place
//! that starts them), [`demo`], and [`cli`] (import, export and the learning review
//! without Slack).

pub mod charts;
pub mod clock;
pub mod config;
pub mod error;
pub mod metrics;
pub mod pseudonym;
pub mod sandbox;
pub mod slack;
pub mod store;
pub mod telemetry;
pub mod workspace;

pub mod app;
pub mod domain;
pub mod grammar;
pub mod ids;
pub mod outbox;
pub mod queue;
pub mod request;

pub mod features;

pub mod bot;

pub mod cli;
pub mod demo;
pub mod http;
pub mod jobs;
pub mod socket_mode;
pub mod startup;
