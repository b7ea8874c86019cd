//! `nameko show-config`: the resolved config, secrets redacted.

use nameko_amqp::settings::{self, AmqpSettings};
use nameko_core::config::{self, Config, ConfigError};
use nameko_web::config::{ServerConfig, WEB_SERVER_ADDRESS};
use serde_json::Value;

/// What a redacted value is replaced with (core's [`MASK`](nameko_core::config::redact::MASK)).
pub const REDACTED: &str = nameko_core::config::redact::MASK;

/// The config as it is used: the file's keys (after `${VAR}` substitution and `--broker`),
/// then the defaults of the keys it does not set (`AMQP_URI`, `rpc_exchange`,
/// `max_workers`, ...) as each crate reads them, when `with_defaults`; secrets redacted by
/// [`redact`]. An error when a key does not fit its crate's settings.
pub fn resolved(config: &Config, with_defaults: bool) -> Result<Value, ConfigError> {
    let mut map = config.as_map().clone();
    if with_defaults {
        let amqp = AmqpSettings::from_config(config)?;
        let web = ServerConfig::from_config(config)?;
        let core = config.core();
        let serializers = config.serializers();
        let accept: Vec<Value> = serializers
            .accepted()
            .iter()
            .map(|s| Value::from(s.name()))
            .collect();
        let defaults: [(&str, Value); 9] = [
            (config::SERIALIZER, serializers.serializer().name().into()),
            (config::ACCEPT, accept.into()),
            (settings::AMQP_URI, amqp.amqp_uri.into()),
            (WEB_SERVER_ADDRESS, web.address.into()),
            (settings::RPC_EXCHANGE, amqp.rpc_exchange.into()),
            (config::MAX_WORKERS, core.max_workers.into()),
            (
                config::PARENT_CALLS_TRACKED,
                core.parent_calls_tracked.into(),
            ),
            (settings::HEARTBEAT, amqp.heartbeat.into()),
            (
                config::SHUTDOWN_GRACE_PERIOD,
                core.shutdown_grace_period.as_secs_f64().into(),
            ),
        ];
        for (key, value) in defaults {
            map.entry(key.to_owned()).or_insert(value);
        }
    }
    let mut value = Value::Object(map);
    redact(&mut value);
    Ok(value)
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
