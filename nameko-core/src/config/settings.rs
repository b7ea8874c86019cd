//! nameko-core's own keys: their names, their defaults and [`CoreSettings`], the struct
//! they are read into.

use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::de;
use crate::serialization::{self, SerializationError, Serializers};

/// Config key of the worker pool size per container.
pub const MAX_WORKERS: &str = "max_workers";
/// Config key of the call-id stack length.
pub const PARENT_CALLS_TRACKED: &str = "parent_calls_tracked";
/// Config key of the serializer every message is encoded with (default `json`; see
/// [`serialization`](crate::serialization)).
pub const SERIALIZER: &str = "serializer";
/// Config key of the serializers whose messages are decoded (default: `[<serializer>]`).
pub const ACCEPT: &str = "ACCEPT";
/// Config key (nameko-rs) of the graceful-stop grace period in seconds.
pub const SHUTDOWN_GRACE_PERIOD: &str = "SHUTDOWN_GRACE_PERIOD";

/// Default worker pool size.
pub const DEFAULT_MAX_WORKERS: usize = 10;
/// Default call-id stack length.
pub const DEFAULT_PARENT_CALLS_TRACKED: usize = 10;
/// Default grace period for a graceful stop.
pub const DEFAULT_SHUTDOWN_GRACE_PERIOD: Duration = Duration::from_secs(30);

/// The keys nameko-core reads (the transports' keys are read by their crates:
/// `nameko_amqp::AmqpSettings`, `nameko_web::ServerConfig`), as
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
/// let config = Config::from_yaml_str("max_workers: 4\nSHUTDOWN_GRACE_PERIOD: 5\n")?;
/// let core = config.core();
/// assert_eq!(core.max_workers, 4);
/// assert_eq!(core.shutdown_grace_period, Duration::from_secs(5));
/// # Ok::<(), nameko_core::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CoreSettings {
    /// `max_workers`: the worker pool size of each container.
    #[serde(rename = "max_workers", deserialize_with = "de::positive")]
    pub max_workers: usize,
    /// `parent_calls_tracked`: the call-id stack length.
    #[serde(rename = "parent_calls_tracked", deserialize_with = "de::positive")]
    pub parent_calls_tracked: usize,
    /// `serializer`: the name of the serializer every message is encoded with, a
    /// registered one ([`serialization`](crate::serialization)).
    #[serde(rename = "serializer", deserialize_with = "serializer_name")]
    pub serializer: String,
    /// `ACCEPT`: the names of the serializers whose messages are decoded; `None` (not set):
    /// only `serializer`, as in Nameko.
    #[serde(rename = "ACCEPT", deserialize_with = "accept_names")]
    pub accept: Option<Vec<String>>,
    /// `SHUTDOWN_GRACE_PERIOD`: how long a graceful stop waits for running workers.
    #[serde(
        rename = "SHUTDOWN_GRACE_PERIOD",
        deserialize_with = "de::seconds_or_zero"
    )]
    pub shutdown_grace_period: Duration,
}

impl Default for CoreSettings {
    fn default() -> Self {
        CoreSettings {
            max_workers: DEFAULT_MAX_WORKERS,
            parent_calls_tracked: DEFAULT_PARENT_CALLS_TRACKED,
            serializer: crate::serialization::JSON.to_owned(),
            accept: None,
            shutdown_grace_period: DEFAULT_SHUTDOWN_GRACE_PERIOD,
        }
    }
}

impl CoreSettings {
    /// `serializer` and `ACCEPT` resolved against the registry.
    pub fn serializers(&self) -> Result<Serializers, SerializationError> {
        Serializers::new(&self.serializer, self.accept.as_deref())
    }
}

/// A registered serializer's name (`pickle` refused, saying why).
fn serializer_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = de::string(d)?;
    serialization::lookup(&name).map_err(D::Error::custom)?;
    Ok(name)
}

/// A list of registered serializers' names, or `null` (the default).
fn accept_names<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let names = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(name) => Ok(name),
                other => Err(D::Error::custom(format!(
                    "expected a list of serializer names, got the item {other}"
                ))),
            })
            .collect::<Result<Vec<String>, _>>()?,
        other => {
            return Err(D::Error::custom(format!(
                "expected a list of serializer names, got {other}"
            )));
        }
    };
    for name in &names {
        serialization::lookup(name).map_err(D::Error::custom)?;
    }
    Ok(Some(names))
}
