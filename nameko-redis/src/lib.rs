#![doc = include_str!("../README.md")]

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use nameko_core::{
    BoxError, ContainerHandle, DependencyProvider, Extension, RemoteError, ToRemoteError,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Deserializer};
use tokio::task::JoinHandle;

/// The redis-rs crate this one is built on, so a service uses the matching version:
/// `use nameko_redis::redis::AsyncCommands;`.
pub use redis;

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

/// The smallest delay between two connection attempts; it doubles with each one.
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(100);

/// The longest delay between two connection attempts.
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(2);

/// What can go wrong with a [`Redis`] dependency.
///
/// Every redis-rs error converts into it (`?` in a method that returns `RedisError`):
/// connection failures and timeouts become [`Connection`](Self::Connection), the others
/// (an error reply of the server, a reply that does not decode) [`Command`](Self::Command).
/// A method that returns it answers its caller with the remote error redis-py would raise
/// (see [the crate docs](crate#errors)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// The config has no usable URI or options for the dependency's key.
    #[error("Redis `{key}`: {message}")]
    Config {
        /// The key in `REDIS_URIS`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The dependency is not started (or already stopped): no client to give.
    #[error(
        "Redis `{key}` is not connected: the service is not running, or the field is not listed in `#[service(dependencies(...))]`"
    )]
    NotConnected {
        /// The key in `REDIS_URIS`.
        key: String,
    },
    /// Redis could not be reached, the connection dropped, or a reply timed out.
    #[error("Redis connection error: {0}")]
    Connection(#[source] redis::RedisError),
    /// Redis answered a command with an error, or the reply did not decode.
    #[error("Redis command error: {0}")]
    Command(#[source] redis::RedisError),
}

impl From<redis::RedisError> for RedisError {
    fn from(err: redis::RedisError) -> Self {
        if is_connection_error(&err) {
            RedisError::Connection(err)
        } else {
            RedisError::Command(err)
        }
    }
}

fn is_connection_error(err: &redis::RedisError) -> bool {
    err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || matches!(
            err.kind(),
            redis::ErrorKind::AuthenticationFailed | redis::ErrorKind::InvalidClientConfig
        )
}

impl RedisError {
    /// The redis-rs error underneath, for a [`Connection`](Self::Connection) or
    /// [`Command`](Self::Command) error.
    pub fn redis_error(&self) -> Option<&redis::RedisError> {
        match self {
            RedisError::Connection(e) | RedisError::Command(e) => Some(e),
            RedisError::Config { .. } | RedisError::NotConnected { .. } => None,
        }
    }

    /// The error code of an error reply of the server (`WRONGTYPE`, `NOSCRIPT`, ...).
    pub fn code(&self) -> Option<&str> {
        self.redis_error().and_then(redis::RedisError::code)
    }

    /// Whether this is a connection failure (Redis unreachable, the connection dropped, a
    /// timeout, the dependency not running): the command may succeed later.
    pub fn is_connection_error(&self) -> bool {
        matches!(
            self,
            RedisError::Connection(_) | RedisError::NotConnected { .. }
        )
    }
}

/// The name and path redis-py gives the exception for `err`.
fn python_exception(err: &redis::RedisError) -> &'static str {
    if err.is_timeout() {
        "TimeoutError"
    } else if err.kind() == redis::ErrorKind::AuthenticationFailed {
        "AuthenticationError"
    } else if is_connection_error(err) {
        "ConnectionError"
    } else if matches!(
        err.kind(),
        redis::ErrorKind::Server(_) | redis::ErrorKind::Extension
    ) {
        "ResponseError"
    } else {
        "RedisError"
    }
}

impl ToRemoteError for RedisError {
    /// The remote error redis-py's exception would give: `exc_type` `ConnectionError`,
    /// `TimeoutError`, `AuthenticationError`, `ResponseError` (an error reply of the
    /// server) or `RedisError` (anything else: a config error, a reply that does not
    /// decode), `exc_path` `redis.exceptions.<exc_type>`, `value` this error's message.
    fn to_remote_error(&self) -> RemoteError {
        let exc_type = match self {
            RedisError::Config { .. } => "RedisError",
            RedisError::NotConnected { .. } => "ConnectionError",
            RedisError::Connection(e) | RedisError::Command(e) => python_exception(e),
        };
        RemoteError::new(exc_type, self.to_string())
            .with_path(format!("redis.exceptions.{exc_type}"))
    }
}

impl From<RedisError> for RemoteError {
    /// As [`ToRemoteError`].
    fn from(err: RedisError) -> RemoteError {
        err.to_remote_error()
    }
}

/// A Redis client for a service's workers: Python nameko-redis's `Redis('development')`.
///
/// A field of the service listed in `dependencies(...)`; [`client`](Self::client) gives a
/// worker its connection. See the [crate docs](crate) for the config, the lifecycle and
/// what happens when Redis goes away.
pub struct Redis {
    key: String,
    response_timeout: Option<Option<Duration>>,
    connection_timeout: Option<Option<Duration>>,
    reconnect_retries: Option<usize>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// What setup read: the client (connection info) and the manager's options.
    prepared: Option<Prepared>,
    /// The connection, between start and stop.
    manager: Option<ConnectionManager>,
    /// The startup connection check.
    probe: Option<JoinHandle<()>>,
}

struct Prepared {
    client: redis::Client,
    config: ConnectionManagerConfig,
    /// The URI with its password hidden, for logs.
    uri: String,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the client: its connection info holds the password.
        let connected = self.lock().manager.is_some();
        f.debug_struct("Redis")
            .field("key", &self.key)
            .field("connected", &connected)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// A client for the Redis at `REDIS_URIS[key]`.
    pub fn new(key: impl Into<String>) -> Self {
        Redis {
            key: key.into(),
            response_timeout: None,
            connection_timeout: None,
            reconnect_retries: None,
            state: Mutex::new(State::default()),
        }
    }

    /// How long a command waits for its reply (`None`: forever), whatever
    /// `REDIS_OPTIONS` says. Default: [`DEFAULT_RESPONSE_TIMEOUT`].
    pub fn with_response_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.response_timeout = Some(timeout);
        self
    }

    /// How long one connection attempt may take (`None`: no limit), whatever
    /// `REDIS_OPTIONS` says. Default: [`DEFAULT_CONNECTION_TIMEOUT`].
    pub fn with_connection_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connection_timeout = Some(timeout);
        self
    }

    /// How many attempts follow the first when (re)connecting, whatever `REDIS_OPTIONS`
    /// says. Default: [`DEFAULT_RECONNECT_RETRIES`].
    pub fn with_reconnect_retries(mut self, retries: usize) -> Self {
        self.reconnect_retries = Some(retries);
        self
    }

    /// The key in `REDIS_URIS` this dependency connects to.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The worker's connection: a cheap clone of the dependency's [`ConnectionManager`],
    /// on which [`AsyncCommands`](redis::AsyncCommands) work. Clones share one multiplexed
    /// connection, so concurrent workers pipeline their commands on it.
    ///
    /// Fails with [`RedisError::NotConnected`] before the service starts or after it
    /// stopped; never waits for Redis (the command does).
    ///
    /// ```no_run
    /// use nameko_redis::redis::AsyncCommands;
    /// use nameko_redis::{Redis, RedisError};
    ///
    /// async fn count_visit(cache: &Redis, page: &str) -> Result<i64, RedisError> {
    ///     let mut redis = cache.client()?;
    ///     Ok(redis.incr(format!("visits:{page}"), 1).await?)
    /// }
    /// ```
    pub fn client(&self) -> Result<ConnectionManager, RedisError> {
        self.lock()
            .manager
            .clone()
            .ok_or_else(|| RedisError::NotConnected {
                key: self.key.clone(),
            })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn config_error(&self, message: impl Into<String>) -> RedisError {
        RedisError::Config {
            key: self.key.clone(),
            message: message.into(),
        }
    }

    /// Reads the URI and options of this dependency's key.
    fn prepare(&self, config: &nameko_core::Config) -> Result<Prepared, RedisError> {
        let uris: HashMap<String, String> = config
            .get_as(REDIS_URIS)
            .map_err(|e| self.config_error(e.to_string()))?
            .ok_or_else(|| {
                self.config_error(format!(
                    "config key `{REDIS_URIS}` is not set (write `{REDIS_URIS}: {{{}: redis://localhost:6379/0}}`)",
                    self.key
                ))
            })?;
        let uri = uris.get(&self.key).ok_or_else(|| {
            let mut known: Vec<&str> = uris.keys().map(String::as_str).collect();
            known.sort_unstable();
            self.config_error(format!(
                "`{REDIS_URIS}` has no key `{}` (it has: {})",
                self.key,
                if known.is_empty() {
                    "nothing".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        let shown = redact(uri);
        let client = redis::Client::open(uri.as_str()).map_err(|e| {
            self.config_error(format!(
                "`{REDIS_URIS}.{}` is not a valid Redis URI (`{shown}`): {e}",
                self.key
            ))
        })?;

        let mut all_options: HashMap<String, OptionsConfig> = config
            .get_as(REDIS_OPTIONS)
            .map_err(|e| self.config_error(e.to_string()))?
            .unwrap_or_default();
        let options = all_options.remove(&self.key).unwrap_or_default();
        let seconds = |name: &str, value: Option<Option<f64>>| {
            value
                .map(|v| {
                    v.map(Duration::try_from_secs_f64).transpose().map_err(|e| {
                        self.config_error(format!(
                            "`{REDIS_OPTIONS}.{}.{name}`: {e} (give seconds, or null for none)",
                            self.key
                        ))
                    })
                })
                .transpose()
        };
        let response_timeout = self
            .response_timeout
            .or(seconds("response_timeout", options.response_timeout)?)
            .unwrap_or(Some(DEFAULT_RESPONSE_TIMEOUT));
        let connection_timeout = self
            .connection_timeout
            .or(seconds("connection_timeout", options.connection_timeout)?)
            .unwrap_or(Some(DEFAULT_CONNECTION_TIMEOUT));
        let retries = self
            .reconnect_retries
            .or(options.reconnect_retries)
            .unwrap_or(DEFAULT_RECONNECT_RETRIES);

        let config = ConnectionManagerConfig::new()
            .set_response_timeout(response_timeout)
            .set_connection_timeout(connection_timeout)
            .set_number_of_retries(retries)
            .set_min_delay(RECONNECT_MIN_DELAY)
            .set_max_delay(RECONNECT_MAX_DELAY);
        Ok(Prepared {
            client,
            config,
            uri: shown,
        })
    }

    fn close(&self, how: &str) {
        let (manager, probe) = {
            let mut state = self.lock();
            (state.manager.take(), state.probe.take())
        };
        if let Some(probe) = probe {
            probe.abort();
        }
        if manager.is_some() {
            tracing::debug!(redis = %self.key, "Redis connection closed ({how})");
        }
        // The connection closes when the last clone (held by a worker) is dropped.
        drop(manager);
    }
}

/// One key of `REDIS_OPTIONS`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsConfig {
    #[serde(default, deserialize_with = "present")]
    response_timeout: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    connection_timeout: Option<Option<f64>>,
    #[serde(default)]
    reconnect_retries: Option<usize>,
}

/// A present value, `null` included: `Some(None)` for `null`, `None` only when absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

/// `uri` with its password replaced by `***`.
fn redact(uri: &str) -> String {
    let Some(scheme_end) = uri.find("://") else {
        return uri.to_owned();
    };
    let rest = &uri[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return uri.to_owned();
    };
    let userinfo = &rest[..at];
    let user = match userinfo.find(':') {
        Some(colon) => format!("{}:***", &userinfo[..colon]),
        None if userinfo.is_empty() => String::new(),
        // `redis://password@host` is not a form redis-rs reads as a password, but hide it.
        None => "***".to_owned(),
    };
    format!("{}{user}{}", &uri[..scheme_end + 3], &rest[at..])
}

#[nameko_core::async_trait]
impl Extension for Redis {
    /// Reads `REDIS_URIS[key]` and `REDIS_OPTIONS[key]`: a [`RedisError::Config`] naming
    /// the key when they are missing or wrong. Does not connect.
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let prepared = self.prepare(container.config())?;
        tracing::debug!(redis = %self.key, uri = %prepared.uri, "Redis set up");
        self.lock().prepared = Some(prepared);
        Ok(())
    }

    /// Creates the connection manager without waiting for Redis, and checks in the
    /// background that Redis can be reached (logging the outcome).
    async fn start(&self, _container: &ContainerHandle) -> Result<(), BoxError> {
        let mut state = self.lock();
        let Some(prepared) = state.prepared.as_ref() else {
            return Err(Box::new(self.config_error("started before it was set up")));
        };
        let manager = ConnectionManager::new_lazy_with_config(
            prepared.client.clone(),
            prepared.config.clone(),
        )
        .map_err(|e| self.config_error(format!("cannot create the connection: {e}")))?;
        let mut probe_conn = manager.clone();
        let key = self.key.clone();
        let uri = prepared.uri.clone();
        let probe = tokio::spawn(async move {
            match redis::cmd("PING").query_async::<()>(&mut probe_conn).await {
                Ok(()) => tracing::info!(redis = %key, %uri, "connected to Redis"),
                Err(e) => tracing::warn!(
                    redis = %key,
                    %uri,
                    error = %e,
                    "cannot reach Redis; the service runs and commands will try again"
                ),
            }
        });
        if let Some(old) = state.probe.replace(probe) {
            old.abort();
        }
        state.manager = Some(manager);
        Ok(())
    }

    async fn stop(&self) {
        self.close("stop");
    }

    async fn kill(&self) {
        self.close("kill");
    }
}

/// No per-worker hooks: workers share the dependency's connection, each with its own
/// clone. The broker-free test kit keeps it as it is (no test double): point
/// `REDIS_URIS` at a test Redis.
impl DependencyProvider for Redis {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use nameko_core::Config;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("redis://localhost:6379/0"),
            "redis://localhost:6379/0"
        );
        assert_eq!(
            redact("redis://user:secret@host:6379/1"),
            "redis://user:***@host:6379/1"
        );
        assert_eq!(redact("redis://:secret@host/0"), "redis://:***@host/0");
        assert_eq!(redact("rediss://secret@host"), "rediss://***@host");
        assert_eq!(redact("not a uri"), "not a uri");
    }

    #[test]
    fn missing_key_names_it() {
        let config = Config::new().with(
            REDIS_URIS,
            serde_json::json!({"production": "redis://localhost"}),
        );
        let err = Redis::new("development").prepare(&config).err().unwrap();
        let text = err.to_string();
        assert!(text.contains("`development`"), "{text}");
        assert!(text.contains("production"), "{text}");
        assert!(matches!(err, RedisError::Config { ref key, .. } if key == "development"));
    }

    #[test]
    fn missing_uris_names_the_config_key() {
        let err = Redis::new("development")
            .prepare(&Config::new())
            .err()
            .unwrap();
        assert!(err.to_string().contains("REDIS_URIS"), "{err}");
    }

    #[test]
    fn bad_uri_is_a_config_error_without_the_password() {
        let config = Config::new().with(
            REDIS_URIS,
            serde_json::json!({"development": "http://user:secret@localhost"}),
        );
        let err = Redis::new("development").prepare(&config).err().unwrap();
        let text = err.to_string();
        assert!(text.contains("REDIS_URIS.development"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn options_from_config_and_code() {
        let config = Config::new()
            .with(
                REDIS_URIS,
                serde_json::json!({"development": "redis://localhost/0"}),
            )
            .with(
                REDIS_OPTIONS,
                serde_json::json!({"development": {"response_timeout": 1.5, "connection_timeout": null, "reconnect_retries": 1}}),
            );
        let p = Redis::new("development").prepare(&config).unwrap();
        assert_eq!(
            p.config.response_timeout(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(p.config.connection_timeout(), None);
        assert_eq!(p.config.number_of_retries(), 1);

        let p = Redis::new("development")
            .with_response_timeout(None)
            .with_reconnect_retries(7)
            .prepare(&config)
            .unwrap();
        assert_eq!(p.config.response_timeout(), None);
        assert_eq!(p.config.number_of_retries(), 7);

        let defaults = Config::new().with(
            REDIS_URIS,
            serde_json::json!({"development": "redis://localhost/0"}),
        );
        let p = Redis::new("development").prepare(&defaults).unwrap();
        assert_eq!(p.config.response_timeout(), Some(DEFAULT_RESPONSE_TIMEOUT));
        assert_eq!(
            p.config.connection_timeout(),
            Some(DEFAULT_CONNECTION_TIMEOUT)
        );
        assert_eq!(p.config.number_of_retries(), DEFAULT_RECONNECT_RETRIES);
    }

    #[test]
    fn bad_options_name_the_key() {
        let config = Config::new()
            .with(
                REDIS_URIS,
                serde_json::json!({"development": "redis://localhost/0"}),
            )
            .with(
                REDIS_OPTIONS,
                serde_json::json!({"development": {"response_timeout": -1}}),
            );
        let err = Redis::new("development").prepare(&config).err().unwrap();
        assert!(
            err.to_string()
                .contains("REDIS_OPTIONS.development.response_timeout"),
            "{err}"
        );

        let config = config.with(
            REDIS_OPTIONS,
            serde_json::json!({"development": {"socket_timeout": 1}}),
        );
        let err = Redis::new("development").prepare(&config).err().unwrap();
        assert!(err.to_string().contains("socket_timeout"), "{err}");
    }

    #[test]
    fn remote_error_shapes() {
        let not_connected = RedisError::NotConnected { key: "x".into() };
        let remote = not_connected.to_remote_error();
        assert_eq!(remote.exc_type, "ConnectionError");
        assert_eq!(remote.exc_path, "redis.exceptions.ConnectionError");

        let refused: RedisError =
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
                .into();
        assert!(refused.is_connection_error());
        assert_eq!(refused.to_remote_error().exc_type, "ConnectionError");

        let timeout: RedisError =
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)).into();
        assert_eq!(timeout.to_remote_error().exc_type, "TimeoutError");

        let config = RedisError::Config {
            key: "x".into(),
            message: "m".into(),
        };
        let remote: RemoteError = config.into();
        assert_eq!(remote.exc_type, "RedisError");
        assert_eq!(remote.value, "Redis `x`: m");
    }
}
