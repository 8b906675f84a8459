//! Purpose: the report's section 4 as data: the psychological-safety pulse, participation,
//! and how reviews were run.

use jiff::civil::Date;
use serde::Serialize;

use super::{Listed, Ratio, Summary};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Culture {
    pub pulse: Pulse,
    pub participation: ParticipationSpread,
    pub formats: Vec<FormatComparison>,
    pub trials: Vec<TrialOutcome>,
    pub min_group: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Pulse {
    NotRun,
    /// Too few answers to show anything.
    BelowFloor {
        responses: u32,
        k_floor: u32,
    },
    Results(PulseFigures),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseFigures {
    pub mean: f64,
    pub distribution: [u32; 5],
    pub response_rate: Ratio,
    /// Against last quarter's mean, when last quarter's pulse could be shown.
    pub change: Option<f64>,
}

/// Participation across the reviews held this quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParticipationSpread {
    /// In the order they were held.
    pub reviews: Listed<ReviewParticipation>,
    pub speaker_ratio: Option<Summary>,
    pub top3_share: Option<Summary>,
    /// Speaker ratio in quarters: under 25%, 25–50%, 50–75%, 75% and over.
    pub ratio_buckets: [usize; 4],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewParticipation {
    pub incident_id: i64,
    pub speakers: u32,
    pub attendees: u32,
    pub speaker_ratio: f64,
    pub top3_share: f64,
}

/// Reviews grouped by one format setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormatComparison {
    pub setting: String,
    pub groups: Vec<FormatGroup>,
    /// At least two groups have `min_group` reviews or more.
    pub comparable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormatGroup {
    pub value: String,
    pub reviews: usize,
    pub speaker_ratio: MeanOf,
    pub response_rate: MeanOf,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanOf {
    pub n: usize,
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialOutcome {
    pub name: String,
    #[serde(with = "super::super::serde_text::text")]
    pub from: Date,
    pub window_days: u32,
    pub before: FormatGroup,
    pub after: FormatGroup,
    pub comparable: bool,
}
