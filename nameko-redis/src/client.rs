//! [`Redis`]: the dependency provider, its lifecycle and the workers' client.

use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use nameko_core::config::redact::{redact_in, redact_uri};
use nameko_core::{BoxError, ConfigError, ContainerHandle, DependencyProvider, Extension};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::task::JoinHandle;

use crate::RedisError;
use crate::settings::{self, REDIS_URIS};

/// The smallest delay between two connection attempts; it doubles with each one.
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(100);

/// The longest delay between two connection attempts.
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(2);

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
    /// `REDIS_OPTIONS` says. Default: [`DEFAULT_RESPONSE_TIMEOUT`](crate::DEFAULT_RESPONSE_TIMEOUT).
    pub fn with_response_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.response_timeout = Some(timeout);
        self
    }

    /// How long one connection attempt may take (`None`: no limit), whatever
    /// `REDIS_OPTIONS` says. Default: [`DEFAULT_CONNECTION_TIMEOUT`](crate::DEFAULT_CONNECTION_TIMEOUT).
    pub fn with_connection_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connection_timeout = Some(timeout);
        self
    }

    /// How many attempts follow the first when (re)connecting, whatever `REDIS_OPTIONS`
    /// says. Default: [`DEFAULT_RECONNECT_RETRIES`](crate::DEFAULT_RECONNECT_RETRIES).
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
        nameko_core::sync::lock(&self.state)
    }

    fn config_error(&self, error: ConfigError) -> RedisError {
        RedisError::Config {
            key: self.key.clone(),
            error,
        }
    }

    /// Reads the URI and options of this dependency's key.
    fn prepare(&self, config: &nameko_core::Config) -> Result<Prepared, RedisError> {
        let (uri, options) = settings::read(config, &self.key).map_err(|e| self.config_error(e))?;
        let shown = redact_uri(&uri);
        let client = redis::Client::open(uri.as_str()).map_err(|e| {
            self.config_error(ConfigError::invalid(
                format!("{REDIS_URIS}.{}", self.key),
                format!(
                    "not a valid Redis URI (`{shown}`): {}",
                    redact_in(&e.to_string(), &uri)
                ),
            ))
        })?;
        let response_timeout = self.response_timeout.unwrap_or(options.response_timeout);
        let connection_timeout = self
            .connection_timeout
            .unwrap_or(options.connection_timeout);
        let retries = self
            .reconnect_retries
            .unwrap_or_else(|| options.reconnect_retries());

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
            return Err(Box::new(RedisError::NotConnected {
                key: self.key.clone(),
            }));
        };
        let manager = ConnectionManager::new_lazy_with_config(
            prepared.client.clone(),
            prepared.config.clone(),
        )
        .map_err(RedisError::from)?;
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
    use crate::{
        DEFAULT_CONNECTION_TIMEOUT, DEFAULT_RECONNECT_RETRIES, DEFAULT_RESPONSE_TIMEOUT,
        REDIS_OPTIONS,
    };
    use nameko_core::Config;

    #[test]
    fn redacts_passwords() {
        // The URI in logs and errors is core's `redact_uri`.
        let redact = redact_uri;
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
}
