//! Purpose: the report's section 5 as data: the forward-looking risks.

use serde::Serialize;

use super::super::actions::{ActionKind, ItemStatus};
use super::super::facts::{Control, Cost, Reach};
use super::{Listed, ModeIncidents};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risks {
    pub rising_modes: Vec<RisingMode>,
    pub stale_services: Vec<StaleService>,
    pub uncovered_modes: Vec<ModeIncidents>,
    pub tech_debt: Listed<DebtItem>,
    /// In portfolio order.
    pub investments: Listed<Investment>,
    pub blind_spots: Vec<BlindSpot>,
    pub unreviewed_vendors: Vec<UnreviewedVendor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RisingMode {
    pub mode: String,
    /// Counts for the four quarters of the report, oldest first.
    pub counts: Vec<u32>,
    pub increase: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleService {
    pub service: String,
    pub incidents: usize,
    pub stale_items: Listed<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebtItem {
    pub id: i64,
    pub title: String,
    pub kind: ActionKind,
    pub status: ItemStatus,
    /// Its services that had incidents this quarter.
    pub services: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Investment {
    pub id: i64,
    pub incident_id: i64,
    pub text: String,
    pub control: Control,
    pub cost: Cost,
    pub reach: Reach,
    pub leverage: f64,
}

/// For one domain, the modes that hit other domains this quarter but never this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlindSpot {
    pub domain: String,
    pub modes: Vec<ModeElsewhere>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModeElsewhere {
    pub mode: String,
    pub seen_in: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreviewedVendor {
    pub vendor: String,
    pub incidents: Listed<i64>,
    pub named_in_surveys: bool,
}
