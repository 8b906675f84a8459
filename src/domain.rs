//! Purpose: value types shared by the store and the features, so that neither has to
//! import the other for them.

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
