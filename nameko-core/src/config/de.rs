//! Deserializers of the kinds of value Nameko configs hold, for `#[serde(deserialize_with)]`
//! on the fields of a settings struct (see [`Config::settings`](super::Config::settings)).
//!
//! Nameko writes durations as numbers of seconds (`RPC_TIMEOUT: 2.5`), counts as integers,
//! sizes as numbers of bytes, and "off" as `null` (`~`). No string form (`"10s"`) is read:
//! a value Python Nameko would not read is an error, never a silent default. Each error
//! says what was expected and what was given (`expected a positive integer, got 0`);
//! the key is added by whoever reads the struct.
//!
//! | function | reads | into |
//! |---|---|---|
//! | [`seconds`] | a number > 0 | `Duration` |
//! | [`seconds_or_zero`] | a number ≥ 0 | `Duration` |
//! | [`optional_seconds`] | a number > 0, or `null` (`None`: no limit) | `Option<Duration>` |
//! | [`positive`] | an integer > 0 | any integer type (`usize`, `u32`, `u16`, ...) |
//! | [`optional_positive`] | an integer > 0, or `null` | `Option<_>` of one |
//! | [`bytes`] | an integer ≥ 0 | `usize` |
//! | [`bytes_at_least`] | an integer ≥ `MIN` | `usize` |
//! | [`string`] | a string | `String` |
//! | [`nullable`] | `null`, or what `T` reads | `Option<T>` |
//!
//! A field that is absent takes its `#[serde(default)]`; `deserialize_with` is only called
//! for a key that is present. So `null` can mean "off" while absent means "the default":
//!
//! ```
//! use std::time::Duration;
//! use nameko_core::Config;
//! use nameko_core::config::de;
//! use serde::Deserialize;
//!
//! #[derive(Debug, Deserialize)]
//! #[serde(default)]
//! struct CacheSettings {
//!     /// `CACHE_TTL`: seconds an entry is kept; `null` keeps it forever.
//!     #[serde(rename = "CACHE_TTL", deserialize_with = "de::optional_seconds")]
//!     ttl: Option<Duration>,
//!     /// `CACHE_ENTRIES`: how many entries are kept.
//!     #[serde(rename = "CACHE_ENTRIES", deserialize_with = "de::positive")]
//!     entries: u32,
//!     /// `CACHE_MAX_VALUE_SIZE`: the largest value, in bytes, at least 1024.
//!     #[serde(rename = "CACHE_MAX_VALUE_SIZE", deserialize_with = "de::bytes_at_least::<_, 1024>")]
//!     max_value_size: usize,
//! }
//!
//! impl Default for CacheSettings {
//!     fn default() -> Self {
//!         CacheSettings {
//!             ttl: Some(Duration::from_secs(60)),
//!             entries: 1000,
//!             max_value_size: 1 << 20,
//!         }
//!     }
//! }
//!
//! let config = Config::from_yaml_str("CACHE_TTL: ~\nCACHE_ENTRIES: 10\n")?;
//! let settings: CacheSettings = config.settings()?;
//! assert_eq!(settings.ttl, None);
//! assert_eq!(settings.entries, 10);
//! assert_eq!(settings.max_value_size, 1 << 20);
//!
//! let config = Config::from_yaml_str("CACHE_TTL: 1.5\nCACHE_MAX_VALUE_SIZE: 100\n")?;
//! let err = config.settings::<CacheSettings>().unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "config key `CACHE_MAX_VALUE_SIZE`: expected a number of bytes of at least 1024, got 100"
//! );
//! # Ok::<(), nameko_core::ConfigError>(())
//! ```

use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The value as JSON, so that an error can show it as it was written.
fn value<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Value::deserialize(d)
}

fn duration(v: &Value, allow_zero: bool) -> Option<Duration> {
    let secs = v.as_f64()?;
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if allow_zero || !d.is_zero() => Some(d),
        _ => None,
    }
}

/// A positive number of seconds (an integer or a float) as a [`Duration`].
pub fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let v = value(d)?;
    duration(&v, false)
        .ok_or_else(|| D::Error::custom(format!("expected a positive number of seconds, got {v}")))
}

/// A number of seconds that may be zero (a grace period, a retry interval).
pub fn seconds_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let v = value(d)?;
    duration(&v, true)
        .ok_or_else(|| D::Error::custom(format!("expected a number of seconds, got {v}")))
}

/// A positive number of seconds, or `null` for none (no timeout, no limit).
pub fn optional_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let v = value(d)?;
    if v.is_null() {
        return Ok(None);
    }
    duration(&v, false).map(Some).ok_or_else(|| {
        D::Error::custom(format!(
            "expected a positive number of seconds, or null for no limit, got {v}"
        ))
    })
}

fn positive_of<T: TryFrom<u64>>(v: &Value) -> Option<T> {
    v.as_u64()
        .filter(|n| *n > 0)
        .and_then(|n| T::try_from(n).ok())
}

/// A positive integer that fits `T` (`usize`, `u32`, `u16`, ...).
pub fn positive<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    let v = value(d)?;
    positive_of(&v).ok_or_else(|| D::Error::custom(format!("expected a positive integer, got {v}")))
}

/// A positive integer, or `null` for `None` (with `#[serde(default)]`, an absent key is
/// `None` too).
pub fn optional_positive<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    let v = value(d)?;
    if v.is_null() {
        return Ok(None);
    }
    positive_of(&v)
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("expected a positive integer, or null, got {v}")))
}

/// A number of bytes (a non-negative integer).
pub fn bytes<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    bytes_at_least::<D, 0>(d)
}

/// A number of bytes of at least `MIN`: `deserialize_with = "de::bytes_at_least::<_, 8192>"`.
pub fn bytes_at_least<'de, D: Deserializer<'de>, const MIN: usize>(
    d: D,
) -> Result<usize, D::Error> {
    let v = value(d)?;
    match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
        Some(n) if n >= MIN => Ok(n),
        _ if MIN == 0 => Err(D::Error::custom(format!(
            "expected a number of bytes, got {v}"
        ))),
        _ => Err(D::Error::custom(format!(
            "expected a number of bytes of at least {MIN}, got {v}"
        ))),
    }
}

/// A string (`expected a string, got 5` otherwise).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match value(d)? {
        Value::String(s) => Ok(s),
        other => Err(D::Error::custom(format!("expected a string, got {other}"))),
    }
}

/// `null` as `None`, anything else as `T` reads it: with `#[serde(default = "...")]`
/// giving `Some(..)`, an absent key takes the default while `null` turns the setting off.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn read<T>(f: fn(&Value) -> Result<T, serde_json::Error>, v: Value) -> Result<T, String> {
        f(&v).map_err(|e| e.to_string())
    }

    #[test]
    fn seconds_take_integers_and_floats() {
        assert_eq!(read(|v| seconds(v), json!(2)), Ok(Duration::from_secs(2)));
        assert_eq!(
            read(|v| seconds(v), json!(0.25)),
            Ok(Duration::from_millis(250))
        );
        for bad in [json!(0), json!(-1), json!("10s"), json!(null), json!(true)] {
            let err = read(|v| seconds(v), bad.clone()).unwrap_err();
            assert_eq!(
                err,
                format!("expected a positive number of seconds, got {bad}")
            );
        }
        assert_eq!(read(|v| seconds_or_zero(v), json!(0)), Ok(Duration::ZERO));
        assert_eq!(
            read(|v| seconds_or_zero(v), json!(-0.5)).unwrap_err(),
            "expected a number of seconds, got -0.5"
        );
        assert_eq!(read(|v| optional_seconds(v), json!(null)), Ok(None));
        assert_eq!(
            read(|v| optional_seconds(v), json!(3)),
            Ok(Some(Duration::from_secs(3)))
        );
        assert!(
            read(|v| optional_seconds(v), json!(0))
                .unwrap_err()
                .contains("or null")
        );
    }

    #[test]
    fn positive_integers_fit_their_type() {
        assert_eq!(read(|v| positive::<_, u16>(v), json!(7)), Ok(7));
        for bad in [json!(0), json!(-3), json!(1.5), json!("4"), json!(70000)] {
            assert_eq!(
                read(|v| positive::<_, u16>(v), bad.clone()).unwrap_err(),
                format!("expected a positive integer, got {bad}")
            );
        }
        assert_eq!(
            read(|v| optional_positive::<_, u32>(v), json!(null)),
            Ok(None)
        );
        assert_eq!(
            read(|v| optional_positive::<_, u32>(v), json!(2)),
            Ok(Some(2))
        );
        assert!(read(|v| optional_positive::<_, u32>(v), json!(0)).is_err());
    }

    #[test]
    fn sizes_strings_and_nullables() {
        assert_eq!(read(|v| bytes(v), json!(0)), Ok(0));
        assert_eq!(
            read(|v| bytes(v), json!("1MB")).unwrap_err(),
            "expected a number of bytes, got \"1MB\""
        );
        assert_eq!(read(|v| bytes_at_least::<_, 10>(v), json!(10)), Ok(10));
        assert_eq!(
            read(|v| bytes_at_least::<_, 10>(v), json!(9)).unwrap_err(),
            "expected a number of bytes of at least 10, got 9"
        );
        assert_eq!(read(|v| string(v), json!("x")), Ok("x".to_owned()));
        assert_eq!(
            read(|v| string(v), json!(5)).unwrap_err(),
            "expected a string, got 5"
        );
        assert_eq!(read(|v| nullable::<_, u8>(v), json!(null)), Ok(None));
        assert_eq!(read(|v| nullable::<_, u8>(v), json!(4)), Ok(Some(4)));
    }
}
