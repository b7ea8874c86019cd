//! `nameko show-config`: the resolved config, secrets redacted.

use nameko_core::Config;
use serde_json::Value;

/// What a redacted value is replaced with (core's [`MASK`](nameko_core::config::redact::MASK)).
pub const REDACTED: &str = nameko_core::config::redact::MASK;

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
/// private keys anywhere are redacted too. It is nameko-core's
/// [`redact_config`](nameko_core::config::redact::redact_config).
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
    nameko_core::config::redact::redact_config(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // What is hidden and what is kept: nameko-core's `config::redact` tests
    // (`configs_lose_secrets_and_keep_paths`, the same config as here before).
    #[test]
    fn show_config_redacts_as_core_does() {
        let mut v =
            json!({"AMQP_URI": "amqp://u:p@a:5672/", "db_password": "x", "max_workers": 10});
        let mut expected = v.clone();
        nameko_core::config::redact::redact_config(&mut expected);
        redact(&mut v);
        assert_eq!(v, expected);
        assert_eq!(v["AMQP_URI"], "amqp://u:***@a:5672/");
        assert_eq!(v["db_password"], REDACTED);
    }
}
