//! The charts as a reader gets them: PNGs that decode at the stated size, are not blank,
//! come out byte for byte the same for the same figures, and say "No data yet" rather
//! than show an empty axis.

use super::*;

fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(png_bytes);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("a PNG frame");
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Pixels that are not the white background.
fn inked(pixels: &[u8]) -> usize {
    pixels.chunks(3).filter(|p| p != &[255, 255, 255]).count()
}

/// Distinct colours in the image.
fn colours(pixels: &[u8]) -> usize {
    pixels
        .chunks(3)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

#[test]
fn every_chart_decodes_at_its_size_and_is_not_blank() {
    let charts = quarter_charts(&example()).unwrap();
    assert_eq!(charts.len(), 6);
    let names: std::collections::BTreeSet<_> = charts.iter().map(|c| c.file_name).collect();
    assert_eq!(names.len(), 6, "file names are distinct");
    for chart in &charts {
        let (w, h, pixels) = decode(&chart.png);
        assert_eq!((w, h), (WIDTH, HEIGHT), "{}", chart.file_name);
        let share = inked(&pixels) as f64 / f64::from(w * h);
        assert!(
            share > 0.03,
            "{} is nearly blank: {share:.3}",
            chart.file_name
        );
        // Bars, lines and anti-aliased text: many shades, not a flat fill.
        assert!(colours(&pixels) > 20, "{}", chart.file_name);
    }
}

#[test]
fn the_same_figures_give_the_same_bytes() {
    let once = quarter_charts(&example()).unwrap();
    let twice = quarter_charts(&example()).unwrap();
    assert_eq!(once, twice);
    let mut changed = example();
    changed.velocity[3].2 += 5;
    let other = quarter_charts(&changed).unwrap();
    let differs: Vec<_> = once
        .iter()
        .zip(&other)
        .filter(|(a, b)| a.png != b.png)
        .map(|(a, _)| a.file_name)
        .collect();
    assert_eq!(differs, ["action-item-velocity.png"]);
}

#[test]
fn without_data_each_chart_says_so() {
    let empty = QuarterFigures {
        quarter: "2026-Q4".into(),
        time_zone: "UTC".into(),
        stale_after_days: 90,
        recurrence: vec![("2026-Q4".into(), None)],
        ..QuarterFigures::default()
    };
    let blank = quarter_charts(&empty).unwrap();
    let full = quarter_charts(&example()).unwrap();
    for (none, some) in blank.iter().zip(&full) {
        let (w, h, pixels) = decode(&none.png);
        assert_eq!((w, h), (WIDTH, HEIGHT));
        assert!(inked(&pixels) > 2_000, "{} has its message", none.file_name);
        assert_ne!(none.png, some.png, "{}", none.file_name);
        // The no-data pictures differ only in their titles: the body is the same.
        let body = |p: &[u8]| p[(60 * WIDTH * 3) as usize..].to_vec();
        let (_, _, first) = decode(&blank[0].png);
        assert_eq!(body(&pixels), body(&first), "{}", none.file_name);
    }
}

#[test]
fn the_pulse_chart_shows_the_trend_even_below_the_floor_this_quarter() {
    let mut figures = example();
    figures.pulse_distribution = None;
    let charts = quarter_charts(&figures).unwrap();
    let pulse = charts.iter().find(|c| c.file_name == "pulse.png").unwrap();
    let (_, _, pixels) = decode(&pulse.png);
    // The right half (the trend) still has its green line.
    let green = pixels
        .chunks(3)
        .enumerate()
        .filter(|(i, p)| (*i as u32 % WIDTH) > WIDTH / 2 && *p == [0, 158, 115])
        .count();
    assert!(green > 100, "{green}");
}

/// Regenerates the examples in `docs/charts` (the README links them):
/// `cargo test --lib write_chart_examples -- --ignored`.
#[test]
#[ignore = "writes docs/charts: cargo test --lib write_chart_examples -- --ignored"]
fn write_chart_examples() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/charts");
    std::fs::create_dir_all(&folder).unwrap();
    for chart in quarter_charts(&example()).unwrap() {
        std::fs::write(folder.join(chart.file_name), &chart.png).unwrap();
    }
    let empty = QuarterFigures {
        quarter: "2026-Q4".into(),
        time_zone: "UTC".into(),
        ..QuarterFigures::default()
    };
    let none = quarter_charts(&empty).unwrap();
    std::fs::write(folder.join("no-data.png"), &none[4].png).unwrap();
}
