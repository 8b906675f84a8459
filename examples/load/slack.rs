//! `load slack`: the sandbox Slack for the bench, with a control port.
//!
//! The servers under test run as processes of their own (so their RSS and open files can
//! be read), and some of them call Slack's Web API: Bolt calls `auth.test` at start-up,
//! debrief's jobs gather a review's participants. They are all pointed at this sandbox.
//! The sandbox also has to issue the trigger ids and response URLs of the commands that
//! open a review, which is why the setup runs here and is asked for over HTTP.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::json;

use debrief::sandbox::driver::SlackDriver;
use debrief::sandbox::{SANDBOX_SIGNING_SECRET, SlackSandbox};

#[derive(clap::Args)]
pub struct SlackArgs {
    /// Where the control port listens (`POST /setup?bot=URL`, `GET /healthz`).
    #[arg(long, default_value = "127.0.0.1:3918")]
    control: String,
}

#[derive(serde::Deserialize)]
struct SetupQuery {
    bot: String,
}

pub async fn serve(args: SlackArgs) -> anyhow::Result<()> {
    let sandbox = SlackSandbox::start(SlackSandbox::small_workspace).await?;
    let listener = tokio::net::TcpListener::bind(&args.control)
        .await
        .with_context(|| format!("control port {}", args.control))?;
    // One line on stdout tells the script where the Web API is; it waits for it.
    println!("{}", json!({ "api_url": sandbox.api_url() }));
    std::io::stdout().flush()?;
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/setup", post(setup))
        .with_state(sandbox);
    axum::serve(listener, router).await?;
    Ok(())
}

/// Opens a review in the sandbox's incident channel the way a person would (the same
/// commands as the tests' `open_review`), then waits until its participants are gathered,
/// so `observe` and `status` meet a review that is fully set up.
async fn setup(
    State(sandbox): State<SlackSandbox>,
    Query(query): Query<SetupQuery>,
) -> (StatusCode, String) {
    let driver = SlackDriver::new(query.bot, SANDBOX_SIGNING_SECRET, sandbox);
    let steps = [
        (
            r#"incident title="Checkout errors" sev=P1 services=checkout"#,
            "Recorded",
        ),
        ("review in=2d", "Opened the review"),
    ];
    for (command, expected) in steps {
        let reply = driver.command("U0ALICE", "C0INCIDENT", command).await;
        if !reply.text().contains(expected) {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "`/debrief {command}` answered {}: {}",
                    reply.status, reply.body
                ),
            );
        }
    }
    // Gathering is a job on debrief's worker, which polls about once a second.
    for _ in 0..300 {
        let reply = driver.command("U0ALICE", "C0INCIDENT", "status").await;
        let text = reply.text();
        if text.contains("Participants (") {
            return (StatusCode::OK, text);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "the review's participants were not gathered within 30 s".into(),
    )
}
