//! Purpose: the quarterly learning review's charts as PNG images, drawn in pure Rust (a
//! small raster of our own and `ab_glyph` for text) with a font shipped in the binary, so
//! no system font or image tool is needed.
//!
//! Pure: figures in, PNG bytes out. The same figures always give the same bytes (the PNG
//! encoder and the rasteriser are deterministic), which the tests check. Colours are the
//! Okabe–Ito palette, chosen to stay apart for colour-blind readers; every chart has a
//! title, axis labels with units, and a "No data yet" picture instead of an empty axis.

mod canvas;
mod draw;

pub use draw::{HEIGHT, WIDTH};

/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/LICENSE): the only font used.
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Which part of the learning review a chart belongs next to (the index of the section
/// in the report's outline).
pub mod section {
    pub const INVENTORY: usize = 1;
    pub const AUDIT: usize = 3;
    pub const CULTURE: usize = 4;
}

/// Incidents of one week, by severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekCounts {
    /// The week's first day on the team's clock, as shown ("Oct 5").
    pub label: String,
    /// P1, P2, P3, and P4, another scale or none.
    pub by_severity: [u32; 4],
}

/// One quarter of the pulse.
#[derive(Debug, Clone, PartialEq)]
pub struct PulsePoint {
    pub quarter: String,
    /// `None` when the quarter's pulse did not run or stayed below the k-floor.
    pub mean: Option<f64>,
}

/// Everything the charts show for one quarter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuarterFigures {
    pub quarter: String,
    /// The team's time zone, named on date axes.
    pub time_zone: String,
    /// Recurrence rate (0–1) per quarter, oldest first; `None` without incidents.
    pub recurrence: Vec<(String, Option<f64>)>,
    /// Incidents per week of the quarter.
    pub weekly: Vec<WeekCounts>,
    /// Action items opened and closed per quarter, oldest first.
    pub velocity: Vec<(String, u64, u64)>,
    /// Ages in whole days of the items open at `as_of`.
    pub open_item_ages: Vec<i64>,
    /// The day the ages are counted on: the quarter's last day, or today while it runs.
    pub as_of: String,
    /// Items open longer than this are stale (the line on the age chart).
    pub stale_after_days: u32,
    /// This quarter's 1–5 answers, when they may be shown.
    pub pulse_distribution: Option<[u32; 5]>,
    /// The pulse's mean per quarter, oldest first.
    pub pulse_trend: Vec<PulsePoint>,
    /// Speaker ratio (0–1) per review held in the quarter, labelled by incident.
    pub participation: Vec<(String, f64)>,
}

/// One rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// e.g. `recurrence.png`.
    pub file_name: &'static str,
    pub title: String,
    /// The report section it illustrates (see [`section`]).
    pub section: usize,
    pub png: Vec<u8>,
}

/// Every chart of a quarter, in the order of the report's sections.
pub fn quarter_charts(figures: &QuarterFigures) -> anyhow::Result<Vec<Chart>> {
    let font = ab_glyph::FontRef::try_from_slice(FONT)?;
    let q = &figures.quarter;
    let specs: [(&'static str, String, usize, draw::Painter); 6] = [
        (
            "recurrence.png",
            format!("Recurrence rate by quarter, up to {q}"),
            section::INVENTORY,
            draw::recurrence,
        ),
        (
            "incidents-per-week.png",
            format!("Incidents per week by severity, {q}"),
            section::INVENTORY,
            draw::weekly,
        ),
        (
            "action-item-velocity.png",
            format!("Action items opened and closed per quarter, up to {q}"),
            section::AUDIT,
            draw::velocity,
        ),
        (
            "open-item-age.png",
            format!("Age of open action items, {q}, on {}", figures.as_of),
            section::AUDIT,
            draw::ages,
        ),
        (
            "pulse.png",
            format!("Psychological-safety pulse, {q}"),
            section::CULTURE,
            draw::pulse,
        ),
        (
            "participation.png",
            format!("Share of attendees who spoke, per review in {q}"),
            section::CULTURE,
            draw::participation,
        ),
    ];
    specs
        .into_iter()
        .map(|(file_name, title, section, paint)| {
            let rgb = draw::render(&font, &title, figures, paint);
            Ok(Chart {
                file_name,
                title,
                section,
                png: encode_png(&rgb)?,
            })
        })
        .collect()
}

/// A realistic quarter, for the examples in `docs/charts`, the benchmark and the tests.
pub fn example() -> QuarterFigures {
    let weeks = [
        "Oct 5", "Oct 12", "Oct 19", "Oct 26", "Nov 2", "Nov 9", "Nov 16", "Nov 23", "Nov 30",
        "Dec 7", "Dec 14", "Dec 21", "Dec 28",
    ];
    let counts = [
        [1, 2, 3, 0],
        [0, 1, 2, 1],
        [0, 0, 4, 0],
        [2, 1, 1, 0],
        [0, 2, 2, 1],
        [0, 0, 1, 0],
        [1, 3, 2, 0],
        [0, 1, 0, 0],
        [0, 2, 3, 1],
        [0, 0, 2, 0],
        [1, 0, 1, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
    ];
    QuarterFigures {
        quarter: "2026-Q4".into(),
        time_zone: "Europe/Berlin".into(),
        recurrence: vec![
            ("2026-Q1".into(), Some(0.42)),
            ("2026-Q2".into(), Some(0.35)),
            ("2026-Q3".into(), Some(0.31)),
            ("2026-Q4".into(), Some(0.22)),
        ],
        weekly: weeks
            .iter()
            .zip(counts)
            .map(|(label, by_severity)| WeekCounts {
                label: label.to_string(),
                by_severity,
            })
            .collect(),
        velocity: vec![
            ("2026-Q1".into(), 18, 9),
            ("2026-Q2".into(), 22, 15),
            ("2026-Q3".into(), 19, 21),
            ("2026-Q4".into(), 24, 26),
        ],
        open_item_ages: vec![
            2, 5, 9, 12, 16, 21, 25, 33, 38, 41, 47, 52, 58, 66, 71, 84, 93, 97, 118, 131, 150,
            188, 240,
        ],
        as_of: "2026-12-31".into(),
        stale_after_days: 90,
        pulse_distribution: Some([1, 2, 4, 9, 5]),
        pulse_trend: vec![
            PulsePoint {
                quarter: "2026-Q1".into(),
                mean: Some(3.1),
            },
            PulsePoint {
                quarter: "2026-Q2".into(),
                mean: None,
            },
            PulsePoint {
                quarter: "2026-Q3".into(),
                mean: Some(3.4),
            },
            PulsePoint {
                quarter: "2026-Q4".into(),
                mean: Some(3.67),
            },
        ],
        participation: vec![
            ("#41".into(), 0.45),
            ("#44".into(), 0.6),
            ("#47".into(), 0.83),
            ("#52".into(), 0.71),
            ("#58".into(), 1.0),
        ],
    }
}

/// RGB pixels → PNG bytes.
fn encode_png(rgb: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
