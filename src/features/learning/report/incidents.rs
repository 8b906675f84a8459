//! Purpose: the report's sections 1 and 2 as data: the incident inventory and the pattern
//! analysis.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::super::facts::Severity;
use super::{IncidentRef, Listed, Ratio, Summary};

// Section 1: incident inventory.

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inventory {
    pub incidents: usize,
    pub by_severity: Vec<SeverityCount>,
    /// Domains by name, "unassigned" last.
    pub domains: Vec<DomainServices>,
    pub postmortems: Postmortems,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeverityCount {
    /// `None`: no severity recorded.
    pub severity: Option<Severity>,
    pub incidents: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainServices {
    pub domain: String,
    /// Most incidents first.
    pub services: Vec<ServiceCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceCount {
    pub service: String,
    pub incidents: usize,
}

/// The quarter's incidents by the state of their postmortem, as of `generated_at`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Postmortems {
    pub completed: usize,
    /// Past the meeting and not marked done, oldest meeting first.
    pub outstanding: Listed<Outstanding>,
    /// Meeting still to come.
    pub scheduled: Listed<IncidentRef>,
    /// No review, or a review with no meeting set.
    pub not_scheduled: Listed<IncidentRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outstanding {
    pub id: i64,
    pub title: String,
    #[serde(with = "super::super::serde_text::text")]
    pub meeting_at: Timestamp,
    /// The meeting's day on the team's clock.
    #[serde(with = "super::super::serde_text::text")]
    pub meeting_day: Date,
}

// Section 2: pattern analysis.

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Patterns {
    /// Modes seen at least twice this quarter, most frequent first.
    pub recurring_modes: Vec<ModeIncidents>,
    pub load: ServiceLoad,
    /// Incidents per hour of day, 0–23, on the team's clock.
    pub hours: Vec<u32>,
    /// Incidents per weekday, Monday first.
    pub weekdays: Vec<u32>,
    pub vendors: Vec<VendorGroup>,
    pub deploys: DeployCorrelation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModeIncidents {
    pub mode: String,
    pub incidents: Listed<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceLoad {
    /// The rule in words, for the report.
    pub rule: String,
    pub factor: f64,
    /// 1 ÷ the number of services with incidents.
    pub mean_share: Option<f64>,
    pub disproportionate: Vec<ServiceShare>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceShare {
    pub service: String,
    pub incidents: usize,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VendorGroup {
    pub vendor: String,
    pub incidents: Listed<i64>,
    /// Over the incidents whose review answered it.
    pub minutes_to_external: Option<Summary>,
    pub breakers: BTreeMap<String, u32>,
    pub customers: BTreeMap<String, u32>,
    pub proposed_behaviours: Listed<String>,
    pub standing_question_answered: usize,
    /// Incidents with a vendor section at all.
    pub with_vendor_section: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeployCorrelation {
    pub window_hours: u32,
    pub quarter: Ratio,
    /// Every incident up to the end of the quarter.
    pub all_time: Ratio,
    /// This quarter's incidents with neither `deploy=` nor a deploy time.
    pub quarter_unknown: usize,
}
