//! Purpose: the plain facts the quarterly learning review is computed from. The store loads
//! them; nothing here reads a clock or a database. Action items live in `actions.rs`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::actions::ActionItem;
use super::quarter::Quarter;
pub use crate::domain::{Control, Cost, Reach};

/// Everything the report needs, for one workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    pub incidents: Vec<Incident>,
    pub action_items: Vec<ActionItem>,
    /// The service catalogue: service → domain and owner team.
    pub services: Vec<ServiceInfo>,
    /// At most one review per incident.
    pub reviews: Vec<Review>,
    pub trials: Vec<Trial>,
    /// The vendor section of a review's survey, one per vendor incident that has one.
    pub vendor_reviews: Vec<VendorReview>,
    pub pulses: Vec<PulseResult>,
    pub counterfactuals: Vec<Counterfactual>,
    pub learnings_lookups: Vec<LookupCount>,
    /// Vendor dependencies named in survey answers (extracted upstream), beyond incidents'
    /// own `vendor` field.
    pub named_vendors: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    P1,
    P2,
    P3,
    P4,
}

/// One incident, as recorded by `/debrief incident` or imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Normalised tags; they are normalised again here, so raw imports group correctly.
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub failure_mode: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    /// `deploy=yes|no` as given.
    #[serde(default)]
    pub deploy_related: Option<bool>,
    /// When the last deploy before the incident went out, when known.
    #[serde(default, with = "super::serde_text::optional")]
    pub deployed_at: Option<Timestamp>,
    #[serde(default, with = "super::serde_text::optional")]
    pub started_at: Option<Timestamp>,
    #[serde(with = "super::serde_text::text")]
    pub created_at: Timestamp,
    #[serde(default, with = "super::serde_text::optional")]
    pub resolved_at: Option<Timestamp>,
    /// The earlier incident with the same failure mode; `Some` marks a recurrence. This is
    /// the stored mark, so the report agrees with the `is_recurrence` metric label.
    #[serde(default)]
    pub recurrence_of: Option<i64>,
}

impl Incident {
    /// When it happened: its start, or when it was recorded when the start is unknown.
    pub fn at(&self) -> Timestamp {
        self.started_at.unwrap_or(self.created_at)
    }

    pub fn is_recurrence(&self) -> bool {
        self.recurrence_of.is_some()
    }
}

/// A catalogue entry (`/debrief service <name> domain=… owner-team=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub service: String,
    pub domain: String,
    #[serde(default)]
    pub owner_team: Option<String>,
}

/// The review of one incident: its state, how it was run, and how people took part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub incident_id: i64,
    #[serde(default, with = "super::serde_text::optional")]
    pub meeting_at: Option<Timestamp>,
    /// When the facilitator marked the postmortem done.
    #[serde(default, with = "super::serde_text::optional")]
    pub done_at: Option<Timestamp>,
    pub format: ReviewFormat,
    /// From the project's participation figures, once the meeting has been counted.
    #[serde(default)]
    pub participation: Option<ParticipationFacts>,
    /// Survey turnout, when a survey was sent.
    #[serde(default)]
    pub survey: Option<SurveyTurnout>,
}

impl Review {
    /// When the review took place, for grouping by quarter and by trial: the meeting, or
    /// the moment it was marked done when no meeting was scheduled.
    pub fn held_at(&self) -> Option<Timestamp> {
        self.meeting_at.or(self.done_at)
    }
}

/// How a review was run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewFormat {
    pub survey: bool,
    pub checkin: bool,
    /// Seconds per check-in turn, when a check-in ran.
    #[serde(default)]
    pub checkin_turn_seconds: Option<u32>,
    pub observations: Observations,
    /// k: answers shown only once at least this many people answered.
    pub k_floor: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observations {
    Live,
    Held,
}

/// The meeting's participation figures (`adapters.rs` maps them to the project's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipationFacts {
    pub attendees: u32,
    pub speakers: u32,
    /// Share of all messages written by the three most active people, 0–1.
    pub top3_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyTurnout {
    pub invited: u32,
    pub answered: u32,
}

/// A named format trial (`/debrief trial start name="…" from=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trial {
    pub name: String,
    /// The first day run the new way, in the team's time zone.
    #[serde(with = "super::serde_text::text")]
    pub from: Date,
}

/// The vendor section of one vendor incident's review.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VendorReview {
    pub incident_id: i64,
    /// "How long did it take to determine the failure was external?", in minutes.
    pub minutes_to_external: Option<u32>,
    /// "Did the circuit breakers activate correctly?": answer → count.
    pub breakers: BTreeMap<String, u32>,
    /// "Did customers see a coherent error, or cascading chaos?": answer → count.
    pub customers: BTreeMap<String, u32>,
    /// Desired system behaviours proposed in answers to the standing question.
    pub proposed_behaviours: Vec<String>,
    /// Whether the standing question got an answer.
    pub standing_question_answered: bool,
}

/// A quarter's psychological-safety pulse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulseResult {
    pub quarter: Quarter,
    pub mean: f64,
    /// Answers 1 to 5, in that order.
    pub distribution: [u32; 5],
    pub responses: u32,
    pub invited: u32,
    /// Answers that count towards the k-floor: all but those of whoever started each pulse.
    #[serde(default)]
    pub counted: u32,
}

/// A recorded counterfactual leverage point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterfactual {
    pub id: i64,
    pub incident_id: i64,
    pub text: String,
    pub control: Control,
    pub cost: Cost,
    pub reach: Reach,
    /// Made into an action item: it stops being a proposal.
    #[serde(default)]
    pub has_action_item: bool,
    #[serde(with = "super::serde_text::text")]
    pub created_at: Timestamp,
}

/// `/debrief learnings` lookups counted in a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupCount {
    pub quarter: Quarter,
    pub count: u32,
}
