//! One integration-test binary: every module shares the harness in `helpers`.

mod helpers;

mod checkins;
mod cli;
mod foundation;
mod manifest;
mod observations;
mod surveys;
