//! Purpose: action items and their status history, with the pure helpers that derive an
//! item's state, age and overdue-ness at any instant, so figures can be computed as of any
//! past date.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub use crate::domain::{ActionKind, ItemStatus};

/// One row of an item's history: who changed it to what, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    #[serde(with = "super::serde_text::text")]
    pub at: Timestamp,
    pub status: ItemStatus,
    pub by: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// An action item. It is created open; its history holds every later change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: i64,
    /// The incident whose review produced it; imported items may have none.
    #[serde(default)]
    pub incident_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub kind: Option<ActionKind>,
    /// Empty: the item is about its incident's services.
    #[serde(default)]
    pub services: Vec<String>,
    /// None: the item is about its incident's failure mode.
    #[serde(default)]
    pub failure_mode: Option<String>,
    #[serde(default, with = "super::serde_text::optional")]
    pub due: Option<Date>,
    #[serde(with = "super::serde_text::text")]
    pub created_at: Timestamp,
    #[serde(default)]
    pub url: Option<String>,
    /// The title reads as an individual fix ("more training"), not a systemic one.
    #[serde(default)]
    pub individual: bool,
    /// In any order; ties at the same instant resolve to the later row.
    #[serde(default)]
    pub history: Vec<StatusChange>,
}

impl ActionItem {
    /// The state at instant `t`: `None` before the item existed, `Open` until its first
    /// change. Scans the history once, so an unsorted history gives the same answer.
    pub fn state_at(&self, t: Timestamp) -> Option<ItemStatus> {
        if t < self.created_at {
            return None;
        }
        Some(
            self.change_in_force(t)
                .map_or(ItemStatus::Open, |c| c.status),
        )
    }

    /// The change that set the state at `t`, if any.
    pub fn change_in_force(&self, t: Timestamp) -> Option<&StatusChange> {
        // max_by_key keeps the last of equal keys, so a later row wins a tie.
        self.history
            .iter()
            .filter(|c| c.at <= t)
            .max_by_key(|c| c.at)
    }

    /// How long the item has existed at `t`; `None` before it was created.
    pub fn age_at(&self, t: Timestamp) -> Option<SignedDuration> {
        (t >= self.created_at).then(|| t.duration_since(self.created_at))
    }

    /// Whole days of age at `t` (a partial day does not count).
    pub fn age_days_at(&self, t: Timestamp) -> Option<i64> {
        self.age_at(t).map(|d| d.as_secs() / 86_400)
    }

    /// Still open after its due date has ended on the team's wall clock.
    pub fn is_overdue(&self, t: Timestamp, tz: &TimeZone) -> bool {
        let still_open = self.state_at(t).is_some_and(ItemStatus::is_open);
        still_open && self.due.is_some_and(|due| due_has_passed(due, t, tz))
    }
}

/// Whether the whole of day `due` has passed at `t` on the wall clock of `tz`: the local
/// date at `t` is a later day. (The same as `t` ≥ the start of the next day, gaps included.)
pub fn due_has_passed(due: Date, t: Timestamp, tz: &TimeZone) -> bool {
    tz.to_datetime(t).date() > due
}

/// A period during which an item was deprioritized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeprioritizedSpan<'a> {
    /// The change that deprioritized it (when, by whom, why).
    pub change: &'a StatusChange,
    /// When it was picked up again or closed; `None` while it still is deprioritized.
    pub until: Option<Timestamp>,
}

/// The periods an item spent deprioritized, from its history in time order. Lazy, so that
/// scanning half a million items allocates nothing.
pub fn deprioritized_spans<'a, I>(history: I) -> impl Iterator<Item = DeprioritizedSpan<'a>>
where
    I: IntoIterator<Item = &'a StatusChange>,
{
    let mut changes = history.into_iter();
    let mut since: Option<&'a StatusChange> = None;
    std::iter::from_fn(move || {
        for change in changes.by_ref() {
            let deprioritized = change.status == ItemStatus::Deprioritized;
            match since {
                None if deprioritized => since = Some(change),
                Some(from) if !deprioritized => {
                    since = None;
                    return Some(DeprioritizedSpan {
                        change: from,
                        until: Some(change.at),
                    });
                }
                _ => {}
            }
        }
        since.take().map(|change| DeprioritizedSpan {
            change,
            until: None,
        })
    })
}

/// Instants at which an item moved into done from another state, from its history in time
/// order.
pub fn closures<'a, I>(history: I) -> impl Iterator<Item = Timestamp>
where
    I: IntoIterator<Item = &'a StatusChange>,
{
    let mut previous = ItemStatus::Open;
    history.into_iter().filter_map(move |change| {
        let closed = change.status == ItemStatus::Done && previous != ItemStatus::Done;
        previous = change.status;
        closed.then_some(change.at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(second: i64, status: ItemStatus) -> StatusChange {
        StatusChange {
            at: Timestamp::from_second(second).unwrap(),
            status,
            by: "@kim".into(),
            reason: None,
        }
    }

    #[test]
    fn spans_and_closures_follow_the_history() {
        use ItemStatus::*;
        let history = [
            change(10, Deprioritized),
            change(20, Deprioritized), // still the same span
            change(30, InProgress),
            change(40, Done),
            change(50, Open),
            change(60, Done),
            change(70, Done), // already done: not a second closure
            change(80, Deprioritized),
        ];
        let spans: Vec<(i64, Option<i64>)> = deprioritized_spans(&history)
            .map(|s| (s.change.at.as_second(), s.until.map(|t| t.as_second())))
            .collect();
        assert_eq!(spans, vec![(10, Some(30)), (80, None)]);
        let closed: Vec<i64> = closures(&history).map(|t| t.as_second()).collect();
        assert_eq!(closed, vec![40, 60]);
    }
}
