//! The broker connection shared by every container of a runner, with its long-lived
//! publisher channel (publisher confirms on), re-established whenever it is lost.
//!
//! - `uri` (private): the settings of [`AmqpSettings`] in lapin's terms (the URIs,
//!   the TLS config).
//! - this module: [`AmqpConnection`] and its confirmed [`publish`](AmqpConnection::publish).
//! - `supervisor` (private): the task that connects, watches the connection and
//!   re-establishes it with back-off when it is lost.

mod supervisor;
mod uri;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use lapin::Confirmation;
use lapin::options::BasicPublishOptions;
use lapin::tcp::OwnedTLSConfig;
use lapin::uri::AMQPUri;
use lapin::{BasicProperties, Channel, Connection};
use nameko_core::{Config, ContainerHandle, Resource};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::error::AmqpError;
use crate::settings::AmqpSettings;
pub use crate::settings::{Backoff, RetryPolicy};
use nameko_core::serialization::Serializers;
use uri::{parse_uris, tls_config};

/// How long closing a channel or the connection may take before we give up on the broker
/// answering (it may be gone).
pub(crate) const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Closes `channel` if it is open, waiting at most [`CLOSE_TIMEOUT`] for the broker.
pub(crate) async fn close_channel(channel: &Channel, reason: &str) {
    if channel.status().connected() {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, channel.close(200, reason.into())).await;
    }
}

/// The result of a confirmed publish.
#[derive(Debug)]
pub enum Published {
    /// The broker routed and accepted the message.
    Routed,
    /// The message was `mandatory` and no queue was bound for it: the broker returned it.
    Returned,
}

/// One established connection of an [`AmqpConnection`]: what it holds between two losses
/// (the lapin connection, its publisher channel, and its number; each reconnection makes
/// a new one). A consumer opens its channels on one ([`Resume`](crate::Resume) hands
/// it the one to use).
pub struct LiveConnection {
    conn: Connection,
    publisher: Channel,
    generation: u64,
    uri: String,
}

impl std::fmt::Debug for LiveConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveConnection")
            .field("uri", &self.uri)
            .field("generation", &self.generation)
            .finish()
    }
}

impl LiveConnection {
    /// The connection's number: 1 for the first, then one more per reconnection.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Opens a channel on this connection.
    pub async fn create_channel(&self) -> Result<Channel, AmqpError> {
        self.conn
            .create_channel()
            .await
            .map_err(AmqpError::op("channel.open"))
    }

    /// Whether this connection is still open.
    pub fn is_connected(&self) -> bool {
        self.conn.status().connected()
    }
}

/// The state of the link to the broker.
#[derive(Clone)]
pub(crate) enum LinkState {
    /// Connecting, or reconnecting after a loss.
    Down,
    /// Connected.
    Up(Arc<LiveConnection>),
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
    /// nameko-amqp's keys of the config this connection was made with, read once.
    settings: AmqpSettings,
    /// The config's `serializer` and `ACCEPT`.
    serializers: Serializers,
    state: watch::Sender<LinkState>,
    closing: CancellationToken,
    generations: AtomicU64,
    /// `nameko_broker_connected` and `nameko_broker_reconnects_total` of this connection.
    metrics: crate::metrics::BrokerMetrics,
}

impl std::fmt::Debug for AmqpConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmqpConnection")
            .field("uris", &self.link.shown)
            .finish()
    }
}

impl AmqpConnection {
    /// Connects to the broker named by `config`'s `AMQP_URI`, failing at once if none of
    /// its URIs can be reached (a client's start-up); once connected, it reconnects
    /// whenever the connection is lost.
    pub async fn connect(config: &Config) -> Result<Self, AmqpError> {
        let connection = Self::new(config)?;
        connection.link.start(false).await?;
        Ok(connection)
    }

    /// Like [`connect`](Self::connect), but a broker that cannot be reached is retried
    /// with back-off, each attempt logged, until it can (a service's start-up), unless
    /// `AMQP_CONNECT_FAIL_FAST` is true.
    pub async fn connect_retrying(config: &Config) -> Result<Self, AmqpError> {
        let connection = Self::new(config)?;
        let fail_fast = connection.link.settings.connect_fail_fast;
        connection.link.start(!fail_fast).await?;
        Ok(connection)
    }

    fn new(config: &Config) -> Result<Self, AmqpError> {
        let settings = AmqpSettings::from_config(config)?;
        let uris = parse_uris(&settings)?;
        let shown = settings
            .uris()
            .map(nameko_core::config::redact::redact_uri)
            .collect();
        let (state, _) = watch::channel(LinkState::Down);
        let metrics =
            crate::metrics::BrokerMetrics::new(uris.first().map_or("/", |u| u.vhost.as_str()));
        Ok(AmqpConnection {
            link: Arc::new(Link {
                uris,
                tls: tls_config(settings.ssl.as_ref())?,
                shown,
                backoff: settings.backoff(),
                retry: settings.publish_retry_policy,
                settings,
                serializers: config.serializers(),
                state,
                closing: CancellationToken::new(),
                generations: AtomicU64::new(0),
                metrics,
            }),
        })
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
    pub(crate) async fn live(&self) -> Result<Arc<LiveConnection>, AmqpError> {
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
    pub(crate) async fn live_after(&self, after: u64) -> Result<Arc<LiveConnection>, AmqpError> {
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

    /// nameko-amqp's keys of the config this connection was made with, read and checked
    /// once when it was made (`rpc_exchange`, `RPC_TIMEOUT`, `PREFETCH_COUNT`, ...).
    pub fn settings(&self) -> &AmqpSettings {
        &self.link.settings
    }

    /// The `serializer` and `ACCEPT` of the config this connection was made with: every
    /// message sent over it is encoded with the first, every one received decoded by the
    /// second (see [`nameko_core::serialization`]).
    pub fn serializers(&self) -> &Serializers {
        &self.link.serializers
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
        crate::metrics::published(exchange, result.is_ok());
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
        self.link.metrics.connected(false);
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
    live: &LiveConnection,
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
