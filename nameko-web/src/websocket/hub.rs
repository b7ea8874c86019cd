//! [`WebSocketHub`]: the dependency provider that subscribes sockets to channels and
//! sends them events.

use std::sync::{Arc, OnceLock};

use nameko_core::{
    BoxError, ContainerHandle, DependencyProvider, Extension, RemoteError, ToRemoteError,
};
use serde_json::Value;

use super::connection::WebSocketServer;
use super::frames::event_frame;
use super::lock;
use super::subscriptions::HubState;

/// A socket the hub does not know: Nameko's `ConnectionNotFound(socket_id)`, a
/// `BadRequest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{socket_id}")]
pub struct ConnectionNotFound {
    /// The socket id.
    pub socket_id: String,
}

impl ToRemoteError for ConnectionNotFound {
    fn to_remote_error(&self) -> RemoteError {
        RemoteError::new("ConnectionNotFound", self.socket_id.clone())
            .with_path("nameko.exceptions.ConnectionNotFound")
    }
}

/// Nameko's `WebSocketHubProvider` and its `WebSocketHub`: a dependency provider, a field
/// of the service listed in `dependencies(...)`, that subscribes sockets to channels and
/// sends them events (`{"type": "event", "event": ..., "data": ...}`).
///
/// A socket is removed from every channel when it closes. Subscriptions belong to this
/// hub (to its service), as in Nameko.
///
/// ```
/// use nameko_web::websocket::WebSocketHub;
///
/// let hub = WebSocketHub::default();
/// // Not set up yet: no socket is known.
/// assert!(hub.subscribe("some-socket", "news").is_err());
/// assert!(hub.get_subscriptions("some-socket").is_empty());
/// ```
#[derive(Default)]
pub struct WebSocketHub {
    server: OnceLock<Arc<WebSocketServer>>,
    state: Arc<HubState>,
}

impl std::fmt::Debug for WebSocketHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketHub")
            .field("channels", &lock(&self.state.inner).subscriptions.len())
            .finish_non_exhaustive()
    }
}

impl WebSocketHub {
    /// A hub, set up with its service.
    pub fn new() -> Self {
        Self::default()
    }

    /// Subscribes a socket to a channel. Fails if the socket is not open (or the hub is
    /// not set up).
    pub fn subscribe(&self, socket_id: &str, channel: &str) -> Result<(), ConnectionNotFound> {
        let mut inner = lock(&self.state.inner);
        let known = inner.connections.contains_key(socket_id)
            || self.server.get().is_some_and(|s| s.has_socket(socket_id));
        if !known {
            return Err(ConnectionNotFound {
                socket_id: socket_id.to_owned(),
            });
        }
        inner
            .subscriptions
            .entry(channel.to_owned())
            .or_default()
            .insert(socket_id.to_owned());
        inner
            .connections
            .entry(socket_id.to_owned())
            .or_default()
            .insert(channel.to_owned());
        Ok(())
    }

    /// Unsubscribes a socket from a channel (nothing happens if it was not subscribed).
    pub fn unsubscribe(&self, socket_id: &str, channel: &str) {
        let mut inner = lock(&self.state.inner);
        if let Some(channels) = inner.connections.get_mut(socket_id) {
            channels.remove(channel);
        }
        if let Some(subs) = inner.subscriptions.get_mut(channel) {
            subs.remove(socket_id);
            if subs.is_empty() {
                inner.subscriptions.remove(channel);
            }
        }
    }

    /// The channels a socket is subscribed to, sorted.
    pub fn get_subscriptions(&self, socket_id: &str) -> Vec<String> {
        lock(&self.state.inner)
            .connections
            .get(socket_id)
            .map(|channels| channels.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Sends event `event` with `data` to every socket subscribed to `channel`.
    pub fn broadcast(&self, channel: &str, event: &str, data: Value) {
        let Some(server) = self.server.get() else {
            return;
        };
        let sockets: Vec<String> = lock(&self.state.inner)
            .subscriptions
            .get(channel)
            .map(|subs| subs.iter().cloned().collect())
            .unwrap_or_default();
        if sockets.is_empty() {
            return;
        }
        let frame = event_frame(event, &data);
        for socket_id in sockets {
            server.send_to(&socket_id, frame.clone());
        }
    }

    /// Sends event `event` with `data` to one socket: `true` if it is open.
    pub fn unicast(&self, socket_id: &str, event: &str, data: Value) -> bool {
        match self.server.get() {
            Some(server) => server.send_to(socket_id, event_frame(event, &data)),
            None => false,
        }
    }
}

#[nameko_core::async_trait]
impl Extension for WebSocketHub {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let server = WebSocketServer::shared(container).await?;
        server.register_hub(&self.state);
        let _ = self.server.set(server);
        Ok(())
    }
}

impl DependencyProvider for WebSocketHub {}
