//! Purpose: the owner digest: each Monday at 09:00 on the team's clock, every owner of open
//! action items who has not opted out gets one DM listing them, oldest first. Both steps are
//! durable jobs with dedupe keys, so a restart, a second replica or a retry never sends a
//! second digest in the same week.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::{render, team_today};
use crate::app::AppState;
use crate::queue::{Job, JobError};

/// The first Monday 09:00 on the team's clock strictly after `now`.
pub fn next_digest_at(now: Timestamp, tz: &TimeZone) -> Timestamp {
    let local = tz.to_datetime(now);
    let mut day = local.date();
    loop {
        if day.weekday() == Weekday::Monday {
            let at = day
                .to_datetime(Time::constant(9, 0, 0, 0))
                .to_zoned(tz.clone())
                .map(|z| z.timestamp());
            if let Ok(at) = at
                && at > now
            {
                return at;
            }
        }
        day = day.checked_add(1.day()).unwrap_or(day);
    }
}

/// The ISO week an instant falls in on the team's calendar, e.g. `2026-W49`.
pub fn week_of(t: Timestamp, tz: &TimeZone) -> String {
    let week = tz.to_datetime(t).date().iso_week_date();
    format!("{}-W{:02}", week.year(), week.week())
}

/// The job that queues next week's digests; the same for every replica.
pub fn schedule_job(now: Timestamp, tz: &TimeZone) -> (Job, Timestamp) {
    let at = next_digest_at(now, tz);
    (Job::ScheduleDigests { at: at.as_second() }, at)
}

/// Job: queue one digest per owner for this week, then the next week's scheduling job.
pub async fn schedule(state: &AppState, now: Timestamp) -> Result<(), JobError> {
    let tz = &state.config.learning.timezone;
    let week = week_of(now, tz);
    let mut rows = Vec::new();
    for owner in state.store.digest_recipients().await? {
        rows.push(
            Job::OwnerDigest {
                owner,
                week: week.clone(),
            }
            .to_row(now),
        );
    }
    let (next, at) = schedule_job(now, tz);
    rows.push(next.to_row(at));
    for row in rows {
        state.store.enqueue(&row, now).await?;
    }
    state.job_wakeup.notify_one();
    Ok(())
}

/// Job: one owner's digest. Someone who opted out since it was queued gets nothing.
pub async fn send(state: &AppState, owner: &str) -> Result<(), JobError> {
    if state.store.digest_opted_out(owner).await? {
        return Ok(());
    }
    let items = state.store.open_items_of(owner).await?;
    if items.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    let dm = state.slack.open_dm(owner).await?;
    let content = render::digest(&items, now, team_today(state, now));
    state.slack.post_message(&dm, content, None).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_go_out_on_monday_morning_on_the_team_clock() {
        let utc = TimeZone::UTC;
        // Wednesday 2 December 2026.
        let wednesday: Timestamp = "2026-12-02T12:00:00Z".parse().unwrap();
        assert_eq!(
            next_digest_at(wednesday, &utc).to_string(),
            "2026-12-07T09:00:00Z"
        );
        // Monday 09:00 exactly: the next one is a week later.
        let monday: Timestamp = "2026-12-07T09:00:00Z".parse().unwrap();
        assert_eq!(
            next_digest_at(monday, &utc).to_string(),
            "2026-12-14T09:00:00Z"
        );
        let tokyo = TimeZone::fixed(jiff::tz::offset(9));
        assert_eq!(
            next_digest_at(wednesday, &tokyo).to_string(),
            "2026-12-07T00:00:00Z"
        );
        assert_eq!(week_of(wednesday, &utc), "2026-W49");
    }
}
