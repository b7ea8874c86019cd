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
//! assert_eq!(config.get("AMQP_URI").unwrap(), "pyamqp://guest:guest@localhost");
//! assert_eq!(config.max_workers(), 4);
//! ```
//!
//! # Reading a crate's settings
//!
//! A config is one flat mapping shared by every crate: nameko-core reads `max_workers`,
//! nameko-amqp `AMQP_URI`, nameko-sqlx `DB_URIS`, an application its own keys. Each crate
//! reads the keys it owns once, typed, into a `#[derive(Deserialize)]` struct, with
//! [`Config::settings`]; the keys it does not name are left to the others. A value that
//! does not fit is a [`ConfigError::Invalid`] naming the key (a dotted path into it for a
//! nested one: `DB_POOL.orders.max_connections`) and saying what is wrong, never a silent
//! default:
//!
//! - name the keys as Nameko spells them: `#[serde(rename = "DB_URIS")]`;
//! - give every key its default with `#[serde(default)]` on the struct and a `Default`
//!   impl, or make it an `Option`;
//! - read seconds, positive integers, sizes and "`null` is off" with the deserializers of
//!   [`de`] (`#[serde(deserialize_with = "de::seconds")]`);
//! - `#[serde(deny_unknown_fields)]` on the struct of a section the crate owns whole
//!   (`REDIS_OPTIONS.development`) makes a typo'd option an error; never on the top-level
//!   struct, which sees every crate's keys;
//! - an entry of a `DB_URIS`-style mapping (a name a dependency is given in code) is read
//!   with [`Config::keyed`], which says which entries there are when the name is not one
//!   of them;
//! - a crate with an error type of its own wraps [`ConfigError`]
//!   (`#[error(transparent)] Config(#[from] ConfigError)`).
//!
//! ```
//! use std::time::Duration;
//! use nameko_core::Config;
//! use nameko_core::config::de;
//! use serde::Deserialize;
//!
//! /// The keys of a search client.
//! #[derive(Debug, Deserialize)]
//! #[serde(default)]
//! struct SearchSettings {
//!     /// `SEARCH_TIMEOUT`: seconds a query may take.
//!     #[serde(rename = "SEARCH_TIMEOUT", deserialize_with = "de::seconds")]
//!     timeout: Duration,
//!     /// `SEARCH_MAX_HITS`: hits per query.
//!     #[serde(rename = "SEARCH_MAX_HITS", deserialize_with = "de::positive")]
//!     max_hits: u32,
//! }
//!
//! impl Default for SearchSettings {
//!     fn default() -> Self {
//!         SearchSettings { timeout: Duration::from_secs(5), max_hits: 50 }
//!     }
//! }
//!
//! let config = Config::from_yaml_str(
//!     "SEARCH_TIMEOUT: 1.5\nSEARCH_URIS:\n  products: http://search:9200\nmax_workers: 4\n",
//! )?;
//! let settings: SearchSettings = config.settings()?;
//! assert_eq!(settings.timeout, Duration::from_millis(1500));
//! assert_eq!(settings.max_hits, 50);
//! let uri: String = config.keyed("SEARCH_URIS", "products")?;
//! assert_eq!(uri, "http://search:9200");
//!
//! let err = config.keyed::<String>("SEARCH_URIS", "orders").unwrap_err();
//! assert_eq!(err.to_string(), "config key `SEARCH_URIS`: no entry `orders` (it has: products)");
//! let typo = Config::from_yaml_str("SEARCH_MAX_HITS: 0\n")?;
//! assert_eq!(
//!     typo.settings::<SearchSettings>().unwrap_err().to_string(),
//!     "config key `SEARCH_MAX_HITS`: expected a positive integer, got 0"
//! );
//! # Ok::<(), nameko_core::ConfigError>(())
//! ```

use std::path::Path;
use std::time::Duration;

use crate::serialization::Serializers;
use serde::Deserialize;
use serde_json::{Map, Value};

mod checks;
pub mod de;
pub mod define;
mod env;
mod error;
pub mod redact;
mod settings;

pub use checks::SettingsCheck;
pub use define::Definition;
pub use error::ConfigError;
#[doc(hidden)]
pub use inventory;
pub use settings::*;

/// Reads `value`, the value of `key`, as `T`: a [`ConfigError::Invalid`] naming `key` (or
/// the path below it: `DB_POOL.orders.max_connections`) when it does not fit.
///
/// For a crate that takes a section apart itself before reading its pieces (nameko-sqlx's
/// `DB_POOL`, whose scalars are options for every database and whose mappings are the
/// options of one).
///
/// ```
/// use nameko_core::config::{decode, de};
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Pool {
///     #[serde(deserialize_with = "de::positive")]
///     size: u32,
/// }
///
/// let pool: Pool = decode("POOL", &serde_json::json!({"size": 4}))?;
/// assert_eq!(pool.size, 4);
/// let err = decode::<Pool>("POOL", &serde_json::json!({"size": 0})).unwrap_err();
/// assert_eq!(err.to_string(), "config key `POOL.size`: expected a positive integer, got 0");
/// # Ok::<(), nameko_core::ConfigError>(())
/// ```
pub fn decode<'a, T: Deserialize<'a>>(key: &str, value: &'a Value) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|e| ConfigError::from_path(Some(key), e))
}

/// Reads the whole config map as `T`.
fn decode_map<'a, T: Deserialize<'a>>(
    raw: &'a Map<String, Value>,
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(raw)
}

/// A loaded configuration: Nameko's keys with typed accessors, and every other key as JSON.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    raw: Map<String, Value>,
    /// nameko-core's keys, read from `raw` whenever it changes.
    core: CoreSettings,
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

    /// A configuration from a JSON object; checked as [`validate`](Self::validate) does.
    pub fn from_json(value: Value) -> Result<Self, ConfigError> {
        match value {
            Value::Object(raw) => Self::from_map(raw),
            _ => Err(ConfigError::NotAMapping { path: None }),
        }
    }

    /// The config of `raw`, checked by every registered [`SettingsCheck`].
    fn from_map(raw: Map<String, Value>) -> Result<Self, ConfigError> {
        let core = decode_map(&raw).map_err(|e| ConfigError::from_path(None, e))?;
        let config = Config { raw, core };
        checks::check_all(&config)?;
        Ok(config)
    }

    fn parse(
        text: &str,
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let substituted = env::substitute_env(text, &env)?;
        let yaml: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&substituted).map_err(|source| ConfigError::Yaml {
                path: path.map(Path::to_owned),
                source,
            })?;
        match env::yaml_to_json(yaml) {
            Value::Object(raw) => Self::from_map(raw),
            // An empty file is an empty config.
            Value::Null => Ok(Config::default()),
            _ => Err(ConfigError::NotAMapping {
                path: path.map(Path::to_owned),
            }),
        }
    }

    /// Sets a key, returning the changed config (for tests and programmatic set-up).
    ///
    /// The value is not checked here: [`validate`](Self::validate) (which every loader
    /// runs) says when one of nameko-core's keys is given a value that does not fit; until
    /// it is fixed, that key's accessor gives its default, with a warning logged.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set(key, value);
        self
    }

    /// Sets a key in place (checked as with [`with`](Self::with)).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.raw.insert(key.into(), value.into());
        self.core = lenient_core(&self.raw);
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
    pub fn get_as<'a, T: Deserialize<'a>>(&'a self, key: &str) -> Result<Option<T>, ConfigError> {
        self.raw
            .get(key)
            .map(|value| decode(key, value))
            .transpose()
    }

    /// The keys a crate owns, read as `T` from the whole config (the keys `T` does not name
    /// are other crates'): see [the module docs](self#reading-a-crates-settings).
    ///
    /// A value that does not fit is a [`ConfigError::Invalid`] naming its key, or the path
    /// to it in a nested value (`REDIS_OPTIONS.development.response_timeout`).
    pub fn settings<'a, T: Deserialize<'a>>(&'a self) -> Result<T, ConfigError> {
        decode_map(&self.raw).map_err(|e| ConfigError::from_path(None, e))
    }

    /// The entry `key` of the mapping `section`, read as `T`: `DB_URIS[orders]`,
    /// `REDIS_URIS[development]`, the names a dependency is given in code.
    ///
    /// A [`ConfigError::Invalid`] when `section` is not set or is not a mapping (naming
    /// `section`), when it has no entry `key` (naming `section` and the entries it has), or
    /// when the entry does not fit `T` (naming `section.key`).
    ///
    /// ```
    /// use nameko_core::Config;
    ///
    /// let config = Config::from_yaml_str("REDIS_URIS:\n  cache: redis://localhost/0\n")?;
    /// let uri: String = config.keyed("REDIS_URIS", "cache")?;
    /// assert_eq!(uri, "redis://localhost/0");
    ///
    /// let missing = config.keyed::<String>("REDIS_URIS", "sessions").unwrap_err();
    /// assert_eq!(
    ///     missing.to_string(),
    ///     "config key `REDIS_URIS`: no entry `sessions` (it has: cache)"
    /// );
    /// let unset = config.keyed::<String>("DB_URIS", "orders").unwrap_err();
    /// assert_eq!(
    ///     unset.to_string(),
    ///     "config key `DB_URIS`: not set (write `DB_URIS: {orders: ...}`)"
    /// );
    /// # Ok::<(), nameko_core::ConfigError>(())
    /// ```
    pub fn keyed<'a, T: Deserialize<'a>>(
        &'a self,
        section: &str,
        key: &str,
    ) -> Result<T, ConfigError> {
        let entries = match self.raw.get(section) {
            None => {
                return Err(ConfigError::invalid(
                    section,
                    format!("not set (write `{section}: {{{key}: ...}}`)"),
                ));
            }
            Some(Value::Object(entries)) => entries,
            Some(other) => {
                return Err(ConfigError::invalid(
                    section,
                    format!("expected a mapping of names to values, got {other}"),
                ));
            }
        };
        match entries.get(key) {
            Some(value) => decode(&format!("{section}.{key}"), value),
            None => {
                let mut known: Vec<&str> = entries.keys().map(String::as_str).collect();
                known.sort_unstable();
                Err(ConfigError::invalid(
                    section,
                    format!(
                        "no entry `{key}` (it has: {})",
                        if known.is_empty() {
                            "nothing".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ),
                ))
            }
        }
    }

    /// All keys and values.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.raw
    }

    /// Checks the types and ranges of the keys of every crate linked in (each registers
    /// its settings as a [`SettingsCheck`]; nameko-core's are [`CoreSettings`]); every
    /// loader does, so only a config changed with [`with`](Self::with) or
    /// [`set`](Self::set) can fail here.
    pub fn validate(&self) -> Result<(), ConfigError> {
        checks::check_all(self)
    }

    /// nameko-core's keys, read and checked: what the accessors below give.
    pub fn core(&self) -> &CoreSettings {
        &self.core
    }

    /// `max_workers` (default 10).
    pub fn max_workers(&self) -> usize {
        self.core.max_workers
    }

    /// `parent_calls_tracked` (default 10).
    pub fn parent_calls_tracked(&self) -> usize {
        self.core.parent_calls_tracked
    }

    /// `SHUTDOWN_GRACE_PERIOD` in seconds (default 30): how long a graceful stop waits for
    /// running workers before killing them.
    pub fn shutdown_grace_period(&self) -> Duration {
        self.core.shutdown_grace_period
    }

    /// `serializer` (default `json`) and `ACCEPT` (default `[<serializer>]`): what every
    /// message is encoded and decoded with (see [`serialization`](crate::serialization)).
    ///
    /// Both are checked when the config is loaded; for a config whose names were changed
    /// in code to ones that are not registered, this gives Nameko's default (`json`), with
    /// a warning.
    pub fn serializers(&self) -> Serializers {
        self.core.serializers().unwrap_or_else(|e| {
            tracing::warn!(target: "nameko_core::config", error = %e, "using the json serializer");
            Serializers::default()
        })
    }
}

/// nameko-core's keys of a config changed in code: a key whose value does not fit takes
/// its default, with a warning (and [`Config::validate`] fails until it is fixed).
fn lenient_core(raw: &Map<String, Value>) -> CoreSettings {
    let mut err = match decode_map(raw) {
        Ok(core) => return core,
        Err(err) => err,
    };
    let mut rest = raw.clone();
    loop {
        let top = match err.path().iter().next() {
            Some(serde_path_to_error::Segment::Map { key }) => key.clone(),
            _ => String::new(),
        };
        let shown = ConfigError::from_path(None, err);
        tracing::warn!(
            target: "nameko_core::config",
            error = %shown,
            "invalid config value set: its default is used until it is fixed (Config::validate reports it)"
        );
        if rest.remove(&top).is_none() {
            return CoreSettings::default();
        }
        err = match decode_map(&rest) {
            Ok(core) => return core,
            Err(err) => err,
        };
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
        assert_eq!(
            c.get("AMQP_URI"),
            Some(&json!("pyamqp://guest:guest@localhost"))
        );
        assert_eq!(c.get("WEB_SERVER_ADDRESS"), Some(&json!("0.0.0.0:8000")));
        assert_eq!(c.max_workers(), 10);
        assert_eq!(c.parent_calls_tracked(), 10);
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
        assert_eq!(
            c.get("AMQP_URI"),
            Some(&json!("amqp://guest:guest@rabbit.example:5673/"))
        );
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
            ("SHUTDOWN_GRACE_PERIOD: soon\n", SHUTDOWN_GRACE_PERIOD),
        ] {
            match parse(text) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: expected Invalid, got {other:?}"),
            }
        }
    }

    #[test]
    fn every_core_key_is_read_under_its_constant() {
        for (key, bad) in [
            (MAX_WORKERS, json!(0)),
            (PARENT_CALLS_TRACKED, json!(1.5)),
            (SERIALIZER, json!("pickle")),
            (SHUTDOWN_GRACE_PERIOD, json!(-1)),
        ] {
            let err = Config::from_json(json!({ key: bad })).unwrap_err();
            assert_eq!(err.key(), Some(key), "{err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("config key `{key}`: ")),
                "{err}"
            );
        }
    }

    #[test]
    fn core_settings_and_their_defaults() {
        let c = Config::from_json(json!({
            "SHUTDOWN_GRACE_PERIOD": 0,
            "AMQP_URI": "not core's: another crate checks it",
        }))
        .unwrap();
        assert_eq!(c.shutdown_grace_period(), Duration::ZERO);
        assert_eq!(Config::new().core(), &CoreSettings::default());
        assert_eq!(
            Config::new().shutdown_grace_period(),
            DEFAULT_SHUTDOWN_GRACE_PERIOD
        );
    }

    #[test]
    fn values_set_in_code_are_checked_by_validate() {
        let c = Config::new()
            .with(MAX_WORKERS, 0)
            .with(PARENT_CALLS_TRACKED, 3);
        // The bad key keeps its default, the good one is used.
        assert_eq!(c.max_workers(), DEFAULT_MAX_WORKERS);
        assert_eq!(c.parent_calls_tracked(), 3);
        let err = c.validate().unwrap_err();
        assert_eq!(err.key(), Some(MAX_WORKERS));
        let c = c.with(MAX_WORKERS, 3);
        assert_eq!(c.max_workers(), 3);
        c.validate().unwrap();
        let mut c = Config::new();
        c.set(SHUTDOWN_GRACE_PERIOD, 2);
        assert_eq!(c.shutdown_grace_period(), Duration::from_secs(2));
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(default)]
    struct Crate {
        #[serde(rename = "POOL")]
        pool: std::collections::BTreeMap<String, Pool>,
        #[serde(rename = "TIMEOUT", deserialize_with = "de::seconds")]
        timeout: Duration,
    }

    impl Default for Crate {
        fn default() -> Self {
            Crate {
                pool: Default::default(),
                timeout: Duration::from_secs(1),
            }
        }
    }

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Pool {
        #[serde(deserialize_with = "de::optional_positive")]
        size: Option<u32>,
    }

    #[test]
    fn settings_name_the_path_of_a_bad_value() {
        let c = Config::new().with("TIMEOUT", 2).with("OTHER", "not ours");
        let s: Crate = c.settings().unwrap();
        assert_eq!(s.timeout, Duration::from_secs(2));
        assert!(s.pool.is_empty());

        let c = Config::new().with("POOL", json!({"orders": {"size": 0}}));
        let err = c.settings::<Crate>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "config key `POOL.orders.size`: expected a positive integer, or null, got 0"
        );
        let c = Config::new().with("POOL", json!({"orders": {"sise": 1}}));
        let err = c.settings::<Crate>().unwrap_err();
        assert_eq!(err.key(), Some("POOL.orders"));
        assert!(err.to_string().contains("unknown field `sise`"), "{err}");
        let c = Config::new().with("TIMEOUT", "10s");
        assert_eq!(
            c.settings::<Crate>().unwrap_err().to_string(),
            "config key `TIMEOUT`: expected a positive number of seconds, got \"10s\""
        );
        let err = c.get_as::<Pool>("TIMEOUT").unwrap_err();
        assert_eq!(err.key(), Some("TIMEOUT"));
        let c = Config::new().with("P", json!({"size": "big"}));
        assert_eq!(c.get_as::<Pool>("P").unwrap_err().key(), Some("P.size"));
    }

    #[test]
    fn keyed_entries() {
        let c = Config::new().with("URIS", json!({"b": "x://b", "a": "x://a", "n": 3}));
        assert_eq!(c.keyed::<String>("URIS", "a").unwrap(), "x://a");
        assert_eq!(c.keyed::<&str>("URIS", "b").unwrap(), "x://b");
        let err = c.keyed::<String>("URIS", "c").unwrap_err();
        assert_eq!(
            err.to_string(),
            "config key `URIS`: no entry `c` (it has: a, b, n)"
        );
        let err = c.keyed::<String>("URIS", "n").unwrap_err();
        assert_eq!(err.key(), Some("URIS.n"));
        assert!(err.to_string().contains("expected a string"), "{err}");
        let err = c.keyed::<String>("NOPE", "a").unwrap_err();
        assert_eq!(
            err.to_string(),
            "config key `NOPE`: not set (write `NOPE: {a: ...}`)"
        );
        let c = Config::new().with("URIS", json!({}));
        assert!(
            c.keyed::<String>("URIS", "a")
                .unwrap_err()
                .to_string()
                .contains("(it has: nothing)")
        );
        let c = Config::new().with("URIS", "x://a");
        let err = c.keyed::<String>("URIS", "a").unwrap_err();
        assert_eq!(
            err.to_string(),
            "config key `URIS`: expected a mapping of names to values, got \"x://a\""
        );
    }

    #[test]
    fn errors_of_the_whole_config() {
        #[derive(Debug, serde::Deserialize)]
        struct Required {
            #[serde(rename = "NEEDED")]
            _needed: u8,
        }
        let err = Config::new().settings::<Required>().unwrap_err();
        assert_eq!(err.key(), Some(""));
        assert_eq!(err.to_string(), "config: missing field `NEEDED`");
    }
}
