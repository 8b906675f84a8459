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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Control {
    Yes,
    Partly,
    No,
}

/// A rough cost to make the condition true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cost {
    S,
    M,
    L,
}

/// How far making it true would help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    ThisIncident,
    ThisClass,
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
}
