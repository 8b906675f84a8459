//! Purpose: serde for jiff values through their text forms (RFC 3339 instants, ISO dates),
//! so that the project's plain `jiff = "0.2"` dependency needs no `serde` feature.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

/// `#[serde(with = "…::text")]` for a `Timestamp` or a `civil::Date`.
pub mod text {
    use super::*;

    pub fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(D::Error::custom)
    }
}

/// `#[serde(default, with = "…::optional")]` for an `Option` of either.
pub mod optional {
    use super::*;

    pub fn serialize<T: Display, S: Serializer>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        match Option::<String>::deserialize(d)? {
            Some(raw) => raw.parse().map(Some).map_err(D::Error::custom),
            None => Ok(None),
        }
    }
}
