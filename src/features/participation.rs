//! Purpose: participation figures: who spoke, never what. Unique speakers over attendees,
//! the top three speakers' share of messages, and the Gini coefficient of messages. The
//! figures are pure; [`count_channel_message`] is the one function that records anything.

use jiff::Timestamp;

use crate::app::AppState;
use crate::domain::ReviewId;
use crate::store::checkins::Participation;

/// Figures for one review's meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Participants, plus anyone else who spoke.
    pub attendees: usize,
    /// People with at least one message or a check-in share.
    pub speakers: usize,
    pub messages: i64,
    /// `speakers / attendees`.
    pub speaker_ratio: f64,
    /// Share of all messages written by the three most active people.
    pub top3_share: f64,
    /// 0 when everyone wrote as much, towards 1 when one person wrote everything.
    pub gini: f64,
    pub checkin_shared: usize,
}

/// Channel messages count for participation from 15 minutes before the meeting (or the
/// check-in, when no meeting was scheduled) to three hours after it starts.
fn in_meeting_window(meeting_start: Option<i64>, now: Timestamp) -> bool {
    meeting_start.is_some_and(|start| (start - 900..=start + 3 * 3600).contains(&now.as_second()))
}

/// Counts a channel message towards participation when the channel has a review and the
/// message falls in its meeting window. Only that someone spoke is kept, never what.
pub async fn count_channel_message(
    state: &AppState,
    team_id: &str,
    channel: &str,
    user: &str,
    now: Timestamp,
) -> anyhow::Result<()> {
    let Some(review) = state.store.review_for_channel(team_id, channel).await? else {
        return Ok(());
    };
    // Without a scheduled meeting, a check-in round marks when the meeting happens.
    let checkin_started = match review.meeting_at {
        Some(_) => None,
        None => state
            .store
            .checkins_of(review.id)
            .await?
            .last()
            .map(|c| c.started_at),
    };
    if in_meeting_window(review.meeting_at.or(checkin_started), now) {
        state.store.count_message(review.id, user).await?;
    }
    Ok(())
}

/// A review's participation figures, from its participants and what was recorded.
pub async fn figures_of(state: &AppState, review: ReviewId) -> anyhow::Result<Figures> {
    let participants = state.store.participant_ids(review).await?;
    let recorded = state.store.participation(review).await?;
    Ok(figures(&participants, &recorded))
}

/// Each workspace's speaker ratio of its most recently completed review (`/metrics`);
/// none for a workspace with no review done. A review without recorded participation
/// counts as 0.
pub async fn latest_completed_ratios(state: &AppState) -> anyhow::Result<Vec<(String, f64)>> {
    let mut ratios = Vec::new();
    for (team, review) in state.store.latest_done_reviews().await? {
        let ratio = figures_of(state, ReviewId(review)).await?.speaker_ratio;
        ratios.push((team, ratio));
    }
    Ok(ratios)
}

/// Gini coefficient of non-negative counts (0 for an empty or all-zero list).
fn gini(counts: &[i64]) -> f64 {
    let mut sorted: Vec<f64> = counts.iter().map(|&c| c.max(0) as f64).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let total: f64 = sorted.iter().sum();
    if sorted.is_empty() || total == 0.0 {
        return 0.0;
    }
    // G = 2·Σ(i·x_i) / (n·Σx) − (n+1)/n, with x ascending and i from 1.
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 + 1.0) * x)
        .sum();
    (2.0 * weighted) / (n * total) - (n + 1.0) / n
}

/// Computes the figures from the recorded participation and the review's participants.
pub fn figures(participants: &[String], recorded: &[Participation]) -> Figures {
    let mut attendees: Vec<&str> = participants.iter().map(String::as_str).collect();
    for p in recorded {
        if (p.messages > 0 || p.checkin_shared) && !attendees.contains(&p.user_id.as_str()) {
            attendees.push(&p.user_id);
        }
    }
    let count_of = |user: &str| {
        recorded
            .iter()
            .find(|p| p.user_id == user)
            .map_or(0, |p| p.messages)
    };
    let counts: Vec<i64> = attendees.iter().map(|a| count_of(a)).collect();
    let speakers = attendees
        .iter()
        .filter(|a| {
            recorded
                .iter()
                .any(|p| p.user_id == **a && (p.messages > 0 || p.checkin_shared))
        })
        .count();
    let messages: i64 = counts.iter().sum();
    let mut top = counts.clone();
    top.sort_unstable_by(|a, b| b.cmp(a));
    let top3: i64 = top.iter().take(3).sum();
    Figures {
        attendees: attendees.len(),
        speakers,
        messages,
        speaker_ratio: if attendees.is_empty() {
            0.0
        } else {
            speakers as f64 / attendees.len() as f64
        },
        top3_share: if messages == 0 {
            0.0
        } else {
            top3 as f64 / messages as f64
        },
        gini: gini(&counts),
        checkin_shared: recorded.iter().filter(|p| p.checkin_shared).count(),
    }
}

/// One line for `/debrief status`.
pub fn summary_line(f: &Figures) -> String {
    format!(
        "Participation: {} of {} attendees spoke ({:.0}%); {} messages, the top 3 wrote {:.0}%; Gini {:.2}; {} shared in the check-in.",
        f.speakers,
        f.attendees,
        f.speaker_ratio * 100.0,
        f.messages,
        f.top3_share * 100.0,
        f.gini,
        f.checkin_shared
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(user: &str, messages: i64, shared: bool) -> Participation {
        Participation {
            user_id: user.into(),
            messages,
            checkin_shared: shared,
        }
    }

    #[test]
    fn gini_is_zero_for_equal_voices_and_near_one_for_a_monologue() {
        assert_eq!(gini(&[5, 5, 5, 5]), 0.0);
        assert!((gini(&[0, 0, 0, 10]) - 0.75).abs() < 1e-9);
        assert!((gini(&[1, 2, 3, 4]) - 0.25).abs() < 1e-9);
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0]), 0.0);
    }

    #[test]
    fn a_scripted_meeting_gives_the_expected_figures() {
        let participants: Vec<String> = ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let recorded = vec![
            p("a", 12, true),
            p("b", 6, true),
            p("c", 2, true),
            p("d", 0, true),
            p("e", 0, false),
            // Someone who was not invited but spoke counts as an attendee.
            p("z", 5, false),
        ];
        let f = figures(&participants, &recorded);
        assert_eq!(f.attendees, 9);
        assert_eq!(f.speakers, 5);
        assert_eq!(f.messages, 25);
        assert!((f.speaker_ratio - 5.0 / 9.0).abs() < 1e-9);
        assert!((f.top3_share - 23.0 / 25.0).abs() < 1e-9);
        assert!(f.gini > 0.6 && f.gini < 0.8, "{}", f.gini);
        assert_eq!(f.checkin_shared, 4);
        let line = summary_line(&f);
        assert!(
            line.starts_with(
                "Participation: 5 of 9 attendees spoke (56%); 25 messages, the top 3 wrote 92%"
            ),
            "{line}"
        );
    }

    #[test]
    fn the_meeting_window_runs_from_a_quarter_before_to_three_hours_after() {
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        let start = 100_000;
        assert!(!in_meeting_window(Some(start), at(start - 901)));
        assert!(in_meeting_window(Some(start), at(start - 900)));
        assert!(in_meeting_window(Some(start), at(start + 3 * 3600)));
        assert!(!in_meeting_window(Some(start), at(start + 3 * 3600 + 1)));
        assert!(!in_meeting_window(None, at(start)), "no meeting, no window");
    }
}
