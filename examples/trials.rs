//! Fault trials for `bench/trials.sh`: the real `debrief serve` binary fans a survey out to
//! many people through the sandbox Slack (enforcing Slack's rate tiers), and is killed
//! with SIGKILL in the middle, again and again. Afterwards every person's DMs are counted:
//! an invitation that never arrived is lost, a second copy is a duplicate.
//!
//! Usage: trials <debrief binary> <sqlite|postgres> [trials=20] [people=60] [kills=3]
//!        [replicas=1] [time_scale=20]
//!
//! With one replica a killed process is started again at once (what systemd does). With
//! two or more (PostgreSQL only), a killed replica stays down and the others must take its
//! jobs over once its lease runs out. Prints one table row per trial and a JSON summary:
//! lost and duplicated invitations, and how late the last person was reached after a kill.

use std::collections::BTreeMap;
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::RngExt;

use debrief::sandbox::driver::SlackDriver;
use debrief::sandbox::{SANDBOX_SIGNING_SECRET, SlackSandbox};

#[path = "harness/mod.rs"]
mod harness;
use harness::{drop_postgres, free_port, fresh_postgres, invitations, spawn_server, wait_for_port};

/// How long a trial may take before what is missing counts as lost.
const PATIENCE: Duration = Duration::from_secs(120);

struct Settings {
    binary: String,
    backend: String,
    trials: usize,
    people: usize,
    kills: usize,
    replicas: usize,
    scale: f64,
}

#[derive(Debug, Default, serde::Serialize)]
struct Outcome {
    trial: usize,
    kills: usize,
    lost: usize,
    duplicated: usize,
    /// From `/debrief survey` to the last person's invitation.
    seconds_to_all: f64,
    /// The longest wait for the next person to be reached after a kill (a restart, or a
    /// takeover once the dead replica's lease runs out).
    longest_gap_after_kill: f64,
    /// From the last kill to the last person's invitation.
    seconds_after_last_kill: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |n: usize, default: &str| args.get(n).cloned().unwrap_or(default.to_string());
    let settings = Settings {
        binary: args
            .get(1)
            .cloned()
            .context("usage: trials <debrief binary> <sqlite|postgres> …")?,
        backend: arg(2, "sqlite"),
        trials: arg(3, "20").parse()?,
        people: arg(4, "60").parse()?,
        kills: arg(5, "3").parse()?,
        replicas: arg(6, "1").parse()?,
        scale: arg(7, "20").parse()?,
    };
    anyhow::ensure!(
        settings.replicas == 1 || settings.backend == "postgres",
        "several replicas need PostgreSQL"
    );
    println!(
        "trial  kills  lost  duplicated  seconds_to_all  longest_gap_after_kill  seconds_after_last_kill"
    );
    let mut outcomes = Vec::new();
    for trial in 1..=settings.trials {
        let outcome = run_trial(&settings, trial).await?;
        println!(
            "{:>5}  {:>5}  {:>4}  {:>10}  {:>14.2}  {:>22.2}  {:>23.2}",
            outcome.trial,
            outcome.kills,
            outcome.lost,
            outcome.duplicated,
            outcome.seconds_to_all,
            outcome.longest_gap_after_kill,
            outcome.seconds_after_last_kill
        );
        outcomes.push(outcome);
    }
    let total = |f: fn(&Outcome) -> usize| outcomes.iter().map(f).sum::<usize>();
    let to_all = harness::sorted(outcomes.iter().map(|o| o.seconds_to_all));
    let gaps = harness::sorted(outcomes.iter().map(|o| o.longest_gap_after_kill));
    let summary = serde_json::json!({
        "backend": settings.backend,
        "replicas": settings.replicas,
        "trials": settings.trials,
        "people": settings.people,
        "invitations_expected": settings.trials * settings.people,
        "kills": total(|o| o.kills),
        "lost": total(|o| o.lost),
        "duplicated": total(|o| o.duplicated),
        "seconds_to_all_median": to_all[to_all.len() / 2],
        "seconds_to_all_max": to_all.last(),
        "longest_gap_after_kill_median": gaps[gaps.len() / 2],
        "longest_gap_after_kill_max": gaps.last(),
        "seconds_after_last_kill_max": outcomes
            .iter()
            .map(|o| o.seconds_after_last_kill)
            .fold(0.0, f64::max),
    });
    println!("{summary}");
    Ok(())
}

async fn run_trial(settings: &Settings, trial: usize) -> anyhow::Result<Outcome> {
    let people = settings.people;
    let mut others = Vec::new();
    let sandbox = SlackSandbox::start(|world| {
        others = SlackSandbox::crowded_incident_channel(world, people.saturating_sub(1));
    })
    .await?;
    sandbox.enforce_rate_limits(settings.scale);
    let folder = tempfile::tempdir()?;
    let database_url = match settings.backend.as_str() {
        "postgres" => format!(
            "postgres://postgres@127.0.0.1:5432/{}",
            fresh_postgres(trial).await?
        ),
        _ => format!("sqlite://{}", folder.path().join("trial.db").display()),
    };
    let ports: Vec<u16> = (0..settings.replicas)
        .map(|_| free_port())
        .collect::<anyhow::Result<_>>()?;
    let start = |n: usize| {
        spawn_server(
            &settings.binary,
            &database_url,
            &sandbox.api_url(),
            ports[n],
            &folder.path().join(format!("replica-{n}.log")),
        )
    };
    let mut servers: Vec<Option<Child>> = Vec::new();
    for (n, port) in ports.iter().enumerate() {
        servers.push(Some(start(n)?));
        wait_for_port(*port).await?;
    }
    let driver = SlackDriver::new(
        format!("http://127.0.0.1:{}", ports[0]),
        SANDBOX_SIGNING_SECRET,
        sandbox.clone(),
    );
    driver
        .command("U0ALICE", "C0INCIDENT", "incident title=\"Kill trial\"")
        .await;
    driver
        .command("U0ALICE", "C0INCIDENT", "review in=7d")
        .await;
    let mut gathered = false;
    for _ in 0..600 {
        if driver
            .command("U0ALICE", "C0INCIDENT", "status")
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
    driver
        .send_survey("U0ALICE", "C0INCIDENT", debrief::ids::SURVEY_SEND)
        .await
        .map_err(|reply| anyhow::anyhow!("trial {trial}: {reply}"))?;
    let everyone: Vec<String> = std::iter::once("U0ALICE".to_string())
        .chain(others)
        .collect();
    let delivered = |sandbox: &SlackSandbox| -> BTreeMap<String, usize> {
        everyone
            .iter()
            .map(|user| (user.clone(), invitations(sandbox, user)))
            .collect()
    };

    // Kills at random moments while the fan-out runs (it lasts a few seconds at this
    // time scale); a replica that is killed is started again at once, unless others run.
    let mut rng = rand::rng();
    let mut kills = Vec::new();
    for _ in 0..settings.kills {
        tokio::time::sleep(Duration::from_millis(rng.random_range(100..700))).await;
        let reached = delivered(&sandbox).values().filter(|n| **n > 0).count();
        if reached == everyone.len() {
            break;
        }
        let alive: Vec<usize> = (0..servers.len())
            .filter(|n| servers[*n].is_some())
            .collect();
        if settings.replicas > 1 && alive.len() == 1 {
            break;
        }
        let victim = alive[rng.random_range(0..alive.len())];
        let mut child = servers[victim].take().expect("alive");
        // SIGKILL; an error only means it had already died, and it is reaped either way.
        let _ = child.kill();
        child.wait()?;
        kills.push((Instant::now(), reached));
        if settings.replicas == 1 {
            servers[victim] = Some(start(victim)?);
            wait_for_port(ports[victim]).await?;
        }
    }

    // Wait until everyone has an invitation, then a little longer for any second copy.
    let mut arrivals: Vec<(Instant, usize)> = Vec::new();
    let mut last_count = usize::MAX;
    let finished = loop {
        let reached = delivered(&sandbox).values().filter(|n| **n > 0).count();
        if reached != last_count {
            arrivals.push((Instant::now(), reached));
            last_count = reached;
        }
        if reached == everyone.len() {
            break Some(Instant::now());
        }
        if started.elapsed() > PATIENCE {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = delivered(&sandbox);
    for child in servers.iter_mut().flatten() {
        let _ = child.kill();
        child.wait()?;
    }
    if settings.backend == "postgres" {
        drop_postgres(trial).await?;
    }
    // After each kill, how long until the next new person was reached.
    let longest_gap_after_kill = kills
        .iter()
        .filter_map(|(at, reached)| {
            arrivals
                .iter()
                .find(|(when, count)| when > at && count > reached)
                .map(|(when, _)| when.duration_since(*at).as_secs_f64())
        })
        .fold(0.0, f64::max);
    let seconds_after_last_kill = match (kills.last(), finished) {
        (Some((killed, _)), Some(done)) => done.saturating_duration_since(*killed).as_secs_f64(),
        (Some(_), None) => PATIENCE.as_secs_f64(),
        (None, _) => 0.0,
    };
    Ok(Outcome {
        trial,
        seconds_after_last_kill,
        kills: kills.len(),
        lost: counts.values().filter(|n| **n == 0).count(),
        duplicated: counts.values().map(|n| n.saturating_sub(1)).sum(),
        seconds_to_all: finished
            .map(|at| at.duration_since(started))
            .unwrap_or(PATIENCE)
            .as_secs_f64(),
        longest_gap_after_kill,
    })
}
