//! Purpose: what a quarter's pulse answers add up to, when they may be shown, and when a
//! scheduled pulse goes out. Pure: answers, times and randomness come in as arguments.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::features::learning::quarter::Quarter;

/// The one statement a pulse asks about.
pub const STATEMENT: &str = "I feel comfortable raising concerns during incident reviews.";
/// The 1–5 scale, in order.
pub const SCALE: [&str; 5] = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
];
/// Results are shown only once at least this many people, not counting whoever started
/// the pulse (who knows their own answer), have answered.
pub const K_FLOOR: u32 = 3;
/// The longest comment kept.
pub const COMMENT_MAX: usize = 1000;

/// One person's answer, as sealed at rest. It holds no name and no time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulseAnswer {
    /// 1 (strongly disagree) to 5 (strongly agree).
    pub score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Every pulse of one quarter taken together, answers opened in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarterTally {
    /// Pulses that have closed.
    pub closed: u32,
    /// Pulses still gathering people or open: their answers are not counted yet.
    pub open: u32,
    pub invited: u32,
    pub answers: Vec<PulseAnswer>,
    /// How many of `answers` came from whoever started their pulse.
    pub from_starters: u32,
}

impl QuarterTally {
    /// Answers that count towards the k-floor.
    pub fn counted(&self) -> u32 {
        (self.answers.len() as u32).saturating_sub(self.from_starters)
    }

    /// Mean and distribution of the answers (None without any).
    pub fn figures(&self) -> Option<(f64, [u32; 5])> {
        if self.answers.is_empty() {
            return None;
        }
        let mut distribution = [0u32; 5];
        for a in &self.answers {
            distribution[usize::from(a.score.clamp(1, 5) - 1)] += 1;
        }
        let total: u32 = distribution
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u32 + 1) * n)
            .sum();
        Some((total as f64 / self.answers.len() as f64, distribution))
    }
}

/// The figures of a quarter whose pulse may be shown.
#[derive(Debug, Clone, PartialEq)]
pub struct PulseFigures {
    pub mean: f64,
    /// Answers 1 to 5, in that order.
    pub distribution: [u32; 5],
    pub responses: u32,
    pub invited: u32,
    /// Against last quarter's mean, when last quarter's could be shown.
    pub change: Option<f64>,
    /// In random order, without names.
    pub comments: Vec<String>,
}

/// What may be said about a quarter's pulse.
#[derive(Debug, Clone, PartialEq)]
pub enum QuarterPulse {
    NotRun,
    /// Nothing has closed yet; results wait for the close, so that no answer can be told
    /// apart by watching the figures move.
    StillOpen,
    BelowFloor {
        counted: u32,
        invited: u32,
    },
    Results(PulseFigures),
}

/// Decides what a quarter's pulse shows. Comments are shuffled with `rng`.
pub fn quarter_pulse(
    this: &QuarterTally,
    previous: Option<&QuarterTally>,
    rng: &mut impl rand::Rng,
) -> QuarterPulse {
    if this.closed == 0 {
        return if this.open > 0 {
            QuarterPulse::StillOpen
        } else {
            QuarterPulse::NotRun
        };
    }
    if this.counted() < K_FLOOR {
        return QuarterPulse::BelowFloor {
            counted: this.counted(),
            invited: this.invited,
        };
    }
    let Some((mean, distribution)) = this.figures() else {
        return QuarterPulse::NotRun;
    };
    let change = previous
        .filter(|p| p.closed > 0 && p.counted() >= K_FLOOR)
        .and_then(QuarterTally::figures)
        .map(|(before, _)| mean - before);
    let mut comments: Vec<String> = this
        .answers
        .iter()
        .filter_map(|a| a.comment.clone())
        .filter(|c| !c.trim().is_empty())
        .collect();
    comments.shuffle(rng);
    QuarterPulse::Results(PulseFigures {
        mean,
        distribution,
        responses: this.answers.len() as u32,
        invited: this.invited,
        change,
        comments,
    })
}

/// The `/debrief pulse results` text.
pub fn render(quarter: Quarter, pulse: &QuarterPulse) -> String {
    let head = format!("*Psychological-safety pulse, {quarter}*\n_“{STATEMENT}”_");
    match pulse {
        QuarterPulse::NotRun => format!(
            "{head}\nNo pulse was run in {quarter}. Start one with `/debrief pulse channel=#…`."
        ),
        QuarterPulse::StillOpen => format!(
            "{head}\nThe pulse is still open. Results are shown once it closes, so that nobody's answer can be spotted by watching the figures change."
        ),
        QuarterPulse::BelowFloor { counted, invited } => format!(
            "{head}\nOnly {counted} of {invited} people answered (not counting whoever started the pulse). Results are shown from {K_FLOOR} answers, so that no one's answer can be worked out."
        ),
        QuarterPulse::Results(f) => {
            let mut lines = vec![head];
            let change = match f.change {
                Some(c) if c.abs() < 0.05 => ", the same as last quarter".to_string(),
                Some(c) => format!(", {c:+.1} against last quarter"),
                None => String::new(),
            };
            lines.push(format!(
                "Mean *{:.1}* out of 5{change}. {} of {} people answered ({:.0}%).",
                f.mean,
                f.responses,
                f.invited,
                100.0 * f64::from(f.responses) / f64::from(f.invited.max(1))
            ));
            let width = f.distribution.iter().copied().max().unwrap_or(0).max(1);
            for (n, label) in SCALE.iter().enumerate() {
                let count = f.distribution[n];
                let bar = "█".repeat((count * 12).div_ceil(width) as usize);
                lines.push(
                    format!("`{}` {label}: {count} {bar}", n + 1)
                        .trim_end()
                        .to_string(),
                );
            }
            if !f.comments.is_empty() {
                lines.push(format!(
                    "*Comments* ({}, in random order, without names):",
                    f.comments.len()
                ));
                lines.extend(
                    f.comments
                        .iter()
                        .map(|c| format!("> {}", crate::slack::blocks::escape(c))),
                );
            }
            lines.join("\n")
        }
    }
}

/// When a scheduled pulse goes out: the first weekday of the quarter's second week
/// (its 8th day or the Monday after), at 10:00 on the team's clock.
pub fn scheduled_at(quarter: Quarter, tz: &TimeZone) -> Timestamp {
    let mut day = quarter.first_day() + 7.days();
    while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        day = day.tomorrow().unwrap_or(day);
    }
    day.to_datetime(Time::constant(10, 0, 0, 0))
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or_else(|_| quarter.start(tz))
}

/// The first quarter whose scheduled pulse is still ahead of `now`.
pub fn next_scheduled(now: Timestamp, tz: &TimeZone) -> Quarter {
    let this = Quarter::containing(now, tz);
    if scheduled_at(this, tz) > now {
        this
    } else {
        this.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn answers(scores: &[u8]) -> Vec<PulseAnswer> {
        scores
            .iter()
            .map(|&score| PulseAnswer {
                score,
                comment: None,
            })
            .collect()
    }

    fn closed(scores: &[u8], invited: u32, from_starters: u32) -> QuarterTally {
        QuarterTally {
            closed: 1,
            open: 0,
            invited,
            answers: answers(scores),
            from_starters,
        }
    }

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(7)
    }

    #[test]
    fn below_the_floor_only_counts_are_shown() {
        // Three answers, one the starter's: two count, below k = 3.
        let tally = closed(&[5, 1, 2], 6, 1);
        assert_eq!(
            quarter_pulse(&tally, None, &mut rng()),
            QuarterPulse::BelowFloor {
                counted: 2,
                invited: 6
            }
        );
        let text = render(
            Quarter::new(2026, 4).unwrap(),
            &quarter_pulse(&tally, None, &mut rng()),
        );
        assert!(text.contains("Only 2 of 6"), "{text}");
        assert!(!text.contains("Mean"), "{text}");
    }

    #[test]
    fn at_the_floor_the_figures_are_hand_computed() {
        // 4, 2, 5 → mean 11/3, distribution [0,1,0,1,1]; last quarter 3, 3, 3 → change +0.67.
        let tally = closed(&[4, 2, 5], 5, 0);
        let before = closed(&[3, 3, 3], 4, 0);
        let QuarterPulse::Results(f) = quarter_pulse(&tally, Some(&before), &mut rng()) else {
            panic!("three answers meet k = 3");
        };
        assert!((f.mean - 11.0 / 3.0).abs() < 1e-9);
        assert_eq!(f.distribution, [0, 1, 0, 1, 1]);
        assert_eq!((f.responses, f.invited), (3, 5));
        assert!((f.change.unwrap() - (11.0 / 3.0 - 3.0)).abs() < 1e-9);
        let text = render(Quarter::new(2026, 4).unwrap(), &QuarterPulse::Results(f));
        assert!(
            text.contains(
                "Mean *3.7* out of 5, +0.7 against last quarter. 3 of 5 people answered (60%)."
            ),
            "{text}"
        );
    }

    #[test]
    fn last_quarter_below_the_floor_gives_no_change() {
        let tally = closed(&[4, 4, 4], 3, 0);
        let before = closed(&[1, 1], 9, 0);
        let QuarterPulse::Results(f) = quarter_pulse(&tally, Some(&before), &mut rng()) else {
            panic!()
        };
        assert_eq!(f.change, None);
    }

    #[test]
    fn open_pulses_show_nothing_until_they_close() {
        let tally = QuarterTally {
            closed: 0,
            open: 1,
            invited: 9,
            answers: answers(&[5, 5, 5, 5]),
            from_starters: 0,
        };
        assert_eq!(
            quarter_pulse(&tally, None, &mut rng()),
            QuarterPulse::StillOpen
        );
        assert_eq!(
            quarter_pulse(&QuarterTally::default(), None, &mut rng()),
            QuarterPulse::NotRun
        );
    }

    #[test]
    fn comments_come_out_shuffled_and_blank_ones_dropped() {
        let mut tally = closed(&[3, 3, 3, 3, 3, 3], 6, 0);
        for (n, a) in tally.answers.iter_mut().enumerate() {
            a.comment = Some(if n == 5 { "  ".into() } else { format!("c{n}") });
        }
        let orders: std::collections::BTreeSet<Vec<String>> = (0..20u64)
            .map(|seed| {
                let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
                match quarter_pulse(&tally, None, &mut rng) {
                    QuarterPulse::Results(f) => f.comments,
                    _ => unreachable!(),
                }
            })
            .collect();
        assert!(orders.iter().all(|o| o.len() == 5));
        assert!(
            orders.len() > 1,
            "the order should depend on the randomness"
        );
    }

    #[test]
    fn scheduled_pulses_go_out_in_the_second_week_on_a_weekday() {
        let utc = TimeZone::UTC;
        // 2026-Q4 starts Thursday 1 October: the 8th is a Thursday.
        assert_eq!(
            scheduled_at(Quarter::new(2026, 4).unwrap(), &utc).to_string(),
            "2026-10-08T10:00:00Z"
        );
        // 2027-Q1 starts Friday 1 January: the 8th is a Friday.
        assert_eq!(
            scheduled_at(Quarter::new(2027, 1).unwrap(), &utc).to_string(),
            "2027-01-08T10:00:00Z"
        );
        // 2026-Q3 starts Wednesday 1 July; 2027-Q2 starts Thursday 1 April. 2028-Q3
        // starts Saturday 1 July: the 8th is a Saturday, so Monday the 10th.
        assert_eq!(
            scheduled_at(Quarter::new(2028, 3).unwrap(), &utc).to_string(),
            "2028-07-10T10:00:00Z"
        );
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            scheduled_at(Quarter::new(2026, 4).unwrap(), &berlin).to_string(),
            "2026-10-08T08:00:00Z"
        );
        // Before this quarter's date, this quarter; after it, the next.
        let early: Timestamp = "2026-10-02T00:00:00Z".parse().unwrap();
        let late: Timestamp = "2026-12-03T00:00:00Z".parse().unwrap();
        assert_eq!(next_scheduled(early, &utc).to_string(), "2026-Q4");
        assert_eq!(next_scheduled(late, &utc).to_string(), "2027-Q1");
    }
}
