//! `--define KEY=VALUE`: a config key set on the command line, as nameko 3.0's
//! `nameko run --define` does.
//!
//! The value is YAML (`max_workers=4` is the integer 4, `AMQP_SSL={certfile: c.pem}` a
//! mapping, `KEY='4'` the string `"4"`), without `${VAR}` substitution: the shell has
//! already expanded what it was asked to. A bare `KEY` is `true`. Definitions apply to the
//! top-level keys after the YAML file and its `${VAR}` substitution, later ones winning,
//! and the result is checked as a loaded file is ([`Config::define`]).
//!
//! ```
//! use nameko_core::Config;
//! use nameko_core::config::Definition;
//!
//! let file = Config::from_yaml_str("max_workers: 10\nAMQP_URI: amqp://localhost\n")?;
//! let config = file.define([
//!     "max_workers=4".parse::<Definition>()?,
//!     "DEBUG".parse()?,
//! ])?;
//! assert_eq!(config.max_workers(), 4);
//! assert_eq!(config.get("DEBUG"), Some(&serde_json::json!(true)));
//! assert_eq!(config.get("AMQP_URI"), Some(&serde_json::json!("amqp://localhost")));
//!
//! let bad = Config::new().define(["max_workers=0".parse::<Definition>()?]).unwrap_err();
//! assert_eq!(bad.to_string(), "config key `max_workers`: expected a positive integer, got 0");
//! # Ok::<(), nameko_core::ConfigError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use super::{Config, ConfigError, env};

/// One `KEY=VALUE` of the command line: a top-level key and its value, parsed as YAML.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    /// The key, with the spaces around it trimmed.
    pub key: String,
    /// The value: the YAML after the first `=` (`null` when it is empty), or `true` for a
    /// bare `KEY`.
    pub value: Value,
}

impl FromStr for Definition {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, ConfigError> {
        let (key, value) = match text.split_once('=') {
            Some((key, yaml)) => (key.trim(), parse_value(key.trim(), yaml)?),
            None => (text.trim(), Value::Bool(true)),
        };
        if key.is_empty() {
            return Err(ConfigError::Define {
                text: text.to_owned(),
                message: "no key before `=` (write KEY=VALUE, e.g. max_workers=4)".to_owned(),
            });
        }
        Ok(Definition {
            key: key.to_owned(),
            value,
        })
    }
}

impl fmt::Display for Definition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

fn parse_value(key: &str, yaml: &str) -> Result<Value, ConfigError> {
    let parsed: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(yaml).map_err(|e| ConfigError::Define {
            text: format!("{key}={yaml}"),
            message: format!("the value is not YAML: {e}"),
        })?;
    Ok(env::yaml_to_json(parsed))
}

impl Config {
    /// This config with `definitions` applied in order (a later one wins), checked as
    /// every loader checks a file: by nameko-core and each [`SettingsCheck`] linked in.
    ///
    /// [`SettingsCheck`]: super::SettingsCheck
    pub fn define(
        self,
        definitions: impl IntoIterator<Item = Definition>,
    ) -> Result<Config, ConfigError> {
        let mut raw = self.raw;
        for Definition { key, value } in definitions {
            raw.insert(key, value);
        }
        Config::from_map(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(text: &str) -> Definition {
        text.parse().unwrap()
    }

    #[test]
    fn values_are_yaml() {
        assert_eq!(def("max_workers=4").value, json!(4));
        assert_eq!(def("RATE=0.5").value, json!(0.5));
        assert_eq!(def("NAME='4'").value, json!("4"));
        assert_eq!(
            def("AMQP_URI=amqp://u:p@h:5672/v").value,
            json!("amqp://u:p@h:5672/v")
        );
        assert_eq!(def("EMPTY=").value, Value::Null);
        assert_eq!(def("ON").value, json!(true));
        assert_eq!(def(" SPACED = true").value, json!(true));
        assert_eq!(def(" SPACED = true").key, "SPACED");
        // YAML 1.2, as the config file is read: `yes` is a string (PyYAML's 1.1 says true).
        assert_eq!(def("FLAG=yes").value, json!("yes"));
        assert_eq!(
            def("AMQP_SSL={certfile: c.pem, cert_reqs: 2}").value,
            json!({"certfile": "c.pem", "cert_reqs": 2})
        );
        assert_eq!(
            def("LIST=[json, msgpack]").value,
            json!(["json", "msgpack"])
        );
        // Only the first `=` separates.
        assert_eq!(def("Q=a=b").value, json!("a=b"));
        // No `${VAR}` substitution: the text stays as written.
        assert_eq!(def("X=${HOME}").value, json!("${HOME}"));
    }

    #[test]
    fn bad_definitions_say_how_to_fix_them() {
        let e = "=4".parse::<Definition>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid --define `=4`: no key before `=` (write KEY=VALUE, e.g. max_workers=4)"
        );
        let e = "A=[1,".parse::<Definition>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid --define `A=[1,`: the value is not YAML: "),
            "{e}"
        );
    }

    #[test]
    fn definitions_override_the_file_in_order_and_are_checked() {
        let file = Config::from_yaml_str_with_env(
            "max_workers: ${W:10}\nparent_calls_tracked: 3\n",
            |_| None,
        )
        .unwrap();
        let config = file
            .clone()
            .define([def("max_workers=2"), def("max_workers=5"), def("NEW=x")])
            .unwrap();
        assert_eq!(config.max_workers(), 5);
        assert_eq!(config.parent_calls_tracked(), 3);
        assert_eq!(config.get("NEW"), Some(&json!("x")));
        let e = file
            .define([def("SHUTDOWN_GRACE_PERIOD=soon")])
            .unwrap_err();
        assert_eq!(e.key(), Some("SHUTDOWN_GRACE_PERIOD"), "{e}");
    }
}
