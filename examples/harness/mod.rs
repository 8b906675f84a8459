// Each example uses part of this module; what one leaves unused is not dead.
#![allow(dead_code)]

//! What the fault trials share: starting the real `debrief serve` binary against the
//! sandbox Slack, free ports, and a throwaway PostgreSQL database per trial. Included by
//! `trials.rs` and `outage.rs` with `#[path]`, since cargo builds each example on its own.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use debrief::sandbox::{SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET};

pub const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Starts `debrief serve` on `port`, appending its log to `log`.
pub fn spawn_server(
    binary: &str,
    database_url: &str,
    api_url: &str,
    port: u16,
    log: &std::path::Path,
) -> anyhow::Result<Child> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    Ok(Command::new(binary)
        .arg("serve")
        .env("SLACK_BOT_TOKEN", SANDBOX_BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", SANDBOX_SIGNING_SECRET)
        .env("SLACK_API_URL", api_url)
        .env("DATABASE_URL", database_url)
        .env("DEBRIEF_LISTEN", format!("127.0.0.1:{port}"))
        .env("DEBRIEF_PSEUDONYM_KEY", "cd".repeat(32))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()?)
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub async fn wait_for_port(port: u16) -> anyhow::Result<()> {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("debrief did not listen on {port} within 15 s")
}

fn trial_database(trial: usize) -> String {
    format!("debrief_trial_{}_{trial}", std::process::id())
}

pub async fn admin(url: &str, sql: &str) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Creates an empty database for one trial; returns its name.
pub async fn fresh_postgres(trial: usize) -> anyhow::Result<String> {
    let name = trial_database(trial);
    admin(
        POSTGRES_URL,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await?;
    admin(POSTGRES_URL, &format!("CREATE DATABASE {name}")).await?;
    Ok(name)
}

pub async fn drop_postgres(trial: usize) -> anyhow::Result<()> {
    admin(
        POSTGRES_URL,
        &format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            trial_database(trial)
        ),
    )
    .await
}

/// Survey invitations in `user`'s DM (reminders, which say so, are not counted).
pub fn invitations(sandbox: &debrief::sandbox::SlackSandbox, user: &str) -> usize {
    sandbox
        .dms_to(user)
        .iter()
        .filter(|m| {
            m.blocks.to_string().contains(debrief::ids::SURVEY_OPEN)
                && !m.text.starts_with("A reminder")
        })
        .count()
}

/// Sorted copy, for medians and maxima.
pub fn sorted(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    values
}
