//! The connection's settings in lapin's terms: the URIs of `AMQP_URI` (one, or a
//! `;`-separated fail-over list) as [`AMQPUri`]s, and the TLS config of `AMQP_SSL`, its
//! PEM files read.

use std::str::FromStr;

use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::uri::{AMQPScheme, AMQPUri, SASLMechanism};
use nameko_core::config::redact::{redact_in, redact_uri};

use crate::error::AmqpError;
use crate::settings::{AmqpSettings, LoginMethod, SslOptions};

/// Milliseconds to wait for the broker's TCP connection when none is set in the URI.
const DEFAULT_CONNECTION_TIMEOUT_MS: u64 = 5_000;
const AMQPS_PORT: u16 = 5671;

/// Parses Nameko's `AMQP_URI` (one URI, or several separated by `;` for fail-over) into
/// lapin's form: `pyamqp://` is `amqp://`, an empty or `//` path is the `/` vhost (as
/// kombu reads it), `HEARTBEAT` becomes the heartbeat.
pub(crate) fn parse_uris(settings: &AmqpSettings) -> Result<Vec<AMQPUri>, AmqpError> {
    let mut uris = Vec::new();
    for one in settings.uris() {
        uris.push(parse_one(one, settings)?);
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
pub(crate) fn parse_uri(settings: &AmqpSettings) -> Result<AMQPUri, AmqpError> {
    let mut uris = parse_uris(settings)?;
    Ok(uris.swap_remove(0))
}

fn parse_one(raw: &str, settings: &AmqpSettings) -> Result<AMQPUri, AmqpError> {
    let shown = redact_uri(raw);
    let invalid = |reason: String| AmqpError::InvalidUri {
        uri: shown.clone(),
        reason,
    };
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| invalid("expected scheme://user:password@host:port/vhost".into()))?;
    let tls = match scheme {
        "amqp" | "pyamqp" | "librabbitmq" => settings.ssl.is_some(),
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
        uri.query.heartbeat = Some(settings.heartbeat);
    }
    if uri.query.connection_timeout.is_none() {
        uri.query.connection_timeout = Some(DEFAULT_CONNECTION_TIMEOUT_MS);
    }
    if let Some(method) = settings.login_method {
        uri.query.auth_mechanism = Some(match method {
            LoginMethod::Plain => SASLMechanism::Plain,
            LoginMethod::AmqPlain => SASLMechanism::AMQPlain,
            LoginMethod::External => SASLMechanism::External,
        });
    }
    Ok(uri)
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

/// The TLS config of `AMQP_SSL`'s options (CA certificates to trust besides the system's,
/// a client certificate and key), its files read once.
pub(crate) fn tls_config(ssl: Option<&SslOptions>) -> Result<OwnedTLSConfig, AmqpError> {
    let mut tls = OwnedTLSConfig::default();
    let Some(ssl) = ssl else {
        return Ok(tls);
    };
    let read = |key: &str, path: &Option<std::path::PathBuf>| {
        path.as_ref()
            .map(|path| {
                std::fs::read(path).map_err(|e| {
                    AmqpError::Tls(format!("cannot read {key} `{}`: {e}", path.display()))
                })
            })
            .transpose()
    };
    if let Some(ca) = read("ca_certs", &ssl.ca_certs)? {
        tls.cert_chain = Some(
            String::from_utf8(ca)
                .map_err(|_| AmqpError::Tls("ca_certs is not a PEM (text) file".into()))?,
        );
    }
    if let (Some(pem), Some(key)) = (
        read("certfile", &ssl.certfile)?,
        read("keyfile", &ssl.keyfile)?,
    ) {
        tls.identity = Some(OwnedIdentity::PKCS8 { pem, key });
    }
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{AMQP_SSL, LOGIN_METHOD};
    use nameko_core::Config;

    fn settings(config: &Config) -> AmqpSettings {
        AmqpSettings::from_config(config).unwrap()
    }

    fn uri(s: &str) -> Result<AMQPUri, AmqpError> {
        parse_uri(&settings(&Config::new().with("AMQP_URI", s)))
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
        let u = parse_uri(&settings(&config)).unwrap();
        assert_eq!(u.scheme, AMQPScheme::AMQPS);
        assert_eq!(u.authority.port, 5671);
        let config = config.with(AMQP_SSL, false);
        assert_eq!(
            parse_uri(&settings(&config)).unwrap().scheme,
            AMQPScheme::AMQP
        );
        let config = Config::new()
            .with("AMQP_URI", "amqps://h")
            .with(LOGIN_METHOD, "EXTERNAL");
        assert_eq!(
            parse_uri(&settings(&config)).unwrap().query.auth_mechanism,
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
        let uris = parse_uris(&settings(&config)).unwrap();
        assert_eq!(uris.len(), 2);
        assert_eq!(uris[1].authority.host, "b");
        assert_eq!(uris[1].authority.port, 5673);
        let shown = redact_uri(&settings(&config).amqp_uri);
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
        let tls = |v: serde_json::Value| {
            tls_config(settings(&Config::new().with(AMQP_SSL, v)).ssl.as_ref())
        };
        let t = tls(serde_json::json!({"ca_certs": ca})).unwrap();
        assert!(t.cert_chain.is_some() && t.identity.is_none());
        let e = tls(serde_json::json!({"ca_certs": "/nonexistent/ca.pem"}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cannot read ca_certs `/nonexistent/ca.pem`"),
            "{e}"
        );
        assert!(tls(serde_json::json!(true)).unwrap().cert_chain.is_none());
        assert!(tls_config(None).unwrap().cert_chain.is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
