//! Benchmark for `bench/fanout.sh`: survey DM fan-out to N participants against the
//! sandbox Slack enforcing Slack's rate tiers, with the real job runner and wall clock.
//!
//! Usage: fanout [participants=500] [time_scale=20] [database_url]
//! `time_scale` shrinks Slack's one-minute windows (20 → 3 s) so the run takes seconds;
//! results are reported both as measured and converted back to real Slack minutes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use debrief::clock::SystemClock;
use debrief::config::{Config, LogFormat, PseudonymKeySource, Secret};
use debrief::sandbox::driver::SlackDriver;
use debrief::sandbox::{
    RateLimiter, SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET, SlackSandbox, Tier,
};
use debrief::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let participants: usize = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(500);
    let scale: f64 = args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(20.0);
    let dir = tempfile::tempdir()?;
    let database_url = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));

    let sandbox = SlackSandbox::start(|world| {
        SlackSandbox::crowded_incident_channel(world, participants.saturating_sub(1));
    })
    .await?;
    sandbox.enforce_rate_limits(scale);

    let config = Config {
        slack_bot_token: Some(Secret::new(SANDBOX_BOT_TOKEN)),
        oauth: None,
        slack_signing_secret: Some(Secret::new(SANDBOX_SIGNING_SECRET)),
        slack_app_token: None,
        slack_api_url: sandbox.api_url(),
        database_url,
        listen: "127.0.0.1:0".parse()?,
        pseudonym_key: PseudonymKeySource::Inline(Secret::new("ab".repeat(32))),
        workers: 4,
        log_format: LogFormat::Text,
        run_worker: true,
        worker_poll: Duration::from_secs(1),
        slack_timeout: Duration::from_secs(10),
        learning: Default::default(),
        metrics_failure_modes: debrief::metrics::DEFAULT_FAILURE_MODE_CAP,
        confirm_above: 25,
        retention_days: 400,
    };
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    let state = app.state().clone();
    let driver = SlackDriver::new(
        format!("http://{}", app.local_addr()),
        SANDBOX_SIGNING_SECRET,
        sandbox.clone(),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));

    driver
        .command(
            "U0ALICE",
            "C0INCIDENT",
            "incident title=\"Fan-out benchmark\"",
        )
        .await;
    let started = Instant::now();
    driver
        .command("U0ALICE", "C0INCIDENT", "review in=7d")
        .await;
    let review = loop {
        if let Some(review) = state
            .store
            .review_for_channel("T0SANDBOX", "C0INCIDENT")
            .await?
            && review.participants_ready
        {
            break review;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let gathered = started.elapsed();
    let found = state.store.participants(review.id).await?.len();

    let started = Instant::now();
    // The confirmation, then Send: the fan-out starts on the press.
    driver
        .send_survey("U0ALICE", "C0INCIDENT", debrief::ids::SURVEY_SEND)
        .await
        .map_err(|reply| anyhow::anyhow!("the survey was not sent: {reply}"))?;
    let acked = started.elapsed();
    loop {
        let sent = state
            .store
            .participants(review.id)
            .await?
            .iter()
            .filter(|p| p.invite_state == "sent")
            .count();
        if sent == found {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            anyhow::bail!("fan-out did not finish: {sent} of {found}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fanned_out = started.elapsed();

    let dms = sandbox.successful_calls("chat.postMessage").len();
    let throttled: usize = sandbox
        .calls("")
        .iter()
        .filter(|c| c.outcome == "429")
        .count();
    let minimum_fan_out = RateLimiter::minimum_duration(Tier::T3, found, scale);
    let minimum_gather = RateLimiter::minimum_duration(Tier::T4, participants + 1, scale);
    let real = |d: Duration| d.as_secs_f64() * scale / 60.0;

    println!("participants            {found}");
    println!(
        "time_scale              {scale} (one Slack minute = {:.1} s)",
        60.0 / scale
    );
    println!(
        "survey_command_ack_ms   {:.1}",
        acked.as_secs_f64() * 1000.0
    );
    println!(
        "gather_s                {:.2}   minimum {:.2}  (users.info, tier 4)",
        gathered.as_secs_f64(),
        minimum_gather.as_secs_f64()
    );
    println!(
        "fan_out_s               {:.2}   minimum {:.2}  (conversations.open, tier 3)",
        fanned_out.as_secs_f64(),
        minimum_fan_out.as_secs_f64()
    );
    println!(
        "fan_out_vs_minimum      {:.2}x",
        fanned_out.as_secs_f64() / minimum_fan_out.as_secs_f64().max(0.001)
    );
    println!(
        "fan_out_real_slack_min  {:.2}   minimum {:.2}",
        real(fanned_out),
        real(minimum_fan_out)
    );
    println!("dms_delivered           {dms}");
    println!("http_429_answers        {throttled}");

    let _ = stop.send(());
    server.await??;
    Ok(())
}
