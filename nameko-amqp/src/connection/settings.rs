//! The connection's settings: `AMQP_URI` (one URI or a `;`-separated fail-over list),
//! TLS (`AMQP_SSL`, `LOGIN_METHOD`), the reconnection [`Backoff`] and the publisher's
//! [`RetryPolicy`], and the check that rejects a mistyped value before connecting.

use std::str::FromStr;
use std::time::Duration;

use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::uri::{AMQPScheme, AMQPUri, SASLMechanism};
use nameko_core::Config;
use nameko_core::config::redact::{redact_in, redact_uri};
use serde_json::Value;

use crate::error::AmqpError;

/// Milliseconds to wait for the broker's TCP connection when none is set in the URI.
const DEFAULT_CONNECTION_TIMEOUT_MS: u64 = 5_000;

/// How a lost connection is re-established: capped exponential back-off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first wait.
    pub start: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// From `RECONNECT_INTERVAL_START` (default 0.2 s) and `RECONNECT_INTERVAL_MAX`
    /// (default 30 s); each failed attempt doubles the wait, up to the maximum.
    pub fn from_config(config: &Config) -> Self {
        Backoff {
            start: seconds(config, RECONNECT_INTERVAL_START).unwrap_or(DEFAULT_RECONNECT_START),
            max: seconds(config, RECONNECT_INTERVAL_MAX).unwrap_or(DEFAULT_RECONNECT_MAX),
        }
    }

    /// The wait before attempt `attempt` (0 for the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(30));
        self.start.saturating_mul(factor).min(self.max)
    }
}

/// Nameko's publisher `retry_policy`: how long a publish waits for a lost connection to
/// come back before it fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first wait.
    pub interval_start: Duration,
    /// Added to the wait after each retry.
    pub interval_step: Duration,
    /// The longest wait.
    pub interval_max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            interval_start: Duration::from_secs(2),
            interval_step: Duration::from_secs(2),
            interval_max: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// From `PUBLISH_RETRY_POLICY` (`max_retries`, `interval_start`, `interval_step`,
    /// `interval_max`, in seconds; kombu's meaning), missing keys taking the defaults
    /// (3, 2, 2, 30).
    pub fn from_config(config: &Config) -> Self {
        let mut policy = RetryPolicy::default();
        let Some(Value::Object(map)) = config.get(PUBLISH_RETRY_POLICY) else {
            return policy;
        };
        let secs = |key: &str| {
            map.get(key)
                .and_then(Value::as_f64)
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Duration::from_secs_f64)
        };
        if let Some(n) = map.get("max_retries").and_then(Value::as_u64) {
            policy.max_retries = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(d) = secs("interval_start") {
            policy.interval_start = d;
        }
        if let Some(d) = secs("interval_step") {
            policy.interval_step = d;
        }
        if let Some(d) = secs("interval_max") {
            policy.interval_max = d;
        }
        policy
    }

    /// The wait before retry `retry` (0 for the first).
    pub fn interval(&self, retry: u32) -> Duration {
        self.interval_start
            .saturating_add(self.interval_step.saturating_mul(retry))
            .min(self.interval_max)
    }
}

fn seconds(config: &Config, key: &str) -> Option<Duration> {
    config
        .get(key)
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n > 0.0)
        .map(Duration::from_secs_f64)
}

/// Config key: the first wait before reconnecting, in seconds (default 0.2).
pub const RECONNECT_INTERVAL_START: &str = "RECONNECT_INTERVAL_START";
/// Config key: the longest wait between reconnection attempts, in seconds (default 30).
pub const RECONNECT_INTERVAL_MAX: &str = "RECONNECT_INTERVAL_MAX";
/// Config key: `true` makes a service fail at start-up when the broker cannot be reached,
/// instead of retrying until it can (default `false`).
pub const AMQP_CONNECT_FAIL_FAST: &str = "AMQP_CONNECT_FAIL_FAST";
/// Config key: the publisher's retry policy (see [`RetryPolicy`]).
pub const PUBLISH_RETRY_POLICY: &str = "PUBLISH_RETRY_POLICY";
const DEFAULT_RECONNECT_START: Duration = Duration::from_millis(200);
const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(30);

/// Parses Nameko's `AMQP_URI` (one URI, or several separated by `;` for fail-over) into
/// lapin's form: `pyamqp://` is `amqp://`, an empty or `//` path is the `/` vhost (as
/// kombu reads it), `HEARTBEAT` becomes the heartbeat.
pub(crate) fn parse_uris(config: &Config) -> Result<Vec<AMQPUri>, AmqpError> {
    let raw = config.amqp_uri();
    let mut uris = Vec::new();
    for one in raw.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        uris.push(parse_one(one, config)?);
    }
    if uris.is_empty() {
        return Err(AmqpError::InvalidUri {
            uri: String::new(),
            reason: "AMQP_URI is empty".into(),
        });
    }
    Ok(uris)
}

/// Parses the first URI of `AMQP_URI`: see [`parse_uris`].
#[cfg(test)]
pub(crate) fn parse_uri(config: &Config) -> Result<AMQPUri, AmqpError> {
    let mut uris = parse_uris(config)?;
    Ok(uris.swap_remove(0))
}

fn parse_one(raw: &str, config: &Config) -> Result<AMQPUri, AmqpError> {
    let shown = redact_uri(raw);
    let invalid = |reason: String| AmqpError::InvalidUri {
        uri: shown.clone(),
        reason,
    };
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| invalid("expected scheme://user:password@host:port/vhost".into()))?;
    let tls = match scheme {
        "amqp" | "pyamqp" | "librabbitmq" => ssl_enabled(config),
        "amqps" => true,
        other => return Err(invalid(format!("unsupported scheme `{other}`"))),
    };
    // lapin's parser echoes the URI in some of its messages: never show it the password
    // in an error we pass on.
    let mut uri =
        AMQPUri::from_str(&format!("amqp://{rest}")).map_err(|e| invalid(redact_in(&e, raw)))?;
    if tls {
        uri.scheme = AMQPScheme::AMQPS;
        if !has_explicit_port(rest) {
            uri.authority.port = AMQPS_PORT;
        }
    }
    if uri.vhost.is_empty() {
        uri.vhost = "/".into();
    }
    if uri.query.heartbeat.is_none() {
        uri.query.heartbeat = Some(config.heartbeat());
    }
    if uri.query.connection_timeout.is_none() {
        uri.query.connection_timeout = Some(DEFAULT_CONNECTION_TIMEOUT_MS);
    }
    if let Some(method) = config.get(LOGIN_METHOD) {
        uri.query.auth_mechanism = Some(match method.as_str() {
            Some("PLAIN") => SASLMechanism::Plain,
            Some("AMQPLAIN") => SASLMechanism::AMQPlain,
            Some("EXTERNAL") => SASLMechanism::External,
            _ => {
                return Err(AmqpError::Config {
                    key: LOGIN_METHOD,
                    message: format!("expected PLAIN, AMQPLAIN or EXTERNAL, got {method}"),
                });
            }
        });
    }
    Ok(uri)
}

/// Checks the connection settings that have defaults, so that a typo is an error rather
/// than a silent default (`QUEUE_TYPE: quorom`, `RECONNECT_INTERVAL_MAX: 10s`).
pub(crate) fn check_settings(config: &Config) -> Result<(), AmqpError> {
    let bad = |key: &'static str, message: String| Err(AmqpError::Config { key, message });
    for key in [RECONNECT_INTERVAL_START, RECONNECT_INTERVAL_MAX] {
        if let Some(v) = config.get(key)
            && !v.as_f64().is_some_and(|n| n.is_finite() && n > 0.0)
        {
            return bad(
                key,
                format!("expected a positive number of seconds, got {v}"),
            );
        }
    }
    if let Some(v) = config.get(AMQP_CONNECT_FAIL_FAST)
        && !v.is_boolean()
    {
        return bad(
            AMQP_CONNECT_FAIL_FAST,
            format!("expected true or false, got {v}"),
        );
    }
    if let Some(v) = config.get(crate::wire::QUEUE_TYPE)
        && !matches!(v.as_str(), Some("classic" | "quorum"))
    {
        return bad(
            crate::wire::QUEUE_TYPE,
            format!("expected classic or quorum, got {v}"),
        );
    }
    match config.get(PUBLISH_RETRY_POLICY) {
        None => {}
        Some(Value::Object(map)) => {
            for (key, v) in map {
                let ok = match key.as_str() {
                    "max_retries" => v.as_u64().is_some(),
                    "interval_start" | "interval_step" | "interval_max" => {
                        v.as_f64().is_some_and(|n| n.is_finite() && n >= 0.0)
                    }
                    _ => {
                        return bad(
                            PUBLISH_RETRY_POLICY,
                            format!(
                                "unknown key `{key}`: expected max_retries, interval_start, interval_step, interval_max"
                            ),
                        );
                    }
                };
                if !ok {
                    return bad(
                        PUBLISH_RETRY_POLICY,
                        format!("`{key}` must be a non-negative number, got {v}"),
                    );
                }
            }
        }
        Some(v) => {
            return bad(
                PUBLISH_RETRY_POLICY,
                format!(
                    "expected a map of max_retries, interval_start, interval_step, interval_max, got {v}"
                ),
            );
        }
    }
    Ok(())
}

/// Config key: the SASL mechanism, `PLAIN` (default), `AMQPLAIN` or `EXTERNAL` (the
/// client certificate of `AMQP_SSL` authenticates).
pub const LOGIN_METHOD: &str = "LOGIN_METHOD";
/// Config key: Nameko's `AMQP_SSL`: `true`, or a map with `ca_certs`, `certfile`,
/// `keyfile` (paths to PEM files) and `cert_reqs`.
pub const AMQP_SSL: &str = "AMQP_SSL";
const AMQPS_PORT: u16 = 5671;

fn ssl_enabled(config: &Config) -> bool {
    config
        .get(AMQP_SSL)
        .is_some_and(|v| !v.is_null() && v != &Value::Bool(false))
}

/// Whether `user:pass@host:port/vhost` names a port.
fn has_explicit_port(rest: &str) -> bool {
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    match host_port.rfind(']') {
        // [::1]:5671
        Some(end) => host_port[end..].contains(':'),
        None => host_port.contains(':'),
    }
}

/// The TLS settings of `AMQP_SSL` (CA certificates to trust besides the system's, a
/// client certificate and key), read once. `cert_reqs` must ask for verification
/// (`CERT_REQUIRED`, 2, the default, or `CERT_OPTIONAL`, 1): nameko-rs always verifies the
/// broker's certificate.
pub(crate) fn tls_config(config: &Config) -> Result<OwnedTLSConfig, AmqpError> {
    let mut tls = OwnedTLSConfig::default();
    let Some(Value::Object(ssl)) = config.get(AMQP_SSL) else {
        return Ok(tls);
    };
    let read = |key: &str| -> Result<Option<Vec<u8>>, AmqpError> {
        match ssl.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(path)) => std::fs::read(path)
                .map(Some)
                .map_err(|e| AmqpError::Tls(format!("cannot read {key} `{path}`: {e}"))),
            Some(other) => Err(AmqpError::Tls(format!(
                "{key} must be the path of a PEM file, got {other}"
            ))),
        }
    };
    match ssl.get("cert_reqs") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) if matches!(n.as_u64(), Some(1 | 2)) => {}
        Some(Value::String(s)) if matches!(s.as_str(), "CERT_REQUIRED" | "CERT_OPTIONAL") => {}
        Some(other) => {
            return Err(AmqpError::Tls(format!(
                "cert_reqs {other} is not supported: nameko-rs always verifies the broker's certificate (CERT_REQUIRED)"
            )));
        }
    }
    if let Some(ca) = read("ca_certs")? {
        tls.cert_chain = Some(
            String::from_utf8(ca)
                .map_err(|_| AmqpError::Tls("ca_certs is not a PEM (text) file".into()))?,
        );
    }
    match (read("certfile")?, read("keyfile")?) {
        (Some(pem), Some(key)) => tls.identity = Some(OwnedIdentity::PKCS8 { pem, key }),
        (None, None) => {}
        _ => {
            return Err(AmqpError::Tls(
                "certfile and keyfile go together: give both or neither".into(),
            ));
        }
    }
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Result<AMQPUri, AmqpError> {
        parse_uri(&Config::new().with("AMQP_URI", s))
    }

    #[test]
    fn nameko_uris() {
        let u = uri("pyamqp://guest:guest@localhost").unwrap();
        assert_eq!(u.vhost, "/");
        assert_eq!(u.authority.host, "localhost");
        assert_eq!(u.authority.port, 5672);
        assert_eq!(u.query.heartbeat, Some(60));
        assert_eq!(
            uri("amqp://guest:guest@localhost:5672//").unwrap().vhost,
            "/"
        );
        assert_eq!(
            uri("amqp://guest:guest@localhost:5672/").unwrap().vhost,
            "/"
        );
        assert_eq!(
            uri("amqp://u:p@h:1234/my%2Fvhost").unwrap().vhost,
            "my/vhost"
        );
        assert_eq!(
            uri("amqp://u:p@h/v?heartbeat=5").unwrap().query.heartbeat,
            Some(5)
        );
    }

    #[test]
    fn bad_uris() {
        assert!(matches!(
            uri("localhost"),
            Err(AmqpError::InvalidUri { .. })
        ));
        assert!(matches!(uri("http://x"), Err(AmqpError::InvalidUri { .. })));
        assert!(matches!(
            parse_uri(
                &Config::new()
                    .with("AMQP_URI", "amqp://h")
                    .with(LOGIN_METHOD, "KERBEROS")
            ),
            Err(AmqpError::Config { .. })
        ));
        let e = uri("amqp://user:secret@host:notaport/").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn tls_uris() {
        let u = uri("amqps://guest:guest@broker.example").unwrap();
        assert_eq!(u.scheme, AMQPScheme::AMQPS);
        assert_eq!(u.authority.port, 5671);
        let u = uri("amqps://guest:guest@broker.example:1234/v").unwrap();
        assert_eq!(u.authority.port, 1234);
        let config = Config::new()
            .with("AMQP_URI", "pyamqp://guest:guest@broker.example/")
            .with(AMQP_SSL, true);
        let u = parse_uri(&config).unwrap();
        assert_eq!(u.scheme, AMQPScheme::AMQPS);
        assert_eq!(u.authority.port, 5671);
        let config = config.with(AMQP_SSL, false);
        assert_eq!(parse_uri(&config).unwrap().scheme, AMQPScheme::AMQP);
        let config = Config::new()
            .with("AMQP_URI", "amqps://h")
            .with(LOGIN_METHOD, "EXTERNAL");
        assert_eq!(
            parse_uri(&config).unwrap().query.auth_mechanism,
            Some(SASLMechanism::External)
        );
        assert!(has_explicit_port("u:p@[::1]:5671/v"));
        assert!(!has_explicit_port("u:p@[::1]/v"));
        assert!(!has_explicit_port("u:p@host/v:x"));
    }

    #[test]
    fn failover_lists() {
        let config = Config::new().with(
            "AMQP_URI",
            "amqp://u:secret1@a:5672/; amqp://u:secret2@b:5673/",
        );
        let uris = parse_uris(&config).unwrap();
        assert_eq!(uris.len(), 2);
        assert_eq!(uris[1].authority.host, "b");
        assert_eq!(uris[1].authority.port, 5673);
        let shown = redact_uri(config.amqp_uri());
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(
            redact_in("bad secret1 here", "amqp://u:secret1@a/"),
            "bad *** here"
        );
    }

    #[test]
    fn tls_settings() {
        let dir = std::env::temp_dir().join(format!("nameko-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
        let ssl = |v: serde_json::Value| Config::new().with(AMQP_SSL, v);
        let t = tls_config(&ssl(serde_json::json!({"ca_certs": ca}))).unwrap();
        assert!(t.cert_chain.is_some() && t.identity.is_none());
        let e = tls_config(&ssl(serde_json::json!({"ca_certs": "/nonexistent/ca.pem"})))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cannot read ca_certs `/nonexistent/ca.pem`"),
            "{e}"
        );
        let e = tls_config(&ssl(serde_json::json!({"certfile": ca})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("certfile and keyfile go together"), "{e}");
        let e = tls_config(&ssl(serde_json::json!({"cert_reqs": 0})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("always verifies"), "{e}");
        assert!(
            tls_config(&ssl(serde_json::json!(true)))
                .unwrap()
                .cert_chain
                .is_none()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn backoff_and_retry_policy() {
        let b = Backoff::from_config(&Config::new());
        assert_eq!(b.delay(0), Duration::from_millis(200));
        assert_eq!(b.delay(1), Duration::from_millis(400));
        assert_eq!(b.delay(40), Duration::from_secs(30));
        let p = RetryPolicy::from_config(&Config::new().with(
            PUBLISH_RETRY_POLICY,
            serde_json::json!({"max_retries": 5, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.4}),
        ));
        assert_eq!(p.max_retries, 5);
        assert_eq!(p.interval(0), Duration::from_millis(100));
        assert_eq!(p.interval(1), Duration::from_millis(300));
        assert_eq!(p.interval(9), Duration::from_millis(400));
        assert_eq!(
            RetryPolicy::from_config(&Config::new()),
            RetryPolicy::default()
        );
    }

    #[test]
    fn bad_settings_are_errors() {
        let base = || Config::new().with("AMQP_URI", "amqp://h");
        for (key, value) in [
            ("QUEUE_TYPE", serde_json::json!("quorom")),
            ("RECONNECT_INTERVAL_MAX", serde_json::json!("10s")),
            ("RECONNECT_INTERVAL_START", serde_json::json!(0)),
            ("AMQP_CONNECT_FAIL_FAST", serde_json::json!("yes")),
            ("PUBLISH_RETRY_POLICY", serde_json::json!(3)),
            ("PUBLISH_RETRY_POLICY", serde_json::json!({"max_retry": 3})),
            (
                "PUBLISH_RETRY_POLICY",
                serde_json::json!({"interval_max": -1}),
            ),
        ] {
            let err = check_settings(&base().with(key, value.clone())).unwrap_err();
            assert!(
                matches!(err, AmqpError::Config { key: k, .. } if k == key),
                "{key}: {value} -> {err}"
            );
        }
        let good = base()
            .with("QUEUE_TYPE", "quorum")
            .with("RECONNECT_INTERVAL_MAX", 5)
            .with("AMQP_CONNECT_FAIL_FAST", true)
            .with(
                "PUBLISH_RETRY_POLICY",
                serde_json::json!({"max_retries": 1, "interval_start": 0.5}),
            );
        assert!(check_settings(&good).is_ok());
    }
}
