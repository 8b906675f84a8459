//! The `debrief` binary: parse the command line, then run the chosen subcommand.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use debrief::clock::SystemClock;
use debrief::config::ServeArgs;
use debrief::startup::Application;

#[derive(Parser)]
#[command(
    name = "debrief",
    version,
    about = "Incident reviews that produce learning, inside Slack."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Slack bot (HTTP endpoints, job runner, and Socket Mode if SLACK_APP_TOKEN is set).
    Serve(Box<ServeArgs>),
    /// Run a complete scripted incident review against a built-in local Slack sandbox, and
    /// print what everyone would have seen. Needs no Slack account.
    Demo {
        /// Keep the temporary folder with the demo's database and key file.
        #[arg(long)]
        keep: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(*args)),
        Command::Demo { keep } => runtime.block_on(demo(keep)),
    }
}

async fn demo(keep: bool) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match debrief::demo::run(debrief::demo::DemoOptions { keep }, &mut stdout).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("debrief demo: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let config = match args.with_environment().into_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("debrief: {err}");
            return ExitCode::from(2);
        }
    };
    debrief::telemetry::init(config.log_format);
    let app = match Application::build(config, Arc::new(SystemClock)).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("debrief: {err:#}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(address = %app.local_addr(), "debrief is listening");
    match app.run_until(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("debrief: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (what container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
