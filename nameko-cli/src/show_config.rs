//! `nameko show-config`: the resolved config, secrets redacted.

use nameko_core::Config;
use serde_json::{Map, Value};

/// What a redacted value is replaced with.
pub const REDACTED: &str = "***";

/// Words that make a key secret, matched case-insensitively anywhere in its name.
const SECRET_WORDS: [&str; 4] = ["PASSWORD", "SECRET", "TOKEN", "KEY"];

/// The config as it is used: the file's keys (after `${VAR}` substitution and `--broker`),
/// then the defaults of the keys it does not set (`AMQP_URI`, `rpc_exchange`,
/// `max_workers`, ...) when `with_defaults`, with secrets redacted by [`redact`].
pub fn resolved(config: &Config, with_defaults: bool) -> Value {
    let mut map = config.as_map().clone();
    if with_defaults {
        let defaults: [(&str, Value); 7] = [
            (nameko_core::config::AMQP_URI, config.amqp_uri().into()),
            (
                nameko_core::config::WEB_SERVER_ADDRESS,
                config.web_server_address().into(),
            ),
            (
                nameko_core::config::RPC_EXCHANGE,
                config.rpc_exchange().into(),
            ),
            (
                nameko_core::config::MAX_WORKERS,
                config.max_workers().into(),
            ),
            (
                nameko_core::config::PARENT_CALLS_TRACKED,
                config.parent_calls_tracked().into(),
            ),
            (nameko_core::config::HEARTBEAT, config.heartbeat().into()),
            (
                nameko_core::config::SHUTDOWN_GRACE_PERIOD,
                config.shutdown_grace_period().as_secs_f64().into(),
            ),
        ];
        for (key, value) in defaults {
            map.entry(key.to_owned()).or_insert(value);
        }
    }
    let mut value = Value::Object(map);
    redact(&mut value);
    value
}

/// Redacts secrets in place: the value of every key whose name contains `PASSWORD`,
/// `SECRET`, `TOKEN` or `KEY` (any case) becomes [`REDACTED`], except file paths (a key
/// ending in `file` or `path`, such as `AMQP_SSL.keyfile`, keeps its value unless it holds
/// PEM key material itself); passwords in URIs (`amqp://user:***@host`) and inline PEM
/// private keys anywhere are redacted too.
///
/// ```
/// use nameko_cli::show_config::redact;
/// let mut v = serde_json::json!({
///     "AMQP_URI": "amqp://guest:s3cret@localhost:5672/",
///     "API_TOKEN": "abc",
///     "AMQP_SSL": {"keyfile": "/etc/ssl/key.pem"},
/// });
/// redact(&mut v);
/// assert_eq!(v["AMQP_URI"], "amqp://guest:***@localhost:5672/");
/// assert_eq!(v["API_TOKEN"], "***");
/// assert_eq!(v["AMQP_SSL"]["keyfile"], "/etc/ssl/key.pem");
/// ```
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => redact_map(map),
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::String(s) => {
            if is_pem_key(s) {
                *s = REDACTED.to_owned();
            } else if s.contains("://") && s.contains('@') {
                *s = nameko_amqp::connection::hide_password(s);
            }
        }
        _ => {}
    }
}

fn redact_map(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        let upper = key.to_ascii_uppercase();
        let secret = SECRET_WORDS.iter().any(|w| upper.contains(w));
        let path_like = upper.ends_with("FILE") || upper.ends_with("PATH");
        // A path to a key file is not a secret; key material itself is.
        let keeps_path = path_like && !holds_pem(value);
        if secret && !keeps_path {
            *value = Value::String(REDACTED.to_owned());
        } else {
            redact(value);
        }
    }
}

fn holds_pem(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("-----BEGIN"),
        Value::Array(items) => items.iter().any(holds_pem),
        Value::Object(map) => map.values().any(holds_pem),
        _ => false,
    }
}

fn is_pem_key(s: &str) -> bool {
    s.contains("-----BEGIN") && s.contains("PRIVATE KEY")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_paths_kept() {
        let mut v = json!({
            "AMQP_URI": "amqp://u:p@a:5672/;amqp://u:p@b:5672/",
            "db_password": "x",
            "Secret_Thing": {"nested": 1},
            "PUBLIC_KEY_ID": 7,
            "AMQP_SSL": {
                "keyfile": "/k.pem",
                "certfile": "/c.pem",
                "key_path": "-----BEGIN PRIVATE KEY-----\nabc",
            },
            "LIST": [{"token": "t"}, "-----BEGIN RSA PRIVATE KEY-----"],
            "max_workers": 10,
            "name": "keys are fine in values",
        });
        redact(&mut v);
        assert_eq!(
            v,
            json!({
                "AMQP_URI": "amqp://u:***@a:5672/;amqp://u:***@b:5672/",
                "db_password": "***",
                "Secret_Thing": "***",
                "PUBLIC_KEY_ID": "***",
                "AMQP_SSL": {"keyfile": "/k.pem", "certfile": "/c.pem", "key_path": "***"},
                "LIST": [{"token": "***"}, "***"],
                "max_workers": 10,
                "name": "keys are fine in values",
            })
        );
    }

    #[test]
    fn defaults_fill_missing_keys() {
        let config = Config::new().with("max_workers", 3);
        let v = resolved(&config, true);
        assert_eq!(v["max_workers"], 3);
        assert_eq!(v["rpc_exchange"], "nameko-rpc");
        assert_eq!(v["AMQP_URI"], "pyamqp://guest:***@localhost");
        let v = resolved(&config, false);
        assert!(v.get("rpc_exchange").is_none());
    }
}
