//! Check-in kill trials for `bench/trials.sh`: the real `debrief serve` binary runs a
//! round-robin check-in through the sandbox Slack (rate tiers enforced), participants answer
//! in the thread soon after they are called, and the process is killed with SIGKILL at random
//! moments and started again at once. Slack's side is played faithfully: an event whose
//! delivery failed because the process died is delivered again, marked as a retry.
//!
//! Afterwards the thread is read as a participant would read it:
//! - the opening message appears once;
//! - everyone is called exactly once (a second call is a duplicate, none is a lost turn);
//! - every answer counts (the summary says everyone shared; nobody was moved past);
//! - the summary appears once.
//!
//! Usage: checkin_kills <debrief binary> <sqlite|postgres> [trials=10] [people=8] [kills=3]

use std::collections::BTreeMap;
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::RngExt;

use debrief::features::checkin::PARENT_TEXT;
use debrief::sandbox::driver::SlackDriver;
use debrief::sandbox::{SANDBOX_SIGNING_SECRET, SandboxMessage, SlackSandbox};

#[path = "harness/mod.rs"]
mod harness;
use harness::{drop_postgres, free_port, fresh_postgres, spawn_server, wait_for_port};

/// How long a round may take before it counts as stuck.
const PATIENCE: Duration = Duration::from_secs(240);
const CHANNEL: &str = "C0INCIDENT";

#[derive(Debug, Default, serde::Serialize)]
struct Outcome {
    trial: usize,
    kills: usize,
    opening_messages: usize,
    /// People never called.
    not_called: usize,
    /// Calls beyond the first for the same person.
    called_twice: usize,
    /// "Thanks, moving on." lines: a turn ended without the answer counting.
    moved_past: usize,
    summaries: usize,
    /// The summary's "N of M shared".
    shared: usize,
    /// Event deliveries that failed because the process was dead and were sent again.
    redelivered: usize,
    seconds_to_summary: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A delivery to a process that was just killed panics inside its own task (the
    // driver expects the bot to be reachable); that is a failed delivery, counted and
    // retried, not news. Panics on the main thread are still reported.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            report(info);
        }
    }));
    let args: Vec<String> = std::env::args().collect();
    let arg = |n: usize, default: &str| args.get(n).cloned().unwrap_or(default.to_string());
    let binary = args
        .get(1)
        .cloned()
        .context("usage: checkin_kills <debrief binary> <sqlite|postgres> …")?;
    let backend = arg(2, "sqlite");
    let trials: usize = arg(3, "10").parse()?;
    let people: usize = arg(4, "8").parse()?;
    let kills: usize = arg(5, "3").parse()?;
    println!(
        "trial  kills  openings  not_called  called_twice  moved_past  summaries  shared  redelivered  seconds"
    );
    let mut outcomes = Vec::new();
    for trial in 1..=trials {
        let o = run_trial(&binary, &backend, trial, people, kills).await?;
        println!(
            "{:>5}  {:>5}  {:>8}  {:>10}  {:>12}  {:>10}  {:>9}  {:>6}  {:>11}  {:>7.2}",
            o.trial,
            o.kills,
            o.opening_messages,
            o.not_called,
            o.called_twice,
            o.moved_past,
            o.summaries,
            o.shared,
            o.redelivered,
            o.seconds_to_summary
        );
        outcomes.push(o);
    }
    let total = |f: fn(&Outcome) -> usize| outcomes.iter().map(f).sum::<usize>();
    let seconds = harness::sorted(outcomes.iter().map(|o| o.seconds_to_summary));
    println!(
        "{}",
        serde_json::json!({
            "backend": backend,
            "trials": trials,
            "people": people,
            "kills": total(|o| o.kills),
            "turns_expected": trials * people,
            "duplicate_openings": outcomes.iter().map(|o| o.opening_messages.saturating_sub(1)).sum::<usize>(),
            "not_called": total(|o| o.not_called),
            "called_twice": total(|o| o.called_twice),
            "moved_past": total(|o| o.moved_past),
            "answers_not_counted": outcomes.iter().map(|o| people.saturating_sub(o.shared)).sum::<usize>(),
            "rounds_without_one_summary": outcomes.iter().filter(|o| o.summaries != 1).count(),
            "redelivered": total(|o| o.redelivered),
            "seconds_to_summary_median": seconds[seconds.len() / 2],
            "seconds_to_summary_max": seconds.last(),
        })
    );
    Ok(())
}

async fn run_trial(
    binary: &str,
    backend: &str,
    trial: usize,
    people: usize,
    kills: usize,
) -> anyhow::Result<Outcome> {
    let sandbox = SlackSandbox::start(|world| {
        SlackSandbox::crowded_incident_channel(world, people.saturating_sub(1));
    })
    .await?;
    sandbox.enforce_rate_limits(20.0);
    let folder = tempfile::tempdir()?;
    let database_url = match backend {
        "postgres" => format!(
            "postgres://postgres@127.0.0.1:5432/{}",
            fresh_postgres(trial).await?
        ),
        _ => format!("sqlite://{}", folder.path().join("trial.db").display()),
    };
    let port = free_port()?;
    let log = folder.path().join("server.log");
    let start = || spawn_server(binary, &database_url, &sandbox.api_url(), port, &log);
    let mut server: Child = start()?;
    wait_for_port(port).await?;
    let driver = SlackDriver::new(
        format!("http://127.0.0.1:{port}"),
        SANDBOX_SIGNING_SECRET,
        sandbox.clone(),
    );
    driver
        .command("U0ALICE", CHANNEL, "incident title=\"Check-in trial\"")
        .await;
    driver.command("U0ALICE", CHANNEL, "review in=7d").await;
    let mut gathered = false;
    for _ in 0..600 {
        if driver
            .command("U0ALICE", CHANNEL, "status")
            .await
            .text()
            .contains("Participants (")
        {
            gathered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(gathered, "trial {trial}: participants were not gathered");

    let started = Instant::now();
    let reply = driver.command("U0ALICE", CHANNEL, "checkin turn=15s").await;
    anyhow::ensure!(
        reply.text().contains("Starting a round-robin check-in"),
        "trial {trial}: {}",
        reply.text()
    );

    // Kill moments, spread over the round (people answer within about a second of a call).
    let mut rng = rand::rng();
    let mut kill_at: Vec<Duration> = (0..kills)
        .map(|_| Duration::from_millis(rng.random_range(200..(people as u64 * 1200).max(400))))
        .collect();
    kill_at.sort();
    let mut kills_done = 0;
    let mut answered: BTreeMap<String, ()> = BTreeMap::new();
    let mut redelivered = 0;
    let mut outcome = Outcome {
        trial,
        ..Outcome::default()
    };
    loop {
        let kill_due = kill_at.first().is_some_and(|at| started.elapsed() >= *at);
        let thread = thread_of(&sandbox);
        if thread.iter().any(is_summary) {
            outcome.seconds_to_summary = started.elapsed().as_secs_f64();
            break;
        }
        if started.elapsed() > PATIENCE {
            outcome.seconds_to_summary = PATIENCE.as_secs_f64();
            break;
        }
        // Whoever was called and has not answered yet answers now, in the thread.
        let pending = match latest_call(&sandbox) {
            Some((parent_ts, called)) if !answered.contains_key(&called) => {
                tokio::time::sleep(Duration::from_millis(rng.random_range(100..600))).await;
                let (_, envelope) = driver.write(
                    &called,
                    CHANNEL,
                    &format!("what I saw, from {called}"),
                    Some(&parent_ts),
                );
                answered.insert(called, ());
                let sending = {
                    let driver = driver.clone();
                    let envelope = envelope.clone();
                    tokio::spawn(async move { driver.event(&envelope, None).await })
                };
                Some((envelope, sending))
            }
            _ => None,
        };
        if kill_due {
            kill_at.remove(0);
            // Often while the answer above is being handled: a few milliseconds in.
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..20))).await;
            // SIGKILL; an error only means it had already died, and it is reaped either way.
            let _ = server.kill();
            server.wait()?;
            kills_done += 1;
            server = start()?;
            wait_for_port(port).await?;
        }
        if let Some((envelope, sending)) = pending {
            // The driver panics when the bot is unreachable: a panicked task is a failed
            // delivery, which Slack would send again.
            let delivered = sending.await.is_ok_and(|r| r.status == 200);
            if !delivered {
                redelivered += 1 + deliver(&driver, &envelope, &mut server, &start, port).await?;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let thread = thread_of(&sandbox);
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    for m in &thread {
        if let Some(user) = called_in(m) {
            *calls.entry(user).or_default() += 1;
        }
    }
    outcome.kills = kills_done;
    outcome.redelivered = redelivered;
    outcome.opening_messages = sandbox
        .messages_in(CHANNEL)
        .iter()
        .filter(|m| m.thread_ts.is_none() && m.text.starts_with(PARENT_TEXT))
        .count();
    outcome.not_called = people.saturating_sub(calls.len());
    outcome.called_twice = calls.values().map(|n| n.saturating_sub(1)).sum();
    outcome.moved_past = thread
        .iter()
        .filter(|m| m.text.contains("moving on"))
        .count();
    let summaries: Vec<&SandboxMessage> = thread.iter().filter(|m| is_summary(m)).collect();
    outcome.summaries = summaries.len();
    outcome.shared = summaries
        .first()
        .and_then(|m| m.text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let _ = server.kill();
    server.wait()?;
    if backend == "postgres" {
        drop_postgres(trial).await?;
    }
    Ok(outcome)
}

/// Sends an event again, as Slack does after a delivery failed: marked as a retry, and if
/// the process is dead it is started first (as systemd would). Returns how many further
/// attempts it took beyond the first redelivery.
async fn deliver(
    driver: &SlackDriver,
    envelope: &serde_json::Value,
    server: &mut Child,
    start: &impl Fn() -> anyhow::Result<Child>,
    port: u16,
) -> anyhow::Result<usize> {
    for attempt in 0..5u32 {
        let driver = driver.clone();
        let envelope = envelope.clone();
        let retry = Some(attempt + 1);
        // Slack waits between retries; these waits are shrunk so that a trial stays short.
        tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
        // The driver panics when the bot is unreachable; a panicked task is a failed delivery.
        let delivered = tokio::spawn(async move { driver.event(&envelope, retry).await })
            .await
            .is_ok_and(|response| response.status == 200);
        if delivered {
            return Ok(attempt as usize);
        }
        if server.try_wait()?.is_some() {
            *server = start()?;
        }
        wait_for_port(port).await?;
    }
    anyhow::bail!("an event could not be delivered in 5 attempts")
}

/// Every message in the check-in's thread.
fn thread_of(sandbox: &SlackSandbox) -> Vec<SandboxMessage> {
    let messages = sandbox.messages_in(CHANNEL);
    let Some(parent) = messages
        .iter()
        .find(|m| m.thread_ts.is_none() && m.text.starts_with(PARENT_TEXT))
    else {
        return Vec::new();
    };
    messages
        .iter()
        .filter(|m| m.thread_ts.as_deref() == Some(parent.ts.as_str()))
        .cloned()
        .collect()
}

fn is_summary(message: &SandboxMessage) -> bool {
    message.text.contains("The floor is open for discussion") && message.text.contains(" shared")
}

/// The person a "your turn" message calls.
fn called_in(message: &SandboxMessage) -> Option<String> {
    if !message.text.contains("your turn") {
        return None;
    }
    let start = message.text.find("<@")? + 2;
    let end = start + message.text[start..].find('>')?;
    Some(message.text[start..end].to_string())
}

/// The thread's ts and the person called last.
fn latest_call(sandbox: &SlackSandbox) -> Option<(String, String)> {
    let thread = thread_of(sandbox);
    let call = thread.iter().rev().find_map(called_in)?;
    Some((thread.first()?.thread_ts.clone()?, call))
}
