//! Purpose: value types shared by the store and the features, so that neither has to
//! import the other for them.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Review defaults, shared by the review command, the survey and the store.
/// Without deadline=, the survey closes this long before the meeting.
pub const DEFAULT_DEADLINE_BEFORE_MEETING: Duration = Duration::from_secs(3600);
/// Without a meeting, the survey stays open this long after it is sent.
pub const DEFAULT_OPEN_WITHOUT_MEETING: Duration = Duration::from_secs(3 * 86_400);
/// k: answers show once this many people answered, unless min= says otherwise (never below 2).
pub const DEFAULT_MIN_RESPONSES: i64 = 3;

/// Whether a review still takes anonymous observations at `now` (Unix seconds): until a
/// week after its meeting, or 30 days after it opened when it has no meeting. One rule for
/// the command's answer and for the store, which checks it again as it writes.
pub fn takes_observations(meeting_at: Option<i64>, created_at: i64, now: i64) -> bool {
    let ends = meeting_at
        .map(|meeting| meeting + 7 * 86_400)
        .unwrap_or(created_at + 30 * 86_400);
    now < ends
}

/// A review's id. A type of its own, so that it cannot be mixed up with a check-in's, an
/// incident's or a job's id. Stored and serialised as the plain integer.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct ReviewId(pub i64);

impl fmt::Display for ReviewId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ReviewId {
    type Err = std::num::ParseIntError;
    /// Reads the id back from a button value or a modal's private metadata.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(ReviewId)
    }
}

/// Where a review's survey stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SurveyStatus {
    /// Participants being gathered, or ready; nothing sent yet.
    #[default]
    Draft,
    /// Invitations sent; answers are taken and can be edited.
    Open,
    /// Closed by the facilitator or at the deadline; answers can be read, not changed.
    Closed,
}

impl SurveyStatus {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "draft",
            SurveyStatus::Open => "open",
            SurveyStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for SurveyStatus {
    /// In the words a person would use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SurveyStatus::Draft => "not sent yet",
            SurveyStatus::Open => "open",
            SurveyStatus::Closed => "closed",
        })
    }
}

impl TryFrom<String> for SurveyStatus {
    type Error = String;
    fn try_from(stored: String) -> Result<Self, String> {
        [
            SurveyStatus::Draft,
            SurveyStatus::Open,
            SurveyStatus::Closed,
        ]
        .into_iter()
        .find(|s| s.as_str() == stored)
        .ok_or_else(|| format!("unknown survey status {stored:?}"))
    }
}

/// Whether a condition is within our control.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Control {
    Yes,
    Partly,
    No,
}

/// A rough cost to make the condition true.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Cost {
    S,
    M,
    L,
}

/// How far making it true would help.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Reach {
    #[serde(rename = "incident")]
    ThisIncident,
    #[serde(rename = "class")]
    ThisClass,
    #[serde(rename = "many")]
    ManyClasses,
}

/// One leverage point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub text: String,
    pub control: Control,
    pub cost: Cost,
    pub reach: Reach,
}

impl Control {
    pub fn code(self) -> &'static str {
        match self {
            Control::Yes => "yes",
            Control::Partly => "partly",
            Control::No => "no",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        [Control::Yes, Control::Partly, Control::No]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

impl Cost {
    pub fn code(self) -> &'static str {
        match self {
            Cost::S => "S",
            Cost::M => "M",
            Cost::L => "L",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        [Cost::S, Cost::M, Cost::L]
            .into_iter()
            .find(|c| c.code() == code)
    }
    fn weight(self) -> f64 {
        match self {
            Cost::S => 1.0,
            Cost::M => 2.0,
            Cost::L => 3.0,
        }
    }
}

impl Reach {
    pub fn code(self) -> &'static str {
        match self {
            Reach::ThisIncident => "incident",
            Reach::ThisClass => "class",
            Reach::ManyClasses => "many",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        [Reach::ThisIncident, Reach::ThisClass, Reach::ManyClasses]
            .into_iter()
            .find(|r| r.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Reach::ThisIncident => "this incident",
            Reach::ThisClass => "this class of incident",
            Reach::ManyClasses => "many classes of incident",
        }
    }
    fn weight(self) -> f64 {
        match self {
            Reach::ThisIncident => 1.0,
            Reach::ThisClass => 2.0,
            Reach::ManyClasses => 3.0,
        }
    }
}

impl Condition {
    /// Generalisation ÷ cost.
    pub fn leverage(&self) -> f64 {
        self.reach.weight() / self.cost.weight()
    }
}

/// A Slack user as debrief needs to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub id: String,
    /// Display name if set, else real name, else the handle.
    pub name: String,
    pub is_bot: bool,
    pub deleted: bool,
    /// The IANA time zone of their Slack profile, when Slack gives one.
    pub tz: Option<String>,
}

/// What kind of work an action item is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    Fix,
    Mitigation,
    Detection,
    Process,
    TechDebt,
}

impl ActionKind {
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Fix,
        ActionKind::Mitigation,
        ActionKind::Detection,
        ActionKind::Process,
        ActionKind::TechDebt,
    ];

    /// The stored and typed value (`kind=tech-debt`).
    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Fix => "fix",
            ActionKind::Mitigation => "mitigation",
            ActionKind::Detection => "detection",
            ActionKind::Process => "process",
            ActionKind::TechDebt => "tech-debt",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Where an action item stands. Every change is a history row.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Open,
    InProgress,
    Done,
    Deprioritized,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 4] = [
        ItemStatus::Open,
        ItemStatus::InProgress,
        ItemStatus::Done,
        ItemStatus::Deprioritized,
    ];

    /// Still accountable work: open or in progress. Deprioritized work is not open.
    pub fn is_open(self) -> bool {
        matches!(self, ItemStatus::Open | ItemStatus::InProgress)
    }

    /// The stored and typed value (`status=in_progress`).
    pub fn code(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::InProgress => "in_progress",
            ItemStatus::Done => "done",
            ItemStatus::Deprioritized => "deprioritized",
        }
    }

    /// In the words a person would use.
    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::InProgress => "in progress",
            ItemStatus::Done => "done",
            ItemStatus::Deprioritized => "deprioritized",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl TryFrom<String> for ItemStatus {
    type Error = String;
    fn try_from(stored: String) -> Result<Self, String> {
        Self::parse(&stored).ok_or_else(|| format!("unknown action item status {stored:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_are_taken_until_a_week_after_the_meeting_or_30_days_without_one() {
        let (opened, meeting) = (1_000_000, 1_200_000);
        let week = 7 * 86_400;
        assert!(takes_observations(
            Some(meeting),
            opened,
            meeting + week - 1
        ));
        assert!(!takes_observations(Some(meeting), opened, meeting + week));
        let month = 30 * 86_400;
        assert!(takes_observations(None, opened, opened + month - 1));
        assert!(!takes_observations(None, opened, opened + month));
    }
}
