//! Purpose: the source of "now". Decision logic takes time as an argument; only the
//! HTTP adapters and the job runner ask a [`Clock`], so tests and the demo can move time.

use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;

/// Where the current time comes from.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to; tests and `debrief demo` use it to reach
/// deadlines and Retry-After times without sleeping.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Starts at the current wall-clock second.
    pub fn starting_now() -> Self {
        let now = Timestamp::from_second(Timestamp::now().as_second()).expect("now is in range");
        Self::new(now)
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().expect("clock lock");
        *now = now.checked_add(by).expect("time stays in range");
    }

    /// Moves forward to `at`; never backwards.
    pub fn advance_to(&self, at: Timestamp) {
        let mut now = self.now.lock().expect("clock lock");
        if at > *now {
            *now = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().expect("clock lock")
    }
}

/// `now + seconds`, saturating at the end of representable time.
pub fn after(now: Timestamp, by: Duration) -> Timestamp {
    now.checked_add(by).unwrap_or(Timestamp::MAX)
}
