//! One integration-test binary: every module shares the harness in `helpers`.

mod helpers;

mod cli;
mod foundation;
mod manifest;
mod surveys;
