//! Purpose: Slack's rate tiers, enforced by the sandbox with sliding windows, so that
//! fan-out benchmarks meet the same 429s real Slack would send.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Slack's published rate tiers, per method per minute (docs.slack.dev rate limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    T1,
    T2,
    T3,
    T4,
    /// chat.postMessage: about one message per second per channel.
    PerChannelPerSecond,
}

impl Tier {
    pub fn of(method: &str) -> Tier {
        match method {
            "chat.postMessage" => Tier::PerChannelPerSecond,
            "conversations.open"
            | "chat.update"
            | "conversations.history"
            | "conversations.replies"
            | "conversations.info" => Tier::T3,
            "users.list" | "conversations.list" => Tier::T2,
            _ => Tier::T4,
        }
    }

    /// (calls allowed, window length) before time scaling.
    fn budget(self) -> (usize, Duration) {
        match self {
            Tier::T1 => (1, Duration::from_secs(60)),
            Tier::T2 => (20, Duration::from_secs(60)),
            Tier::T3 => (50, Duration::from_secs(60)),
            Tier::T4 => (100, Duration::from_secs(60)),
            Tier::PerChannelPerSecond => (1, Duration::from_secs(1)),
        }
    }
}

/// Enforces the tiers with sliding windows. `time_scale` shrinks every window
/// (10.0 → a minute lasts 6 s) so benchmarks and the demo finish quickly.
#[derive(Debug)]
pub struct RateLimiter {
    pub time_scale: f64,
    windows: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(time_scale: f64) -> Self {
        Self {
            time_scale: time_scale.max(0.001),
            windows: HashMap::new(),
        }
    }

    /// The shortest possible time for `calls` calls of `tier` in one bucket, from an empty window.
    pub fn minimum_duration(tier: Tier, calls: usize, time_scale: f64) -> Duration {
        let (allowed, window) = tier.budget();
        let windows_needed = calls.saturating_sub(1) / allowed;
        window.mul_f64(windows_needed as f64 / time_scale.max(0.001))
    }

    /// `Ok` if the call fits; otherwise how many whole seconds to wait.
    pub(super) fn admit(&mut self, key: String, tier: Tier, now: Instant) -> Result<(), u64> {
        let (allowed, window) = tier.budget();
        let window = window.div_f64(self.time_scale);
        let log = self.windows.entry(key).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            log.pop_front();
        }
        if log.len() < allowed {
            log.push_back(now);
            return Ok(());
        }
        let oldest = *log.front().expect("a full window has entries");
        let wait = window.saturating_sub(now.duration_since(oldest));
        // Slack's Retry-After is whole seconds; never answer 0.
        Err(wait.as_secs_f64().ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_windows_admit_the_tier_then_say_how_long_to_wait() {
        let mut limiter = RateLimiter::new(1.0);
        let start = Instant::now();
        for _ in 0..50 {
            assert!(
                limiter
                    .admit("conversations.open".into(), Tier::T3, start)
                    .is_ok()
            );
        }
        let wait = limiter
            .admit("conversations.open".into(), Tier::T3, start)
            .unwrap_err();
        assert_eq!(wait, 60);
        let later = start + Duration::from_secs(60);
        assert!(
            limiter
                .admit("conversations.open".into(), Tier::T3, later)
                .is_ok()
        );
    }

    #[test]
    fn minimum_durations_follow_the_tiers() {
        assert_eq!(
            RateLimiter::minimum_duration(Tier::T3, 50, 1.0),
            Duration::ZERO
        );
        assert_eq!(
            RateLimiter::minimum_duration(Tier::T3, 51, 1.0),
            Duration::from_secs(60)
        );
        assert_eq!(
            RateLimiter::minimum_duration(Tier::T3, 500, 10.0),
            Duration::from_secs(54)
        );
    }
}
