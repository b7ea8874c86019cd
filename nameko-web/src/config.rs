//! The server's settings, read from Nameko's config.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `WEB_SERVER_ADDRESS` | `0.0.0.0:8000` | `[address:]port` to listen on (Nameko's key); `host:port` names are resolved, `[::1]:8000` is IPv6, `127.0.0.1:0` picks a free port |
//! | `WEB_MAX_BODY_SIZE` | 1048576 (1 MiB) | largest request body in bytes; a larger one is answered `413 Payload Too Large` without being read |
//! | `WEB_MAX_HEADER_SIZE` | 65536 (64 KiB) | largest request head (request line and headers) in bytes, at least 8192; a larger one, or more than 100 headers, is answered `431 Request Header Fields Too Large` |
//! | `WEB_HEADER_READ_TIMEOUT` | 30 | seconds a connection may wait for a request's head (from its opening, or from the end of its last response); then it is closed, within a quarter of the timeout. `false`: no limit (as Nameko) |
//! | `WEB_BODY_READ_TIMEOUT` | 30 | seconds a client has to send a request's body once its head arrived; then `408 Request Timeout` |
//! | `SHUTDOWN_GRACE_PERIOD` | 30 | seconds a graceful stop waits for responses still being written |
//!
//! Only `WEB_SERVER_ADDRESS` exists in Python Nameko (which has no limits); the others
//! are nameko-rs additions with safe defaults, so a Python config works unchanged.

use std::time::Duration;

use nameko_core::Config;
use nameko_core::config::{ConfigError, SettingsCheck, de};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Config key of the HTTP server address (Nameko's).
pub const WEB_SERVER_ADDRESS: &str = "WEB_SERVER_ADDRESS";
/// Config key of the largest request body, in bytes.
pub const WEB_MAX_BODY_SIZE: &str = "WEB_MAX_BODY_SIZE";
/// Config key of the largest request head (request line and headers), in bytes.
pub const WEB_MAX_HEADER_SIZE: &str = "WEB_MAX_HEADER_SIZE";
/// Config key of the time a client has to send a request's head, in seconds.
pub const WEB_HEADER_READ_TIMEOUT: &str = "WEB_HEADER_READ_TIMEOUT";
/// Config key of the time a client has to send a request's body, in seconds.
pub const WEB_BODY_READ_TIMEOUT: &str = "WEB_BODY_READ_TIMEOUT";

/// Default of `WEB_SERVER_ADDRESS`, as in Nameko.
pub const DEFAULT_WEB_SERVER_ADDRESS: &str = "0.0.0.0:8000";
/// Default of `WEB_MAX_BODY_SIZE`: 1 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 1024 * 1024;
/// Default of `WEB_MAX_HEADER_SIZE`: 64 KiB.
pub const DEFAULT_MAX_HEADER_SIZE: usize = 64 * 1024;
/// Smallest `WEB_MAX_HEADER_SIZE` accepted (hyper's minimum buffer).
pub const MIN_MAX_HEADER_SIZE: usize = 8192;
/// Default of `WEB_HEADER_READ_TIMEOUT` and `WEB_BODY_READ_TIMEOUT`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP server's settings: nameko-web's keys, read as
/// [`Config::settings`] reads a crate's keys (and checked whenever a config is loaded), and
/// the grace period of nameko-core's `SHUTDOWN_GRACE_PERIOD`. A key set to `null` takes
/// its default.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ServerConfig {
    /// `WEB_SERVER_ADDRESS` as written (a number is a port, as Nameko reads it).
    #[serde(rename = "WEB_SERVER_ADDRESS", deserialize_with = "address")]
    pub address: String,
    /// `WEB_MAX_BODY_SIZE`.
    #[serde(rename = "WEB_MAX_BODY_SIZE", deserialize_with = "body_size")]
    pub max_body_size: usize,
    /// `WEB_MAX_HEADER_SIZE`.
    #[serde(rename = "WEB_MAX_HEADER_SIZE", deserialize_with = "header_size")]
    pub max_header_size: usize,
    /// `WEB_HEADER_READ_TIMEOUT`; `None` when set to `false`.
    #[serde(
        rename = "WEB_HEADER_READ_TIMEOUT",
        deserialize_with = "header_timeout"
    )]
    pub header_read_timeout: Option<Duration>,
    /// `WEB_BODY_READ_TIMEOUT`.
    #[serde(rename = "WEB_BODY_READ_TIMEOUT", deserialize_with = "read_timeout")]
    pub body_read_timeout: Duration,
    /// `SHUTDOWN_GRACE_PERIOD` (nameko-core's key: [`Config::shutdown_grace_period`]).
    #[serde(skip)]
    pub grace_period: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            address: DEFAULT_WEB_SERVER_ADDRESS.to_owned(),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
            header_read_timeout: Some(DEFAULT_READ_TIMEOUT),
            body_read_timeout: DEFAULT_READ_TIMEOUT,
            grace_period: nameko_core::config::DEFAULT_SHUTDOWN_GRACE_PERIOD,
        }
    }
}

nameko_core::config::inventory::submit!(SettingsCheck::of::<ServerConfig>("nameko-web"));

impl ServerConfig {
    /// Reads the settings from `config`, checking each.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let mut server: ServerConfig = config.settings()?;
        server.grace_period = config.shutdown_grace_period();
        Ok(server)
    }
}

/// `null` as the default; anything else as `read` reads it.
fn or_default<'de, D: Deserializer<'de>, T>(
    d: D,
    default: T,
    read: fn(Value) -> Result<T, serde_json::Error>,
) -> Result<T, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(default),
        v => read(v).map_err(D::Error::custom),
    }
}

fn address<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let address = match Value::deserialize(d)? {
        Value::Null => return Ok(DEFAULT_WEB_SERVER_ADDRESS.to_owned()),
        Value::String(s) => s.trim().to_owned(),
        // `WEB_SERVER_ADDRESS: 8000` in YAML is a number: a port, as Nameko reads it.
        Value::Number(n) => n.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "expected `[address:]port`, got {other}"
            )));
        }
    };
    match crate::address::parse_address(&address) {
        Ok(_) => Ok(address),
        Err(ConfigError::Invalid { message, .. }) => Err(D::Error::custom(message)),
        Err(other) => Err(D::Error::custom(other)),
    }
}

fn body_size<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    or_default(d, DEFAULT_MAX_BODY_SIZE, de::bytes)
}

fn header_size<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    or_default(
        d,
        DEFAULT_MAX_HEADER_SIZE,
        de::bytes_at_least::<_, MIN_MAX_HEADER_SIZE>,
    )
}

fn read_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    or_default(d, DEFAULT_READ_TIMEOUT, de::seconds)
}

fn header_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    match Value::deserialize(d)? {
        Value::Bool(false) => Ok(None),
        Value::Null => Ok(Some(DEFAULT_READ_TIMEOUT)),
        v => de::seconds(v).map(Some).map_err(D::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults() {
        let c = ServerConfig::from_config(&Config::new()).unwrap();
        assert_eq!(c.address, "0.0.0.0:8000");
        assert_eq!(c.max_body_size, 1024 * 1024);
        assert_eq!(c.max_header_size, 64 * 1024);
        assert_eq!(c.header_read_timeout, Some(Duration::from_secs(30)));
        assert_eq!(c, ServerConfig::default());
    }

    #[test]
    fn values() {
        let config = Config::new()
            .with("WEB_SERVER_ADDRESS", "127.0.0.1:0")
            .with("WEB_MAX_BODY_SIZE", 10)
            .with("WEB_MAX_HEADER_SIZE", 8192)
            .with("WEB_HEADER_READ_TIMEOUT", 0.5)
            .with("WEB_BODY_READ_TIMEOUT", 2);
        let c = ServerConfig::from_config(&config).unwrap();
        assert_eq!(c.address, "127.0.0.1:0");
        assert_eq!(c.max_body_size, 10);
        assert_eq!(c.header_read_timeout, Some(Duration::from_millis(500)));
        let off =
            ServerConfig::from_config(&Config::new().with(WEB_HEADER_READ_TIMEOUT, false)).unwrap();
        assert_eq!(off.header_read_timeout, None);
        assert_eq!(c.body_read_timeout, Duration::from_secs(2));
        let c = ServerConfig::from_config(&Config::new().with("WEB_SERVER_ADDRESS", 8001)).unwrap();
        assert_eq!(c.address, "8001");
    }

    #[test]
    fn errors() {
        let err = |key: &str, v: Value| {
            ServerConfig::from_config(&Config::new().with(key, v))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("WEB_MAX_HEADER_SIZE", 100.into()),
            "config key `WEB_MAX_HEADER_SIZE`: expected a number of bytes of at least 8192, got 100"
        );
        assert!(err("WEB_MAX_BODY_SIZE", "big".into()).contains("WEB_MAX_BODY_SIZE"));
        assert!(err("WEB_BODY_READ_TIMEOUT", 0.into()).contains("positive number of seconds"));
        assert!(err("WEB_SERVER_ADDRESS", "nonsense".into()).contains("WEB_SERVER_ADDRESS"));
        assert!(err("WEB_SERVER_ADDRESS", true.into()).contains("[address:]port"));
    }
}
