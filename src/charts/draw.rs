//! Purpose: the layout of each chart (title, axes, bars, lines, legend) on a [`Canvas`].

use ab_glyph::FontRef;

use super::QuarterFigures;
use super::canvas::{Align, Canvas, Rgb};

pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 450;

/// Draws one chart's body; `false` when there is nothing to draw.
pub(super) type Painter = fn(&mut Canvas<'_>, &QuarterFigures) -> bool;

// The Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
const BLUE: Rgb = [0, 114, 178];
const ORANGE: Rgb = [230, 159, 0];
const VERMILLION: Rgb = [213, 94, 0];
const SKY: Rgb = [86, 180, 233];
const GREEN: Rgb = [0, 158, 115];
const GREY: Rgb = [120, 120, 120];
const LIGHT: Rgb = [225, 225, 225];
const INK: Rgb = [30, 30, 30];
const WHITE: Rgb = [255, 255, 255];

/// Renders a chart with its title; the "No data yet" picture when `paint` has nothing.
pub(super) fn render(
    font: &FontRef<'_>,
    title: &str,
    figures: &QuarterFigures,
    paint: Painter,
) -> Vec<u8> {
    let mut canvas = Canvas::new(WIDTH, HEIGHT, WHITE, font);
    canvas.text(title, 24, 34, 20.0, INK, Align::Left);
    if !paint(&mut canvas, figures) {
        no_data(&mut canvas);
    }
    canvas.into_rgb()
}

fn no_data(c: &mut Canvas<'_>) {
    let (w, h) = (WIDTH as i32, HEIGHT as i32);
    for (a, b) in [
        ((40, 60), (w - 40, 60)),
        ((40, h - 30), (w - 40, h - 30)),
        ((40, 60), (40, h - 30)),
        ((w - 40, 60), (w - 40, h - 30)),
    ] {
        c.line(a, b, 1, LIGHT);
    }
    c.text("No data yet", w / 2, h / 2, 30.0, INK, Align::Centre);
    c.text(
        "This chart fills in as incidents, action items, reviews and pulses are recorded.",
        w / 2,
        h / 2 + 34,
        15.0,
        GREY,
        Align::Centre,
    );
}

/// A plot area in pixels and the value range of its y axis.
#[derive(Clone, Copy)]
struct Frame {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
    y_min: f64,
    y_max: f64,
}

impl Frame {
    fn full(y_min: f64, y_max: f64) -> Frame {
        Frame {
            left: 84,
            right: WIDTH as i32 - 24,
            top: 64,
            bottom: HEIGHT as i32 - 72,
            y_min,
            y_max,
        }
    }

    fn y(&self, value: f64) -> i32 {
        let span = (self.y_max - self.y_min).max(f64::EPSILON);
        let share = ((value - self.y_min) / span).clamp(0.0, 1.0);
        self.bottom - (share * f64::from(self.bottom - self.top)).round() as i32
    }

    /// The pixel columns of category `i` of `n`.
    fn slot(&self, i: usize, n: usize) -> (i32, i32) {
        let width = f64::from(self.right - self.left) / n.max(1) as f64;
        let x0 = self.left + (width * i as f64).round() as i32;
        let x1 = self.left + (width * (i + 1) as f64).round() as i32;
        (x0, x1)
    }

    fn centre(&self, i: usize, n: usize) -> i32 {
        let (a, b) = self.slot(i, n);
        (a + b) / 2
    }
}

/// A round step giving about five ticks up to `max` (1, 2 or 5 times a power of ten).
fn tick_step(max: f64) -> f64 {
    let raw = (max / 5.0).max(1e-9);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

/// The y axis top for counts: a whole number of steps above `max`, at least 1.
fn count_axis(max: f64) -> (f64, f64) {
    let step = tick_step(max.max(1.0)).max(1.0);
    let top = (max.max(1.0) / step).ceil() * step;
    (top.max(step), step)
}

/// Grid lines and labels of the y axis, category labels under the x axis, and both
/// axis descriptions.
#[allow(clippy::too_many_arguments)]
fn axes(
    c: &mut Canvas<'_>,
    f: &Frame,
    step: f64,
    y_label: &dyn Fn(f64) -> String,
    categories: &[String],
    category_size: f32,
    x_desc: &str,
    y_desc: &str,
) {
    let mut value = f.y_min;
    while value <= f.y_max + step / 1000.0 {
        let y = f.y(value);
        c.line((f.left, y), (f.right, y), 1, LIGHT);
        c.text(&y_label(value), f.left - 8, y + 5, 13.0, INK, Align::Right);
        value += step;
    }
    c.line((f.left, f.bottom), (f.right, f.bottom), 2, INK);
    c.line((f.left, f.top), (f.left, f.bottom), 1, INK);
    let n = categories.len();
    // With many categories, every k-th is labelled so that no two labels overlap.
    let widest = categories
        .iter()
        .map(|l| c.text_width(l, category_size))
        .fold(0.0f32, f32::max);
    let slot = f64::from(f.right - f.left) / n.max(1) as f64;
    let every = ((f64::from(widest) + 8.0) / slot).ceil().max(1.0) as usize;
    for (i, label) in categories.iter().enumerate() {
        let x = f.centre(i, n);
        c.line((x, f.bottom), (x, f.bottom + 5), 1, INK);
        if i % every == 0 {
            c.text(label, x, f.bottom + 22, category_size, INK, Align::Centre);
        }
    }
    c.text(
        x_desc,
        (f.left + f.right) / 2,
        f.bottom + 48,
        15.0,
        INK,
        Align::Centre,
    );
    c.text_up(y_desc, f.left - 52, (f.top + f.bottom) / 2, 15.0, INK);
}

/// A legend of coloured squares, right-aligned at `right` on the title's line.
fn legend(c: &mut Canvas<'_>, entries: &[(Rgb, &str)], right: i32, y: i32) {
    let mut x = right;
    for (colour, name) in entries.iter().rev() {
        let width = c.text_width(name, 13.0).ceil() as i32;
        x -= width;
        c.text(name, x, y + 5, 13.0, INK, Align::Left);
        x -= 18;
        c.fill_rect(x, y - 6, x + 12, y + 6, *colour);
        x -= 14;
    }
}

fn bar(c: &mut Canvas<'_>, f: &Frame, (x0, x1): (i32, i32), from: f64, to: f64, colour: Rgb) {
    if to > from {
        c.fill_rect(x0, f.y(to), x1, f.y(from) - 1, colour);
    }
}

fn percent(v: f64) -> String {
    format!("{v:.0}%")
}

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

pub(super) fn recurrence(c: &mut Canvas<'_>, figures: &QuarterFigures) -> bool {
    if figures.recurrence.iter().all(|(_, r)| r.is_none()) {
        return false;
    }
    let f = Frame::full(0.0, 100.0);
    let labels: Vec<String> = figures.recurrence.iter().map(|(q, _)| q.clone()).collect();
    axes(
        c,
        &f,
        20.0,
        &percent,
        &labels,
        14.0,
        "Quarter",
        "Incidents that recurred (%)",
    );
    let n = labels.len();
    let points: Vec<(i32, i32, f64)> = figures
        .recurrence
        .iter()
        .enumerate()
        .filter_map(|(i, (_, r))| r.map(|r| (f.centre(i, n), f.y(r * 100.0), r * 100.0)))
        .collect();
    for pair in points.windows(2) {
        c.line((pair[0].0, pair[0].1), (pair[1].0, pair[1].1), 3, BLUE);
    }
    for (x, y, value) in &points {
        c.dot(*x, *y, 6, BLUE);
        c.text(
            &format!("{value:.0}%"),
            *x,
            y - 12,
            14.0,
            INK,
            Align::Centre,
        );
    }
    true
}

pub(super) fn weekly(c: &mut Canvas<'_>, figures: &QuarterFigures) -> bool {
    let totals: Vec<u32> = figures
        .weekly
        .iter()
        .map(|w| w.by_severity.iter().sum())
        .collect();
    if totals.iter().all(|t| *t == 0) {
        return false;
    }
    let (top, step) = count_axis(f64::from(*totals.iter().max().unwrap_or(&1)));
    let f = Frame::full(0.0, top);
    let labels: Vec<String> = figures.weekly.iter().map(|w| w.label.clone()).collect();
    axes(
        c,
        &f,
        step,
        &whole,
        &labels,
        11.0,
        &format!("Week starting ({})", figures.time_zone),
        "Incidents",
    );
    let colours = [VERMILLION, ORANGE, SKY, GREY];
    let n = labels.len();
    for (i, week) in figures.weekly.iter().enumerate() {
        let (x0, x1) = f.slot(i, n);
        let inset = (x1 - x0) / 6;
        let mut below = 0u32;
        for (count, colour) in week.by_severity.iter().zip(colours) {
            bar(
                c,
                &f,
                (x0 + inset, x1 - inset),
                f64::from(below),
                f64::from(below + count),
                colour,
            );
            below += count;
        }
    }
    legend(
        c,
        &[
            (VERMILLION, "P1"),
            (ORANGE, "P2"),
            (SKY, "P3"),
            (GREY, "P4, other or none"),
        ],
        WIDTH as i32 - 24,
        52,
    );
    true
}

pub(super) fn velocity(c: &mut Canvas<'_>, figures: &QuarterFigures) -> bool {
    if figures.velocity.iter().all(|(_, o, cl)| o + cl == 0) {
        return false;
    }
    let max = figures
        .velocity
        .iter()
        .map(|(_, o, cl)| *o.max(cl))
        .max()
        .unwrap_or(1);
    let (top, step) = count_axis(max as f64);
    let f = Frame::full(0.0, top);
    let labels: Vec<String> = figures.velocity.iter().map(|(q, _, _)| q.clone()).collect();
    axes(
        c,
        &f,
        step,
        &whole,
        &labels,
        14.0,
        "Quarter",
        "Action items",
    );
    let n = labels.len();
    for (i, (_, opened, closed)) in figures.velocity.iter().enumerate() {
        let (x0, x1) = f.slot(i, n);
        let mid = (x0 + x1) / 2;
        let inset = (x1 - x0) / 8;
        bar(c, &f, (x0 + inset, mid - 2), 0.0, *opened as f64, ORANGE);
        bar(c, &f, (mid + 2, x1 - inset), 0.0, *closed as f64, BLUE);
        for (value, x) in [
            (opened, (x0 + inset + mid) / 2),
            (closed, (mid + x1 - inset) / 2),
        ] {
            c.text(
                &value.to_string(),
                x,
                f.y(*value as f64) - 6,
                13.0,
                INK,
                Align::Centre,
            );
        }
    }
    legend(
        c,
        &[(ORANGE, "Opened"), (BLUE, "Closed")],
        WIDTH as i32 - 24,
        52,
    );
    true
}

/// Age bins of 15 days up to 180, then "180+".
const AGE_BIN_DAYS: i64 = 15;
const AGE_BINS: usize = 13;

fn age_bins(ages: &[i64]) -> [u32; AGE_BINS] {
    let mut bins = [0u32; AGE_BINS];
    for age in ages {
        let bin = ((*age).max(0) / AGE_BIN_DAYS).min(AGE_BINS as i64 - 1) as usize;
        bins[bin] += 1;
    }
    bins
}

pub(super) fn ages(c: &mut Canvas<'_>, figures: &QuarterFigures) -> bool {
    if figures.open_item_ages.is_empty() {
        return false;
    }
    let bins = age_bins(&figures.open_item_ages);
    let (top, step) = count_axis(f64::from(*bins.iter().max().unwrap_or(&1)) * 1.15);
    let f = Frame::full(0.0, top);
    let labels: Vec<String> = (0..AGE_BINS)
        .map(|b| {
            let from = b as i64 * AGE_BIN_DAYS;
            if b == AGE_BINS - 1 {
                format!("{from}+")
            } else {
                format!("{from}–{}", from + AGE_BIN_DAYS - 1)
            }
        })
        .collect();
    axes(
        c,
        &f,
        step,
        &whole,
        &labels,
        11.0,
        "Days open",
        "Open action items",
    );
    let stale_bin = (i64::from(figures.stale_after_days) / AGE_BIN_DAYS) as usize;
    for (i, n) in bins.iter().enumerate() {
        let (x0, x1) = f.slot(i, AGE_BINS);
        let colour = if i >= stale_bin { VERMILLION } else { BLUE };
        bar(c, &f, (x0 + 3, x1 - 3), 0.0, f64::from(*n), colour);
    }
    let (line_x, _) = f.slot(stale_bin.min(AGE_BINS), AGE_BINS);
    c.dashed((line_x, f.top), (line_x, f.bottom), (6, 4), INK);
    c.text(
        &format!("{} days: stale from here", figures.stale_after_days),
        line_x + 6,
        f.top + 14,
        14.0,
        INK,
        Align::Left,
    );
    let stale: u32 = bins[stale_bin.min(AGE_BINS)..].iter().sum();
    legend(
        c,
        &[(BLUE, "Open"), (VERMILLION, &format!("Stale ({stale})"))],
        WIDTH as i32 - 24,
        52,
    );
    true
}

pub(super) fn pulse(c: &mut Canvas<'_>, figures: &QuarterFigures) -> bool {
    let trend: Vec<(usize, f64)> = figures
        .pulse_trend
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.mean.map(|m| (i, m)))
        .collect();
    if figures.pulse_distribution.is_none() && trend.is_empty() {
        return false;
    }
    let half = WIDTH as i32 / 2;
    // Left: this quarter's answers.
    let left = Frame {
        left: 76,
        right: half - 24,
        top: 84,
        bottom: HEIGHT as i32 - 72,
        y_min: 0.0,
        y_max: 1.0,
    };
    c.text(
        "Answers this quarter",
        (left.left + left.right) / 2,
        62,
        15.0,
        INK,
        Align::Centre,
    );
    match figures.pulse_distribution {
        Some(distribution) => {
            let (top, step) = count_axis(f64::from(*distribution.iter().max().unwrap_or(&1)));
            let frame = Frame { y_max: top, ..left };
            let labels: Vec<String> = (1..=5).map(|n| n.to_string()).collect();
            axes(
                c,
                &frame,
                step,
                &whole,
                &labels,
                14.0,
                "1 strongly disagree … 5 strongly agree",
                "People",
            );
            for (i, n) in distribution.iter().enumerate() {
                let (x0, x1) = frame.slot(i, 5);
                bar(c, &frame, (x0 + 6, x1 - 6), 0.0, f64::from(*n), GREEN);
            }
        }
        None => c.text(
            "Too few answers to show",
            (left.left + left.right) / 2,
            (left.top + left.bottom) / 2,
            15.0,
            GREY,
            Align::Centre,
        ),
    }
    // Right: the mean by quarter.
    let right = Frame {
        left: half + 64,
        right: WIDTH as i32 - 24,
        top: 84,
        bottom: HEIGHT as i32 - 72,
        y_min: 1.0,
        y_max: 5.0,
    };
    c.text(
        "Mean answer by quarter",
        (right.left + right.right) / 2,
        62,
        15.0,
        INK,
        Align::Centre,
    );
    let labels: Vec<String> = figures
        .pulse_trend
        .iter()
        .map(|p| p.quarter.clone())
        .collect();
    axes(
        c,
        &right,
        1.0,
        &whole,
        &labels,
        12.0,
        "Quarter",
        "Mean (1–5)",
    );
    let n = labels.len();
    let points: Vec<(usize, i32, i32, f64)> = trend
        .iter()
        .map(|(i, m)| (*i, right.centre(*i, n), right.y(*m), *m))
        .collect();
    // Quarters next to each other are joined; a quarter without a figure leaves a gap.
    for pair in points.windows(2).filter(|p| p[1].0 == p[0].0 + 1) {
        c.line((pair[0].1, pair[0].2), (pair[1].1, pair[1].2), 3, GREEN);
    }
    let points: Vec<(i32, i32, f64)> = points.into_iter().map(|(_, x, y, m)| (x, y, m)).collect();
    for (x, y, mean) in &points {
        c.dot(*x, *y, 5, GREEN);
        c.text(&format!("{mean:.1}"), *x, y - 10, 13.0, INK, Align::Centre);
    }
    true
}

pub(super) fn participation(c: &mut Canvas<'_>, figures: &QuarterFigures) -> bool {
    if figures.participation.is_empty() {
        return false;
    }
    let f = Frame::full(0.0, 100.0);
    let labels: Vec<String> = figures
        .participation
        .iter()
        .map(|(l, _)| l.clone())
        .collect();
    axes(
        c,
        &f,
        20.0,
        &percent,
        &labels,
        12.0,
        "Review (by incident)",
        "Attendees who spoke (%)",
    );
    let n = labels.len();
    for (i, (_, ratio)) in figures.participation.iter().enumerate() {
        let (x0, x1) = f.slot(i, n);
        let inset = ((x1 - x0) / 6).max(2);
        bar(c, &f, (x0 + inset, x1 - inset), 0.0, ratio * 100.0, SKY);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_fall_into_fifteen_day_bins_with_an_open_end() {
        let bins = age_bins(&[0, 14, 15, 89, 90, 179, 180, 4000, -3]);
        assert_eq!(bins[0], 3, "0, 14 and a clock-skewed -3");
        assert_eq!(bins[1], 1);
        assert_eq!(bins[5], 1, "89 days");
        assert_eq!(bins[6], 1, "90 days starts the stale bins");
        assert_eq!(bins[11], 1, "179 days");
        assert_eq!(bins[12], 2, "180 and over");
    }

    #[test]
    fn count_axes_end_on_a_round_step_above_the_largest_value() {
        assert_eq!(count_axis(0.0), (1.0, 1.0));
        assert_eq!(count_axis(3.0), (3.0, 1.0));
        assert_eq!(count_axis(7.0), (8.0, 2.0));
        assert_eq!(count_axis(23.0), (25.0, 5.0));
        assert_eq!(count_axis(480.0), (500.0, 100.0));
    }
}
