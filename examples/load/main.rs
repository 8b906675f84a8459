//! The one load generator of the benchmark scripts (`bench/compare.sh`, `bench/mixed.sh`,
//! `bench/soak.sh`). The same binary drives every target, debrief and its peers alike, so
//! a ratio between two targets measures the servers and not two different clients.
//!
//! * `load run`: signed `/debrief` slash commands against `<url>/slack/commands`, either
//!   closed loop (N requests in flight) or open loop (a fixed schedule of R requests/s,
//!   latency counted from each request's scheduled time). Prints one JSON line.
//! * `load slack`: the project's sandbox Slack as a process of its own, for servers that
//!   need a Web API (Bolt's start-up `auth.test`, debrief's jobs), plus a control port
//!   whose `POST /setup?bot=URL` opens a review in debrief through real signed commands.
//! * `load report`: turns the JSON lines the scripts collected into tables and ratios.
//!
//! `load <subcommand> --help` lists the options.

mod generator;
mod report;
mod slack;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "load",
    about = "Load generator and helpers for debrief's bench scripts"
)]
enum Cli {
    /// Send signed slash commands and print one JSON line of results.
    Run(Box<generator::RunArgs>),
    /// Run the sandbox Slack with a control port for setting debrief up.
    Slack(slack::SlackArgs),
    /// Summarise results collected by the bench scripts.
    #[command(subcommand)]
    Report(report::Report),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse() {
        Cli::Run(args) => generator::run(*args).await,
        Cli::Slack(args) => slack::serve(args).await,
        Cli::Report(report) => report::print(report),
    }
}
