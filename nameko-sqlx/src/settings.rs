//! Reading `DB_URIS` and `DB_POOL` from the service's config.

use std::str::FromStr;
use std::time::Duration;

use nameko_core::config::{Config, ConfigError, de, decode};
use serde::Deserialize;
use serde_json::{Map, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::DatabaseError;

/// The config key of the database URIs.
pub const DB_URIS: &str = "DB_URIS";
/// The config key of the pool options.
pub const DB_POOL: &str = "DB_POOL";

/// Default `DB_POOL.acquire_timeout`: 5 seconds.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Default `DB_POOL.idle_timeout`: 10 minutes.
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Default `DB_POOL.max_lifetime`: 30 minutes.
const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(1800);

/// What `DB_POOL` (or one key's section of it) may set. `null` is the default of an
/// option, except for the two timeouts, where it means "never".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PoolConfig {
    /// Defaults to `max_workers`.
    #[serde(deserialize_with = "de::optional_positive")]
    max_connections: Option<u32>,
    min_connections: Option<u32>,
    #[serde(deserialize_with = "de::optional_seconds")]
    acquire_timeout: Option<Duration>,
    #[serde(deserialize_with = "de::optional_seconds")]
    idle_timeout: Option<Duration>,
    #[serde(deserialize_with = "de::optional_seconds")]
    max_lifetime: Option<Duration>,
    test_before_acquire: Option<bool>,
    connect_on_start: Option<bool>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_connections: None,
            min_connections: None,
            acquire_timeout: None,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            max_lifetime: Some(DEFAULT_MAX_LIFETIME),
            test_before_acquire: None,
            connect_on_start: None,
        }
    }
}

/// Everything a `Database` needs to build its pool.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) connect: PgConnectOptions,
    pub(crate) max_connections: u32,
    pub(crate) min_connections: u32,
    pub(crate) acquire_timeout: Duration,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_lifetime: Option<Duration>,
    pub(crate) test_before_acquire: bool,
    pub(crate) connect_on_start: bool,
}

impl Settings {
    /// Reads the settings of the database `key` of service `service`.
    pub(crate) fn from_config(
        config: &Config,
        key: &str,
        service: &str,
        max_workers: usize,
    ) -> Result<Settings, DatabaseError> {
        let connect = connect_options(config, key, service)?;
        let pool = pool_config(config, key)?;
        let default_max = u32::try_from(max_workers.max(1)).unwrap_or(u32::MAX);
        let max_connections = pool.max_connections.unwrap_or(default_max);
        let min_connections = pool.min_connections.unwrap_or(0);
        if min_connections > max_connections {
            return Err(ConfigError::invalid(
                format!("{DB_POOL}.min_connections"),
                format!("{min_connections} is more than max_connections ({max_connections})"),
            )
            .into());
        }
        Ok(Settings {
            connect,
            max_connections,
            min_connections,
            acquire_timeout: pool.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT),
            idle_timeout: pool.idle_timeout,
            max_lifetime: pool.max_lifetime,
            test_before_acquire: pool.test_before_acquire.unwrap_or(true),
            connect_on_start: pool.connect_on_start.unwrap_or(false),
        })
    }

    /// sqlx's pool options.
    pub(crate) fn pool_options(&self) -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(self.max_connections)
            .min_connections(self.min_connections)
            .acquire_timeout(self.acquire_timeout)
            .idle_timeout(self.idle_timeout)
            .max_lifetime(self.max_lifetime)
            .test_before_acquire(self.test_before_acquire)
    }
}

fn connect_options(
    config: &Config,
    key: &str,
    service: &str,
) -> Result<PgConnectOptions, DatabaseError> {
    let uri: String = config.keyed(DB_URIS, key)?;
    let entry = || format!("{DB_URIS}.{key}");
    let uri = postgres_uri(&uri).ok_or_else(|| {
        ConfigError::invalid(
            entry(),
            "not a Postgres URI: it must start with `postgres://` or `postgresql://`",
        )
    })?;
    let options = PgConnectOptions::from_str(&uri).map_err(|e| {
        ConfigError::invalid(
            entry(),
            format!(
                "not a valid Postgres URI: {}",
                nameko_core::config::redact::redact_in(&e.to_string(), &uri)
            ),
        )
    })?;
    Ok(if options.get_application_name().is_none() {
        options.application_name(service)
    } else {
        options
    })
}

/// `uri` with an SQLAlchemy driver suffix dropped (`postgresql+psycopg2://` becomes
/// `postgresql://`), or `None` when it is not a Postgres URI.
fn postgres_uri(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let dialect = scheme.split('+').next().unwrap_or(scheme);
    matches!(dialect, "postgres" | "postgresql").then(|| format!("{dialect}://{rest}"))
}

/// The pool options of the database `key`: `DB_POOL`'s scalars are options for every
/// database, and its mapping `DB_POOL[key]` the options of that one, which win.
fn pool_config(config: &Config, key: &str) -> Result<PoolConfig, DatabaseError> {
    let Some(pool) = config.get_as::<Map<String, Value>>(DB_POOL)? else {
        return Ok(PoolConfig::default());
    };
    let (sections, mut common): (Map<String, Value>, Map<String, Value>) =
        pool.into_iter().partition(|(_, v)| v.is_object());
    // Each part is read on its own first, so that an error names where it is.
    decode::<PoolConfig>(DB_POOL, &Value::Object(common.clone()))?;
    if let Some(Value::Object(own)) = sections.get(key) {
        let own_key = format!("{DB_POOL}.{key}");
        decode::<PoolConfig>(&own_key, &Value::Object(own.clone()))?;
        common.extend(own.clone());
    }
    Ok(decode(DB_POOL, &Value::Object(common))?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn config(value: Value) -> Config {
        Config::from_json(value).unwrap()
    }

    #[test]
    fn defaults_follow_max_workers() {
        let c = config(json!({"DB_URIS": {"orders": "postgres://postgres@127.0.0.1:5432/test"}}));
        let s = Settings::from_config(&c, "orders", "orders", 7).unwrap();
        assert_eq!(s.max_connections, 7);
        assert_eq!(s.min_connections, 0);
        assert_eq!(s.acquire_timeout, DEFAULT_ACQUIRE_TIMEOUT);
        assert!(s.test_before_acquire);
        assert!(!s.connect_on_start);
        assert_eq!(s.connect.get_database(), Some("test"));
        assert_eq!(s.connect.get_application_name(), Some("orders"));
    }

    #[test]
    fn pool_options_common_and_per_key() {
        let c = config(json!({
            "DB_URIS": {"orders:Base": "postgres://u@h/db?application_name=mine"},
            "DB_POOL": {
                "max_connections": 4,
                "acquire_timeout": 0.5,
                "idle_timeout": null,
                "orders:Base": {"max_connections": 2},
                "other": {"max_connections": 9},
            },
        }));
        let s = Settings::from_config(&c, "orders:Base", "orders", 10).unwrap();
        assert_eq!(s.max_connections, 2);
        assert_eq!(s.connect.get_host(), "h");
        assert_eq!(s.acquire_timeout, Duration::from_millis(500));
        assert_eq!(s.idle_timeout, None);
        assert_eq!(s.connect.get_application_name(), Some("mine"));
    }

    #[test]
    fn sqlalchemy_uris_are_accepted() {
        assert_eq!(
            postgres_uri("postgresql+psycopg2://u@h/db").as_deref(),
            Some("postgresql://u@h/db")
        );
        assert_eq!(
            postgres_uri("postgres://h/db").as_deref(),
            Some("postgres://h/db")
        );
        assert_eq!(postgres_uri("sqlite:///x.db"), None);
        assert_eq!(postgres_uri("localhost/db"), None);
    }

    #[test]
    fn errors_name_the_key() {
        let c = config(json!({}));
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("`DB_URIS`"), "{e}");

        let c = config(json!({"DB_URIS": {"users": "postgres://h/db"}}));
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("no entry `orders`"), "{e}");
        assert!(e.to_string().contains("users"), "{e}");

        let c = config(json!({"DB_URIS": {"orders": "mysql://h/db"}}));
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("`DB_URIS.orders`"), "{e}");

        let c = config(json!({"DB_URIS": {"orders": 3}}));
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("`DB_URIS.orders`"), "{e}");

        let c = config(
            json!({"DB_URIS": {"orders": "postgres://h/db"}, "DB_POOL": {"max_conections": 3}}),
        );
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("`DB_POOL`"), "{e}");
        assert!(e.to_string().contains("max_conections"), "{e}");

        let c = config(
            json!({"DB_URIS": {"orders": "postgres://h/db"}, "DB_POOL": {"acquire_timeout": -1}}),
        );
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("`DB_POOL.acquire_timeout`"), "{e}");

        let c = config(
            json!({"DB_URIS": {"orders": "postgres://h/db"}, "DB_POOL": {"max_connections": 0}}),
        );
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("`DB_POOL.max_connections`"), "{e}");
    }

    #[test]
    fn per_key_options_override_and_name_their_key() {
        let c = config(json!({
            "DB_URIS": {"orders": "postgres://h/db"},
            "DB_POOL": {"idle_timeout": 5, "max_lifetime": null, "orders": {"idle_timeout": null}},
        }));
        let s = Settings::from_config(&c, "orders", "orders", 10).unwrap();
        assert_eq!(s.idle_timeout, None);
        assert_eq!(s.max_lifetime, None);
        let s = Settings::from_config(
            &config(json!({"DB_URIS": {"orders": "postgres://h/db"}})),
            "orders",
            "orders",
            10,
        )
        .unwrap();
        assert_eq!(s.idle_timeout, Some(Duration::from_secs(600)));
        assert_eq!(s.max_lifetime, Some(Duration::from_secs(1800)));

        let c = config(json!({
            "DB_URIS": {"orders": "postgres://h/db"},
            "DB_POOL": {"orders": {"acquire_timeout": "soon"}},
        }));
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "config key `DB_POOL.orders.acquire_timeout`: expected a positive number of seconds, or null for no limit, got \"soon\""
        );
        let c = config(json!({
            "DB_URIS": {"orders": "postgres://h/db"},
            "DB_POOL": {"max_connections": 2, "orders": {"min_connections": 3}},
        }));
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("`DB_POOL.min_connections`"), "{e}");
        let c = config(json!({"DB_URIS": {"orders": "postgres://u:hunter2@h:notaport/db"}}));
        let e = Settings::from_config(&c, "orders", "orders", 10).unwrap_err();
        assert!(e.to_string().contains("`DB_URIS.orders`"), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
