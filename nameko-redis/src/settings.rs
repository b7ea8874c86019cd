//! Reading `REDIS_URIS` and `REDIS_OPTIONS` from the service's config.

use std::collections::BTreeMap;
use std::time::Duration;

use nameko_core::config::{Config, ConfigError, de};
use serde::Deserialize;

/// The config key mapping names to Redis URIs: `REDIS_URIS: {development: redis://...}`.
pub const REDIS_URIS: &str = "REDIS_URIS";

/// The config key mapping names to connection options: `REDIS_OPTIONS: {development: {...}}`.
pub const REDIS_OPTIONS: &str = "REDIS_OPTIONS";

/// Default `response_timeout`: a command waits 5 seconds for its reply.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Default `connection_timeout`: one connection attempt may take 2 seconds.
pub const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);

/// Default `reconnect_retries`: 3 attempts after the first when (re)connecting.
pub const DEFAULT_RECONNECT_RETRIES: usize = 3;

/// The keys of this crate: every entry is checked, whichever dependency it is for.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RedisSettings {
    #[serde(rename = "REDIS_URIS")]
    uris: BTreeMap<String, String>,
    #[serde(rename = "REDIS_OPTIONS")]
    options: BTreeMap<String, Options>,
}

/// One key of `REDIS_OPTIONS`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Options {
    /// How long a command waits for its reply; `None` (`null`): forever.
    #[serde(deserialize_with = "de::optional_seconds")]
    pub(crate) response_timeout: Option<Duration>,
    /// How long one connection attempt may take; `None` (`null`): no limit.
    #[serde(deserialize_with = "de::optional_seconds")]
    pub(crate) connection_timeout: Option<Duration>,
    /// Attempts after the first when (re)connecting (`null`: the default).
    reconnect_retries: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            response_timeout: Some(DEFAULT_RESPONSE_TIMEOUT),
            connection_timeout: Some(DEFAULT_CONNECTION_TIMEOUT),
            reconnect_retries: None,
        }
    }
}

impl Options {
    /// `reconnect_retries`, or its default.
    pub(crate) fn reconnect_retries(&self) -> usize {
        self.reconnect_retries.unwrap_or(DEFAULT_RECONNECT_RETRIES)
    }
}

/// What the config says of the Redis `key`: its URI (as written, password included) and
/// its options.
pub(crate) fn read(config: &Config, key: &str) -> Result<(String, Options), ConfigError> {
    let mut settings: RedisSettings = config.settings()?;
    let uri = config.keyed(REDIS_URIS, key)?;
    let options = settings.options.remove(key).unwrap_or_default();
    Ok((uri, options))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn every_entry_is_checked() {
        let config = Config::new().with(
            REDIS_URIS,
            json!({"development": "redis://localhost/0", "other": 5}),
        );
        let err = read(&config, "development").unwrap_err();
        assert_eq!(err.key(), Some("REDIS_URIS.other"));
        let config = Config::new()
            .with(REDIS_URIS, json!({"development": "redis://localhost/0"}))
            .with(
                REDIS_OPTIONS,
                json!({"other": {"connection_timeout": "2s"}}),
            );
        let err = read(&config, "development").unwrap_err();
        assert_eq!(err.key(), Some("REDIS_OPTIONS.other.connection_timeout"));
        let config = Config::new()
            .with(REDIS_URIS, json!({"development": "redis://localhost/0"}))
            .with(
                REDIS_OPTIONS,
                json!({"development": {"reconnect_retries": null}}),
            );
        let (uri, options) = read(&config, "development").unwrap();
        assert_eq!(uri, "redis://localhost/0");
        assert_eq!(options.reconnect_retries(), DEFAULT_RECONNECT_RETRIES);
        assert_eq!(options.response_timeout, Some(DEFAULT_RESPONSE_TIMEOUT));
    }
}
