//! Precision and recall per kind on the labelled tables, and a speed measurement.

use super::{FramingKind, classify};

const MAIN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/framing.tsv"
));
/// The first held-out table. The first frozen version scored it as the README records;
/// its misses then guided a second round of general fixes, so it is tuning data now.
const ROUND1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/framing_holdout_round1.tsv"
));
/// The second held-out table, written after the second version was frozen. That version
/// scored it as the README records (precision 1.000, recall 0.667 to 0.833); its misses
/// then guided a third round of general fixes, so it is tuning data now too.
const ROUND2: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/framing_holdout_round2.tsv"
));

/// The current held-out table (round 3), written after the third version was frozen and
/// never tuned on: its figures are the honest ones.
const HOLDOUT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/framing_holdout.tsv"
));
/// The held-out figures are printed; the assertion is only a floor under what the frozen
/// version scored (blame precision 0.867 and recall 0.722 are the lowest; see the README),
/// so a regression fails the build while the honest figures stay in the output.
const HOLDOUT_PRECISION: f64 = 0.80;
const HOLDOUT_RECALL: f64 = 0.65;

/// The bars for the table the detector was tuned on.
const MAIN_PRECISION: f64 = 0.95;
const MAIN_RECALL: f64 = 0.90;
/// Tables that became tuning data keep a floor under what the current version scores on
/// them (two round-1 rows and three round-2 rows are still wrong; see the README).
const TUNED_PRECISION: f64 = 0.90;
const TUNED_RECALL: f64 = 0.85;

struct Row<'a> {
    sentence: &'a str,
    expected: Option<FramingKind>,
}

fn label(text: &str) -> Option<Option<FramingKind>> {
    if text == "none" {
        return Some(None);
    }
    FramingKind::ALL
        .into_iter()
        .find(|k| k.as_str() == text)
        .map(Some)
}

fn rows(table: &str) -> Vec<Row<'_>> {
    table
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut cells = line.split('\t');
            let sentence = cells.next().unwrap_or_default();
            let expected = cells.next().and_then(label);
            assert!(expected.is_some(), "bad label in row {line:?}");
            Row {
                sentence,
                expected: expected.flatten(),
            }
        })
        .collect()
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    true_pos: usize,
    false_pos: usize,
    false_neg: usize,
}

impl Counts {
    fn precision(self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_pos)
    }
    fn recall(self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_neg)
    }
}

/// An empty denominator means nothing went wrong, so it counts as perfect.
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// Counts per kind, printing each misclassified row.
fn evaluate(name: &str, table: &str) -> Vec<(FramingKind, Counts)> {
    let rows = rows(table);
    let mut counts = [Counts::default(); 4];
    for row in &rows {
        let got = classify(row.sentence);
        if got != row.expected {
            println!(
                "  miss [{name}] expected {:?}, got {:?}: {}",
                row.expected, got, row.sentence
            );
        }
        for kind in FramingKind::ALL {
            let c = &mut counts[kind as usize];
            match (row.expected == Some(kind), got == Some(kind)) {
                (true, true) => c.true_pos += 1,
                (false, true) => c.false_pos += 1,
                (true, false) => c.false_neg += 1,
                (false, false) => {}
            }
        }
    }
    let correct = rows
        .iter()
        .filter(|r| classify(r.sentence) == r.expected)
        .count();
    println!(
        "{name}: {} rows, {correct} classified as labelled",
        rows.len()
    );
    println!(
        "  {:<15} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "kind", "tp", "fp", "fn", "precision", "recall"
    );
    for kind in FramingKind::ALL {
        let c = counts[kind as usize];
        println!(
            "  {:<15} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
            kind.as_str(),
            c.true_pos,
            c.false_pos,
            c.false_neg,
            c.precision(),
            c.recall()
        );
    }
    FramingKind::ALL.map(|k| (k, counts[k as usize])).to_vec()
}

fn assert_bars(results: &[(FramingKind, Counts)], precision: f64, recall: f64) {
    for (kind, c) in results {
        assert!(
            c.precision() >= precision,
            "{kind:?} precision {:.3}",
            c.precision()
        );
        assert!(c.recall() >= recall, "{kind:?} recall {:.3}", c.recall());
    }
}

#[test]
fn the_main_table_meets_the_precision_and_recall_targets() {
    assert_bars(&evaluate("framing.tsv", MAIN), MAIN_PRECISION, MAIN_RECALL);
}

#[test]
fn the_holdout_table_is_reported_and_meets_a_floor() {
    let results = evaluate("framing_holdout.tsv", HOLDOUT);
    assert_bars(&results, HOLDOUT_PRECISION, HOLDOUT_RECALL);
}

#[test]
fn the_round1_table_now_used_for_tuning_is_reported() {
    let results = evaluate("framing_holdout_round1.tsv", ROUND1);
    assert_bars(&results, TUNED_PRECISION, TUNED_RECALL);
}

#[test]
fn the_round2_table_now_used_for_tuning_is_reported() {
    let results = evaluate("framing_holdout_round2.tsv", ROUND2);
    assert_bars(&results, TUNED_PRECISION, TUNED_RECALL);
}

#[test]
fn the_main_table_covers_every_kind_and_many_near_misses() {
    let main = rows(MAIN);
    assert!(main.len() >= 200);
    for kind in FramingKind::ALL {
        assert!(main.iter().filter(|r| r.expected == Some(kind)).count() >= 35);
    }
    assert!(main.iter().filter(|r| r.expected.is_none()).count() >= 70);
    for table in [HOLDOUT, ROUND1, ROUND2] {
        assert!(rows(table).len() >= 60);
    }
}

/// `cargo test --release -- --ignored --nocapture speed` prints microseconds per sentence.
#[test]
#[ignore]
fn speed() {
    let sentences: Vec<&str> = rows(MAIN).iter().map(|r| r.sentence).collect();
    let rounds = 1000;
    let started = std::time::Instant::now();
    let mut found = 0;
    for _ in 0..rounds {
        for sentence in &sentences {
            found += usize::from(std::hint::black_box(classify(sentence)).is_some());
        }
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / (rounds * sentences.len()) as f64;
    println!(
        "{} sentences x {rounds}: {micros:.2} µs per sentence ({found} findings)",
        sentences.len()
    );
}
