//! The broker connection shared by every container of a runner, with its long-lived
//! publisher channel (publisher confirms on).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;

use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::uri::{AMQPScheme, AMQPUri};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use nameko_core::{Config, ContainerHandle, Resource};

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

/// One connection to the broker and its publisher channel.
///
/// A runner shares one between all its containers ([`AmqpConnection::shared`]); consumers
/// open channels of their own on it.
pub struct AmqpConnection {
    conn: Connection,
    publisher: Channel,
    display_uri: String,
    closing: Arc<AtomicBool>,
}

impl std::fmt::Debug for AmqpConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmqpConnection")
            .field("uri", &self.display_uri)
            .finish()
    }
}

/// Parses Nameko's `AMQP_URI` into lapin's form: `pyamqp://` is `amqp://`, an empty or
/// `//` path is the `/` vhost (as kombu reads it), `HEARTBEAT` becomes the heartbeat.
pub fn parse_uri(config: &Config) -> Result<AMQPUri, AmqpError> {
    let raw = config.amqp_uri();
    let shown = hide_password(raw);
    let invalid = |reason: String| AmqpError::InvalidUri {
        uri: shown.clone(),
        reason,
    };
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| invalid("expected scheme://user:password@host:port/vhost".into()))?;
    let normalised = match scheme {
        "amqp" | "pyamqp" | "librabbitmq" => format!("amqp://{rest}"),
        "amqps" => return Err(AmqpError::TlsUnsupported),
        other => return Err(invalid(format!("unsupported scheme `{other}`"))),
    };
    if config
        .get("AMQP_SSL")
        .is_some_and(|v| !v.is_null() && v != &serde_json::Value::Bool(false))
    {
        return Err(AmqpError::TlsUnsupported);
    }
    let mut uri = AMQPUri::from_str(&normalised).map_err(invalid)?;
    if uri.scheme != AMQPScheme::AMQP {
        return Err(AmqpError::TlsUnsupported);
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
    Ok(uri)
}

fn hide_password(uri: &str) -> String {
    match (uri.find("://"), uri.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &uri[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &uri[..s + 3], &uri[at..]),
                None => uri.to_owned(),
            }
        }
        _ => uri.to_owned(),
    }
}

impl AmqpConnection {
    /// Connects to the broker named by `config`'s `AMQP_URI`.
    pub async fn connect(config: &Config) -> Result<Self, AmqpError> {
        let uri = parse_uri(config)?;
        let display_uri = hide_password(config.amqp_uri());
        let conn = Connection::connect_uri(uri, ConnectionProperties::default())
            .await
            .map_err(|source| AmqpError::Connect {
                uri: display_uri.clone(),
                source,
            })?;
        let publisher = conn
            .create_channel()
            .await
            .map_err(AmqpError::op("channel.open"))?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(AmqpError::op("confirm.select"))?;
        tracing::debug!(target: "nameko_amqp::connection", uri = %display_uri, "connected");
        Ok(AmqpConnection {
            conn,
            publisher,
            display_uri,
            closing: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The runner's shared connection, connecting on first use. If the connection is lost
    /// later, the runner is told ([`ContainerHandle::report_fatal`]): its services cannot
    /// work without the broker.
    pub async fn shared(container: &ContainerHandle) -> Result<Arc<Self>, AmqpError> {
        let config = Arc::clone(container.config());
        let handle = container.clone();
        container
            .shared()
            .get_or_try_init(|| async move {
                let conn = AmqpConnection::connect(&config).await?;
                conn.watch(handle);
                Ok(conn)
            })
            .await
    }

    /// Reports a connection error to `container` as fatal, unless we are closing.
    fn watch(&self, container: ContainerHandle) {
        let mut events = self.conn.events_listener();
        let closing = Arc::clone(&self.closing);
        let uri = self.display_uri.clone();
        tokio::spawn(async move {
            while let Some(event) = events.next().await {
                match event {
                    lapin::Event::Error(e) if !closing.load(Ordering::SeqCst) => {
                        container.report_fatal(format_args!(
                            "connection to the broker at {uri} lost: {e}"
                        ));
                        break;
                    }
                    lapin::Event::ConnectionBlocked(reason) => {
                        tracing::warn!(target: "nameko_amqp::connection", %reason, "the broker blocked the connection");
                    }
                    lapin::Event::ConnectionUnblocked => {
                        tracing::info!(target: "nameko_amqp::connection", "the broker unblocked the connection");
                    }
                    _ => {}
                }
            }
        });
    }

    /// Opens a new channel (for a consumer).
    pub async fn create_channel(&self) -> Result<Channel, AmqpError> {
        self.conn
            .create_channel()
            .await
            .map_err(AmqpError::op("channel.open"))
    }

    /// The long-lived publisher channel (publisher confirms on).
    pub fn publisher(&self) -> &Channel {
        &self.publisher
    }

    /// Whether the connection is still open.
    pub fn is_connected(&self) -> bool {
        self.conn.status().connected()
    }

    /// Publishes and waits for the broker's confirm.
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
        let confirm = self
            .publisher
            .basic_publish(
                exchange.into(),
                routing_key.into(),
                BasicPublishOptions {
                    mandatory,
                    ..BasicPublishOptions::default()
                },
                body,
                properties,
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

    /// Closes the connection.
    pub async fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        if self.conn.status().connected() {
            match tokio::time::timeout(CLOSE_TIMEOUT, self.conn.close(200, "OK".into())).await {
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

#[nameko_core::async_trait]
impl Resource for AmqpConnection {
    async fn close(&self) {
        AmqpConnection::close(self).await;
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
        assert!(matches!(uri("amqps://x"), Err(AmqpError::TlsUnsupported)));
        let e = uri("amqp://user:secret@host:notaport/").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
