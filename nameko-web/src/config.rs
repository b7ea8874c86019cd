//! The server's settings, read from Nameko's config.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `WEB_SERVER_ADDRESS` | `0.0.0.0:8000` | `[address:]port` to listen on (Nameko's key); `host:port` names are resolved, `[::1]:8000` is IPv6, `127.0.0.1:0` picks a free port |
//! | `WEB_MAX_BODY_SIZE` | 1048576 (1 MiB) | largest request body in bytes; a larger one is answered `413 Payload Too Large` without being read |
//! | `WEB_MAX_HEADER_SIZE` | 65536 (64 KiB) | largest request head (request line and headers) in bytes, at least 8192; a larger one, or more than 100 headers, is answered `431 Request Header Fields Too Large` |
//! | `WEB_HEADER_READ_TIMEOUT` | 30 | seconds a client has to send a request's head; then the connection is closed. `false`: no limit (as Nameko; saves a timer per request, about 5 % of a hello world's throughput) |
//! | `WEB_BODY_READ_TIMEOUT` | 30 | seconds a client has to send a request's body once its head arrived; then `408 Request Timeout` |
//! | `SHUTDOWN_GRACE_PERIOD` | 30 | seconds a graceful stop waits for responses still being written |
//!
//! Only `WEB_SERVER_ADDRESS` exists in Python Nameko (which has no limits); the others
//! are nameko-rs additions with safe defaults, so a Python config works unchanged.

use std::time::Duration;

use nameko_core::Config;
use serde_json::Value;

use crate::error::Error;

/// Config key of the largest request body, in bytes.
pub const WEB_MAX_BODY_SIZE: &str = "WEB_MAX_BODY_SIZE";
/// Config key of the largest request head (request line and headers), in bytes.
pub const WEB_MAX_HEADER_SIZE: &str = "WEB_MAX_HEADER_SIZE";
/// Config key of the time a client has to send a request's head, in seconds.
pub const WEB_HEADER_READ_TIMEOUT: &str = "WEB_HEADER_READ_TIMEOUT";
/// Config key of the time a client has to send a request's body, in seconds.
pub const WEB_BODY_READ_TIMEOUT: &str = "WEB_BODY_READ_TIMEOUT";

/// Default of `WEB_MAX_BODY_SIZE`: 1 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 1024 * 1024;
/// Default of `WEB_MAX_HEADER_SIZE`: 64 KiB.
pub const DEFAULT_MAX_HEADER_SIZE: usize = 64 * 1024;
/// Smallest `WEB_MAX_HEADER_SIZE` accepted (hyper's minimum buffer).
pub const MIN_MAX_HEADER_SIZE: usize = 8192;
/// Default of `WEB_HEADER_READ_TIMEOUT` and `WEB_BODY_READ_TIMEOUT`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP server's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    /// `WEB_SERVER_ADDRESS` as written.
    pub address: String,
    /// `WEB_MAX_BODY_SIZE`.
    pub max_body_size: usize,
    /// `WEB_MAX_HEADER_SIZE`.
    pub max_header_size: usize,
    /// `WEB_HEADER_READ_TIMEOUT`; `None` when set to `false`.
    pub header_read_timeout: Option<Duration>,
    /// `WEB_BODY_READ_TIMEOUT`.
    pub body_read_timeout: Duration,
    /// `SHUTDOWN_GRACE_PERIOD`.
    pub grace_period: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            address: nameko_core::config::DEFAULT_WEB_SERVER_ADDRESS.to_owned(),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
            header_read_timeout: Some(DEFAULT_READ_TIMEOUT),
            body_read_timeout: DEFAULT_READ_TIMEOUT,
            grace_period: nameko_core::config::DEFAULT_SHUTDOWN_GRACE_PERIOD,
        }
    }
}

fn invalid(key: &'static str, message: String) -> Error {
    Error::Config { key, message }
}

fn size(config: &Config, key: &'static str, default: usize, min: usize) -> Result<usize, Error> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n >= min => Ok(n),
            _ => Err(invalid(
                key,
                format!("expected a number of bytes of at least {min}, got {v}"),
            )),
        },
    }
}

fn seconds(config: &Config, key: &'static str, default: Duration) -> Result<Duration, Error> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_f64().and_then(|s| Duration::try_from_secs_f64(s).ok()) {
            Some(d) if !d.is_zero() => Ok(d),
            _ => Err(invalid(
                key,
                format!("expected a positive number of seconds, got {v}"),
            )),
        },
    }
}

impl ServerConfig {
    /// Reads the settings from `config`, checking each.
    pub fn from_config(config: &Config) -> Result<Self, Error> {
        let address = match config.get(nameko_core::config::WEB_SERVER_ADDRESS) {
            None | Some(Value::Null) => nameko_core::config::DEFAULT_WEB_SERVER_ADDRESS.to_owned(),
            Some(Value::String(s)) => s.trim().to_owned(),
            // `WEB_SERVER_ADDRESS: 8000` in YAML is a number: a port, as Nameko reads it.
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Err(invalid(
                    nameko_core::config::WEB_SERVER_ADDRESS,
                    format!("expected `[address:]port`, got {other}"),
                ));
            }
        };
        crate::address::parse_address(&address)?;
        Ok(ServerConfig {
            address,
            max_body_size: size(config, WEB_MAX_BODY_SIZE, DEFAULT_MAX_BODY_SIZE, 0)?,
            max_header_size: size(
                config,
                WEB_MAX_HEADER_SIZE,
                DEFAULT_MAX_HEADER_SIZE,
                MIN_MAX_HEADER_SIZE,
            )?,
            header_read_timeout: match config.get(WEB_HEADER_READ_TIMEOUT) {
                Some(Value::Bool(false)) => None,
                _ => Some(seconds(
                    config,
                    WEB_HEADER_READ_TIMEOUT,
                    DEFAULT_READ_TIMEOUT,
                )?),
            },
            body_read_timeout: seconds(config, WEB_BODY_READ_TIMEOUT, DEFAULT_READ_TIMEOUT)?,
            grace_period: config.shutdown_grace_period(),
        })
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
