//! # nameko-web
//!
//! The HTTP entrypoint of [nameko-rs](https://github.com/nameko-rs/nameko-rs): Nameko's
//! `@http(method, url)` on hyper, with werkzeug's rule syntax and Nameko's
//! return conventions and error responses.
//!
//! ```
//! use nameko_core::{http, service};
//! use nameko_web::Request;
//!
//! pub struct HttpService;
//!
//! #[service(name = "http_service")]
//! impl HttpService {
//!     #[http("GET", "/get/<int:value>")]
//!     async fn get_method(&self, _request: Request, value: i64) -> String {
//!         nameko_web::py_json::dumps(&serde_json::json!({ "value": value })).unwrap_or_default()
//!     }
//!
//!     #[http("POST", "/post")]
//!     async fn do_post(&self, request: Request) -> String {
//!         format!("received: {}", request.text_lossy())
//!     }
//!
//!     #[http("GET,PUT,POST,DELETE", "/multi")]
//!     async fn do_multi(&self, request: Request) -> String {
//!         request.method().to_string()
//!     }
//! }
//! ```
//!
//! The same service written by hand against the public traits, which is what the macro
//! generates (see [`Http`]):
//!
//! ```
//! use std::sync::Arc;
//! use nameko_core::{Entrypoint, Service};
//! use nameko_web::{Http, PathParams, Request, into_http_result};
//!
//! pub struct HttpService;
//!
//! impl Service for HttpService {
//!     fn name(&self) -> &str {
//!         "http_service"
//!     }
//!     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
//!         vec![
//!             Box::new(Http::new("get_method", "GET", "/get/<int:value>", |_req: Request, mut p: PathParams| {
//!                 Box::pin(async move {
//!                     let value: i64 = p.take("value")?;
//!                     into_http_result(format!(r#"{{"value": {value}}}"#))
//!                 }) as _
//!             })),
//!             Box::new(Http::new("do_post", "POST", "/post", |req: Request, _p: PathParams| {
//!                 Box::pin(async move { into_http_result(format!("received: {}", req.text_lossy())) }) as _
//!             })),
//!         ]
//!     }
//! }
//! ```
//!
//! ## How it runs
//!
//! - One [`WebServer`] per [`ServiceRunner`](nameko_core::ServiceRunner), bound to
//!   `WEB_SERVER_ADDRESS` (default `0.0.0.0:8000`) and shared by every service of the
//!   process (Python Nameko opens one socket per service container instead). It starts
//!   with the first service and stops gracefully with the runner: it stops accepting,
//!   lets in-flight requests finish and closes idle connections. A stopped service's
//!   routes answer `503`. [`bound_address`] tells the port chosen for `:0`.
//! - Routing is werkzeug's: see [`server`] for the order, `404`, `405` with `Allow`,
//!   `HEAD`, and the trailing-slash redirect; the rule syntax and converters are in
//!   [`nameko_rule`].
//! - Each request is a worker of its service: it counts against `max_workers` (requests
//!   beyond it wait for a free worker, none is dropped), runs dependency providers' hooks,
//!   and has a [`WorkerContext`](nameko_core::WorkerContext), so `RpcProxy` and
//!   `EventDispatcher` work inside handlers. Context data starts empty, as Nameko's
//!   `context_data_from_headers` returns `{}`.
//! - Return values and errors: see [`response`]. A handler error becomes
//!   `Error: <exc_type>: <value>\n` with `500` (or `400` for a `BadRequest`), unless the
//!   error implements [`ResponseFromError`] or the entrypoint has an
//!   [`error_response`](Http::error_response) override. A panicking handler answers `500`
//!   and the server keeps serving.
//! - Limits: see [`config`]: bodies over `WEB_MAX_BODY_SIZE` (1 MiB) get `413`, heads over
//!   `WEB_MAX_HEADER_SIZE` (64 KiB) get `431`, slow clients are cut after
//!   `WEB_HEADER_READ_TIMEOUT`/`WEB_BODY_READ_TIMEOUT` (30 s). The body is read before the
//!   worker starts, so a slow client never holds a worker.
//!
//! - WebSockets: [`websocket`] is Nameko's `nameko.web.websocket`, RPC over a WebSocket
//!   at `/ws` on the same server (`#[entrypoint(nameko::web::websocket::rpc())]`) and the
//!   [`WebSocketHub`](websocket::WebSocketHub) dependency that pushes events to sockets.
//!
//! Served by hyper directly, with no web framework in between: HTTP/1.1 only, as Nameko's
//! eventlet server; no TLS (put a proxy in front). A response's body is this crate's
//! [`Body`], an [`http_body::Body`] hyper sends as it is.
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `metrics` | no | `GET /metrics` on the web server (`nameko_run::metrics`), and the workers counted from the first one |
//! | `testing` | no | `testing::fire_http`: a route fired with a request in a unit test, without a server |
#![forbid(unsafe_code)]

// The modules import one another in one direction only, each from those above it:
// body, py_json; response (with `HttpError`, which carries a response); error, request;
// extract, schema; address, config; health; server; entrypoint; websocket (frames, subscriptions,
// connection, entrypoint, hub; the server reaches the WebSocket endpoint through its
// `Upgrade` trait); testing, __private.
mod address;
pub mod body;
pub mod config;
pub mod entrypoint;
pub mod error;
pub mod extract;
mod head_watch;
pub mod health;
pub mod py_json;
pub mod request;
pub mod response;
pub mod schema;
pub mod server;
#[cfg(feature = "testing")]
pub mod testing;
pub mod websocket;

#[doc(hidden)]
pub mod __private;

pub use body::Body;
pub use entrypoint::Http;
pub use error::{Error, ExtractError, HttpError, PathParamError, RequestError};
pub use extract::{Form, FromRequest, Json, Query};
pub use request::{PathParams, Request};
pub use response::{
    IntoBody, IntoHeaders, IntoHttpResponse, IntoStatus, Response, ResponseFromError, error_page,
    into_http_result,
};
pub use server::{HandlerFn, HttpResult, WebServer, bound_address};

/// Re-exported so that services derive [`JsonSchema`] for their typed bodies without a
/// dependency of their own (see [`schema`]).
pub use schemars;
/// The schemars trait and derive, re-exported: `#[derive(JsonSchema)]` with
/// `#[schemars(crate = "nameko_web::schemars")]` (or `"nameko::web::schemars"`).
pub use schemars::JsonSchema;

/// The OpenAPI 3.1 document of a service binary's description: see
/// [`nameko_run::openapi`].
pub use nameko_run::openapi;

/// Re-exported for building responses: `StatusCode`, `HeaderMap`, `HeaderName`,
/// `HeaderValue`, `Method`.
pub use http;
