//! Reading `DB_URIS` and `DB_POOL` from the service's config.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use nameko_core::Config;
use serde::Deserialize;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::DatabaseError;

/// The config key of the database URIs.
pub const DB_URIS: &str = "DB_URIS";
/// The config key of the pool options.
pub const DB_POOL: &str = "DB_POOL";

/// Default `DB_POOL.acquire_timeout`: 5 seconds.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// What `DB_POOL` (or one key's section of it) may set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolConfig {
    max_connections: Option<u32>,
    min_connections: Option<u32>,
    acquire_timeout: Option<f64>,
    #[serde(default, deserialize_with = "nullable")]
    idle_timeout: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    max_lifetime: Option<Option<f64>>,
    test_before_acquire: Option<bool>,
    connect_on_start: Option<bool>,
}

/// A present key: `Some(None)` for `null`, `Some(Some(seconds))` for a number.
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

impl PoolConfig {
    fn overridden_by(self, other: PoolConfig) -> PoolConfig {
        PoolConfig {
            max_connections: other.max_connections.or(self.max_connections),
            min_connections: other.min_connections.or(self.min_connections),
            acquire_timeout: other.acquire_timeout.or(self.acquire_timeout),
            idle_timeout: other.idle_timeout.or(self.idle_timeout),
            max_lifetime: other.max_lifetime.or(self.max_lifetime),
            test_before_acquire: other.test_before_acquire.or(self.test_before_acquire),
            connect_on_start: other.connect_on_start.or(self.connect_on_start),
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
        if max_connections == 0 {
            return Err(invalid("max_connections", "must be at least 1".to_owned()));
        }
        let min_connections = pool.min_connections.unwrap_or(0);
        if min_connections > max_connections {
            return Err(invalid(
                "min_connections",
                format!("{min_connections} is more than max_connections ({max_connections})"),
            ));
        }
        let acquire_timeout = match pool.acquire_timeout {
            Some(secs) => seconds("acquire_timeout", secs)?,
            None => DEFAULT_ACQUIRE_TIMEOUT,
        };
        let idle_timeout = match pool.idle_timeout {
            Some(Some(secs)) => Some(seconds("idle_timeout", secs)?),
            Some(None) => None,
            None => Some(Duration::from_secs(600)),
        };
        let max_lifetime = match pool.max_lifetime {
            Some(Some(secs)) => Some(seconds("max_lifetime", secs)?),
            Some(None) => None,
            None => Some(Duration::from_secs(1800)),
        };
        Ok(Settings {
            connect,
            max_connections,
            min_connections,
            acquire_timeout,
            idle_timeout,
            max_lifetime,
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

fn invalid(option: &str, message: String) -> DatabaseError {
    DatabaseError::Config {
        key: format!("{DB_POOL}.{option}"),
        message,
    }
}

fn seconds(option: &str, secs: f64) -> Result<Duration, DatabaseError> {
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(invalid(
            option,
            format!("{secs} is not a positive number of seconds"),
        )),
    }
}

fn connect_options(
    config: &Config,
    key: &str,
    service: &str,
) -> Result<PgConnectOptions, DatabaseError> {
    let uris: BTreeMap<String, Value> = config
        .get_as(DB_URIS)
        .map_err(|e| DatabaseError::Config {
            key: DB_URIS.to_owned(),
            message: format!("must map keys to URIs ({e})"),
        })?
        .ok_or_else(|| DatabaseError::Config {
            key: DB_URIS.to_owned(),
            message: format!(
                "missing: the database of service `{service}` needs `{DB_URIS}: {{{key}: postgres://...}}`"
            ),
        })?;
    let uri = match uris.get(key) {
        Some(Value::String(uri)) => uri,
        Some(_) => {
            return Err(DatabaseError::Config {
                key: format!("{DB_URIS}.{key}"),
                message: "must be a URI string (postgres://user:password@host:port/dbname)"
                    .to_owned(),
            });
        }
        None => {
            let known: Vec<&str> = uris.keys().map(String::as_str).collect();
            return Err(DatabaseError::Config {
                key: DB_URIS.to_owned(),
                message: format!(
                    "no entry `{key}` for the database of service `{service}` (it has: {})",
                    if known.is_empty() {
                        "nothing".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        }
    };
    let uri = postgres_uri(uri).ok_or_else(|| DatabaseError::Config {
        key: format!("{DB_URIS}.{key}"),
        message: "not a Postgres URI: it must start with `postgres://` or `postgresql://`"
            .to_owned(),
    })?;
    let options = PgConnectOptions::from_str(&uri).map_err(|e| DatabaseError::Config {
        key: format!("{DB_URIS}.{key}"),
        message: format!("not a valid Postgres URI: {e}"),
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

fn pool_config(config: &Config, key: &str) -> Result<PoolConfig, DatabaseError> {
    let Some(value) = config.get(DB_POOL) else {
        return Ok(PoolConfig::default());
    };
    let Value::Object(map) = value else {
        return Err(DatabaseError::Config {
            key: DB_POOL.to_owned(),
            message: "must be a mapping of pool options".to_owned(),
        });
    };
    // Scalars are options for every database; a mapping is the options of one `DB_URIS`
    // key, which override them.
    let (sections, common): (
        serde_json::Map<String, Value>,
        serde_json::Map<String, Value>,
    ) = map
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(_, v)| v.is_object());
    let common: PoolConfig =
        serde_json::from_value(Value::Object(common)).map_err(|e| DatabaseError::Config {
            key: DB_POOL.to_owned(),
            message: e.to_string(),
        })?;
    match sections.get(key) {
        Some(section) => {
            let own: PoolConfig =
                serde_json::from_value(section.clone()).map_err(|e| DatabaseError::Config {
                    key: format!("{DB_POOL}.{key}"),
                    message: e.to_string(),
                })?;
            Ok(common.overridden_by(own))
        }
        None => Ok(common),
    }
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
}
