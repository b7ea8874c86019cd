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

mod connection;
mod entrypoint;
pub(crate) mod frames;
mod hub;
mod subscriptions;

pub(crate) use nameko_core::sync::{lock, read, write};

pub use connection::WebSocketServer;
#[allow(deprecated)]
pub use entrypoint::Rpc;
pub use entrypoint::{WebSocketRpc, WebSocketRpcKind, rpc};
pub use hub::{ConnectionNotFound, WebSocketHub};

/// The path of the WebSocket endpoint, Nameko's.
pub const PATH: &str = "/ws";

/// The entrypoint kind, as [`Entrypoint::kind`](nameko_core::Entrypoint::kind) and the workers' logs name it.
pub const KIND: &str = "websocket_rpc";
