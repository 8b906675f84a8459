//! Benchmark for `bench/charts.sh`: every chart of a quarter in which `incidents`
//! incidents happened, from the facts to the PNG bytes, timed over repeated runs.
//!
//! Usage: charts_bench [incidents=10000] [runs=20] [folder to write the last run's PNGs]
//! Each run takes the charts' figures from the facts and the computed report (weekly
//! counts over every incident, the age of every open item) and renders and encodes all
//! six PNGs. The report itself is computed once, outside the timing: `bench/learning.sh`
//! measures it. The data is generated with a fixed seed, so every run draws the same charts.
//! For scale, the same run also times encoding six blank images (the floor: PNG alone).

use std::time::{Duration, Instant};

use debrief::features::learning::charts::figures;
use debrief::features::learning::{Facts, Quarter, ReportRequest, Settings, compute};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;

/// A small deterministic generator (xorshift64*).
struct Seeded(u64);

impl Seeded {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// `incidents` incidents spread over 2026-Q3, half with an action item (a third of them
/// closed), and a review with participation figures for one in fifty.
fn facts(incidents: usize) -> anyhow::Result<Facts> {
    let mut rng = Seeded(0x9E37_79B9_7F4A_7C15);
    let start = Timestamp::from_second(1_782_864_000)?; // 2026-07-01T00:00:00Z
    let span = 92 * 86_400;
    let severities = ["P1", "P2", "P3", "P4"];
    let mut incident_rows = Vec::new();
    let mut items = Vec::new();
    let mut reviews = Vec::new();
    for id in 0..incidents as i64 {
        let at = Timestamp::from_second(start.as_second() + rng.below(span) as i64)?;
        incident_rows.push(json!({
            "id": id,
            "title": format!("Incident {id}"),
            "severity": severities[rng.below(4) as usize],
            "failure_mode": format!("mode-{}", rng.below(40)),
            "started_at": at.to_string(),
            "created_at": at.to_string(),
            "recurrence_of": if rng.below(3) == 0 { json!(id - 1) } else { json!(null) },
        }));
        if id % 2 == 0 {
            let opened = Timestamp::from_second(at.as_second() - rng.below(200 * 86_400) as i64)?;
            let history = if rng.below(3) == 0 {
                json!([{ "status": "done", "at": (opened + jiff::SignedDuration::from_hours(48)).to_string(), "by": "U1" }])
            } else {
                json!([])
            };
            items.push(json!({
                "id": id,
                "incident_id": id,
                "title": format!("Item {id}"),
                "created_at": opened.to_string(),
                "history": history,
            }));
        }
        if id % 50 == 0 {
            let attendees = 4 + rng.below(8) as u32;
            reviews.push(json!({
                "incident_id": id,
                "meeting_at": at.to_string(),
                "format": { "survey": true, "checkin": true, "observations": "live", "k_floor": 3 },
                "participation": {
                    "attendees": attendees,
                    "speakers": 1 + rng.below(u64::from(attendees)) as u32,
                    "top3_share": 0.5,
                },
            }));
        }
    }
    Ok(serde_json::from_value(json!({
        "incidents": incident_rows,
        "action_items": items,
        "services": [], "reviews": reviews, "trials": [], "vendor_reviews": [],
        "pulses": [], "counterfactuals": [], "learnings_lookups": [], "named_vendors": [],
    }))?)
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
    let (incidents, runs) = (arg(1, 10_000)?, arg(2, 20)?.max(1));
    let facts = facts(incidents)?;
    let tz = TimeZone::UTC;
    let request = ReportRequest {
        quarter: "2026-Q3".parse::<Quarter>()?,
        tz: tz.clone(),
        now: "2026-10-02T12:00:00Z".parse()?,
        settings: Settings::default(),
    };
    let report = compute(&facts, &request);
    let mut charts_ms = Vec::with_capacity(runs);
    let mut floor_ms = Vec::with_capacity(runs);
    let mut bytes = 0;
    let mut last = Vec::new();
    let blank = vec![255u8; (debrief::charts::WIDTH * debrief::charts::HEIGHT * 3) as usize];
    for _ in 0..runs {
        let started = Instant::now();
        let charts = debrief::charts::quarter_charts(&figures(&facts, &report, &tz))?;
        charts_ms.push(started.elapsed());
        bytes = charts.iter().map(|c| c.png.len()).sum();
        let started = Instant::now();
        for _ in 0..charts.len() {
            let mut out = Vec::new();
            let mut encoder =
                png::Encoder::new(&mut out, debrief::charts::WIDTH, debrief::charts::HEIGHT);
            encoder.set_color(png::ColorType::Rgb);
            encoder.write_header()?.write_image_data(&blank)?;
        }
        floor_ms.push(started.elapsed());
        last = charts;
    }
    if let Some(folder) = args.get(3) {
        std::fs::create_dir_all(folder)?;
        for chart in &last {
            std::fs::write(
                std::path::Path::new(folder).join(chart.file_name),
                &chart.png,
            )?;
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for times in [&mut charts_ms, &mut floor_ms] {
        times.sort();
    }
    println!("incidents     {incidents}");
    println!("open_items    {}", report.audit.ages.open_items);
    println!(
        "reviews       {}",
        report.culture.participation.reviews.total
    );
    println!("runs          {runs}");
    println!("png_kb        {:.0}", bytes as f64 / 1024.0);
    println!(
        "charts_ms     median {:.1} (min {:.1}, max {:.1})",
        ms(charts_ms[runs / 2]),
        ms(charts_ms[0]),
        ms(charts_ms[runs - 1])
    );
    println!(
        "floor_ms      median {:.1} (min {:.1}, max {:.1})  six blank PNGs encoded",
        ms(floor_ms[runs / 2]),
        ms(floor_ms[0]),
        ms(floor_ms[runs - 1])
    );
    Ok(())
}
