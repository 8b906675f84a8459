//! Benchmark for `bench/agenda.sh`: agenda synthesis (clustering, ordering, questions,
//! Block Kit messages and Markdown) for a large review, timed over repeated runs.
//!
//! Usage: agenda_bench [answers=1000] [observations=500] [runs=30]
//! The texts are generated from incident vocabulary with a fixed seed, so every run of the
//! benchmark synthesizes the same agenda.

use std::time::{Duration, Instant};

use debrief::features::agenda::synth::{self, Inputs, SurveyAnswer};
use debrief::features::survey::questions;
use debrief::store::reviews::{Incident, Review};

/// A small deterministic generator (xorshift64*), so the inputs are the same every run.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const SUBJECTS: &[&str] = &[
    "the cache ttl",
    "the purge job",
    "the failover runbook",
    "the pager rotation",
    "the canary stage",
    "the origin pool",
    "the deploy pipeline",
    "the status page",
    "the database replica",
    "the feature flag",
    "the rate limiter",
    "the dashboard",
    "the alert threshold",
    "the load balancer",
    "the retry policy",
    "the vendor API",
];
const PREDICATES: &[&str] = &[
    "was longer than anyone assumed",
    "had no owner",
    "was never tested in staging",
    "paged the wrong team",
    "hid the real error",
    "took forty minutes to roll back",
    "assumed a warm cache",
    "was documented two years ago",
    "showed green the whole time",
    "needed a manual step",
    "retried until the queue overflowed",
    "fired ten minutes late",
];
const TAILS: &[&str] = &[
    "",
    " and nobody noticed",
    " during the busiest hour",
    " which surprised me",
    " so we guessed",
    " because the metric was averaged",
    " on a Friday evening",
];

fn sentence(words: &mut Words) -> String {
    format!(
        "{} {}{}.",
        words.pick(SUBJECTS),
        words.pick(PREDICATES),
        words.pick(TAILS)
    )
}

fn inputs(answers: usize, observations: usize) -> Inputs {
    let mut words = Words(0x9E37_79B9_7F4A_7C15);
    let open: Vec<&str> = questions::CORE.iter().map(|q| q.id.as_ref()).collect();
    let answers = (0..answers)
        .map(|n| SurveyAnswer {
            // Five answers per respondent, as a full survey gives.
            pseudonym: format!("Respondent {}", n / open.len()),
            question: open[n % open.len()].to_string(),
            text: sentence(&mut words),
        })
        .collect();
    let observations = (0..observations).map(|_| sentence(&mut words)).collect();
    Inputs {
        questions: debrief::features::survey::questions::questions_for(None, Some("Fastly")),
        incident: Incident {
            title: "Checkout latency after cache purge".into(),
            severity: Some("P1".into()),
            services: "checkout,cache".into(),
            failure_mode: Some("cache-invalidation".into()),
            vendor: Some("Fastly".into()),
            started_at: Some(0),
            resolved_at: Some(5400),
            ..Default::default()
        },
        recurrence_of: Some("CDN purge emptied the cache".into()),
        review: Review {
            min_responses: 3,
            ..Default::default()
        },
        answered: 200,
        held_back: 0,
        answers,
        observations,
        counterfactuals: Vec::new(),
        links: Vec::new(),
        done: false,
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |n: usize, default: usize| -> anyhow::Result<usize> {
        Ok(args
            .get(n)
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let (answers, observations, runs) = (arg(1, 1000)?, arg(2, 500)?, arg(3, 30)?);
    let inputs = inputs(answers, observations);

    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let agenda = synth::synthesize(&inputs);
        let messages = synth::to_messages(&agenda);
        let markdown = synth::to_markdown(&agenda);
        times.push(started.elapsed());
        last = Some((agenda, messages, markdown));
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (agenda, messages, markdown) = last.expect("at least one run");
    println!("answers       {answers}");
    println!("observations  {observations}");
    println!("runs          {}", times.len());
    println!("themes        {}", agenda.themes.len());
    println!("messages      {}", messages.len());
    println!("markdown_kb   {:.1}", markdown.len() as f64 / 1024.0);
    println!("min_ms        {:.1}", ms(times[0]));
    println!("median_ms     {:.1}", ms(times[times.len() / 2]));
    println!("max_ms        {:.1}", ms(times[times.len() - 1]));
    Ok(())
}
