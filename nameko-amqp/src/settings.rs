//! nameko-amqp's keys, read once into [`AmqpSettings`]: the broker (`AMQP_URI`, TLS,
//! heartbeat), reconnection ([`Backoff`]) and publishing ([`RetryPolicy`]), RPC
//! (`rpc_exchange`, `RPC_TIMEOUT`), consumers (`PREFETCH_COUNT`) and declarations
//! (`QUEUE_TYPE`, `AUTO_DELETE_EVENT_EXCHANGES`).
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `AMQP_URI` | `pyamqp://guest:guest@localhost` | the broker; a `;`-separated list for fail-over |
//! | `AMQP_SSL` | off | `true`, or a map with `ca_certs`, `certfile`, `keyfile`, `cert_reqs` |
//! | `LOGIN_METHOD` | `PLAIN` | `PLAIN`, `AMQPLAIN` or `EXTERNAL` |
//! | `HEARTBEAT` | 60 | seconds; 0 turns heartbeats off |
//! | `rpc_exchange` | `nameko-rpc` | the RPC exchange |
//! | `RPC_TIMEOUT` | 30 | seconds a caller waits for a reply; `null` waits forever |
//! | `PREFETCH_COUNT` | `max_workers` | unacknowledged messages per consumer |
//! | `QUEUE_TYPE` | `classic` | `quorum` declares the service's durable queues as quorum queues |
//! | `AUTO_DELETE_EVENT_EXCHANGES` | `false` | declare event exchanges `auto_delete` |
//! | `RECONNECT_INTERVAL_START`, `RECONNECT_INTERVAL_MAX` | 0.2, 30 | seconds between reconnection attempts |
//! | `AMQP_CONNECT_FAIL_FAST` | `false` | fail at start-up when the broker cannot be reached |
//! | `PUBLISH_RETRY_POLICY` | 3, 2, 2, 30 | kombu's `max_retries`, `interval_start`, `interval_step`, `interval_max` |
//! | `FAILURE_POLICY` | none | entrypoints' [`FailurePolicy`] by `<service>.<method>` (retries, dead letters) |
//!
//! The struct is registered as a [`SettingsCheck`], so a bad value is an error when the
//! config is loaded, never a silent default:
//!
//! ```
//! use nameko_amqp::AmqpSettings;
//! use nameko_core::Config;
//!
//! let config = Config::from_yaml_str("AMQP_URI: amqp://rabbit\nRPC_TIMEOUT: ~\n")?;
//! let settings = AmqpSettings::from_config(&config)?;
//! assert_eq!(settings.amqp_uri, "amqp://rabbit");
//! assert_eq!(settings.rpc_timeout, None);
//! assert_eq!(settings.rpc_exchange, "nameko-rpc");
//!
//! let err = Config::from_yaml_str("QUEUE_TYPE: quorom\n").unwrap_err();
//! assert!(err.to_string().starts_with("config key `QUEUE_TYPE`: unknown variant `quorom`"));
//! # Ok::<(), nameko_core::ConfigError>(())
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use nameko_core::Config;
use nameko_core::config::{ConfigError, SettingsCheck, de};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::failure::FailurePolicy;
pub use crate::wire::{AUTO_DELETE_EVENT_EXCHANGES, QUEUE_TYPE};

/// Config key: the failure policies of entrypoints, by `<service>.<method>`
/// ([`FailurePolicy`]).
pub const FAILURE_POLICY: &str = "FAILURE_POLICY";

/// Config key of the broker URI (or `;`-separated URIs).
pub const AMQP_URI: &str = "AMQP_URI";
/// Config key of the RPC exchange name.
pub const RPC_EXCHANGE: &str = "rpc_exchange";
/// Config key of the AMQP heartbeat in seconds.
pub const HEARTBEAT: &str = "HEARTBEAT";
/// Config key of the AMQP prefetch count (defaults to `max_workers`).
pub const PREFETCH_COUNT: &str = "PREFETCH_COUNT";
/// Config key: how long an RPC caller waits for a reply, in seconds; `null` waits forever.
pub const RPC_TIMEOUT: &str = "RPC_TIMEOUT";
/// Config key: the first wait before reconnecting, in seconds (default 0.2).
pub const RECONNECT_INTERVAL_START: &str = "RECONNECT_INTERVAL_START";
/// Config key: the longest wait between reconnection attempts, in seconds (default 30).
pub const RECONNECT_INTERVAL_MAX: &str = "RECONNECT_INTERVAL_MAX";
/// Config key: `true` makes a service fail at start-up when the broker cannot be reached,
/// instead of retrying until it can (default `false`).
pub const AMQP_CONNECT_FAIL_FAST: &str = "AMQP_CONNECT_FAIL_FAST";
/// Config key: the publisher's retry policy (see [`RetryPolicy`]).
pub const PUBLISH_RETRY_POLICY: &str = "PUBLISH_RETRY_POLICY";
/// Config key: the SASL mechanism, `PLAIN` (default), `AMQPLAIN` or `EXTERNAL` (the
/// client certificate of `AMQP_SSL` authenticates).
pub const LOGIN_METHOD: &str = "LOGIN_METHOD";
/// Config key: Nameko's `AMQP_SSL`: `true`, or a map with `ca_certs`, `certfile`,
/// `keyfile` (paths to PEM files) and `cert_reqs`.
pub const AMQP_SSL: &str = "AMQP_SSL";

/// Default broker URI, as in Nameko's docs.
pub const DEFAULT_AMQP_URI: &str = "pyamqp://guest:guest@localhost";
/// Default RPC exchange.
pub const DEFAULT_RPC_EXCHANGE: &str = "nameko-rpc";
/// Default heartbeat, in seconds.
pub const DEFAULT_HEARTBEAT: u16 = 60;
/// Default `RPC_TIMEOUT`: 30 seconds.
pub const DEFAULT_RPC_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_RECONNECT_START: Duration = Duration::from_millis(200);
const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(30);

/// Every key nameko-amqp reads, checked, each with its default (see the
/// [module docs](self)). Read once per connection: [`AmqpConnection::settings`](crate::AmqpConnection::settings).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AmqpSettings {
    /// `AMQP_URI`, as written (a `;`-separated list for fail-over).
    #[serde(rename = "AMQP_URI", deserialize_with = "de::string")]
    pub amqp_uri: String,
    /// `AMQP_SSL`.
    #[serde(rename = "AMQP_SSL", deserialize_with = "ssl")]
    pub ssl: Option<SslOptions>,
    /// `LOGIN_METHOD`; `None`: the URI's, or PLAIN.
    #[serde(rename = "LOGIN_METHOD")]
    pub login_method: Option<LoginMethod>,
    /// `HEARTBEAT`, in whole seconds (0 turns heartbeats off).
    #[serde(rename = "HEARTBEAT", deserialize_with = "heartbeat")]
    pub heartbeat: u16,
    /// `rpc_exchange`.
    #[serde(rename = "rpc_exchange", deserialize_with = "de::string")]
    pub rpc_exchange: String,
    /// `RPC_TIMEOUT`; `None` (`RPC_TIMEOUT: null`) waits forever.
    #[serde(rename = "RPC_TIMEOUT", deserialize_with = "de::optional_seconds")]
    pub rpc_timeout: Option<Duration>,
    /// `PREFETCH_COUNT`; `None`: `max_workers`, as in Nameko (see
    /// [`prefetch_count`](Self::prefetch_count)).
    #[serde(rename = "PREFETCH_COUNT", deserialize_with = "prefetch_count")]
    pub prefetch_count: Option<usize>,
    /// `QUEUE_TYPE`.
    #[serde(rename = "QUEUE_TYPE")]
    pub queue_type: QueueType,
    /// `AUTO_DELETE_EVENT_EXCHANGES`.
    #[serde(rename = "AUTO_DELETE_EVENT_EXCHANGES")]
    pub auto_delete_event_exchanges: bool,
    /// `RECONNECT_INTERVAL_START`: the first wait before reconnecting.
    #[serde(rename = "RECONNECT_INTERVAL_START", deserialize_with = "de::seconds")]
    pub reconnect_interval_start: Duration,
    /// `RECONNECT_INTERVAL_MAX`: the longest wait between reconnection attempts.
    #[serde(rename = "RECONNECT_INTERVAL_MAX", deserialize_with = "de::seconds")]
    pub reconnect_interval_max: Duration,
    /// `AMQP_CONNECT_FAIL_FAST`.
    #[serde(rename = "AMQP_CONNECT_FAIL_FAST")]
    pub connect_fail_fast: bool,
    /// `PUBLISH_RETRY_POLICY`.
    #[serde(rename = "PUBLISH_RETRY_POLICY")]
    pub publish_retry_policy: RetryPolicy,
    /// `FAILURE_POLICY`: the [`FailurePolicy`] of entrypoints by `<service>.<method>`,
    /// over the one in code.
    #[serde(rename = "FAILURE_POLICY")]
    pub failure_policy: BTreeMap<String, FailurePolicy>,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        AmqpSettings {
            amqp_uri: DEFAULT_AMQP_URI.to_owned(),
            ssl: None,
            login_method: None,
            heartbeat: DEFAULT_HEARTBEAT,
            rpc_exchange: DEFAULT_RPC_EXCHANGE.to_owned(),
            rpc_timeout: Some(DEFAULT_RPC_TIMEOUT),
            prefetch_count: None,
            queue_type: QueueType::default(),
            auto_delete_event_exchanges: false,
            reconnect_interval_start: DEFAULT_RECONNECT_START,
            reconnect_interval_max: DEFAULT_RECONNECT_MAX,
            connect_fail_fast: false,
            publish_retry_policy: RetryPolicy::default(),
            failure_policy: BTreeMap::new(),
        }
    }
}

nameko_core::config::inventory::submit!(SettingsCheck::of::<AmqpSettings>("nameko-amqp"));

impl AmqpSettings {
    /// Reads nameko-amqp's keys of `config`: a [`ConfigError::Invalid`] naming the first
    /// that does not fit.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        config.settings()
    }

    /// The reconnection back-off of `RECONNECT_INTERVAL_START` and `RECONNECT_INTERVAL_MAX`.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            start: self.reconnect_interval_start,
            max: self.reconnect_interval_max,
        }
    }

    /// `PREFETCH_COUNT`, or `max_workers` when it is not set, as in Nameko.
    pub fn prefetch_count(&self, max_workers: usize) -> usize {
        self.prefetch_count.unwrap_or(max_workers)
    }

    /// The failure policy of `service`'s entrypoint `method`: `FAILURE_POLICY`'s entry
    /// `<service>.<method>` when there is one, else `in_code`.
    pub fn failure_policy_of(
        &self,
        service: &str,
        method: &str,
        in_code: &FailurePolicy,
    ) -> FailurePolicy {
        self.failure_policy
            .get(&format!("{service}.{method}"))
            .unwrap_or(in_code)
            .clone()
    }

    /// The URIs of `AMQP_URI`, each trimmed, empty ones left out.
    pub fn uris(&self) -> impl Iterator<Item = &str> {
        self.amqp_uri
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// `QUEUE_TYPE`: how the service's own durable queues are declared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum QueueType {
    /// RabbitMQ's classic queues, as Nameko declares them.
    #[default]
    Classic,
    /// Quorum queues, replicated across a cluster (`x-queue-type: quorum`).
    Quorum,
}

/// `LOGIN_METHOD`: the SASL mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub enum LoginMethod {
    /// User name and password.
    #[serde(rename = "PLAIN")]
    Plain,
    /// User name and password, RabbitMQ's older encoding.
    #[serde(rename = "AMQPLAIN")]
    AmqPlain,
    /// The client certificate of `AMQP_SSL` authenticates.
    #[serde(rename = "EXTERNAL")]
    External,
}

/// The options of `AMQP_SSL` (`AMQP_SSL: true` gives none: the system's CAs, no client
/// certificate). nameko-rs always verifies the broker's certificate, so `cert_reqs` may
/// only ask for it (`CERT_REQUIRED`, 2, the default, or `CERT_OPTIONAL`, 1). Other keys of
/// Python's `ssl` options (`ssl_version`, `ciphers`) are accepted and not used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SslOptions {
    /// `ca_certs`: a PEM file of CA certificates to trust besides the system's.
    #[serde(deserialize_with = "pem_path")]
    pub ca_certs: Option<PathBuf>,
    /// `certfile`: the client certificate (PEM), with `keyfile`.
    #[serde(deserialize_with = "pem_path")]
    pub certfile: Option<PathBuf>,
    /// `keyfile`: the client certificate's private key (PEM, PKCS#8), with `certfile`.
    #[serde(deserialize_with = "pem_path")]
    pub keyfile: Option<PathBuf>,
    /// `cert_reqs`: what is asked of the broker's certificate.
    #[serde(deserialize_with = "cert_reqs")]
    pub cert_reqs: CertReqs,
}

/// `AMQP_SSL.cert_reqs`: Python's `ssl.CERT_REQUIRED` (2) or `ssl.CERT_OPTIONAL` (1).
/// Both verify the broker's certificate when it presents one, which a TLS server always
/// does; `CERT_NONE` (0) is refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertReqs {
    /// `CERT_REQUIRED`, the default.
    #[default]
    Required,
    /// `CERT_OPTIONAL`.
    Optional,
}

fn ssl<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SslOptions>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null | Value::Bool(false) => Ok(None),
        Value::Bool(true) => Ok(Some(SslOptions::default())),
        map @ Value::Object(_) => {
            let options = SslOptions::deserialize(map).map_err(D::Error::custom)?;
            if options.certfile.is_some() != options.keyfile.is_some() {
                return Err(D::Error::custom(
                    "certfile and keyfile go together: give both or neither",
                ));
            }
            Ok(Some(options))
        }
        other => Err(D::Error::custom(format!(
            "expected true, false or a map of ca_certs, certfile, keyfile, cert_reqs, got {other}"
        ))),
    }
}

fn pem_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(path) => Ok(Some(PathBuf::from(path))),
        other => Err(D::Error::custom(format!(
            "expected the path of a PEM file, got {other}"
        ))),
    }
}

fn cert_reqs<'de, D: Deserializer<'de>>(d: D) -> Result<CertReqs, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(CertReqs::Required),
        Value::Number(n) if n.as_u64() == Some(2) => Ok(CertReqs::Required),
        Value::Number(n) if n.as_u64() == Some(1) => Ok(CertReqs::Optional),
        Value::String(s) if s == "CERT_REQUIRED" => Ok(CertReqs::Required),
        Value::String(s) if s == "CERT_OPTIONAL" => Ok(CertReqs::Optional),
        other => Err(D::Error::custom(format!(
            "cert_reqs {other} is not supported: nameko-rs always verifies the broker's certificate (CERT_REQUIRED)"
        ))),
    }
}

/// `PREFETCH_COUNT`, when present, is a positive integer (`null` is not).
fn prefetch_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    de::positive(d).map(Some)
}

fn heartbeat<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    let v = Value::deserialize(d)?;
    v.as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| D::Error::custom(format!("expected a number of seconds, got {v}")))
}

/// How a lost connection is re-established: capped exponential back-off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first wait.
    pub start: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        AmqpSettings::default().backoff()
    }
}

impl Backoff {
    /// From `RECONNECT_INTERVAL_START` (default 0.2 s) and `RECONNECT_INTERVAL_MAX`
    /// (default 30 s); each failed attempt doubles the wait, up to the maximum. An error
    /// when either is not a positive number of seconds.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        AmqpSettings::from_config(config).map(|s| s.backoff())
    }

    /// The wait before attempt `attempt` (0 for the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(30));
        self.start.saturating_mul(factor).min(self.max)
    }
}

/// Nameko's publisher `retry_policy`: how long a publish waits for a lost connection to
/// come back before it fails (`PUBLISH_RETRY_POLICY`: `max_retries`, `interval_start`,
/// `interval_step`, `interval_max`, in seconds; kombu's meaning; missing keys take the
/// defaults 3, 2, 2, 30; another key is an error).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first wait.
    #[serde(deserialize_with = "de::seconds_or_zero")]
    pub interval_start: Duration,
    /// Added to the wait after each retry.
    #[serde(deserialize_with = "de::seconds_or_zero")]
    pub interval_step: Duration,
    /// The longest wait.
    #[serde(deserialize_with = "de::seconds_or_zero")]
    pub interval_max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            interval_start: Duration::from_secs(2),
            interval_step: Duration::from_secs(2),
            interval_max: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// `PUBLISH_RETRY_POLICY` of `config`.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        AmqpSettings::from_config(config).map(|s| s.publish_retry_policy)
    }

    /// The wait before retry `retry` (0 for the first).
    pub fn interval(&self, retry: u32) -> Duration {
        self.interval_start
            .saturating_add(self.interval_step.saturating_mul(retry))
            .min(self.interval_max)
    }
}

#[cfg(test)]
mod tests;
