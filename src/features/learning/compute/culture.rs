//! Purpose: section 4: the psychological-safety pulse, participation across the reviews held
//! this quarter, and whether the way reviews were run (format settings, named trials) went
//! with different participation or survey turnout.

use std::collections::BTreeMap;

use jiff::{Span, Timestamp};

use super::super::adapters::speaker_ratio;
use super::super::facts::{Observations, Review};
use super::super::quarter::{Quarter, start_of_day};
use super::super::report::{
    Culture, FormatComparison, FormatGroup, Listed, MeanOf, ParticipationSpread, Pulse,
    PulseFigures, Ratio, ReviewParticipation, TrialOutcome,
};
use super::index::Ctx;
use super::summarize;

pub(super) fn culture(ctx: &Ctx<'_>) -> Culture {
    let held = held_between(ctx, ctx.window.start(3), ctx.cutoff);
    Culture {
        pulse: pulse(ctx),
        participation: participation(&held, ctx.settings.max_listed),
        formats: formats(ctx, &held),
        trials: trials(ctx),
        min_group: ctx.settings.min_group,
    }
}

/// Reviews held in `[from, until)`, in time order.
fn held_between<'a>(ctx: &Ctx<'a>, from: Timestamp, until: Timestamp) -> Vec<&'a Review> {
    let mut held: Vec<&Review> = ctx
        .facts
        .reviews
        .iter()
        .filter(|r| r.held_at().is_some_and(|t| t >= from && t < until))
        .collect();
    held.sort_by_key(|r| (r.held_at(), r.incident_id));
    held
}

fn pulse(ctx: &Ctx<'_>) -> Pulse {
    let floor = ctx.settings.pulse_k_floor;
    let find = |q: Quarter| ctx.facts.pulses.iter().find(|p| p.quarter == q);
    let shown = |q: Quarter| find(q).filter(|p| p.counted >= floor);
    let quarter = ctx.window.quarters[3];
    match find(quarter) {
        None => Pulse::NotRun,
        Some(p) if p.counted < floor => Pulse::BelowFloor {
            responses: p.counted,
            k_floor: floor,
        },
        Some(p) => Pulse::Results(PulseFigures {
            mean: p.mean,
            distribution: p.distribution,
            response_rate: Ratio::new(p.responses.into(), p.invited.into()),
            change: shown(quarter.previous()).map(|before| p.mean - before.mean),
        }),
    }
}

fn participation(held: &[&Review], max: usize) -> ParticipationSpread {
    let reviews: Vec<ReviewParticipation> = held
        .iter()
        .filter_map(|r| {
            let p = r.participation.as_ref()?;
            Some(ReviewParticipation {
                incident_id: r.incident_id,
                speakers: p.speakers,
                attendees: p.attendees,
                speaker_ratio: speaker_ratio(p)?,
                top3_share: p.top3_share,
            })
        })
        .collect();
    let mut ratio_buckets = [0; 4];
    for r in &reviews {
        ratio_buckets[((r.speaker_ratio * 4.0).floor() as usize).min(3)] += 1;
    }
    ParticipationSpread {
        speaker_ratio: summarize(reviews.iter().map(|r| r.speaker_ratio).collect()),
        top3_share: summarize(reviews.iter().map(|r| r.top3_share).collect()),
        ratio_buckets,
        reviews: Listed::first(reviews.len(), reviews.into_iter(), max),
    }
}

/// The figures compared between groups of reviews.
fn group(value: String, reviews: &[&Review]) -> FormatGroup {
    let ratios = reviews
        .iter()
        .filter_map(|r| r.participation.as_ref().and_then(speaker_ratio));
    let rates = reviews
        .iter()
        .filter_map(|r| r.survey.filter(|s| s.invited > 0))
        .map(|s| f64::from(s.answered.min(s.invited)) / f64::from(s.invited));
    FormatGroup {
        value,
        reviews: reviews.len(),
        speaker_ratio: mean_of(ratios),
        response_rate: mean_of(rates),
    }
}

fn mean_of(values: impl Iterator<Item = f64>) -> MeanOf {
    let (n, sum) = values.fold((0, 0.0), |(n, sum), v| (n + 1, sum + v));
    MeanOf {
        n,
        mean: (n > 0).then(|| sum / n as f64),
    }
}

/// A setting's value for a review: a sort key and a label; `None` leaves the review out.
type Setting = fn(&Review) -> Option<(u32, String)>;

const SETTINGS: [(&str, Setting); 5] = [
    ("Survey", |r| Some(on_off(r.format.survey))),
    ("Check-in", |r| Some(on_off(r.format.checkin))),
    ("Check-in turn length", |r| {
        let seconds = r.format.checkin_turn_seconds.filter(|_| r.format.checkin)?;
        Some((seconds, turn_label(seconds)))
    }),
    ("Observations", |r| {
        Some(match r.format.observations {
            Observations::Live => (0, "live".into()),
            Observations::Held => (1, "held".into()),
        })
    }),
    ("k-floor", |r| {
        Some((r.format.k_floor, format!("k = {}", r.format.k_floor)))
    }),
];

fn on_off(on: bool) -> (u32, String) {
    if on {
        (0, "on".into())
    } else {
        (1, "off".into())
    }
}

fn turn_label(seconds: u32) -> String {
    if seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}

fn formats(ctx: &Ctx<'_>, held: &[&Review]) -> Vec<FormatComparison> {
    SETTINGS
        .iter()
        .map(|&(setting, value_of)| {
            let mut groups: BTreeMap<(u32, String), Vec<&Review>> = BTreeMap::new();
            for review in held {
                if let Some(key) = value_of(review) {
                    groups.entry(key).or_default().push(review);
                }
            }
            let groups: Vec<FormatGroup> = groups
                .into_iter()
                .map(|((_, label), reviews)| group(label, &reviews))
                .collect();
            FormatComparison {
                setting: setting.into(),
                comparable: comparable(ctx, &groups),
                groups,
            }
        })
        .collect()
}

fn comparable(ctx: &Ctx<'_>, groups: &[FormatGroup]) -> bool {
    groups
        .iter()
        .filter(|g| g.reviews >= ctx.settings.min_group)
        .count()
        >= 2
}

/// Trials that started this quarter: reviews held in the `trial_window_days` before the
/// start against those from the start on (up to the cut-off).
fn trials(ctx: &Ctx<'_>) -> Vec<TrialOutcome> {
    let quarter = ctx.window.quarters[3];
    let days = ctx.settings.trial_window_days;
    let mut trials: Vec<TrialOutcome> = ctx
        .facts
        .trials
        .iter()
        .filter(|t| Quarter::of_date(t.from) == quarter)
        .map(|trial| {
            let span = Span::new().days(i64::from(days));
            let start = start_of_day(trial.from, ctx.tz);
            let edge = |d: Result<jiff::civil::Date, jiff::Error>, fallback| {
                d.map_or(fallback, |d| start_of_day(d, ctx.tz))
            };
            let before_from = edge(trial.from.checked_sub(span), Timestamp::MIN);
            let after_until = edge(trial.from.checked_add(span), Timestamp::MAX).min(ctx.cutoff);
            let before = group("before".into(), &held_between(ctx, before_from, start));
            let after = group("after".into(), &held_between(ctx, start, after_until));
            TrialOutcome {
                name: trial.name.clone(),
                from: trial.from,
                window_days: days,
                comparable: comparable(ctx, &[before.clone(), after.clone()]),
                before,
                after,
            }
        })
        .collect();
    trials.sort_by(|a, b| a.from.cmp(&b.from).then_with(|| a.name.cmp(&b.name)));
    trials
}
