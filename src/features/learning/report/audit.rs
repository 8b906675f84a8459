//! Purpose: the report's section 3 as data: the action-item audit.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::super::actions::ItemStatus;
use super::super::quarter::Quarter;
use super::{Listed, Ratio};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionAudit {
    pub last_quarter: LastQuarterItems,
    /// Most incidents first.
    pub implicated: Listed<Implicated>,
    /// This quarter and the three before it, oldest first.
    pub velocity: Vec<Velocity>,
    pub ages: AgeDistribution,
    /// Items opened this quarter whose titles read as individual fixes.
    pub individual_fixes: usize,
    /// Items opened this quarter.
    pub opened_this_quarter: usize,
}

/// Items opened last quarter, by their state at `figures_as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LastQuarterItems {
    pub quarter: Quarter,
    pub opened: usize,
    pub completed: usize,
    pub in_progress: usize,
    pub deprioritized: usize,
    /// Still open and not started.
    pub open: usize,
}

/// A deprioritized item and the later incidents of this quarter that share its service or
/// failure mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Implicated {
    pub id: i64,
    pub title: String,
    pub owner: Option<String>,
    #[serde(with = "super::super::serde_text::text")]
    pub deprioritized_at: Timestamp,
    /// On the team's clock.
    #[serde(with = "super::super::serde_text::text")]
    pub deprioritized_day: Date,
    pub deprioritized_by: String,
    pub reason: Option<String>,
    /// This quarter's incidents that implicate it, earliest first.
    pub incidents: Listed<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Velocity {
    pub quarter: Quarter,
    pub opened: u64,
    pub closed: u64,
    pub ratio: Ratio,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgeDistribution {
    #[serde(with = "super::super::serde_text::text")]
    pub as_of: Timestamp,
    pub open_items: usize,
    pub buckets: Vec<AgeBucket>,
    pub overdue: usize,
    pub stale_after_days: u32,
    /// Open longer than `stale_after_days`, oldest first.
    pub stale: Listed<StaleItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgeBucket {
    pub label: String,
    pub items: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleItem {
    pub id: i64,
    pub title: String,
    pub owner: Option<String>,
    pub status: ItemStatus,
    pub age_days: i64,
    pub services: Vec<String>,
}
