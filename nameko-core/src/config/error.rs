//! [`ConfigError`]: why a configuration, or one of its keys, is not usable.

use std::path::PathBuf;

/// Why a configuration could not be loaded, or why one of its keys is not usable.
///
/// Every problem with a key, whichever crate reads it, is [`ConfigError::Invalid`]: the key
/// (a dotted path into the config, such as `DB_POOL.orders.max_connections`) and what is
/// wrong with it. [`Config::settings`](super::Config::settings),
/// [`Config::keyed`](super::Config::keyed), [`Config::get_as`](super::Config::get_as) and
/// [`decode`](super::decode) give it; a crate with an error type of its own wraps it
/// (`MyError::Config(#[from] ConfigError)`) rather than defining another
/// `Config { key, message }` of its own.
///
/// ```
/// use nameko_core::ConfigError;
///
/// let err = ConfigError::invalid("DB_POOL.max_connections", "expected a positive integer, got 0");
/// assert_eq!(
///     err.to_string(),
///     "config key `DB_POOL.max_connections`: expected a positive integer, got 0"
/// );
/// assert_eq!(err.key(), Some("DB_POOL.max_connections"));
/// ```
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
    /// A `--define KEY=VALUE` cannot be read ([`Definition`](super::Definition)).
    #[error("invalid --define `{text}`: {message}")]
    Define {
        /// The definition as given.
        text: String,
        /// What is wrong with it.
        message: String,
    },
    /// A key is missing, or has a value of the wrong type or range.
    #[error("{}", invalid(key, message))]
    Invalid {
        /// The key: a top-level key (`max_workers`), or a dotted path into one
        /// (`DB_URIS.orders`, `REDIS_OPTIONS.development.response_timeout`). Empty when the
        /// problem is with the config as a whole (a settings struct with a required field
        /// that is absent).
        key: String,
        /// What is wrong with it (`expected a positive integer, got 0`).
        message: String,
    },
}

impl ConfigError {
    /// A [`ConfigError::Invalid`]: `key` has a value that does not fit, said by `message`.
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The key at fault, for [`ConfigError::Invalid`].
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }

    /// A serde error found at `path`, below `prefix` (a key, or nothing at the top level).
    pub(crate) fn from_path(
        prefix: Option<&str>,
        err: serde_path_to_error::Error<serde_json::Error>,
    ) -> Self {
        let message = err.inner().to_string();
        let mut segments: Vec<String> = err.path().iter().map(ToString::to_string).collect();
        // A typo'd field is a fault of the mapping it is in, whose key is named; the
        // message names the field (`unknown field `sise`, expected `size``).
        if message.starts_with("unknown field") {
            segments.pop();
        }
        let below = (!segments.is_empty()).then(|| join(&segments));
        let key = match (prefix, below) {
            (Some(prefix), Some(below)) => format!("{prefix}.{below}"),
            (Some(prefix), None) => prefix.to_owned(),
            (None, Some(below)) => below,
            (None, None) => String::new(),
        };
        ConfigError::invalid(key, message)
    }
}

/// Path segments as serde_path_to_error shows them: `a.b`, `list[0].c`.
fn join(segments: &[String]) -> String {
    let mut out = String::new();
    for segment in segments {
        if !out.is_empty() && !segment.starts_with('[') {
            out.push('.');
        }
        out.push_str(segment);
    }
    out
}

fn invalid(key: &str, message: &str) -> String {
    if key.is_empty() {
        format!("config: {message}")
    } else {
        format!("config key `{key}`: {message}")
    }
}

fn location(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!(" in {}", p.display()),
        None => String::new(),
    }
}
