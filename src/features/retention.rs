//! Purpose: retention. Once a day, reviews whose last date is more than
//! `DEBRIEF_RETENTION_DAYS` old lose their survey answers, observations and per-person rows;
//! finished bookkeeping of that age goes too, and SQLite gives the space back. Incidents,
//! reviews, counterfactuals and action items stay for the learning review.

use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::app::AppState;
use crate::queue::{Job, JobError};

/// When the daily pass runs: a quiet hour for most teams, and after midnight everywhere
/// in Europe and the Americas, so a day's cutoff is the same for every replica.
const RUN_AT_UTC: (i8, i8) = (3, 30);

fn run_time(day: jiff::civil::Date) -> Timestamp {
    let (hour, minute) = RUN_AT_UTC;
    day.at(hour, minute, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .expect("a UTC time exists")
        .timestamp()
}

/// The next daily run strictly after `now`, and the day it is for (`2026-12-04`).
pub fn next_run(now: Timestamp) -> (String, Timestamp) {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let day = if run_time(today) > now {
        today
    } else {
        today.checked_add(1.day()).expect("tomorrow exists")
    };
    (day.to_string(), run_time(day))
}

/// The run after the one for `day`: the next day's, or the next to come if the pass ran
/// so late that that one has passed too. Never `day` itself, whose key is taken.
pub fn run_after(day: &str, now: Timestamp) -> (String, Timestamp) {
    let following = day
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.checked_add(1.day()).ok());
    match following {
        Some(next) if run_time(next) > now => (next.to_string(), run_time(next)),
        _ => next_run(now),
    }
}

/// The instant before which a review's last date makes it expire.
pub fn cutoff(now: Timestamp, retention_days: u32) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(24 * i64::from(retention_days)))
        .unwrap_or(Timestamp::MIN)
}

/// The job for the next daily pass; the same row for every replica (its key is the day).
pub fn schedule_job(now: Timestamp) -> (Job, Timestamp) {
    let (day, at) = next_run(now);
    (Job::Retention { day }, at)
}

/// Job: the daily pass for `day`, then the next day's job.
pub async fn run(state: &AppState, day: &str, now: Timestamp) -> Result<(), JobError> {
    let cutoff = cutoff(now, state.config.retention_days).as_second();
    let expired = state.store.reviews_older_than(cutoff).await?;
    let mut erased = crate::store::retention::Erased::default();
    for review in &expired {
        let one = state.store.erase_review(*review, now.as_second()).await?;
        erased.answers += one.answers;
        erased.observations += one.observations;
        erased.participants += one.participants;
        erased.message_counts += one.message_counts;
        erased.checkins += one.checkins;
    }
    let mut pulses = (0, 0);
    for pulse in state.store.pulses_closed_before(cutoff).await? {
        let (answers, invitees) = state.store.erase_pulse(pulse, now.as_second()).await?;
        pulses.0 += answers;
        pulses.1 += invitees;
    }
    let pruned = state.store.prune_finished(cutoff).await?;
    state.store.reclaim_space().await?;
    tracing::info!(
        reviews = expired.len(),
        answers = erased.answers,
        observations = erased.observations,
        participants = erased.participants,
        pulse_answers = pulses.0,
        pulse_invitees = pulses.1,
        jobs = pruned.jobs,
        "retention pass done"
    );
    let (day, at) = run_after(day, now);
    state
        .store
        .enqueue(&Job::Retention { day }.to_row(at), now)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_daily_pass_runs_at_half_past_three_utc_the_next_time_it_comes() {
        assert_eq!(
            next_run(at("2026-12-03T01:00:00Z")),
            ("2026-12-03".to_string(), at("2026-12-03T03:30:00Z"))
        );
        assert_eq!(
            next_run(at("2026-12-03T03:30:00Z")),
            ("2026-12-04".to_string(), at("2026-12-04T03:30:00Z"))
        );
        assert_eq!(next_run(at("2026-12-31T23:59:00Z")).0, "2027-01-01");
    }

    #[test]
    fn the_pass_after_a_day_is_the_next_days_or_the_next_to_come() {
        // On time, or early (a job queued ahead): the following day.
        assert_eq!(
            run_after("2026-12-03", at("2026-12-03T03:30:01Z")),
            ("2026-12-04".to_string(), at("2026-12-04T03:30:00Z"))
        );
        assert_eq!(
            run_after("2026-12-05", at("2026-12-03T10:00:00Z")).0,
            "2026-12-06"
        );
        // Two days late: the next one to come, not one already past.
        assert_eq!(
            run_after("2026-12-01", at("2026-12-03T10:00:00Z")).0,
            "2026-12-04"
        );
    }

    #[test]
    fn the_cutoff_is_whole_days_back() {
        assert_eq!(
            cutoff(at("2026-12-03T03:30:00Z"), 400),
            at("2025-10-29T03:30:00Z")
        );
    }
}
