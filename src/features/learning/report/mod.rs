//! Purpose: the quarterly learning review as data, section by section in the template's
//! order. Serialisable as it is, so the JSON export holds every raw figure the Markdown and
//! Slack renderings show.

mod audit;
mod culture;
mod incidents;
mod risks;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::quarter::Quarter;

pub use audit::*;
pub use culture::*;
pub use incidents::*;
pub use risks::*;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearningReport {
    pub header: Header,
    /// This quarter and the three before it, oldest first.
    pub recurrence: Vec<QuarterRate>,
    pub inventory: Inventory,
    pub patterns: Patterns,
    pub audit: ActionAudit,
    pub culture: Culture,
    pub risks: Risks,
    /// `/debrief learnings` lookups, this quarter and the three before it, oldest first.
    pub learnings_lookups: Vec<QuarterCount>,
}

/// A fraction with its parts; `value` is `None` when there is nothing to divide by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
    pub value: Option<f64>,
}

impl Ratio {
    pub fn new(numerator: u64, denominator: u64) -> Ratio {
        let value = (denominator > 0).then(|| numerator as f64 / denominator as f64);
        Ratio {
            numerator,
            denominator,
            value,
        }
    }
}

/// The first entries of a list, and how many there are in all. Lists are capped
/// (`Settings::max_listed`, `Settings::max_ids`) so that a report stays readable and bounded
/// at any scale; every count stays exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed<T> {
    pub total: usize,
    pub items: Vec<T>,
}

impl<T> Listed<T> {
    /// Keeps the first `max` of `items`, which hold `total` in all.
    pub fn first(total: usize, items: impl Iterator<Item = T>, max: usize) -> Listed<T> {
        Listed {
            total,
            items: items.take(max).collect(),
        }
    }

    /// Entries counted but not listed.
    pub fn more(&self) -> usize {
        self.total.saturating_sub(self.items.len())
    }
}

/// Mean, median and range of a set of values, with how many there were.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    pub quarter: Quarter,
    #[serde(with = "super::serde_text::text")]
    pub first_day: Date,
    #[serde(with = "super::serde_text::text")]
    pub last_day: Date,
    pub time_zone: String,
    /// When the report was computed; review states are as of this instant.
    #[serde(with = "super::serde_text::text")]
    pub generated_at: Timestamp,
    /// Item states and ages are as of this instant: the quarter's end, or now if earlier.
    #[serde(with = "super::serde_text::text")]
    pub figures_as_of: Timestamp,
    /// Both instants on the team's clock, `YYYY-MM-DD HH:MM`, for the renderings.
    pub generated_local: String,
    pub figures_as_of_local: String,
    /// The quarter had ended when the report was computed.
    pub quarter_complete: bool,
    pub facilitator: Option<String>,
    pub participants: String,
    pub running_order: Vec<AgendaSlot>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgendaSlot {
    pub number: u8,
    pub title: String,
    pub minutes: u32,
    /// Minutes from the start of the meeting.
    pub starts_at_minute: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QuarterRate {
    pub quarter: Quarter,
    pub ratio: Ratio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuarterCount {
    pub quarter: Quarter,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentRef {
    pub id: i64,
    pub title: String,
}
