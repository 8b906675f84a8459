//! One integration-test binary: every module shares the harness in `helpers`.

mod helpers;

mod actions;
mod agenda;
mod anonymity;
mod checkins;
mod cli;
mod dashboard;
mod demo;
mod faults;
mod foundation;
mod framing;
mod generated;
mod import;
mod layers;
mod learning;
mod manifest;
mod metrics;
mod native;
mod observations;
mod operate;
mod prometheus;
mod pulse;
mod surveys;
mod transports;
mod workspaces;
