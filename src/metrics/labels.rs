//! Purpose: the closed sets label values come from, and the pure rules that map stored
//! values into them (the failure-mode cap, severities, kinds, age bands).

use std::collections::BTreeSet;

/// The label for an incident without a failure mode, severity or kind.
pub const UNKNOWN: &str = "unknown";
/// The label for a value outside the closed set, or a failure mode past the cap.
pub const OTHER: &str = "other";

/// Severities `/debrief incident sev=` offers; anything else (an imported file's) is `other`.
const SEVERITIES: &[&str] = &["P1", "P2", "P3"];

/// Action-item kinds `/debrief action add kind=` offers.
pub const KINDS: &[&str] = &["fix", "mitigation", "detection", "process", "tech-debt"];

/// The severity label of an incident.
pub fn severity_label(severity: Option<&str>) -> &'static str {
    match severity {
        None | Some("") => UNKNOWN,
        Some(s) => SEVERITIES
            .iter()
            .find(|&&k| k == s)
            .copied()
            .unwrap_or(OTHER),
    }
}

/// The kind label of an action item.
pub fn kind_label(kind: Option<&str>) -> &'static str {
    match kind {
        None | Some("") => UNKNOWN,
        Some(k) => KINDS
            .iter()
            .find(|&&known| known == k)
            .copied()
            .unwrap_or(OTHER),
    }
}

/// Keeps `failure_mode` label values to at most `cap` distinct tags (plus `other` and
/// `unknown`): a tag already used keeps its label, a new one gets its own while there is
/// room, and folds into `other` after. Tags are admitted in the order they are offered, so
/// the exporter offers incidents oldest first.
#[derive(Debug, Clone)]
pub struct FailureModeFolder {
    cap: usize,
    admitted: BTreeSet<String>,
}

impl FailureModeFolder {
    /// Starts from the label values already in use.
    pub fn new(cap: usize, in_use: impl IntoIterator<Item = String>) -> Self {
        let admitted = in_use
            .into_iter()
            .filter(|v| v != OTHER && v != UNKNOWN)
            .collect();
        Self { cap, admitted }
    }

    /// The label for one incident's failure mode (already a normalised tag).
    pub fn label(&mut self, failure_mode: Option<&str>) -> String {
        let Some(mode) = failure_mode.map(str::trim).filter(|m| !m.is_empty()) else {
            return UNKNOWN.to_string();
        };
        if self.admitted.contains(mode) {
            return mode.to_string();
        }
        if self.admitted.len() < self.cap {
            self.admitted.insert(mode.to_string());
            return mode.to_string();
        }
        OTHER.to_string()
    }
}

/// How long an open action item has been open, in bands a dashboard can stack. The
/// label says the unit (`d`), since Prometheus names take base units only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeBand {
    UnderAWeek = 0,
    UnderAMonth = 1,
    UnderAQuarter = 2,
    /// Older than 90 days: the stale items.
    OverAQuarter = 3,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] = [
        AgeBand::UnderAWeek,
        AgeBand::UnderAMonth,
        AgeBand::UnderAQuarter,
        AgeBand::OverAQuarter,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::UnderAWeek => "0_7d",
            AgeBand::UnderAMonth => "7_30d",
            AgeBand::UnderAQuarter => "30_90d",
            AgeBand::OverAQuarter => "over_90d",
        }
    }
}

/// The band of an item created at `created_at`, as of `now` (both unix seconds). A day
/// is 86 400 s; an item exactly 90 days old is not yet stale.
pub fn age_band(created_at: i64, now: i64) -> AgeBand {
    const DAY: i64 = 86_400;
    let age = (now - created_at).max(0);
    if age < 7 * DAY {
        AgeBand::UnderAWeek
    } else if age < 30 * DAY {
        AgeBand::UnderAMonth
    } else if age <= 90 * DAY {
        AgeBand::UnderAQuarter
    } else {
        AgeBand::OverAQuarter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_modes_past_the_cap_fold_into_other() {
        let mut folder = FailureModeFolder::new(2, ["dns".to_string(), OTHER.to_string()]);
        assert_eq!(folder.label(Some("dns")), "dns");
        assert_eq!(folder.label(Some("cache")), "cache");
        // The cap (2) is reached: a third tag folds, the first two keep their labels.
        assert_eq!(folder.label(Some("disk")), "other");
        assert_eq!(folder.label(Some("cache")), "cache");
        assert_eq!(folder.label(None), "unknown");
        assert_eq!(folder.label(Some(" ")), "unknown");
    }

    #[test]
    fn severities_and_kinds_come_from_closed_sets() {
        assert_eq!(severity_label(Some("P2")), "P2");
        assert_eq!(severity_label(Some("SEV-1 (customer facing)")), "other");
        assert_eq!(severity_label(None), "unknown");
        assert_eq!(kind_label(Some("tech-debt")), "tech-debt");
        assert_eq!(kind_label(Some("whatever I typed")), "other");
        assert_eq!(kind_label(None), "unknown");
    }

    #[test]
    fn age_is_measured_as_of_the_given_date() {
        let now = jiff::Timestamp::from_second(1_767_225_600)
            .unwrap()
            .as_second(); // 2026-01-01
        let days_ago = |d: i64| now - d * 86_400;
        assert_eq!(age_band(days_ago(0), now), AgeBand::UnderAWeek);
        assert_eq!(age_band(days_ago(6), now), AgeBand::UnderAWeek);
        assert_eq!(age_band(days_ago(7), now), AgeBand::UnderAMonth);
        assert_eq!(age_band(days_ago(45), now), AgeBand::UnderAQuarter);
        assert_eq!(age_band(days_ago(90), now), AgeBand::UnderAQuarter);
        assert_eq!(age_band(days_ago(91), now), AgeBand::OverAQuarter);
        // A clock behind the row (another replica's) is not a negative age.
        assert_eq!(age_band(now + 60, now), AgeBand::UnderAWeek);
    }
}
