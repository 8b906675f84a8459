//! Purpose: calendar quarters ("2026-Q3") and their boundaries as instants in the team's
//! time zone, so every figure agrees on which quarter an instant belongs to.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// A calendar quarter. Serialised as its text form, e.g. `"2026-Q3"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Quarter {
    // Field order makes the derived ordering chronological.
    year: i16,
    number: u8,
}

/// Why a quarter could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterParseError(String);

impl fmt::Display for QuarterParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" is not a quarter; write it like 2026-Q3", self.0)
    }
}

impl std::error::Error for QuarterParseError {}

impl Quarter {
    /// The quarter `number` (1–4) of `year`, within jiff's supported years.
    pub fn new(year: i16, number: u8) -> Option<Quarter> {
        let in_range = (1..=4).contains(&number) && (-9998..=9998).contains(&year);
        in_range.then_some(Quarter { year, number })
    }

    pub fn year(self) -> i16 {
        self.year
    }

    /// 1 to 4.
    pub fn number(self) -> u8 {
        self.number
    }

    /// The quarter that holds a calendar date.
    pub fn of_date(date: Date) -> Quarter {
        let number = (date.month() as u8 - 1) / 3 + 1;
        Quarter {
            year: date.year(),
            number,
        }
    }

    /// The quarter holding instant `t` as seen on the wall clocks of `tz`.
    pub fn containing(t: Timestamp, tz: &TimeZone) -> Quarter {
        Quarter::of_date(tz.to_datetime(t).date())
    }

    pub fn previous(self) -> Quarter {
        self.shifted(-1)
    }

    pub fn next(self) -> Quarter {
        self.shifted(1)
    }

    /// `n` quarters later (negative: earlier). Saturates at jiff's supported range.
    pub fn shifted(self, n: i32) -> Quarter {
        let linear = i32::from(self.year) * 4 + i32::from(self.number) - 1 + n;
        let year = linear.div_euclid(4).clamp(-9998, 9998) as i16;
        let number = linear.rem_euclid(4) as u8 + 1;
        Quarter { year, number }
    }

    /// The first day of the quarter.
    pub fn first_day(self) -> Date {
        let month = (self.number - 1) * 3 + 1;
        Date::new(self.year, month as i8, 1).expect("the year is within jiff's range")
    }

    /// The last day of the quarter (inclusive).
    pub fn last_day(self) -> Date {
        self.next()
            .first_day()
            .yesterday()
            .expect("the year is within jiff's range")
    }

    /// The first instant of the quarter in `tz` (local midnight, or the first instant after a
    /// gap when midnight does not exist there).
    pub fn start(self, tz: &TimeZone) -> Timestamp {
        start_of_day(self.first_day(), tz)
    }

    /// The first instant after the quarter: quarters are half-open, `[start, end)`.
    pub fn end(self, tz: &TimeZone) -> Timestamp {
        self.next().start(tz)
    }

    /// Whether `t` falls within the quarter in `tz`.
    pub fn contains(self, t: Timestamp, tz: &TimeZone) -> bool {
        Quarter::containing(t, tz) == self
    }
}

/// The first instant of `date` in `tz`.
pub(super) fn start_of_day(date: Date, tz: &TimeZone) -> Timestamp {
    date.to_zoned(tz.clone())
        .expect("a day within jiff's range has a start in any time zone")
        .timestamp()
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

impl FromStr for Quarter {
    type Err = QuarterParseError;

    /// Accepts `2026-Q3`, and `2026-q3` or `2026Q3` as people type them.
    fn from_str(raw: &str) -> Result<Quarter, QuarterParseError> {
        let error = || QuarterParseError(raw.to_string());
        let text = raw.trim().to_ascii_uppercase();
        let (year, number) = text.split_once('Q').ok_or_else(error)?;
        let year = year.strip_suffix('-').unwrap_or(year);
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(year) || year.len() != 4 || number.len() != 1 || !all_digits(number) {
            return Err(error());
        }
        let year: i16 = year.parse().map_err(|_| error())?;
        let number: u8 = number.parse().map_err(|_| error())?;
        Quarter::new(year, number).ok_or_else(error)
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> String {
        q.to_string()
    }
}

impl TryFrom<String> for Quarter {
    type Error = QuarterParseError;

    fn try_from(raw: String) -> Result<Quarter, QuarterParseError> {
        raw.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quarter {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(q("2026-Q3"), Quarter::new(2026, 3).unwrap());
        assert_eq!(q(" 2026-q3 "), q("2026Q3"));
        assert_eq!(q("2026-Q3").to_string(), "2026-Q3");
        for bad in [
            "2026-Q5", "2026-Q0", "26-Q1", "2026", "Q3", "2026-Q", "2026-Q12", "x-Q1",
        ] {
            let err = bad.parse::<Quarter>().unwrap_err();
            assert!(err.to_string().contains("2026-Q3"), "{bad}: {err}");
        }
    }

    #[test]
    fn steps_across_years() {
        assert_eq!(q("2026-Q1").previous(), q("2025-Q4"));
        assert_eq!(q("2025-Q4").next(), q("2026-Q1"));
        assert_eq!(q("2026-Q3").shifted(-3), q("2025-Q4"));
        assert!(q("2025-Q4") < q("2026-Q1"));
    }

    #[test]
    fn days_and_serde() {
        assert_eq!(q("2026-Q3").first_day().to_string(), "2026-07-01");
        assert_eq!(q("2026-Q3").last_day().to_string(), "2026-09-30");
        assert_eq!(q("2026-Q4").last_day().to_string(), "2026-12-31");
        assert_eq!(serde_json::to_string(&q("2026-Q3")).unwrap(), "\"2026-Q3\"");
        let back: Quarter = serde_json::from_str("\"2027-Q1\"").unwrap();
        assert_eq!(back, q("2027-Q1"));
        assert!(serde_json::from_str::<Quarter>("\"2027-Q9\"").is_err());
    }

    #[test]
    fn boundaries_follow_the_time_zone() {
        let utc = TimeZone::UTC;
        let q3 = q("2026-Q3");
        assert_eq!(q3.start(&utc).to_string(), "2026-07-01T00:00:00Z");
        assert_eq!(q3.end(&utc).to_string(), "2026-10-01T00:00:00Z");
        let tokyo = TimeZone::fixed(jiff::tz::offset(9));
        // 2026-06-30T15:00Z is already July 1st in Tokyo.
        assert_eq!(q3.start(&tokyo).to_string(), "2026-06-30T15:00:00Z");
        let t: Timestamp = "2026-09-30T23:30:00Z".parse().unwrap();
        assert_eq!(Quarter::containing(t, &utc), q3);
        assert_eq!(Quarter::containing(t, &tokyo), q("2026-Q4"));
        assert!(q3.contains(t, &utc) && !q3.contains(t, &tokyo));
    }
}
