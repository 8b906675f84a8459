//! `load report`: tables from the JSON lines that `load run` printed for a bench script.
//! The tables are Markdown so that a run's result can go into the README as printed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use serde_json::Value;

#[derive(clap::Subcommand)]
pub enum Report {
    /// Medians, spread and ratios of a `bench/compare.sh` run.
    Compare { file: PathBuf },
    /// Per-command latency of a `bench/mixed.sh` run against the p99 target.
    Mixed {
        file: PathBuf,
        /// The p99 every command must stay under, in milliseconds.
        #[arg(long, default_value_t = 50.0)]
        target_ms: f64,
    },
    /// Per-interval figures and growth of a `bench/soak.sh` run.
    Soak { file: PathBuf },
}

pub fn print(report: Report) -> anyhow::Result<()> {
    match report {
        Report::Compare { file } => compare(&read_lines(&file)?),
        Report::Mixed { file, target_ms } => mixed(&read_lines(&file)?, target_ms),
        Report::Soak { file } => soak(&read_lines(&file)?),
    }
    Ok(())
}

fn read_lines(file: &PathBuf) -> anyhow::Result<Vec<Value>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    text.lines()
        .filter(|l| l.trim_start().starts_with('{'))
        .map(|l| serde_json::from_str(l).with_context(|| format!("a line of {}", file.display())))
        .collect()
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)))
}

/// 39358.4 → "39,358".
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.round());
    let (sign, digits) = digits
        .strip_prefix('-')
        .map_or(("", digits.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn spread(values: &[f64], fmt: impl Fn(f64) -> String) -> String {
    let (lo, hi) = min_max(values);
    format!("{} ({}–{})", fmt(median(values)), fmt(lo), fmt(hi))
}

fn display_name(label: &str) -> &str {
    match label {
        "ceiling" => "bare axum, fixed body, no verification (ceiling)",
        "bolt-python" => "Bolt for Python, `process_before_response`",
        "bolt-js" => "Bolt for JS, `processBeforeResponse`",
        "debrief-help" => "`/debrief help`",
        "debrief-observe" => "`/debrief observe` (one write)",
        other => other,
    }
}

fn yes_no(met: bool) -> &'static str {
    if met { "yes" } else { "**no**" }
}

fn compare(lines: &[Value]) {
    let totals: Vec<&Value> = lines
        .iter()
        .filter(|l| l["kind"] == "total" && l["label"].is_string())
        .collect();
    if totals.is_empty() {
        println!("no results");
        return;
    }
    // Targets in the order they ran; rounds keyed by their tag.
    let mut order: Vec<String> = Vec::new();
    let mut by_label: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for line in &totals {
        let label = line["label"].as_str().unwrap_or_default().to_string();
        if !order.contains(&label) {
            order.push(label.clone());
        }
        by_label.entry(label).or_default().push(line);
    }
    let first = totals[0];
    let rounds = by_label.values().map(Vec::len).max().unwrap_or(0);
    println!(
        "{rounds} round(s); closed loop, concurrency {}, {} s measured after {} s of warm-up; backend {}; figures are medians with (min–max) over rounds.\n",
        first["concurrency"],
        first["duration_s"],
        first["warmup_s"],
        first["tags"]["backend"].as_str().unwrap_or("?"),
    );
    println!("| target | req/s | p50 (ms) | p99 (ms) | errors | peak RSS (MB) |");
    println!("|---|---|---|---|---|---|");
    let values = |label: &str, key: &str| -> Vec<f64> {
        by_label
            .get(label)
            .map(|ls| ls.iter().filter_map(|l| num(l, key)).collect())
            .unwrap_or_default()
    };
    let rss = |label: &str| -> Vec<f64> {
        by_label
            .get(label)
            .map(|ls| {
                ls.iter()
                    .filter_map(|l| num(&l["server"], "rss_peak_kb").map(|kb| kb / 1024.0))
                    .collect()
            })
            .unwrap_or_default()
    };
    for label in &order {
        let errors: f64 = values(label, "errors").iter().sum();
        let requests: f64 = values(label, "requests").iter().sum();
        let peak = rss(label);
        println!(
            "| {} | {} | {} | {} | {} of {} | {} |",
            display_name(label),
            spread(&values(label, "rps"), thousands),
            spread(&values(label, "p50_ms"), |x| format!("{x:.2}")),
            spread(&values(label, "p99_ms"), |x| format!("{x:.1}")),
            thousands(errors),
            thousands(requests),
            if peak.is_empty() {
                "–".into()
            } else {
                spread(&peak, |x| format!("{x:.1}"))
            },
        );
    }

    // A ratio is taken within each round, where the two targets ran minutes apart at most,
    // and then summarised: the machine's drift between rounds cancels out.
    let ratio = |top: &str, bottom: &str| -> Vec<f64> {
        let per_round = |label: &str| -> BTreeMap<String, f64> {
            by_label
                .get(label)
                .map(|ls| {
                    ls.iter()
                        .enumerate()
                        .filter_map(|(i, l)| {
                            let round = l["tags"]["round"]
                                .as_str()
                                .map_or(i.to_string(), str::to_string);
                            num(l, "rps").map(|rps| (round, rps))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let (top, bottom) = (per_round(top), per_round(bottom));
        top.iter()
            .filter_map(|(round, t)| bottom.get(round).map(|b| t / b.max(1e-9)))
            .collect()
    };
    println!();
    println!("| figure | measured, median (min–max) | target | met |");
    println!("|---|---|---|---|");
    let help_ratio = ratio("debrief-help", "ceiling");
    if !help_ratio.is_empty() {
        println!(
            "| `help` ÷ ceiling, req/s | {} | ≥ 0.7× | {} |",
            spread(&help_ratio, |x| format!("{x:.2}×")),
            yes_no(median(&help_ratio) >= 0.7)
        );
    }
    let observe_ratio = ratio("debrief-observe", "bolt-python");
    if !observe_ratio.is_empty() {
        println!(
            "| `observe` ÷ Bolt for Python, req/s | {} | ≥ 5× | {} |",
            spread(&observe_ratio, |x| format!("{x:.2}×")),
            yes_no(median(&observe_ratio) >= 5.0)
        );
    }
    let help_p99 = values("debrief-help", "p99_ms");
    if !help_p99.is_empty() {
        println!(
            "| `help` p99 at this concurrency | {} | < 10 ms | {} |",
            spread(&help_p99, |x| format!("{x:.1} ms")),
            yes_no(median(&help_p99) < 10.0)
        );
    }
    let debrief_rss: Vec<f64> = [rss("debrief-help"), rss("debrief-observe")].concat();
    if !debrief_rss.is_empty() {
        let (_, worst) = min_max(&debrief_rss);
        println!(
            "| debrief peak RSS, highest of all runs | {worst:.1} MB | < 30 MB | {} |",
            yes_no(worst < 30.0)
        );
    }
    let errors: f64 = totals.iter().filter_map(|l| num(l, "errors")).sum();
    if errors > 0.0 {
        println!("\nErrors (they are not counted in req/s):");
        for line in &totals {
            if num(line, "errors").unwrap_or(0.0) > 0.0 {
                println!(
                    "  {} round {}: {}",
                    line["label"].as_str().unwrap_or_default(),
                    line["tags"]["round"].as_str().unwrap_or("?"),
                    line["error_kinds"]
                );
            }
        }
    }
}

fn mixed(lines: &[Value], target_ms: f64) {
    for line in lines.iter().filter(|l| l["kind"] == "total") {
        println!(
            "open loop at {} requests/s for {} s after {} s of warm-up, mix {}, backend {}: {} requests, {} errors, {} answered/s\n",
            line["rate"],
            line["duration_s"],
            line["warmup_s"],
            line["mix"].as_str().unwrap_or("?"),
            line["tags"]["backend"].as_str().unwrap_or("?"),
            line["requests"],
            line["errors"],
            line["rps"],
        );
        println!("| command | requests | errors | p50 | p99 | max | p99 < {target_ms} ms |");
        println!("|---|---|---|---|---|---|---|");
        let Some(commands) = line["commands"].as_object() else {
            continue;
        };
        for (name, c) in commands {
            let p99 = num(c, "p99_ms").unwrap_or(f64::INFINITY);
            let errors = num(c, "errors").unwrap_or(0.0);
            println!(
                "| `{name}` | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {} |",
                c["requests"],
                c["errors"],
                num(c, "p50_ms").unwrap_or(f64::NAN),
                p99,
                num(c, "max_ms").unwrap_or(f64::NAN),
                yes_no(p99 < target_ms && errors == 0.0),
            );
        }
        if num(line, "errors").unwrap_or(0.0) > 0.0 {
            println!("\nErrors: {}", line["error_kinds"]);
        }
        println!();
    }
}

fn soak(lines: &[Value]) {
    let intervals: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "interval").collect();
    if intervals.is_empty() {
        println!("no intervals recorded");
        return;
    }
    println!("| interval | ends at (s) | req/s | errors | p99 | max | RSS (MB) | open files |");
    println!("|---|---|---|---|---|---|---|---|");
    let mb = |l: &Value| num(&l["server"], "rss_kb").map(|kb| kb / 1024.0);
    for line in &intervals {
        println!(
            "| {} | {:.0} | {} | {} | {:.2} ms | {:.2} ms | {} | {} |",
            line["interval"],
            num(line, "t_s").unwrap_or(f64::NAN),
            line["rps"],
            line["errors"],
            num(line, "p99_ms").unwrap_or(f64::NAN),
            num(line, "max_ms").unwrap_or(f64::NAN),
            mb(line).map_or("–".into(), |m| format!("{m:.1}")),
            line["server"]["fds"],
        );
    }
    let (first, last) = (intervals[0], intervals[intervals.len() - 1]);
    let growth = |a: f64, b: f64| (b - a) / a.max(1e-9) * 100.0;
    println!();
    println!("| figure | first interval → last | growth | target | met |");
    println!("|---|---|---|---|---|");
    if let (Some(a), Some(b)) = (mb(first), mb(last)) {
        println!(
            "| RSS | {a:.1} → {b:.1} MB | {:+.1}% | < 5% | {} |",
            growth(a, b),
            yes_no(growth(a, b) < 5.0)
        );
    }
    if let (Some(a), Some(b)) = (num(&first["server"], "fds"), num(&last["server"], "fds")) {
        let most = intervals
            .iter()
            .filter_map(|l| num(&l["server"], "fds"))
            .fold(a, f64::max);
        println!(
            "| open files | {a:.0} → {b:.0} (most {most:.0}) | {:+.1}% | flat: last ≤ first + 2 | {} |",
            growth(a, b),
            yes_no(b <= a + 2.0)
        );
    }
    // One interval's p99 is noisy; the medians of the first and last quarters are compared.
    let p99s: Vec<f64> = intervals.iter().filter_map(|l| num(l, "p99_ms")).collect();
    if !p99s.is_empty() {
        let quarter = p99s.len().div_ceil(4);
        let a = median(&p99s[..quarter]);
        let b = median(&p99s[p99s.len() - quarter..]);
        // Sub-10 ms p99s move by more than 25% on noise alone; 2 ms absolute covers it.
        let flat = b <= a * 1.25 || b - a <= 2.0;
        println!(
            "| p99, median of the first {quarter} interval(s) → of the last {quarter} | {a:.2} → {b:.2} ms | {:+.1}% | flat: ≤ +25%, or ≤ +2 ms | {} |",
            growth(a, b),
            yes_no(flat)
        );
    }
    if let Some(total) = lines.iter().find(|l| l["kind"] == "total") {
        println!(
            "\nwhole run: {} requests, {} errors, p99 {} ms, max {} ms",
            total["requests"], total["errors"], total["p99_ms"], total["max_ms"]
        );
        if num(total, "errors").unwrap_or(0.0) > 0.0 {
            println!("errors: {}", total["error_kinds"]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(39358.4), "39,358");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
    }

    #[test]
    fn median_of_even_count_averages_the_middle() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
