//! The endpoint at `/ws`: [`WebSocketServer`], the open sockets and the methods served,
//! the upgrade of a request and the loop serving one socket.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock, Weak};

use futures_util::{SinkExt, StreamExt};
use http::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use http::{Method as HttpMethod, StatusCode};
use hyper_util::rt::TokioIo;
use nameko_core::trace::TRACEPARENT;
use nameko_core::{
    Arguments, Call, CallArguments, ContainerHandle, ContextData, EntrypointOptions, MethodError,
    Outcome, RemoteError, Resource,
};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_util::sync::CancellationToken;

use super::frames::{event_frame, method_not_found, parse_call, result_frame};
use super::subscriptions::HubState;
use super::{KIND, lock, read, write};
use crate::error::Error;
use crate::response::{Response, error_page};
use crate::server::{Upgrade, WebServer};

/// One method served over WebSocket.
pub(super) struct WsMethod {
    pub(super) name: &'static str,
    pub(super) handler: nameko_core::entrypoint::Handler,
    pub(super) options: Arc<EntrypointOptions>,
    pub(super) container: ContainerHandle,
}

/// The WebSocket endpoint of a runner (Nameko's `WebSocketServer`): the open sockets, the
/// methods served and the hubs to clean up when a socket closes. Created on first use by
/// a [`rpc()`](super::rpc) entrypoint or a [`WebSocketHub`](super::WebSocketHub), and kept in the runner's shared
/// resources, next to the [`WebServer`] it is served by.
pub struct WebSocketServer {
    sockets: Mutex<HashMap<String, mpsc::UnboundedSender<String>>>,
    methods: RwLock<HashMap<String, Arc<WsMethod>>>,
    hubs: Mutex<Vec<Weak<HubState>>>,
    /// The web server's shutdown: open sockets close with it.
    shutdown: CancellationToken,
    max_message_size: usize,
}

impl std::fmt::Debug for WebSocketServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketServer")
            .field("sockets", &lock(&self.sockets).len())
            .field("methods", &read(&self.methods).len())
            .finish_non_exhaustive()
    }
}

#[nameko_core::async_trait]
impl Resource for WebSocketServer {
    /// Closes the open sockets.
    async fn close(&self) {
        self.shutdown.cancel();
    }
}

impl WebSocketServer {
    /// The runner's endpoint, created on first use with the runner's [`WebServer`].
    pub async fn shared(container: &ContainerHandle) -> Result<Arc<WebSocketServer>, Error> {
        let web = WebServer::shared(container).await?;
        container
            .shared()
            .get_or_try_init(|| async {
                Ok::<_, Error>(WebSocketServer {
                    sockets: Mutex::default(),
                    methods: RwLock::default(),
                    hubs: Mutex::default(),
                    shutdown: web.shutdown.child_token(),
                    max_message_size: web.config().max_body_size,
                })
            })
            .await
    }

    /// The number of open sockets.
    pub fn socket_count(&self) -> usize {
        lock(&self.sockets).len()
    }

    pub(super) fn has_socket(&self, socket_id: &str) -> bool {
        lock(&self.sockets).contains_key(socket_id)
    }

    pub(super) fn send_to(&self, socket_id: &str, frame: String) -> bool {
        match lock(&self.sockets).get(socket_id) {
            Some(tx) => tx.send(frame).is_ok(),
            None => false,
        }
    }

    pub(super) fn register_method(&self, method: Arc<WsMethod>) {
        let mut methods = write(&self.methods);
        if methods.contains_key(method.name) {
            tracing::warn!(
                target: "nameko_web::websocket",
                method = method.name,
                service = %method.container.service_name(),
                "a WebSocket method of that name is already served; this one is ignored"
            );
            return;
        }
        methods.insert(method.name.to_owned(), method);
    }

    pub(super) fn unregister_method(&self, method: &Arc<WsMethod>) {
        let mut methods = write(&self.methods);
        if methods
            .get(method.name)
            .is_some_and(|m| Arc::ptr_eq(m, method))
        {
            methods.remove(method.name);
        }
    }

    pub(super) fn register_hub(&self, hub: &Arc<HubState>) {
        let mut hubs = lock(&self.hubs);
        hubs.retain(|h| h.strong_count() > 0);
        hubs.push(Arc::downgrade(hub));
    }

    fn remove_socket(&self, socket_id: &str) {
        lock(&self.sockets).remove(socket_id);
        let hubs: Vec<Arc<HubState>> = lock(&self.hubs).iter().filter_map(Weak::upgrade).collect();
        for hub in hubs {
            hub.cleanup(socket_id);
        }
    }

    /// Nameko's `websocket_mainloop`: the connected event, then one answer per call.
    async fn serve_socket<S>(
        self: Arc<Self>,
        mut ws: WebSocketStream<S>,
        context_data: ContextData,
        peer: SocketAddr,
    ) where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let socket_id = uuid::Uuid::new_v4().to_string();
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        lock(&self.sockets).insert(socket_id.clone(), tx.clone());
        tracing::debug!(target: "nameko_web::websocket", %peer, socket_id, "WebSocket connected");
        let connected = event_frame("connected", &serde_json::json!({ "socket_id": socket_id }));
        let mut open = ws.send(Message::text(connected)).await.is_ok();
        while open {
            tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => {
                    let _ = ws
                        .close(Some(CloseFrame {
                            code: CloseCode::Away,
                            reason: "server shutting down".into(),
                        }))
                        .await;
                    open = false;
                }
                out = rx.recv() => match out {
                    Some(frame) => open = ws.send(Message::text(frame)).await.is_ok(),
                    None => open = false,
                },
                incoming = ws.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        self.handle_frame(&socket_id, &context_data, text.as_bytes(), &tx);
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        self.handle_frame(&socket_id, &context_data, &bytes, &tx);
                    }
                    Some(Ok(Message::Close(_))) | None => open = false,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        tracing::debug!(target: "nameko_web::websocket", socket_id, error = %e, "WebSocket error");
                        open = false;
                    }
                },
            }
        }
        self.remove_socket(&socket_id);
        tracing::debug!(target: "nameko_web::websocket", socket_id, "WebSocket closed");
    }

    /// Nameko's `handle_websocket_request`, with the worker in a task of its own so that
    /// calls on one socket run concurrently.
    fn handle_frame(
        &self,
        socket_id: &str,
        context_data: &ContextData,
        payload: &[u8],
        tx: &mpsc::UnboundedSender<String>,
    ) {
        let (method, kwargs, correlation_id) = match parse_call(payload) {
            Ok(call) => call,
            Err(answer) => {
                let _ = tx.send(answer);
                return;
            }
        };
        let found = method
            .as_str()
            .and_then(|name| read(&self.methods).get(name).cloned());
        let Some(method) = found else {
            let _ = tx.send(result_frame(Err(&method_not_found()), &correlation_id));
            return;
        };
        let arguments = Arguments {
            args: vec![Value::String(socket_id.to_owned())],
            kwargs,
        };
        let context_data = context_data.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let outcome = run_worker(&method, arguments, context_data).await;
            let answer = match outcome {
                Outcome::Success(value) => result_frame(Ok(&value), &correlation_id),
                Outcome::Failed(failure) => {
                    result_frame(Err(&failure.into_remote_error()), &correlation_id)
                }
                // The container stopped before the worker started: its entrypoints are
                // gone, as in Nameko once the provider unregistered.
                Outcome::Rejected => result_frame(Err(&method_not_found()), &correlation_id),
                Outcome::Killed => {
                    result_frame(Err(&RemoteError::container_being_killed()), &correlation_id)
                }
            };
            let _ = tx.send(answer);
        });
    }
}

impl Upgrade for WebSocketServer {
    /// Answers the upgrade request of `/ws` and serves the socket in a task of its own.
    fn upgrade(self: Arc<Self>, parts: http::request::Parts, peer: SocketAddr) -> Response {
        let mut parts = parts;
        let header_has = |name: http::HeaderName, token: &str| {
            parts.headers.get_all(name).iter().any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            })
        };
        if parts.method != HttpMethod::GET
            || !header_has(CONNECTION, "upgrade")
            || !header_has(UPGRADE, "websocket")
        {
            return error_page(StatusCode::BAD_REQUEST);
        }
        if parts
            .headers
            .get(http::header::SEC_WEBSOCKET_VERSION)
            .is_none_or(|v| v.as_bytes() != b"13")
        {
            return error_page(StatusCode::UPGRADE_REQUIRED).with_header(
                http::header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
        }
        let Some(key) = parts.headers.get(SEC_WEBSOCKET_KEY) else {
            return error_page(StatusCode::BAD_REQUEST);
        };
        let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) else {
            return error_page(StatusCode::BAD_REQUEST);
        };
        let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
            return error_page(StatusCode::BAD_REQUEST);
        };
        let mut context_data = ContextData::new();
        if let Some(tp) = parts.headers.get("traceparent")
            && let Ok(tp) = tp.to_str()
        {
            context_data.insert(TRACEPARENT.to_owned(), tp.into());
        }
        let server = self;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let config = WebSocketConfig::default()
                        .max_message_size(Some(server.max_message_size))
                        .max_frame_size(Some(server.max_message_size));
                    let ws = WebSocketStream::from_raw_socket(
                        TokioIo::new(upgraded),
                        Role::Server,
                        Some(config),
                    )
                    .await;
                    server.serve_socket(ws, context_data, peer).await;
                }
                Err(e) => {
                    tracing::debug!(target: "nameko_web::websocket", %peer, error = %e, "WebSocket upgrade failed");
                }
            }
        });
        let mut response = http::Response::new(crate::body::Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
        Response::from_http(response)
    }
}

/// Runs one worker of `method`, tracked by its container so that a graceful stop waits
/// for it.
pub(super) async fn run_worker(
    method: &WsMethod,
    arguments: Arguments,
    context_data: ContextData,
) -> Outcome<Value, MethodError> {
    let call = Call::new(method.name, KIND, &method.options)
        .context_data(context_data)
        .arguments(CallArguments::Rpc(arguments.clone()));
    let handler = Arc::clone(&method.handler);
    let container = method.container.clone();
    let work = async move {
        container
            .invoke(call, async move { handler(arguments).await })
            .await
    };
    method.container.run_tracked(work).await
}
