//! Database outage trials for `bench/outage.sh`: the real `debrief serve` binary talks to
//! PostgreSQL through a relay that the trial cuts in the middle of a survey fan-out, in one
//! of two ways:
//! - `refuse`: every connection is dropped and new ones are closed at once, as when the
//!   server is stopped or restarted;
//! - `hang`: sockets stay open but nothing passes, as in a network partition, which only
//!   timeouts notice.
//!
//! While the database is gone, a participant types `/debrief observe …` once a second and a
//! load balancer probes `/healthz`. Afterwards the trial counts what a person would notice:
//! invitations lost or sent twice, observations the bot claimed to keep but did not (or kept
//! while saying it had not), replies slower than Slack's 3 s, and how long `/healthz` took
//! to say 503 and to recover.
//!
//! Usage: outage <debrief binary> [trials=10] [people=40] [outage_seconds=15]
//!        [mode=refuse|hang|both] [time_scale=20]

use std::collections::BTreeMap;
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::RngExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use debrief::sandbox::driver::SlackDriver;
use debrief::sandbox::{SANDBOX_SIGNING_SECRET, SlackSandbox};

#[path = "harness/mod.rs"]
mod harness;
use harness::{drop_postgres, free_port, fresh_postgres, invitations, spawn_server, wait_for_port};

/// How long a trial may take before what is missing counts as lost.
const PATIENCE: Duration = Duration::from_secs(150);
/// Slack shows its own timeout error when a slash command is not answered within this.
const SLACK_DEADLINE: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Up,
    Refuse,
    Hang,
}

#[derive(Debug, Default, serde::Serialize)]
struct Outcome {
    trial: usize,
    mode: String,
    lost: usize,
    duplicated: usize,
    observations_typed: usize,
    /// Replies that said the text was recorded.
    claimed_recorded: usize,
    /// Rows in the observations table afterwards.
    stored: usize,
    /// Replies slower than Slack's 3 s deadline.
    replies_late: usize,
    slowest_reply: f64,
    /// From the cut to the first `/healthz` answering 503.
    seconds_to_unhealthy: Option<f64>,
    slowest_health_check: f64,
    /// From the repair to `/healthz` answering 200 again.
    seconds_to_healthy: Option<f64>,
    /// From the repair to the last person's invitation.
    seconds_to_all_after_repair: f64,
    server_exited: bool,
}

struct Settings {
    binary: String,
    trials: usize,
    people: usize,
    outage: Duration,
    modes: Vec<Link>,
    scale: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |n: usize, default: &str| args.get(n).cloned().unwrap_or(default.to_string());
    let settings = Settings {
        binary: args
            .get(1)
            .cloned()
            .context("usage: outage <debrief binary> [trials] [people] [outage_seconds] [mode]")?,
        trials: arg(2, "10").parse()?,
        people: arg(3, "40").parse()?,
        outage: Duration::from_secs_f64(arg(4, "15").parse()?),
        modes: match arg(5, "both").as_str() {
            "refuse" => vec![Link::Refuse],
            "hang" => vec![Link::Hang],
            _ => vec![Link::Refuse, Link::Hang],
        },
        scale: arg(6, "20").parse()?,
    };
    println!(
        "trial  mode    lost  dup  typed  claimed  stored  late  slowest  to_503  slowest_health  to_200  to_all"
    );
    let mut outcomes = Vec::new();
    for trial in 1..=settings.trials {
        let mode = settings.modes[(trial - 1) % settings.modes.len()];
        let o = run_trial(&settings, trial, mode).await?;
        let opt = |v: Option<f64>| v.map_or("never".to_string(), |s| format!("{s:.2}"));
        println!(
            "{:>5}  {:<6}  {:>4}  {:>3}  {:>5}  {:>7}  {:>6}  {:>4}  {:>7.2}  {:>6}  {:>14.2}  {:>6}  {:>6.2}{}",
            o.trial,
            o.mode,
            o.lost,
            o.duplicated,
            o.observations_typed,
            o.claimed_recorded,
            o.stored,
            o.replies_late,
            o.slowest_reply,
            opt(o.seconds_to_unhealthy),
            o.slowest_health_check,
            opt(o.seconds_to_healthy),
            o.seconds_to_all_after_repair,
            if o.server_exited {
                "  (server exited)"
            } else {
                ""
            }
        );
        outcomes.push(o);
    }
    let total = |f: fn(&Outcome) -> usize| outcomes.iter().map(f).sum::<usize>();
    let slowest = harness::sorted(outcomes.iter().map(|o| o.slowest_reply));
    let to_all = harness::sorted(outcomes.iter().map(|o| o.seconds_to_all_after_repair));
    let summary = serde_json::json!({
        "trials": settings.trials,
        "people": settings.people,
        "outage_seconds": settings.outage.as_secs_f64(),
        "invitations_expected": settings.trials * settings.people,
        "lost": total(|o| o.lost),
        "duplicated": total(|o| o.duplicated),
        "observations_typed": total(|o| o.observations_typed),
        "claimed_recorded": total(|o| o.claimed_recorded),
        "stored": total(|o| o.stored),
        "claimed_but_not_stored": outcomes.iter().map(|o| o.claimed_recorded.saturating_sub(o.stored)).sum::<usize>(),
        "replies_late": total(|o| o.replies_late),
        "slowest_reply_max": slowest.last(),
        "never_unhealthy": outcomes.iter().filter(|o| o.seconds_to_unhealthy.is_none()).count(),
        "never_healthy_again": outcomes.iter().filter(|o| o.seconds_to_healthy.is_none()).count(),
        "slowest_health_check_max": outcomes.iter().map(|o| o.slowest_health_check).fold(0.0, f64::max),
        "seconds_to_all_after_repair_median": to_all[to_all.len() / 2],
        "seconds_to_all_after_repair_max": to_all.last(),
        "servers_exited": outcomes.iter().filter(|o| o.server_exited).count(),
    });
    println!("{summary}");
    Ok(())
}

async fn run_trial(settings: &Settings, trial: usize, mode: Link) -> anyhow::Result<Outcome> {
    let mut others = Vec::new();
    let people = settings.people;
    let sandbox = SlackSandbox::start(|world| {
        others = SlackSandbox::crowded_incident_channel(world, people.saturating_sub(1));
    })
    .await?;
    sandbox.enforce_rate_limits(settings.scale);
    let folder = tempfile::tempdir()?;
    let database = fresh_postgres(trial).await?;
    let (relay_port, link) = relay(5432).await?;
    let database_url = format!("postgres://postgres@127.0.0.1:{relay_port}/{database}");
    let port = free_port()?;
    let mut server: Child = spawn_server(
        &settings.binary,
        &database_url,
        &sandbox.api_url(),
        port,
        &folder.path().join("server.log"),
    )?;
    wait_for_port(port).await?;
    let driver = SlackDriver::new(
        format!("http://127.0.0.1:{port}"),
        SANDBOX_SIGNING_SECRET,
        sandbox.clone(),
    );
    driver
        .command("U0ALICE", "C0INCIDENT", "incident title=\"Outage trial\"")
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
    driver
        .send_survey("U0ALICE", "C0INCIDENT", debrief::ids::SURVEY_SEND)
        .await
        .map_err(|reply| anyhow::anyhow!("trial {trial}: {reply}"))?;
    let everyone: Vec<String> = std::iter::once("U0ALICE".to_string())
        .chain(others.iter().cloned())
        .collect();

    // Cut the database at a random moment of the fan-out.
    let delay = rand::rng().random_range(100..700);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let cut_at = Instant::now();
    link.send_replace(mode);

    let mut outcome = Outcome {
        trial,
        mode: format!("{mode:?}").to_lowercase(),
        ..Outcome::default()
    };
    let mut typed = 0;
    while cut_at.elapsed() < settings.outage {
        let tick = Instant::now();
        let (status, health_took) = health(port).await;
        outcome.slowest_health_check = outcome.slowest_health_check.max(health_took);
        if status != 200 && outcome.seconds_to_unhealthy.is_none() {
            outcome.seconds_to_unhealthy = Some(cut_at.elapsed().as_secs_f64());
        }
        let author = &others[typed % others.len()];
        typed += 1;
        observe(&driver, author, trial, typed, &mut outcome).await;
        tokio::time::sleep(Duration::from_secs(1).saturating_sub(tick.elapsed())).await;
    }
    let repaired_at = Instant::now();
    link.send_replace(Link::Up);
    loop {
        let (status, took) = health(port).await;
        outcome.slowest_health_check = outcome.slowest_health_check.max(took);
        if status == 200 {
            outcome.seconds_to_healthy = Some(repaired_at.elapsed().as_secs_f64());
            break;
        }
        if repaired_at.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // One more after the repair, which must be kept.
    typed += 1;
    observe(&driver, &others[0], trial, typed, &mut outcome).await;
    outcome.observations_typed = typed;

    let reached = |sandbox: &SlackSandbox| -> BTreeMap<String, usize> {
        everyone
            .iter()
            .map(|user| (user.clone(), invitations(sandbox, user)))
            .collect()
    };
    let started = Instant::now();
    loop {
        let everyone_reached = reached(&sandbox).values().all(|n| *n > 0);
        if everyone_reached || started.elapsed() > PATIENCE {
            outcome.seconds_to_all_after_repair = repaired_at.elapsed().as_secs_f64();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = reached(&sandbox);
    outcome.lost = counts.values().filter(|n| **n == 0).count();
    outcome.duplicated = counts.values().map(|n| n.saturating_sub(1)).sum();
    outcome.stored = stored_observations(&database).await?;
    outcome.server_exited = server.try_wait()?.is_some();
    let _ = server.kill();
    server.wait()?;
    drop_postgres(trial).await?;
    Ok(outcome)
}

/// Types one observation and classifies the reply.
async fn observe(
    driver: &SlackDriver,
    author: &str,
    trial: usize,
    n: usize,
    outcome: &mut Outcome,
) {
    let sent = Instant::now();
    let reply = driver
        .command(
            author,
            "C0INCIDENT",
            &format!("observe outage trial {trial} note {n}"),
        )
        .await;
    let took = sent.elapsed();
    outcome.slowest_reply = outcome.slowest_reply.max(took.as_secs_f64());
    if took > SLACK_DEADLINE {
        outcome.replies_late += 1;
    }
    if reply.text().starts_with("Recorded") {
        outcome.claimed_recorded += 1;
    }
}

/// `GET /healthz`: its status (0 when it did not answer within 10 s) and how long it took.
async fn health(port: u16) -> (u16, f64) {
    let started = Instant::now();
    let ask = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream
            .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        let status = String::from_utf8_lossy(&answer)
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        anyhow::Ok(status)
    };
    let status = tokio::time::timeout(Duration::from_secs(10), ask)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    (status, started.elapsed().as_secs_f64())
}

async fn stored_observations(database: &str) -> anyhow::Result<usize> {
    use sqlx::Connection as _;
    let url = format!("postgres://postgres@127.0.0.1:5432/{database}");
    let mut conn = sqlx::PgConnection::connect(&url).await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM observations")
        .fetch_one(&mut conn)
        .await?;
    Ok(count as usize)
}

/// A TCP relay on a free loopback port in front of `upstream`, and the switch that cuts it.
async fn relay(upstream: u16) -> anyhow::Result<(u16, watch::Sender<Link>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let (switch, _) = watch::channel(Link::Up);
    let accepting = switch.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let state = accepting.subscribe();
            tokio::spawn(carry(client, upstream, state));
        }
    });
    Ok((port, switch))
}

/// Carries one connection while the link is up. A refused link drops both ends at once;
/// a hanging one holds them, passing nothing, until the link changes, then drops them.
async fn carry(mut client: TcpStream, upstream: u16, mut state: watch::Receiver<Link>) {
    let current = *state.borrow_and_update();
    match current {
        Link::Refuse => return,
        Link::Hang => {
            let _ = state.changed().await;
            return;
        }
        Link::Up => {}
    }
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    // The copy stops as soon as the link leaves `Up`; what happens to the sockets then
    // depends on how it was cut.
    let cut = tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
        cut = async {
            loop {
                if state.changed().await.is_err() {
                    return Link::Refuse;
                }
                let now = *state.borrow_and_update();
                if now != Link::Up {
                    return now;
                }
            }
        } => cut,
    };
    if cut == Link::Hang {
        // Hold both sockets silent until the repair, then drop them.
        let _ = state.changed().await;
    }
}
