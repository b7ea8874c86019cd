//! The broker connection shared by every container of a runner, with its long-lived
//! publisher channel (publisher confirms on), re-established whenever it is lost.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;

use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::uri::{AMQPScheme, AMQPUri, SASLMechanism};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use nameko_core::{Config, ContainerHandle, Resource};
use serde_json::Value;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::error::AmqpError;

/// How long closing a channel or the connection may take before we give up on the broker
/// answering (it may be gone).
pub(crate) const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Closes `channel` if it is open, waiting at most [`CLOSE_TIMEOUT`] for the broker.
pub(crate) async fn close_channel(channel: &Channel, reason: &str) {
    if channel.status().connected() {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, channel.close(200, reason.into())).await;
    }
}

/// Milliseconds to wait for the broker's TCP connection when none is set in the URI.
const DEFAULT_CONNECTION_TIMEOUT_MS: u64 = 5_000;

/// The result of a confirmed publish.
#[derive(Debug)]
pub enum Published {
    /// The broker routed and accepted the message.
    Routed,
    /// The message was `mandatory` and no queue was bound for it: the broker returned it.
    Returned,
}

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

/// One established connection: the lapin connection, its publisher channel, and its
/// number (each reconnection makes a new one).
pub(crate) struct Live {
    conn: Connection,
    publisher: Channel,
    generation: u64,
    uri: String,
}

impl Live {
    /// The connection's number: 1 for the first, then one more per reconnection.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Opens a channel on this connection.
    pub(crate) async fn create_channel(&self) -> Result<Channel, AmqpError> {
        self.conn
            .create_channel()
            .await
            .map_err(AmqpError::op("channel.open"))
    }

    /// Whether this connection is still open.
    pub(crate) fn is_connected(&self) -> bool {
        self.conn.status().connected()
    }
}

/// The state of the link to the broker.
#[derive(Clone)]
pub(crate) enum LinkState {
    /// Connecting, or reconnecting after a loss.
    Down,
    /// Connected.
    Up(Arc<Live>),
    /// Closed for good.
    Closed,
}

/// The connection to the broker, re-established whenever it is lost.
///
/// A runner shares one between all its containers ([`AmqpConnection::shared`]); consumers
/// open channels of their own on it and follow it across reconnections. On a loss it
/// reconnects with capped exponential back-off ([`Backoff`]), trying each URI of a
/// `;`-separated `AMQP_URI` in turn; publishes wait for it per the [`RetryPolicy`].
pub struct AmqpConnection {
    link: Arc<Link>,
}

struct Link {
    uris: Vec<AMQPUri>,
    tls: OwnedTLSConfig,
    shown: Vec<String>,
    backoff: Backoff,
    retry: RetryPolicy,
    state: watch::Sender<LinkState>,
    closing: CancellationToken,
    generations: AtomicU64,
    /// Whether this connection is counted up in `nameko_broker_connected`.
    #[cfg(feature = "metrics")]
    counted_up: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for AmqpConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmqpConnection")
            .field("uris", &self.link.shown)
            .finish()
    }
}

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
    let shown = hide_password(raw);
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
        AMQPUri::from_str(&format!("amqp://{rest}")).map_err(|e| invalid(redact(&e, raw)))?;
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
fn check_settings(config: &Config) -> Result<(), AmqpError> {
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

/// `message` with the password of `uri` replaced by `***`.
pub(crate) fn redact(message: &str, uri: &str) -> String {
    match password(uri) {
        Some(pw) if !pw.is_empty() => message.replace(pw, "***"),
        _ => message.to_owned(),
    }
}

fn password(uri: &str) -> Option<&str> {
    let s = uri.find("://")?;
    let at = uri.rfind('@')?;
    if at <= s {
        return None;
    }
    uri[s + 3..at].split_once(':').map(|(_, pw)| pw)
}

/// `uri` with its password replaced by `***`.
pub fn hide_password(uri: &str) -> String {
    uri.split(';')
        .map(|one| match (one.find("://"), one.rfind('@')) {
            (Some(s), Some(at)) if at > s => {
                let creds = &one[s + 3..at];
                match creds.split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &one[..s + 3], &one[at..]),
                    None => one.to_owned(),
                }
            }
            _ => one.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

impl AmqpConnection {
    /// Connects to the broker named by `config`'s `AMQP_URI`, failing at once if none of
    /// its URIs can be reached (a client's start-up); once connected, it reconnects
    /// whenever the connection is lost.
    pub async fn connect(config: &Config) -> Result<Self, AmqpError> {
        let connection = Self::new(config)?;
        connection.first_connect(false).await?;
        Ok(connection)
    }

    /// Like [`connect`](Self::connect), but a broker that cannot be reached is retried
    /// with back-off, each attempt logged, until it can (a service's start-up), unless
    /// `AMQP_CONNECT_FAIL_FAST` is true.
    pub async fn connect_retrying(config: &Config) -> Result<Self, AmqpError> {
        let connection = Self::new(config)?;
        let fail_fast = config
            .get(AMQP_CONNECT_FAIL_FAST)
            .and_then(Value::as_bool)
            .unwrap_or(false);
        connection.first_connect(!fail_fast).await?;
        Ok(connection)
    }

    fn new(config: &Config) -> Result<Self, AmqpError> {
        check_settings(config)?;
        let uris = parse_uris(config)?;
        let shown = config
            .amqp_uri()
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(hide_password)
            .collect();
        let (state, _) = watch::channel(LinkState::Down);
        Ok(AmqpConnection {
            link: Arc::new(Link {
                uris,
                tls: tls_config(config)?,
                shown,
                backoff: Backoff::from_config(config),
                retry: RetryPolicy::from_config(config),
                state,
                closing: CancellationToken::new(),
                generations: AtomicU64::new(0),
                #[cfg(feature = "metrics")]
                counted_up: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    async fn first_connect(&self, retry: bool) -> Result<(), AmqpError> {
        let link = &self.link;
        let mut attempt = 0u32;
        let live = loop {
            match link.open_any().await {
                Ok(live) => break live,
                Err(e) if !retry => return Err(e),
                Err(e) => {
                    let wait = link.backoff.delay(attempt);
                    tracing::warn!(
                        target: "nameko_amqp::connection",
                        attempt = attempt + 1,
                        error = %e,
                        "cannot reach the broker; retrying in {wait:?}"
                    );
                    tokio::select! {
                        _ = link.closing.cancelled() => return Err(AmqpError::Closed),
                        _ = tokio::time::sleep(wait) => {}
                    }
                    attempt = attempt.saturating_add(1);
                }
            }
        };
        link.state.send_replace(LinkState::Up(Arc::clone(&live)));
        #[cfg(feature = "metrics")]
        link.record_connected(true);
        tokio::spawn(Arc::clone(link).supervise(live));
        Ok(())
    }

    /// The runner's shared connection, connecting on first use (retrying while the broker
    /// cannot be reached, unless `AMQP_CONNECT_FAIL_FAST`).
    pub async fn shared(container: &ContainerHandle) -> Result<Arc<Self>, AmqpError> {
        let config = Arc::clone(container.config());
        container
            .shared()
            .get_or_try_init(|| async move { AmqpConnection::connect_retrying(&config).await })
            .await
    }

    /// The current connection, waiting while it is re-established; an error once closed.
    pub(crate) async fn live(&self) -> Result<Arc<Live>, AmqpError> {
        let mut rx = self.link.state.subscribe();
        loop {
            match &*rx.borrow_and_update() {
                LinkState::Up(live) if live.is_connected() => return Ok(Arc::clone(live)),
                LinkState::Closed => return Err(AmqpError::Closed),
                _ => {}
            }
            if rx.changed().await.is_err() {
                return Err(AmqpError::Closed);
            }
        }
    }

    /// A connection newer than generation `after`, waiting for the reconnection.
    pub(crate) async fn live_after(&self, after: u64) -> Result<Arc<Live>, AmqpError> {
        let mut rx = self.link.state.subscribe();
        loop {
            match &*rx.borrow_and_update() {
                LinkState::Up(live) if live.generation > after && live.is_connected() => {
                    return Ok(Arc::clone(live));
                }
                LinkState::Closed => return Err(AmqpError::Closed),
                _ => {}
            }
            if rx.changed().await.is_err() {
                return Err(AmqpError::Closed);
            }
        }
    }

    /// Opens a new channel (for a consumer) on the current connection.
    ///
    /// An escape hatch to [`lapin`] (re-exported as [`nameko_amqp::lapin`](crate::lapin)):
    /// for what nameko-rs does not wrap (a consumer of your own, a queue inspection). The
    /// channel does not follow reconnections; open a new one after a loss.
    pub async fn create_channel(&self) -> Result<Channel, AmqpError> {
        self.live().await?.create_channel().await
    }

    /// Whether the connection is up now.
    pub fn is_connected(&self) -> bool {
        matches!(&*self.link.state.borrow(), LinkState::Up(live) if live.is_connected())
    }

    /// The URIs, passwords hidden.
    pub fn display_uri(&self) -> String {
        self.link.shown.join(";")
    }

    /// Publishes on the current connection's publisher channel and waits for the broker's
    /// confirm. While the connection is down, waits for it per the [`RetryPolicy`]; a
    /// publish cut by a lost connection is retried on the next one (at least once), then
    /// fails with [`AmqpError::PublishFailed`].
    ///
    /// `properties` are lapin's ([`lapin::BasicProperties`]): this is an escape hatch for
    /// publishing what nameko-rs does not wrap; services publish events through
    /// [`EventDispatcher`](crate::EventDispatcher).
    ///
    /// # Cancel safety
    /// Dropping the future after the publish was sent does not unsend it.
    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        mandatory: bool,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<Published, AmqpError> {
        let result = self
            .publish_retrying(exchange, routing_key, mandatory, body, properties)
            .await;
        #[cfg(feature = "metrics")]
        {
            let families = crate::metrics::families();
            let family = if result.is_ok() {
                &families.publishes
            } else {
                &families.publish_failures
            };
            family
                .get_or_create(&crate::metrics::label("exchange", exchange))
                .inc();
        }
        result
    }

    async fn publish_retrying(
        &self,
        exchange: &str,
        routing_key: &str,
        mandatory: bool,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<Published, AmqpError> {
        let policy = self.link.retry;
        let mut retry = 0u32;
        loop {
            let live = match &*self.link.state.borrow() {
                LinkState::Up(live) if live.is_connected() => Some(Arc::clone(live)),
                LinkState::Closed => return Err(AmqpError::Closed),
                _ => None,
            };
            let failure = match live {
                Some(live) => {
                    match publish_on(&live, exchange, routing_key, mandatory, body, &properties)
                        .await
                    {
                        Ok(published) => return Ok(published),
                        // The broker answered: retrying would not change its mind.
                        Err(e @ AmqpError::Nacked { .. }) => return Err(e),
                        Err(e) if live.is_connected() => return Err(e),
                        Err(e) => e.to_string(),
                    }
                }
                None => "the connection to the broker is down".to_owned(),
            };
            if retry >= policy.max_retries {
                return Err(AmqpError::PublishFailed {
                    exchange: exchange.to_owned(),
                    routing_key: routing_key.to_owned(),
                    attempts: retry + 1,
                    reason: failure,
                });
            }
            let wait = policy.interval(retry);
            tracing::debug!(
                target: "nameko_amqp::connection",
                %exchange, %routing_key, retry = retry + 1, reason = %failure,
                "publish waits for the connection"
            );
            // Retry as soon as a connection is up again, or after the interval.
            let _ = tokio::time::timeout(wait, self.live()).await;
            retry += 1;
        }
    }

    /// Closes the connection; it is not re-established.
    pub async fn close(&self) {
        self.link.closing.cancel();
        let previous = self.link.state.send_replace(LinkState::Closed);
        #[cfg(feature = "metrics")]
        self.link.record_connected(false);
        if let LinkState::Up(live) = previous
            && live.is_connected()
        {
            match tokio::time::timeout(CLOSE_TIMEOUT, live.conn.close(200, "OK".into())).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::debug!(target: "nameko_amqp::connection", error = %e, "close failed");
                }
                Err(_) => {
                    tracing::debug!(target: "nameko_amqp::connection", "close timed out");
                }
            }
        }
    }
}

async fn publish_on(
    live: &Live,
    exchange: &str,
    routing_key: &str,
    mandatory: bool,
    body: &[u8],
    properties: &BasicProperties,
) -> Result<Published, AmqpError> {
    let confirm = live
        .publisher
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions {
                mandatory,
                ..BasicPublishOptions::default()
            },
            body,
            properties.clone(),
        )
        .await
        // Closures: the operation's name is only formatted on an error.
        .map_err(|e| AmqpError::op(format!("basic.publish to {exchange}"))(e))?
        .await
        .map_err(|e| AmqpError::op(format!("publisher confirm from {exchange}"))(e))?;
    match confirm {
        Confirmation::Ack(None) | Confirmation::NotRequested => Ok(Published::Routed),
        Confirmation::Ack(Some(_)) => Ok(Published::Returned),
        Confirmation::Nack(_) => Err(AmqpError::Nacked {
            exchange: exchange.to_owned(),
            routing_key: routing_key.to_owned(),
        }),
    }
}

impl Link {
    /// Tries each URI once, in order.
    async fn open_any(&self) -> Result<Arc<Live>, AmqpError> {
        let mut last = None;
        for (uri, shown) in self.uris.iter().zip(&self.shown) {
            match self.open(uri, shown).await {
                Ok(live) => return Ok(live),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(AmqpError::Closed))
    }

    async fn open(&self, uri: &AMQPUri, shown: &str) -> Result<Arc<Live>, AmqpError> {
        let connect_error = |source: lapin::Error| AmqpError::Connect {
            uri: shown.to_owned(),
            source,
        };
        let runtime = lapin::runtime::default_runtime().map_err(connect_error)?;
        let conn = Connection::connect_uri_with_config(
            uri.clone(),
            ConnectionProperties::default(),
            self.tls.clone(),
            runtime,
        )
        .await
        .map_err(connect_error)?;
        let publisher = conn
            .create_channel()
            .await
            .map_err(AmqpError::op("channel.open"))?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(AmqpError::op("confirm.select"))?;
        let generation = self.generations.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::info!(target: "nameko_amqp::connection", uri = %shown, generation, "connected to the broker");
        Ok(Arc::new(Live {
            conn,
            publisher,
            generation,
            uri: shown.to_owned(),
        }))
    }

    /// Watches the live connection; when it is lost, reconnects with back-off, for as
    /// long as the connection is not closed.
    async fn supervise(self: Arc<Self>, mut live: Arc<Live>) {
        loop {
            let reason = tokio::select! {
                _ = self.closing.cancelled() => return,
                reason = lost(&live) => reason,
            };
            if self.closing.is_cancelled() {
                return;
            }
            tracing::warn!(
                target: "nameko_amqp::connection",
                uri = %live.uri,
                %reason,
                "connection to the broker lost; reconnecting"
            );
            self.state.send_replace(LinkState::Down);
            #[cfg(feature = "metrics")]
            self.record_connected(false);
            let down_since = tokio::time::Instant::now();
            let mut attempt = 0u32;
            live = loop {
                let wait = self.backoff.delay(attempt);
                tokio::select! {
                    _ = self.closing.cancelled() => return,
                    _ = tokio::time::sleep(if attempt == 0 { Duration::ZERO } else { wait }) => {}
                }
                match self.open_any().await {
                    Ok(live) => break live,
                    Err(e) => {
                        tracing::warn!(
                            target: "nameko_amqp::connection",
                            attempt = attempt + 1,
                            error = %e,
                            "cannot reconnect to the broker; retrying in {:?}",
                            self.backoff.delay(attempt + 1)
                        );
                        attempt = attempt.saturating_add(1);
                    }
                }
            };
            if self.closing.is_cancelled() {
                let _ = live.conn.close(200, "OK".into()).await;
                return;
            }
            tracing::info!(
                target: "nameko_amqp::connection",
                uri = %live.uri,
                down_ms = u64::try_from(down_since.elapsed().as_millis()).unwrap_or(u64::MAX),
                "reconnected to the broker"
            );
            self.state.send_replace(LinkState::Up(Arc::clone(&live)));
            #[cfg(feature = "metrics")]
            {
                self.record_connected(true);
                crate::metrics::families()
                    .broker_reconnects
                    .get_or_create(&self.vhost_label())
                    .inc();
            }
        }
    }

    #[cfg(feature = "metrics")]
    fn vhost_label(&self) -> crate::metrics::Labels {
        let vhost = self.uris.first().map_or("/", |u| u.vhost.as_str());
        crate::metrics::label("vhost", vhost)
    }

    /// Counts this connection in `nameko_broker_connected` while it is up.
    #[cfg(feature = "metrics")]
    fn record_connected(&self, up: bool) {
        if self.counted_up.swap(up, Ordering::AcqRel) == up {
            return;
        }
        let families = crate::metrics::families();
        let gauge = families.broker_connected.get_or_create(&self.vhost_label());
        if up {
            gauge.inc();
        } else {
            gauge.dec();
        }
    }
}

/// Completes when `live` is lost, with the reason.
async fn lost(live: &Live) -> String {
    let mut events = live.conn.events_listener();
    loop {
        match events.next().await {
            // A channel's error (a queue not found) closes that channel only.
            Some(lapin::Event::Error(e)) if e.is_amqp_soft_error() && live.is_connected() => {
                tracing::debug!(target: "nameko_amqp::connection", error = %e, "channel error");
            }
            Some(lapin::Event::Error(e)) => return e.to_string(),
            Some(lapin::Event::ConnectionBlocked(reason)) => {
                tracing::warn!(target: "nameko_amqp::connection", %reason, "the broker blocked the connection");
            }
            Some(lapin::Event::ConnectionUnblocked) => {
                tracing::info!(target: "nameko_amqp::connection", "the broker unblocked the connection");
            }
            Some(_) => {}
            None => return "the connection was closed".to_owned(),
        }
        if !live.is_connected() {
            return "the connection was closed".to_owned();
        }
    }
}

#[nameko_core::async_trait]
impl Resource for AmqpConnection {
    async fn close(&self) {
        AmqpConnection::close(self).await;
    }

    /// Ready while the connection is up.
    fn is_ready(&self) -> bool {
        self.is_connected()
    }
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
        let shown = hide_password(config.amqp_uri());
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(
            redact("bad secret1 here", "amqp://u:secret1@a/"),
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
