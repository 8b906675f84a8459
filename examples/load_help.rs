//! Load generator for `bench/help.sh`: sends signed `/debrief help` slash commands to a
//! running `debrief serve` at a fixed concurrency and prints throughput and latency.
//!
//! Usage: load_help <base-url> <signing-secret> <requests> <concurrency>

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Mutex;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: load_help <base-url> <signing-secret> <requests> <concurrency>");
        std::process::exit(2);
    }
    let base = args[1].clone();
    let secret = args[2].clone();
    let total: usize = args[3].parse().expect("requests is a number");
    let concurrency: usize = args[4].parse().expect("concurrency is a number");

    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build_http();
    let body = "token=t&team_id=T0BENCH&team_domain=bench&channel_id=C0BENCH&channel_name=bench&user_id=U0BENCH&user_name=bench&command=%2Fdebrief&text=help&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fresponse%2F1&trigger_id=1.2.3";
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));

    // Warm up the connection pool so the figures describe steady state.
    for _ in 0..concurrency.min(total) {
        let _ = send(&client, &base, &secret, body).await;
    }

    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, base, secret) = (client.clone(), base.clone(), secret.clone());
        let (latencies, failures, next) = (latencies.clone(), failures.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                let t = Instant::now();
                if !send(&client, &base, &secret, body).await {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                mine.push(t.elapsed());
            }
            latencies.lock().await.extend(mine);
        }));
    }
    for task in tasks {
        task.await.expect("worker");
    }
    let elapsed = started.elapsed();
    let mut latencies = latencies.lock().await.clone();
    latencies.sort();
    let pct =
        |p: f64| -> Duration { latencies[((latencies.len() as f64 - 1.0) * p).round() as usize] };
    println!("requests      {}", latencies.len());
    println!(
        "failures      {}",
        failures.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!("concurrency   {concurrency}");
    println!("elapsed_s     {:.2}", elapsed.as_secs_f64());
    println!(
        "requests_per_s {:.0}",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!("p50_ms        {:.2}", pct(0.50).as_secs_f64() * 1000.0);
    println!("p99_ms        {:.2}", pct(0.99).as_secs_f64() * 1000.0);
    println!(
        "max_ms        {:.2}",
        latencies.last().unwrap().as_secs_f64() * 1000.0
    );
}

async fn send(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    base: &str,
    secret: &str,
    body: &'static str,
) -> bool {
    let timestamp = jiff::Timestamp::now().as_second();
    let signature = debrief::sandbox::driver::sign(secret, timestamp, body);
    let request = hyper::Request::post(format!("{base}/slack/commands"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", timestamp.to_string())
        .header("x-slack-signature", signature)
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("request");
    match client.request(request).await {
        Ok(response) => {
            let ok = response.status() == 200;
            let body = response
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            ok && body.windows(4).any(|w| w == b"help")
        }
        Err(_) => false,
    }
}
