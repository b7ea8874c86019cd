//! RPC over WebSocket: Nameko's `nameko.web.websocket`, on the runner's one web server.
//!
//! - [`rpc()`]: the entrypoint kind, `#[entrypoint(nameko::web::websocket::rpc())]` on a
//!   method whose first parameter is the socket id (Nameko's `@rpc` of
//!   `nameko.web.websocket`).
//! - [`WebSocketHub`]: the dependency provider (Nameko's `WebSocketHubProvider`) that
//!   subscribes sockets to channels and sends them events.
//!
//! ```no_run
//! use nameko::web::websocket::{ConnectionNotFound, WebSocketHub, rpc};
//! use nameko::{entrypoint, service};
//!
//! #[derive(Default)]
//! pub struct Chat {
//!     hub: WebSocketHub,
//! }
//!
//! #[service(name = "chat", dependencies(hub))]
//! impl Chat {
//!     #[entrypoint(rpc())]
//!     async fn join(&self, socket_id: String, room: String) -> Result<String, ConnectionNotFound> {
//!         self.hub.subscribe(&socket_id, &room)?;
//!         Ok(format!("joined {room}"))
//!     }
//!
//!     #[entrypoint(rpc())]
//!     async fn say(&self, socket_id: String, room: String, text: String) {
//!         let data = serde_json::json!({"from": socket_id, "text": text});
//!         self.hub.broadcast(&room, "said", data);
//!     }
//! }
//! ```
//!
//! ## The protocol
//!
//! As Python Nameko 2.14's `nameko/web/websocket.py` (checked against the source of tag
//! `v2.14.1`, identical to the `master` branch's): one endpoint, `GET /ws` on the web
//! server (`WEB_SERVER_ADDRESS`); every frame is JSON text, written as Python's
//! `json.dumps` writes it ([`py_json`](crate::py_json)).
//!
//! - On connect the server sends
//!   `{"type": "event", "event": "connected", "data": {"socket_id": "<uuid4>"}}`.
//! - A call is `{"method": "<name>", "data": {<keyword arguments>}, "correlation_id": <any>}`
//!   (`data` and `correlation_id` optional). The method runs with the socket id as its first
//!   argument and `data` as keyword arguments, and is answered
//!   `{"type": "result", "success": true, "data": <result>, "correlation_id": <as sent>}`,
//!   or on failure
//!   `{"type": "result", "success": false, "error": {"exc_type": ..., "exc_path": ...,
//!   "exc_args": [...], "value": ...}, "correlation_id": <as sent>}` (Nameko's
//!   `serialize(exc)`). Arguments that do not fit the method are an `IncorrectSignature`;
//!   an error the method returns or a panic (`WorkerPanic`) is answered the same way, and
//!   the socket stays open.
//! - A method no running entrypoint has: `MethodNotFound`, with no arguments as Python's
//!   (`"exc_args": [], "value": ""`).
//! - A frame that is not JSON, not an object, or has no `method`:
//!   `MalformedRequest("Invalid JSON data")`, with `"correlation_id": null` (Python reads
//!   the correlation id only from a frame it could parse).
//! - Events sent by the hub: `{"type": "event", "event": "<event>", "data": <data>}`.
//!
//! Differences from Python, none visible in a well-formed exchange:
//!
//! - Calls on one socket run concurrently (Python answers them one at a time), each as a
//!   worker of its service (counting against `max_workers`); answers are matched by
//!   `correlation_id`.
//! - A truthy `data` that is not an object is answered `MalformedRequest` (Python's worker
//!   fails with a `TypeError`).
//! - The socket's context data holds only the W3C `traceparent` header of the upgrade
//!   request (Nameko's `context_data_from_headers` returns `{}`).
//! - The endpoint and the hub are shared by every service of a runner, as the web server
//!   is; a method name served by two services is served by the one started first.
//! - The path is `/ws`, fixed; frames larger than `WEB_MAX_BODY_SIZE` close the socket.
//! - When the web server stops, open sockets are closed (`1001 Going Away`).
//! - The hub's `broadcast` and `unicast` do not wait for the socket: events for a slow
//!   client are queued in memory (Python's `send` blocks the worker instead).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};

use futures_util::{SinkExt, StreamExt};
use http::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use http::{Method as HttpMethod, StatusCode};
use hyper_util::rt::TokioIo;
use nameko_core::entrypoint::{Fire, FireError, Fired, IntoEntrypoint, Method};
use nameko_core::trace::TRACEPARENT;
use nameko_core::{
    Arguments, BoxError, Call, CallArguments, ContainerHandle, ContextData, DependencyProvider,
    Entrypoint, EntrypointOptions, Extension, MethodError, Outcome, RemoteError, Resource,
    ToRemoteError,
};
use nameko_rule::Rule;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_util::sync::CancellationToken;

use crate::response::{Response, error_page};
use crate::server::{Route, WebServer};

/// The path of the WebSocket endpoint, Nameko's.
pub const PATH: &str = "/ws";

/// The entrypoint kind, as [`Entrypoint::kind`] and the workers' logs name it.
pub const KIND: &str = "websocket_rpc";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    match m.read() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    match m.write() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

// ---- frames ------------------------------------------------------------------------------

/// `{"type": "event", "event": ..., "data": ...}`, Nameko's `serialize_event`.
#[derive(Serialize)]
struct EventFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event: &'a str,
    data: &'a Value,
}

/// `{"type": "result", "success": ..., "data" | "error": ..., "correlation_id": ...}`.
#[derive(Serialize)]
struct ResultFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a RemoteError>,
    correlation_id: &'a Value,
}

fn encode<T: Serialize>(frame: &T) -> String {
    crate::py_json::dumps(frame).unwrap_or_else(|e| {
        tracing::warn!(target: "nameko_web::websocket", error = %e, "cannot encode a frame");
        String::from("{}")
    })
}

fn event_frame(event: &str, data: &Value) -> String {
    encode(&EventFrame {
        kind: "event",
        event,
        data,
    })
}

fn result_frame(result: Result<&Value, &RemoteError>, correlation_id: &Value) -> String {
    let (data, error) = match result {
        Ok(value) => (Some(value), None),
        Err(error) => (None, Some(error)),
    };
    encode(&ResultFrame {
        kind: "result",
        success: error.is_none(),
        data,
        error,
        correlation_id,
    })
}

/// Nameko's `MethodNotFound()`: no arguments, so an empty `value`.
fn method_not_found() -> RemoteError {
    RemoteError {
        exc_type: "MethodNotFound".to_owned(),
        exc_path: "nameko.exceptions.MethodNotFound".to_owned(),
        exc_args: Vec::new(),
        value: String::new(),
    }
}

/// Python's truthiness of a JSON value (`data.get('data') or {}`).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A call frame: method, keyword arguments, correlation id. `Err` is the answer to send.
fn parse_call(payload: &[u8]) -> Result<(Value, Map<String, Value>, Value), String> {
    let malformed = || {
        result_frame(
            Err(&RemoteError::malformed_request("Invalid JSON data")),
            &Value::Null,
        )
    };
    let Ok(Value::Object(mut frame)) = serde_json::from_slice::<Value>(payload) else {
        return Err(malformed());
    };
    let Some(method) = frame.remove("method") else {
        return Err(malformed());
    };
    let correlation_id = frame.remove("correlation_id").unwrap_or(Value::Null);
    let kwargs = match frame.remove("data") {
        Some(Value::Object(kwargs)) => kwargs,
        Some(data) if is_truthy(&data) => {
            let error = RemoteError::malformed_request("`data` must be an object");
            return Err(result_frame(Err(&error), &correlation_id));
        }
        _ => Map::new(),
    };
    Ok((method, kwargs, correlation_id))
}

// ---- the shared endpoint -------------------------------------------------------------------

/// One method served over WebSocket.
struct WsMethod {
    name: &'static str,
    handler: nameko_core::entrypoint::Handler,
    options: Arc<EntrypointOptions>,
    container: ContainerHandle,
}

/// The subscriptions of one [`WebSocketHub`].
#[derive(Default)]
struct HubState {
    inner: Mutex<HubInner>,
}

#[derive(Default)]
struct HubInner {
    /// channel -> sockets
    subscriptions: HashMap<String, HashSet<String>>,
    /// socket -> channels
    connections: HashMap<String, BTreeSet<String>>,
}

impl HubState {
    fn cleanup(&self, socket_id: &str) {
        let mut inner = lock(&self.inner);
        if let Some(channels) = inner.connections.remove(socket_id) {
            for channel in channels {
                if let Some(subs) = inner.subscriptions.get_mut(&channel) {
                    subs.remove(socket_id);
                    if subs.is_empty() {
                        inner.subscriptions.remove(&channel);
                    }
                }
            }
        }
    }
}

/// The WebSocket endpoint of a runner (Nameko's `WebSocketServer`): the open sockets, the
/// methods served and the hubs to clean up when a socket closes. Created on first use by
/// a [`rpc()`] entrypoint or a [`WebSocketHub`], and kept in the runner's shared
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
    pub async fn shared(container: &ContainerHandle) -> Result<Arc<WebSocketServer>, crate::Error> {
        let web = WebServer::shared(container).await?;
        container
            .shared()
            .get_or_try_init(|| async {
                Ok::<_, crate::Error>(WebSocketServer {
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

    fn has_socket(&self, socket_id: &str) -> bool {
        lock(&self.sockets).contains_key(socket_id)
    }

    fn send_to(&self, socket_id: &str, frame: String) -> bool {
        match lock(&self.sockets).get(socket_id) {
            Some(tx) => tx.send(frame).is_ok(),
            None => false,
        }
    }

    fn register_method(&self, method: Arc<WsMethod>) {
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

    fn unregister_method(&self, method: &Arc<WsMethod>) {
        let mut methods = write(&self.methods);
        if methods
            .get(method.name)
            .is_some_and(|m| Arc::ptr_eq(m, method))
        {
            methods.remove(method.name);
        }
    }

    fn register_hub(&self, hub: &Arc<HubState>) {
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

    /// Answers the upgrade request of `/ws` and serves the socket in a task of its own.
    pub(crate) fn upgrade(
        self: &Arc<Self>,
        parts: http::request::Parts,
        peer: SocketAddr,
    ) -> Response {
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
        let server = Arc::clone(self);
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

/// Runs one worker of `method`, tracked by its container so that a graceful stop waits
/// for it.
async fn run_worker(
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

// ---- the entrypoint ------------------------------------------------------------------------

/// The entrypoint kind of [`rpc()`]: a method called over the WebSocket endpoint.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Rpc;

/// Nameko's `nameko.web.websocket.rpc`: `#[entrypoint(nameko::web::websocket::rpc())]`.
///
/// The method's first parameter receives the socket id (a `String`); the others are bound
/// by name from the call's `data`, as an RPC call's keyword arguments are.
///
/// ```
/// use nameko_core::entrypoint::IntoEntrypoint;
///
/// fn is_an_entrypoint_kind<K: IntoEntrypoint>(_: K) {}
/// is_an_entrypoint_kind(nameko_web::websocket::rpc());
/// ```
pub fn rpc() -> Rpc {
    Rpc
}

impl IntoEntrypoint for Rpc {
    fn into_entrypoint(self, method: Method) -> Box<dyn Entrypoint> {
        Box::new(WebSocketRpc {
            options: Arc::new(method.options.clone()),
            method,
            registered: Mutex::new(None),
        })
    }
}

struct Registered {
    web: Arc<WebServer>,
    server: Arc<WebSocketServer>,
    route: Arc<Route>,
    method: Arc<WsMethod>,
}

/// The entrypoint of one method served over WebSocket (Nameko's `WebSocketRpc`), made
/// by [`rpc()`] through `#[entrypoint(...)]`.
pub struct WebSocketRpc {
    method: Method,
    options: Arc<EntrypointOptions>,
    registered: Mutex<Option<Arc<Registered>>>,
}

impl std::fmt::Debug for WebSocketRpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketRpc")
            .field("method", &self.method.name)
            .finish_non_exhaustive()
    }
}

impl WebSocketRpc {
    fn registered(&self) -> Option<Arc<Registered>> {
        lock(&self.registered).clone()
    }
}

#[nameko_core::async_trait]
impl Extension for WebSocketRpc {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let web = WebServer::shared(container).await?;
        let server = WebSocketServer::shared(container).await?;
        let rule = Rule::parse(PATH)?;
        // The route's handler never runs: the server upgrades the request instead.
        let handler: crate::HandlerFn = Arc::new(|_request, _params| {
            Box::pin(async { Ok(error_page(StatusCode::BAD_REQUEST)) })
        });
        let route = Arc::new(
            Route::new(
                rule,
                vec![HttpMethod::GET],
                self.method.name,
                container.clone(),
                handler,
                Arc::from(Vec::new()),
                Arc::clone(&self.options),
                None,
            )
            .with_websocket(Arc::clone(&server)),
        );
        web.register(Arc::clone(&route));
        let method = Arc::new(WsMethod {
            name: self.method.name,
            handler: Arc::clone(&self.method.handler),
            options: Arc::clone(&self.options),
            container: container.clone(),
        });
        *lock(&self.registered) = Some(Arc::new(Registered {
            web,
            server,
            route,
            method,
        }));
        Ok(())
    }

    async fn start(&self, _container: &ContainerHandle) -> Result<(), BoxError> {
        if let Some(r) = self.registered() {
            r.web.start().await?;
            r.server.register_method(Arc::clone(&r.method));
            r.route.activate();
        }
        Ok(())
    }

    async fn stop(&self) {
        if let Some(r) = self.registered() {
            r.server.unregister_method(&r.method);
            r.route.stop();
            r.web.route_stopped();
        }
    }

    async fn kill(&self) {
        self.stop().await;
    }
}

#[nameko_core::async_trait]
impl Entrypoint for WebSocketRpc {
    fn method_name(&self) -> &str {
        self.method.name
    }

    fn kind(&self) -> &'static str {
        KIND
    }

    /// `kind`, `method`, `params` and `path` (`/ws`).
    fn describe(&self) -> Value {
        let mut d = nameko_core::entrypoint::describe_entrypoint(
            KIND,
            self.method.name,
            Some(&self.options),
        );
        d.insert("path".into(), Value::from(PATH));
        Value::Object(d)
    }

    /// Runs the method as a call on a socket would, with `fire.arguments` as given (put
    /// the socket id first, as the endpoint does).
    async fn fire(&self, container: &ContainerHandle, fire: Fire) -> Result<Fired, FireError> {
        let method = WsMethod {
            name: self.method.name,
            handler: Arc::clone(&self.method.handler),
            options: Arc::clone(&self.options),
            container: container.clone(),
        };
        Fired::from_outcome(run_worker(&method, fire.arguments, fire.context_data).await)
    }
}

// ---- the hub ---------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_are_written_as_python_writes_them() {
        assert_eq!(
            event_frame("connected", &json!({"socket_id": "abc"})),
            r#"{"type": "event", "event": "connected", "data": {"socket_id": "abc"}}"#
        );
        assert_eq!(
            result_frame(Ok(&json!(3)), &json!(1)),
            r#"{"type": "result", "success": true, "data": 3, "correlation_id": 1}"#
        );
        assert_eq!(
            result_frame(Err(&method_not_found()), &Value::Null),
            r#"{"type": "result", "success": false, "error": {"exc_type": "MethodNotFound", "exc_path": "nameko.exceptions.MethodNotFound", "exc_args": [], "value": ""}, "correlation_id": null}"#
        );
    }

    #[test]
    fn call_frames() {
        let (m, kw, c) =
            parse_call(br#"{"method": "m", "data": {"a": 1}, "correlation_id": "x"}"#).unwrap();
        assert_eq!(
            (m, Value::Object(kw), c),
            (json!("m"), json!({"a": 1}), json!("x"))
        );
        let (_, kw, c) = parse_call(br#"{"method": "m", "data": null}"#).unwrap();
        assert!(kw.is_empty());
        assert_eq!(c, Value::Null);
        for bad in [
            &b"nope"[..],
            b"[1]",
            br#"{"data": {}, "correlation_id": 1}"#,
        ] {
            let answer: Value = serde_json::from_str(&parse_call(bad).unwrap_err()).unwrap();
            assert_eq!(answer["error"]["exc_type"], "MalformedRequest");
            assert_eq!(answer["correlation_id"], Value::Null);
        }
        let answer: Value = serde_json::from_str(
            &parse_call(br#"{"method": "m", "data": [1], "correlation_id": 2}"#).unwrap_err(),
        )
        .unwrap();
        assert_eq!(answer["correlation_id"], 2);
    }
}
