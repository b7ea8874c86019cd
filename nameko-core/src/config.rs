//! Configuration in Python Nameko's YAML format.
//!
//! A Python user's `config.yaml` works unchanged: the keys are Nameko's
//! (`AMQP_URI`, `WEB_SERVER_ADDRESS`, `max_workers`, `rpc_exchange`, `parent_calls_tracked`,
//! `serializer`, `HEARTBEAT`, ...) and `${VAR}` / `${VAR:default}` are replaced from the
//! environment before the YAML is parsed, so `${PORT:8000}` becomes the integer `8000` and
//! `"${NAME}"` stays a string. Defaults may themselves hold `${OTHER}`. The tags `!env_var`
//! and `!raw_env_var` are accepted; the second keeps the value as a string.
//!
//! Unlike Python Nameko, a `${VAR}` with no value in the environment and no default is an
//! error rather than an empty string: a missing broker password is better found at start-up.
//!
//! ```
//! use nameko_core::Config;
//!
//! let config = Config::from_yaml_str_with_env(
//!     "AMQP_URI: pyamqp://guest:guest@${HOST:localhost}\nmax_workers: ${WORKERS:4}\n",
//!     |_| None,
//! )
//! .unwrap();
//! assert_eq!(config.amqp_uri(), "pyamqp://guest:guest@localhost");
//! assert_eq!(config.max_workers(), 4);
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

/// Config key of the broker URI.
pub const AMQP_URI: &str = "AMQP_URI";
/// Config key of the HTTP server address.
pub const WEB_SERVER_ADDRESS: &str = "WEB_SERVER_ADDRESS";
/// Config key of the address of the probe listener serving `/health/live` and
/// `/health/ready` (optional; e.g. `0.0.0.0:8081`).
pub const HEALTH_ADDRESS: &str = "HEALTH_ADDRESS";
/// Config key of the address of the probe listener serving `/metrics` (feature
/// `metrics`) and the health endpoints (optional; e.g. `0.0.0.0:9100`).
pub const METRICS_ADDRESS: &str = "METRICS_ADDRESS";
/// Config key of the RPC exchange name.
pub const RPC_EXCHANGE: &str = "rpc_exchange";
/// Config key of the worker pool size per container.
pub const MAX_WORKERS: &str = "max_workers";
/// Config key of the call-id stack length.
pub const PARENT_CALLS_TRACKED: &str = "parent_calls_tracked";
/// Config key of the serializer (only `json`).
pub const SERIALIZER: &str = "serializer";
/// Config key of the AMQP heartbeat in seconds.
pub const HEARTBEAT: &str = "HEARTBEAT";
/// Config key of the AMQP prefetch count (defaults to `max_workers`).
pub const PREFETCH_COUNT: &str = "PREFETCH_COUNT";
/// Config key (nameko-rs) of the graceful-stop grace period in seconds.
pub const SHUTDOWN_GRACE_PERIOD: &str = "SHUTDOWN_GRACE_PERIOD";
/// Key: how long an RPC caller waits for a reply, in seconds; `null` waits forever.
pub const RPC_TIMEOUT: &str = "RPC_TIMEOUT";

/// Default broker URI, as in Nameko's docs.
pub const DEFAULT_AMQP_URI: &str = "pyamqp://guest:guest@localhost";
/// Default worker pool size.
pub const DEFAULT_MAX_WORKERS: usize = 10;
/// Default call-id stack length.
pub const DEFAULT_PARENT_CALLS_TRACKED: usize = 10;
/// Default RPC exchange.
pub const DEFAULT_RPC_EXCHANGE: &str = "nameko-rpc";
/// Default HTTP address.
pub const DEFAULT_WEB_SERVER_ADDRESS: &str = "0.0.0.0:8000";
/// Default heartbeat.
pub const DEFAULT_HEARTBEAT: u16 = 60;
/// Default grace period for a graceful stop.
pub const DEFAULT_SHUTDOWN_GRACE_PERIOD: Duration = Duration::from_secs(30);
/// Default `RPC_TIMEOUT`: 30 seconds.
pub const DEFAULT_RPC_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid YAML.
    #[error("invalid YAML{}: {source}", location(path))]
    Yaml {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
        /// The parser's error, with line and column.
        #[source]
        source: serde_yaml_ng::Error,
    },
    /// The document is not a mapping of keys to values.
    #[error("config{} must be a mapping of keys to values", location(path))]
    NotAMapping {
        /// The file, when loaded from one.
        path: Option<PathBuf>,
    },
    /// `${NAME}` has no value in the environment and no default.
    #[error(
        "environment variable `{name}` is not set and `${{{name}}}` has no default (write `${{{name}:default}}`)"
    )]
    MissingVariable {
        /// The variable's name.
        name: String,
    },
    /// A `${` has no closing `}`.
    #[error("unterminated `${{` in config: {text}")]
    Unterminated {
        /// The text around it.
        text: String,
    },
    /// A key's value does not fit the type asked for ([`Config::get_as`]).
    #[error("config key `{key}`: {source}")]
    Decode {
        /// The key.
        key: String,
        /// serde's error, saying what was expected.
        #[source]
        source: serde_json::Error,
    },
    /// A key has a value of the wrong type or range.
    #[error("config key `{key}`: {message}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

fn location(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!(" in {}", p.display()),
        None => String::new(),
    }
}

/// A loaded configuration: Nameko's keys with typed accessors, and every other key as JSON.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    raw: Map<String, Value>,
}

impl Config {
    /// An empty configuration: every key has its default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads a YAML file, substituting `${VAR}` from the process environment.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, Some(path), |name| std::env::var(name).ok())
    }

    /// Parses YAML text, substituting `${VAR}` from the process environment.
    pub fn from_yaml_str(text: &str) -> Result<Self, ConfigError> {
        Self::parse(text, None, |name| std::env::var(name).ok())
    }

    /// Parses YAML text, substituting `${VAR}` through `env`.
    pub fn from_yaml_str_with_env(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Self::parse(text, None, env)
    }

    /// A configuration from a JSON object (other values give an empty config).
    pub fn from_json(value: Value) -> Result<Self, ConfigError> {
        match value {
            Value::Object(raw) => {
                let config = Config { raw };
                config.validate()?;
                Ok(config)
            }
            _ => Err(ConfigError::NotAMapping { path: None }),
        }
    }

    fn parse(
        text: &str,
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let substituted = substitute_env(text, &env)?;
        let yaml: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&substituted).map_err(|source| ConfigError::Yaml {
                path: path.map(Path::to_owned),
                source,
            })?;
        match yaml_to_json(yaml) {
            Value::Object(raw) => {
                let config = Config { raw };
                config.validate()?;
                Ok(config)
            }
            // An empty file is an empty config.
            Value::Null => Ok(Config::default()),
            _ => Err(ConfigError::NotAMapping {
                path: path.map(Path::to_owned),
            }),
        }
    }

    /// Sets a key, returning the changed config (for tests and programmatic set-up).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.raw.insert(key.into(), value.into());
        self
    }

    /// Sets a key in place.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.raw.insert(key.into(), value.into());
    }

    /// The raw value of any key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.raw.get(key)
    }

    /// The value of `key` deserialised as `T`: `None` when the key is absent, an error
    /// saying what was expected when the value does not fit.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use nameko_core::Config;
    ///
    /// let config = Config::from_yaml_str("DB_URIS:\n  orders: postgres://localhost/orders\n")?;
    /// let uris: HashMap<String, String> = config.get_as("DB_URIS")?.unwrap_or_default();
    /// assert_eq!(uris["orders"], "postgres://localhost/orders");
    /// assert_eq!(config.get_as::<u32>("MISSING")?, None);
    /// assert!(config.get_as::<u32>("DB_URIS").is_err());
    /// # Ok::<(), nameko_core::ConfigError>(())
    /// ```
    pub fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, ConfigError> {
        match self.raw.get(key) {
            None => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|source| ConfigError::Decode {
                    key: key.to_owned(),
                    source,
                }),
        }
    }

    /// All keys and values.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.raw
    }

    /// Checks the types and ranges of Nameko's keys.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.positive(MAX_WORKERS)?;
        self.positive(PARENT_CALLS_TRACKED)?;
        self.positive(PREFETCH_COUNT)?;
        if let Some(v) = self.raw.get(HEARTBEAT)
            && v.as_u64().is_none_or(|n| n > u64::from(u16::MAX))
        {
            return Err(ConfigError::Invalid {
                key: HEARTBEAT,
                message: format!("expected a number of seconds, got {v}"),
            });
        }
        if let Some(v) = self.raw.get(SHUTDOWN_GRACE_PERIOD)
            && !v.as_f64().is_some_and(|n| n.is_finite() && n >= 0.0)
        {
            return Err(ConfigError::Invalid {
                key: SHUTDOWN_GRACE_PERIOD,
                message: format!("expected a number of seconds, got {v}"),
            });
        }
        if let Some(v) = self.raw.get(RPC_TIMEOUT)
            && !v.is_null()
            && !v.as_f64().is_some_and(|n| n.is_finite() && n > 0.0)
        {
            return Err(ConfigError::Invalid {
                key: RPC_TIMEOUT,
                message: format!(
                    "expected a positive number of seconds, or null to wait forever, got {v}"
                ),
            });
        }
        for key in [AMQP_URI, RPC_EXCHANGE, WEB_SERVER_ADDRESS] {
            if let Some(v) = self.raw.get(key)
                && !v.is_string()
            {
                return Err(ConfigError::Invalid {
                    key,
                    message: format!("expected a string, got {v}"),
                });
            }
        }
        match self.raw.get(SERIALIZER) {
            None => {}
            Some(Value::String(s)) if s == "json" => {}
            Some(other) => {
                return Err(ConfigError::Invalid {
                    key: SERIALIZER,
                    message: format!("only `json` is supported, got {other}"),
                });
            }
        }
        Ok(())
    }

    fn positive(&self, key: &'static str) -> Result<(), ConfigError> {
        match self.raw.get(key) {
            None => Ok(()),
            Some(v) if v.as_u64().is_some_and(|n| n > 0) => Ok(()),
            Some(v) => Err(ConfigError::Invalid {
                key,
                message: format!("expected a positive integer, got {v}"),
            }),
        }
    }

    fn usize_or(&self, key: &str, default: usize) -> usize {
        self.raw
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    }

    fn str_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.raw.get(key).and_then(Value::as_str).unwrap_or(default)
    }

    /// `AMQP_URI` (default `pyamqp://guest:guest@localhost`), as written.
    pub fn amqp_uri(&self) -> &str {
        self.str_or(AMQP_URI, DEFAULT_AMQP_URI)
    }

    /// `max_workers` (default 10).
    pub fn max_workers(&self) -> usize {
        self.usize_or(MAX_WORKERS, DEFAULT_MAX_WORKERS)
    }

    /// `PREFETCH_COUNT`, defaulting to `max_workers` as in Nameko.
    pub fn prefetch_count(&self) -> usize {
        self.usize_or(PREFETCH_COUNT, self.max_workers())
    }

    /// `parent_calls_tracked` (default 10).
    pub fn parent_calls_tracked(&self) -> usize {
        self.usize_or(PARENT_CALLS_TRACKED, DEFAULT_PARENT_CALLS_TRACKED)
    }

    /// `rpc_exchange` (default `nameko-rpc`).
    pub fn rpc_exchange(&self) -> &str {
        self.str_or(RPC_EXCHANGE, DEFAULT_RPC_EXCHANGE)
    }

    /// `WEB_SERVER_ADDRESS` (default `0.0.0.0:8000`).
    pub fn web_server_address(&self) -> &str {
        self.str_or(WEB_SERVER_ADDRESS, DEFAULT_WEB_SERVER_ADDRESS)
    }

    /// `HEALTH_ADDRESS`, if set.
    pub fn health_address(&self) -> Option<&str> {
        self.raw.get(HEALTH_ADDRESS).and_then(Value::as_str)
    }

    /// `METRICS_ADDRESS`, if set.
    pub fn metrics_address(&self) -> Option<&str> {
        self.raw.get(METRICS_ADDRESS).and_then(Value::as_str)
    }

    /// `HEARTBEAT` in seconds (default 60).
    pub fn heartbeat(&self) -> u16 {
        self.raw
            .get(HEARTBEAT)
            .and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok())
            .unwrap_or(DEFAULT_HEARTBEAT)
    }

    /// `SHUTDOWN_GRACE_PERIOD` in seconds (default 30): how long a graceful stop waits for
    /// running workers before killing them.
    pub fn shutdown_grace_period(&self) -> Duration {
        self.raw
            .get(SHUTDOWN_GRACE_PERIOD)
            .and_then(Value::as_f64)
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(DEFAULT_SHUTDOWN_GRACE_PERIOD)
    }
}

impl Config {
    /// `RPC_TIMEOUT` in seconds (default 30): how long `RpcProxy` and `ClusterRpc` wait
    /// for a reply before failing the call with a timeout error. `RPC_TIMEOUT: null` (`~`)
    /// waits forever, as Python Nameko 2 does.
    pub fn rpc_timeout(&self) -> Option<Duration> {
        match self.raw.get(RPC_TIMEOUT) {
            None => Some(DEFAULT_RPC_TIMEOUT),
            Some(Value::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .filter(|n| n.is_finite() && *n > 0.0)
                    .map_or(DEFAULT_RPC_TIMEOUT, Duration::from_secs_f64),
            ),
        }
    }
}

/// Replaces every `${NAME}` and `${NAME:default}` in `text` (comment lines aside).
fn substitute_env(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') || !line.contains("${") {
            out.push_str(line);
        } else {
            out.push_str(&substitute_line(line, env)?);
        }
    }
    Ok(out)
}

fn substitute_line(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        // Find the matching `}`, allowing nested `${...}` in the default.
        let mut depth = 1usize;
        let mut end = None;
        let bytes = after.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    depth += 1;
                    i += 1;
                }
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let Some(end) = end else {
            return Err(ConfigError::Unterminated {
                text: text.trim().to_owned(),
            });
        };
        let inner = &after[..end];
        let (name, default) = match inner.split_once(':') {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        let name = name.trim();
        match (env(name), default) {
            (Some(value), _) => out.push_str(&value),
            (None, Some(default)) => out.push_str(&substitute_line(default, env)?),
            (None, None) => {
                return Err(ConfigError::MissingVariable {
                    name: name.to_owned(),
                });
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match yaml_to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let raw = tagged.tag == "raw_env_var";
            match yaml_to_json(tagged.value) {
                Value::String(s) => Value::String(s),
                other if raw => Value::String(other.to_string()),
                other => other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("rabbit.example".into()),
            "PORT" => Some("5673".into()),
            "EMPTY" => Some(String::new()),
            "FLAG" => Some("true".into()),
            _ => None,
        }
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_yaml_str_with_env(text, env)
    }

    #[test]
    fn seed_config() {
        let c = parse(
            "AMQP_URI: 'pyamqp://guest:guest@localhost'\nWEB_SERVER_ADDRESS: '0.0.0.0:8000'\n",
        )
        .unwrap();
        assert_eq!(c.amqp_uri(), "pyamqp://guest:guest@localhost");
        assert_eq!(c.web_server_address(), "0.0.0.0:8000");
        assert_eq!(c.max_workers(), 10);
        assert_eq!(c.rpc_exchange(), "nameko-rpc");
        assert_eq!(c.parent_calls_tracked(), 10);
        assert_eq!(c.prefetch_count(), 10);
        assert_eq!(c.heartbeat(), 60);
    }

    #[test]
    fn substitution_values_defaults_and_types() {
        let c = parse(
            "AMQP_URI: amqp://guest:guest@${HOST}:${PORT}/\n\
             port: ${PORT}\nquoted: \"${PORT}\"\nmissing_port: ${NOPE:8000}\n\
             flag: ${FLAG}\ndefault_flag: ${NOPE:false}\nempty: ${EMPTY}\n\
             nested: ${NOPE:${HOST}}\nnested_default: ${NOPE:${ALSO_NOPE:inner}}\n\
             in_string: prefix-${HOST}-suffix\nraw: !raw_env_var ${PORT}\n\
             tagged: !env_var ${PORT}\nmax_workers: ${WORKERS:3}\n",
        )
        .unwrap();
        assert_eq!(c.amqp_uri(), "amqp://guest:guest@rabbit.example:5673/");
        assert_eq!(c.get("port"), Some(&json!(5673)));
        assert_eq!(c.get("quoted"), Some(&json!("5673")));
        assert_eq!(c.get("missing_port"), Some(&json!(8000)));
        assert_eq!(c.get("flag"), Some(&json!(true)));
        assert_eq!(c.get("default_flag"), Some(&json!(false)));
        assert_eq!(c.get("empty"), Some(&Value::Null));
        assert_eq!(c.get("nested"), Some(&json!("rabbit.example")));
        assert_eq!(c.get("nested_default"), Some(&json!("inner")));
        assert_eq!(
            c.get("in_string"),
            Some(&json!("prefix-rabbit.example-suffix"))
        );
        assert_eq!(c.get("raw"), Some(&json!("5673")));
        assert_eq!(c.get("tagged"), Some(&json!(5673)));
        assert_eq!(c.max_workers(), 3);
    }

    #[test]
    fn comments_are_not_substituted() {
        let c = parse("# uses ${UNSET}\nmax_workers: 2\n").unwrap();
        assert_eq!(c.max_workers(), 2);
    }

    #[test]
    fn missing_variable_without_default_is_an_error() {
        let err = parse("AMQP_URI: ${AMQP_PASSWORD_UNSET}\n").unwrap_err();
        assert!(
            matches!(&err, ConfigError::MissingVariable { name } if name == "AMQP_PASSWORD_UNSET")
        );
        assert!(
            err.to_string().contains("`AMQP_PASSWORD_UNSET` is not set"),
            "{err}"
        );
    }

    #[test]
    fn unterminated_is_an_error() {
        let err = parse("AMQP_URI: ${HOST\n").unwrap_err();
        assert!(matches!(err, ConfigError::Unterminated { .. }), "{err}");
    }

    #[test]
    fn bad_yaml_is_an_error_with_location() {
        let err = parse("AMQP_URI: [unclosed\nmax_workers: 2\n").unwrap_err();
        assert!(matches!(err, ConfigError::Yaml { .. }));
        assert!(err.to_string().contains("line"), "{err}");
    }

    #[test]
    fn not_a_mapping() {
        assert!(matches!(
            parse("- a\n- b\n"),
            Err(ConfigError::NotAMapping { .. })
        ));
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn missing_file() {
        let err = Config::from_file("/definitely/not/here.yaml").unwrap_err();
        assert!(matches!(err, ConfigError::Io { .. }));
        assert!(
            err.to_string().contains("/definitely/not/here.yaml"),
            "{err}"
        );
    }

    #[test]
    fn file_round_trip() {
        let dir = std::env::temp_dir().join(format!("nameko-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.yaml");
        std::fs::write(
            &path,
            "AMQP_URI: pyamqp://guest:guest@localhost\nmax_workers: 5\n",
        )
        .unwrap();
        let c = Config::from_file(&path).unwrap();
        assert_eq!(c.max_workers(), 5);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn invalid_values() {
        for (text, key) in [
            ("max_workers: 0\n", MAX_WORKERS),
            ("max_workers: many\n", MAX_WORKERS),
            ("parent_calls_tracked: -1\n", PARENT_CALLS_TRACKED),
            ("serializer: pickle\n", SERIALIZER),
            ("HEARTBEAT: soon\n", HEARTBEAT),
            ("AMQP_URI: 5\n", AMQP_URI),
            ("RPC_TIMEOUT: 0\n", RPC_TIMEOUT),
            ("RPC_TIMEOUT: soon\n", RPC_TIMEOUT),
        ] {
            match parse(text) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: expected Invalid, got {other:?}"),
            }
        }
    }

    #[test]
    fn rpc_timeout() {
        assert_eq!(
            parse("{}\n").unwrap().rpc_timeout(),
            Some(DEFAULT_RPC_TIMEOUT)
        );
        assert_eq!(
            parse("RPC_TIMEOUT: 2.5\n").unwrap().rpc_timeout(),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(parse("RPC_TIMEOUT: ~\n").unwrap().rpc_timeout(), None);
        assert_eq!(parse("RPC_TIMEOUT: null\n").unwrap().rpc_timeout(), None);
    }
}
