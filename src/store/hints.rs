//! Purpose: the review a channel's `/debrief observe` goes to, remembered for a moment.
//!
//! Looking the review up cost each observation a round trip to one of sqlx's SQLite
//! connection threads, and under load those waited on each other more than on the disk.
//! An entry is used only while it is younger than [`FRESH_FOR`] and no row of `reviews`
//! has changed since it was read: every pooled connection reports changes to `reviews`
//! (an SQLite update hook), which moves [`ChannelReviews::generation`] on. What is stored
//! never depends on an entry: the write itself checks that the review still exists and
//! still takes observations (`store::observations::Recorded`). An entry can only be
//! behind by a change another process made (the `debrief` CLI), or one committing while
//! the entry was read, and then for at most [`FRESH_FOR`]; such an entry changes no more
//! than the wording of the reply (whether the review posts observations live).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::reviews::Review;

/// How long an entry may be used.
const FRESH_FOR: Duration = Duration::from_secs(2);
/// More channels than this at once, and the memory is given back (all entries dropped).
const MOST_CHANNELS: usize = 1024;

type Channel = (String, String);

struct Entry {
    review: Review,
    read_at: Instant,
    generation: u64,
}

/// Channel → review, for `observe` on SQLite.
#[derive(Default)]
pub(crate) struct ChannelReviews {
    /// Moves on with every change to a row of `reviews` (see [`Self::change_counter`]).
    generation: Arc<AtomicU64>,
    entries: Mutex<HashMap<Channel, Entry>>,
}

impl std::fmt::Debug for ChannelReviews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No channels: which channels observed lately is nobody's business.
        f.debug_struct("ChannelReviews").finish_non_exhaustive()
    }
}

impl ChannelReviews {
    /// The counter a connection's update hook moves on when a review row changes.
    pub(crate) fn change_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.generation)
    }

    /// Taken before a lookup whose result is then [`put`](Self::put): a change made
    /// during the lookup makes that result unusable.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The review remembered for `channel`, if still usable at `now`.
    pub(crate) fn get(&self, team: &str, channel: &str, now: Instant) -> Option<Review> {
        let generation = self.generation();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(&(team.to_string(), channel.to_string()))?;
        let usable = entry.generation == generation
            && now.saturating_duration_since(entry.read_at) < FRESH_FOR;
        usable.then(|| entry.review.clone())
    }

    /// Remembers `review` for `channel`, read at `read_at` after [`generation`](Self::generation)
    /// gave `generation`.
    pub(crate) fn put(
        &self,
        team: &str,
        channel: &str,
        review: Review,
        generation: u64,
        read_at: Instant,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MOST_CHANNELS {
            entries.clear();
        }
        entries.insert(
            (team.to_string(), channel.to_string()),
            Entry {
                review,
                read_at,
                generation,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ReviewId;

    fn review(id: i64) -> Review {
        Review {
            id: ReviewId(id),
            ..Review::default()
        }
    }

    #[test]
    fn an_entry_is_used_until_it_is_two_seconds_old() {
        let hints = ChannelReviews::default();
        let read_at = Instant::now();
        hints.put("T1", "C1", review(7), hints.generation(), read_at);
        let got = |after: u64| {
            hints
                .get("T1", "C1", read_at + Duration::from_millis(after))
                .map(|r| r.id)
        };
        assert_eq!(got(0), Some(ReviewId(7)));
        assert_eq!(got(1_999), Some(ReviewId(7)));
        assert_eq!(got(2_000), None);
        assert_eq!(hints.get("T1", "C2", read_at), None, "another channel");
        assert_eq!(hints.get("T2", "C1", read_at), None, "another workspace");
    }

    #[test]
    fn a_change_to_any_review_retires_every_entry() {
        let hints = ChannelReviews::default();
        let now = Instant::now();
        hints.put("T1", "C1", review(7), hints.generation(), now);
        hints.change_counter().fetch_add(1, Ordering::Release);
        assert_eq!(hints.get("T1", "C1", now), None);
    }

    #[test]
    fn a_lookup_overtaken_by_a_change_is_not_used() {
        let hints = ChannelReviews::default();
        let now = Instant::now();
        let before_lookup = hints.generation();
        // The review changes while the lookup is on its way back.
        hints.change_counter().fetch_add(1, Ordering::Release);
        hints.put("T1", "C1", review(7), before_lookup, now);
        assert_eq!(hints.get("T1", "C1", now), None);
    }

    #[test]
    fn many_channels_give_their_memory_back() {
        let hints = ChannelReviews::default();
        let now = Instant::now();
        for n in 0..=MOST_CHANNELS {
            hints.put("T1", &format!("C{n}"), review(1), hints.generation(), now);
        }
        let kept = hints.entries.lock().unwrap().len();
        assert_eq!(kept, 1, "cleared at {MOST_CHANNELS}, then the newest added");
    }
}
