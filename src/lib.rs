//! debrief: a Slack bot that makes incident reviews produce learning.
//!
//! # Layout
//! - [`config`]: the one typed configuration, read once (the only module that reads the environment).
//! - [`app`]: shared state and the service's life cycle (build, run, stop).
//! - [`http`]: the HTTP edge: routes, request verification, thin adapters to [`bot`].
//! - [`socket_mode`]: the optional second transport, feeding the same [`bot`] functions.
//! - [`bot`]: transport-agnostic core: command grammar, dispatch, error mapping.
//! - [`features`]: one module per feature; pure decisions plus thin I/O.
//! - [`jobs`]: durable background work with leases, backoff and Retry-After.
//! - [`slack`]: every outgoing Web API call, with failures classified once.
//! - [`store`]: persistence; all SQL lives here, for SQLite and PostgreSQL.
//! - [`metrics`]: Prometheus metrics, declared in one place.
//! - [`sandbox`]: a local Slack Web API used by the tests and `debrief demo`.

pub mod app;
pub mod bot;
pub mod clock;
pub mod config;
pub mod demo;
pub mod error;
pub mod features;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod pseudonym;
pub mod sandbox;
pub mod slack;
pub mod socket_mode;
pub mod store;
pub mod telemetry;
