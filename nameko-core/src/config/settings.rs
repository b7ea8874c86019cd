//! nameko-core's own keys: their names, their defaults and [`CoreSettings`], the struct
//! they are read into.

use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::de;

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

/// The keys nameko-core reads (some of them on behalf of nameko-amqp and nameko-web), as
/// [`Config::settings`](super::Config::settings) reads them: each checked, each with its
/// default. [`Config::core`](super::Config::core) gives the ones of a loaded config, and
/// [`Config::validate`](super::Config::validate) fails on the first that does not fit.
///
/// It is also the pattern a crate follows for its own keys: a `#[derive(Deserialize)]`
/// struct whose fields name Nameko's keys with `#[serde(rename = "...")]`, read with the
/// deserializers of [`de`], with `#[serde(default)]` from a `Default` giving every key's
/// default.
///
/// ```
/// use std::time::Duration;
/// use nameko_core::Config;
///
/// let config = Config::from_yaml_str("max_workers: 4\nRPC_TIMEOUT: ~\n")?;
/// let core = config.core();
/// assert_eq!(core.max_workers, 4);
/// assert_eq!(core.rpc_timeout, None);
/// assert_eq!(core.shutdown_grace_period, Duration::from_secs(30));
/// # Ok::<(), nameko_core::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CoreSettings {
    /// `AMQP_URI`, as written (a `;`-separated list for fail-over).
    #[serde(rename = "AMQP_URI", deserialize_with = "de::string")]
    pub amqp_uri: String,
    /// `rpc_exchange`.
    #[serde(rename = "rpc_exchange", deserialize_with = "de::string")]
    pub rpc_exchange: String,
    /// `WEB_SERVER_ADDRESS`, as written.
    #[serde(rename = "WEB_SERVER_ADDRESS", deserialize_with = "de::string")]
    pub web_server_address: String,
    /// `HEALTH_ADDRESS`; `None` (absent or `null`): no health listener of its own.
    #[serde(rename = "HEALTH_ADDRESS")]
    pub health_address: Option<String>,
    /// `METRICS_ADDRESS`; `None` (absent or `null`): no metrics listener.
    #[serde(rename = "METRICS_ADDRESS")]
    pub metrics_address: Option<String>,
    /// `max_workers`: the worker pool size of each container.
    #[serde(rename = "max_workers", deserialize_with = "de::positive")]
    pub max_workers: usize,
    /// `PREFETCH_COUNT`; `None`: `max_workers`, as in Nameko.
    #[serde(rename = "PREFETCH_COUNT", deserialize_with = "prefetch_count")]
    pub prefetch_count: Option<usize>,
    /// `parent_calls_tracked`: the call-id stack length.
    #[serde(rename = "parent_calls_tracked", deserialize_with = "de::positive")]
    pub parent_calls_tracked: usize,
    /// `serializer`: only `json`.
    #[serde(rename = "serializer", deserialize_with = "json_only")]
    pub serializer: String,
    /// `HEARTBEAT`, in whole seconds (0 turns heartbeats off).
    #[serde(rename = "HEARTBEAT", deserialize_with = "heartbeat")]
    pub heartbeat: u16,
    /// `SHUTDOWN_GRACE_PERIOD`: how long a graceful stop waits for running workers.
    #[serde(
        rename = "SHUTDOWN_GRACE_PERIOD",
        deserialize_with = "de::seconds_or_zero"
    )]
    pub shutdown_grace_period: Duration,
    /// `RPC_TIMEOUT`; `None` (`RPC_TIMEOUT: null`) waits forever.
    #[serde(rename = "RPC_TIMEOUT", deserialize_with = "de::optional_seconds")]
    pub rpc_timeout: Option<Duration>,
}

impl Default for CoreSettings {
    fn default() -> Self {
        CoreSettings {
            amqp_uri: DEFAULT_AMQP_URI.to_owned(),
            rpc_exchange: DEFAULT_RPC_EXCHANGE.to_owned(),
            web_server_address: DEFAULT_WEB_SERVER_ADDRESS.to_owned(),
            health_address: None,
            metrics_address: None,
            max_workers: DEFAULT_MAX_WORKERS,
            prefetch_count: None,
            parent_calls_tracked: DEFAULT_PARENT_CALLS_TRACKED,
            serializer: "json".to_owned(),
            heartbeat: DEFAULT_HEARTBEAT,
            shutdown_grace_period: DEFAULT_SHUTDOWN_GRACE_PERIOD,
            rpc_timeout: Some(DEFAULT_RPC_TIMEOUT),
        }
    }
}

/// `PREFETCH_COUNT`, when present, is a positive integer (`null` is not).
fn prefetch_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    de::positive(d).map(Some)
}

fn json_only<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if s == "json" => Ok(s),
        other => Err(D::Error::custom(format!(
            "only `json` is supported, got {other}"
        ))),
    }
}

fn heartbeat<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    let v = Value::deserialize(d)?;
    v.as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| D::Error::custom(format!("expected a number of seconds, got {v}")))
}
