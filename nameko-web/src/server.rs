//! [`WebServer`]: the one HTTP server of a runner, shared by every `#[http]` entrypoint of
//! every service in the process, and its routing table.
//!
//! ## Lifecycle
//!
//! - `setup` of each [`Http`](crate::Http) entrypoint registers its route (the server is
//!   created on first use from the config, as a runner-wide
//!   [`Resource`]); a route answers `503` until its container
//!   has started.
//! - The first `start` binds `WEB_SERVER_ADDRESS` and serves; later ones only activate
//!   their route, so a service started after another adds its routes to the running
//!   server.
//! - `stop` (or `kill`) of a container makes its routes answer `503 Service Unavailable`;
//!   requests already running finish (the container waits for them, as for any worker).
//!   When no route is left running, the server stops accepting connections, lets
//!   in-flight requests finish, closes idle connections and releases the port.
//! - A runner closes the server last ([`Resource::close`]),
//!   waiting for the graceful shutdown (at most `SHUTDOWN_GRACE_PERIOD`, after which
//!   remaining connections are cut).
//!
//! ## Routing, as werkzeug's `Map`
//!
//! The path (percent-decoded) is matched against every rule, in
//! [`Rule::weight`](nameko_rule::Rule::weight) order, werkzeug's: segment by segment,
//! static text first, then segments with more static text, then lower converter weights
//! (`int`/`float`, `string`/`uuid`/`any`, `path` last), so `/a/static` comes before
//! `/a/<int:n>`, which comes before `/a/<name>`, and `/<path:p>/edit` before `/<path:p>`;
//! ties in registration order. The first rule that matches the path and allows the
//! method wins.
//!
//! - No rule matches the path: `404 Not Found`. A value its converter rejects (`/get/abc`
//!   for `<int:value>`) is no match, so also `404`.
//! - A rule ending in `/` matches the path plus `/`: `308 Permanent Redirect` there
//!   (werkzeug's `strict_slashes`).
//! - Rules match the path but none allows the method: `405 Method Not Allowed` with
//!   `Allow` listing the methods that are (sorted).
//! - `HEAD` is allowed wherever `GET` is, and answered without a body. `OPTIONS` is not
//!   answered automatically (werkzeug does not either): list it in `#[http]` to handle it.
//!
//! Routing answers use werkzeug's HTML error pages.
//!
//! ## Logging
//!
//! Target `nameko_web::server`: listening and stopping (`info`), a handler that failed
//! with a `5xx` (`warn`) or panicked (`error`), connection errors (`debug`). Target
//! `nameko_web::access`: one `debug` line per request (method, URI, status, time), as
//! eventlet's access log.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use http::header::{ALLOW, CONNECTION, CONTENT_LENGTH, HOST, HeaderValue, LOCATION};
use http::{Method, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use nameko_core::BoxFuture;
use nameko_core::trace::TRACEPARENT;
use nameko_core::{
    Call, CallArguments, ContainerHandle, ContextData, EntrypointOptions, Outcome, RemoteError,
    Resource, Resources,
};
use nameko_rule::Rule;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::address::parse_address;
use crate::body::Body;
use crate::config::ServerConfig;
use crate::error::{Error, HttpError};
use crate::head_watch::{HeadWatch, WatchedBody};
use crate::request::{PathParams, Request, decode_path};
use crate::response::{Response, error_page};

/// The HTTP header of the W3C trace context.
const TRACEPARENT_HEADER: http::HeaderName = http::HeaderName::from_static("traceparent");

/// What a handler returns.
pub type HttpResult = Result<Response, HttpError>;

/// The function an HTTP entrypoint calls for each request: binds the path values to the
/// method's parameters, runs it and turns its result into a response.
pub type HandlerFn =
    Arc<dyn Fn(Request, PathParams) -> BoxFuture<HttpResult> + Send + Sync + 'static>;

/// A service-level override of the default error response: `None` falls back to it.
pub type ErrorResponder = Arc<dyn Fn(&RemoteError) -> Option<Response> + Send + Sync + 'static>;

/// An endpoint that takes a connection over, as the WebSocket endpoint does: a route
/// made with [`Route::with_upgrade`] hands it its matching requests instead of running
/// its handler.
pub(crate) trait Upgrade: Send + Sync {
    /// The answer to an upgrade request (`101 Switching Protocols`, or an error page); the
    /// endpoint serves the connection once hyper hands it over.
    fn upgrade(self: Arc<Self>, parts: http::request::Parts, peer: SocketAddr) -> Response;
}

const PENDING: u8 = 0;
const ACTIVE: u8 = 1;
const STOPPED: u8 = 2;

/// One registered rule of one entrypoint.
pub(crate) struct Route {
    pub(crate) rule: Rule,
    /// Allowed methods; `HEAD` added where `GET` is.
    pub(crate) methods: Vec<Method>,
    pub(crate) method_name: Arc<str>,
    pub(crate) container: ContainerHandle,
    pub(crate) handler: HandlerFn,
    pub(crate) expected: Arc<[String]>,
    pub(crate) options: Arc<EntrypointOptions>,
    pub(crate) error_responder: Option<ErrorResponder>,
    /// The endpoint this route upgrades to (the WebSocket endpoint at `/ws`), instead of
    /// a handler.
    pub(crate) upgrade: Option<Arc<dyn Upgrade>>,
    state: AtomicU8,
}

impl Route {
    #[allow(
        clippy::too_many_arguments,
        reason = "one per field, from `Http::setup` only"
    )]
    pub(crate) fn new(
        rule: Rule,
        mut methods: Vec<Method>,
        method_name: &'static str,
        container: ContainerHandle,
        handler: HandlerFn,
        expected: Arc<[String]>,
        options: Arc<EntrypointOptions>,
        error_responder: Option<ErrorResponder>,
    ) -> Self {
        if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
            methods.push(Method::HEAD);
        }
        Route {
            rule,
            methods,
            method_name: Arc::from(method_name),
            container,
            handler,
            expected,
            options,
            error_responder,
            upgrade: None,
            state: AtomicU8::new(PENDING),
        }
    }

    /// Makes this route an endpoint of `upgrade` (the WebSocket endpoint): a matching
    /// request is upgraded instead of running the handler.
    pub(crate) fn with_upgrade(mut self, upgrade: Arc<dyn Upgrade>) -> Self {
        self.upgrade = Some(upgrade);
        self
    }

    pub(crate) fn activate(&self) {
        let _ = self
            .state
            .compare_exchange(PENDING, ACTIVE, Ordering::AcqRel, Ordering::Acquire);
    }

    pub(crate) fn stop(&self) {
        self.state.store(STOPPED, Ordering::Release);
    }

    fn is_active(&self) -> bool {
        self.state.load(Ordering::Acquire) == ACTIVE
    }

    fn is_stopped(&self) -> bool {
        self.state.load(Ordering::Acquire) == STOPPED
    }

    fn allows(&self, method: &Method) -> bool {
        self.methods.contains(method)
    }

    /// Runs the handler as a worker of the route's container and returns the response.
    ///
    /// The worker runs in the connection's task, tracked by the container so that a
    /// graceful stop waits for it; if the client goes away first, it goes on in a task of
    /// its own (as in Nameko, a request's worker is not cut short).
    async fn run(
        &self,
        request: Request,
        params: PathParams,
        context_data: ContextData,
    ) -> Response {
        let mut named = serde_json::Map::new();
        for (name, value) in params.iter() {
            named.insert(name.to_owned(), serde_json::Value::String(value.to_owned()));
        }
        let call = Call::new(Arc::clone(&self.method_name), "http", &self.options)
            .context_data(context_data)
            .arguments(CallArguments::Named(named));
        let handler = Arc::clone(&self.handler);
        // The worker's future itself, not an `async` block around it: a wrapper would
        // hold a second copy of the call and of the handler's future (hyper moves every
        // request's future, and `run_tracked` boxes this one).
        let work = self
            .container
            .invoke(call, async move { handler(request, params).await });
        match self.container.run_tracked(work).await {
            Outcome::Success(response) => response,
            Outcome::Failed(failure) => {
                let expected = failure.is_expected();
                match failure.into_inner() {
                    Ok(error) => {
                        let (remote, own, default) = error.into_responses();
                        self.error_response(&remote, own, default, expected)
                    }
                    Err(remote) => self.error_response(&remote, None, None, false),
                }
            }
            Outcome::Rejected => error_page(StatusCode::SERVICE_UNAVAILABLE),
            Outcome::Killed => {
                self.error_response(&RemoteError::container_being_killed(), None, None, false)
            }
        }
    }

    /// Answers `request` as the server would if this were its only route: `404` (or the
    /// trailing-slash redirect) when the path does not match the rule, `405` when the
    /// method is not allowed, else the handler's response through [`run`](Self::run).
    /// For [`Http::fire`](crate::Http).
    pub(crate) async fn answer_alone(
        self: &Arc<Self>,
        request: Request,
        context_data: ContextData,
    ) -> Response {
        let Some(values) = self.rule.match_path(request.path()) else {
            return redirect_to_slash(std::slice::from_ref(self), request.parts(), request.path())
                .unwrap_or_else(|| error_page(StatusCode::NOT_FOUND));
        };
        if !self.allows(request.method()) {
            return method_not_allowed(self.methods.iter().collect());
        }
        let values: Vec<(String, String)> = values
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        let remote_addr = request.remote_addr();
        let request = request.with_route(values.clone(), remote_addr);
        self.run(request, PathParams::new(values), context_data)
            .await
    }

    /// The response to a failed worker (the container logged the failure): the error's
    /// own, else the service's override, else the error's default (an extraction
    /// error's JSON body), else Nameko's default (`400` for a `BadRequest` or an expected
    /// error, `500` otherwise).
    fn error_response(
        &self,
        remote: &RemoteError,
        own: Option<Response>,
        default: Option<Response>,
        expected: bool,
    ) -> Response {
        let response = own
            .or_else(|| self.error_responder.as_ref().and_then(|f| f(remote)))
            .or(default)
            .unwrap_or_else(|| {
                if expected {
                    Response::from_remote_error_expecting(
                        remote,
                        std::slice::from_ref(&remote.exc_type),
                    )
                } else {
                    Response::from_remote_error_expecting(remote, &self.expected)
                }
            });
        tracing::debug!(
            target: "nameko_web::server",
            entrypoint = %self.method_name,
            status = response.status().as_u16(),
            error = %remote,
            "HTTP handler failed"
        );
        response
    }
}

enum Lifecycle {
    Idle,
    Serving(tokio::task::JoinHandle<()>),
    Closed,
}

/// The HTTP server of a runner: one listening socket, one routing table for every
/// service. Created by the first [`Http`](crate::Http) entrypoint's `setup` and kept in
/// the runner's shared [`Resources`].
pub struct WebServer {
    config: ServerConfig,
    routes: RwLock<Arc<Vec<Arc<Route>>>>,
    local_addr: OnceLock<SocketAddr>,
    lifecycle: tokio::sync::Mutex<Lifecycle>,
    pub(crate) shutdown: CancellationToken,
    closing: AtomicBool,
    /// The runner's readiness, which `/health/ready` reports.
    readiness: OnceLock<nameko_core::Readiness>,
}

impl std::fmt::Debug for WebServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebServer")
            .field("address", &self.config.address)
            .field("local_addr", &self.local_addr.get())
            .field("routes", &self.routes().len())
            .finish()
    }
}

/// The address the runner's HTTP server listens on, once it started: the way to find
/// the port when `WEB_SERVER_ADDRESS` ends with `:0`.
///
/// ```no_run
/// # async fn f(runner: nameko_core::ServiceRunner) {
/// runner.start().await.unwrap();
/// let addr = nameko_web::bound_address(runner.shared()).unwrap();
/// # }
/// ```
pub fn bound_address(shared: &Resources) -> Option<SocketAddr> {
    shared.get::<WebServer>()?.local_addr()
}

impl WebServer {
    /// A server for `config` (not listening yet).
    pub fn new(config: ServerConfig) -> Self {
        WebServer {
            config,
            routes: RwLock::new(Arc::new(Vec::new())),
            local_addr: OnceLock::new(),
            lifecycle: tokio::sync::Mutex::new(Lifecycle::Idle),
            shutdown: CancellationToken::new(),
            closing: AtomicBool::new(false),
            readiness: OnceLock::new(),
        }
    }

    /// The runner's server, created from the container's config on first use.
    pub async fn shared(container: &ContainerHandle) -> Result<Arc<WebServer>, Error> {
        container
            .shared()
            .get_or_try_init(|| async {
                let server = ServerConfig::from_config(container.config()).map(WebServer::new)?;
                // A cycle (the map holds the server) that `Resources::close_all` breaks.
                let _ = server.readiness.set(container.readiness().clone());
                // Workers are counted from the first one on (`/metrics`).
                #[cfg(feature = "metrics")]
                nameko_run::metrics::install();
                Ok(server)
            })
            .await
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The address the server listens on, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr.get().copied()
    }

    /// The rules registered, in matching order, with their methods and whether they serve.
    pub fn route_table(&self) -> Vec<(String, Vec<Method>, bool)> {
        self.routes()
            .iter()
            .map(|r| (r.rule.as_str().to_owned(), r.methods.clone(), r.is_active()))
            .collect()
    }

    fn routes(&self) -> Arc<Vec<Arc<Route>>> {
        Arc::clone(&nameko_core::sync::read(&self.routes))
    }

    fn set_routes(&self, f: impl FnOnce(&mut Vec<Arc<Route>>)) {
        let mut guard = nameko_core::sync::write(&self.routes);
        let mut routes = Vec::clone(&guard);
        f(&mut routes);
        *guard = Arc::new(routes);
    }

    /// Adds a route (answering `503` until [`Route::activate`]).
    pub(crate) fn register(&self, route: Arc<Route>) {
        tracing::debug!(
            target: "nameko_web::server",
            service = %route.container.service_name(),
            entrypoint = %route.method_name,
            rule = %route.rule,
            "route registered"
        );
        self.set_routes(|routes| {
            routes.push(route);
            // stable: equal weights keep registration order
            routes.sort_by_cached_key(|r| r.rule.weight());
        });
    }

    /// Called when a route stopped: when none is left running, the server shuts down.
    pub(crate) fn route_stopped(&self) {
        if self.routes().iter().all(|r| r.is_stopped()) {
            self.begin_shutdown();
        }
    }

    fn begin_shutdown(&self) {
        if !self.closing.swap(true, Ordering::AcqRel) {
            tracing::debug!(target: "nameko_web::server", "HTTP server shutting down");
        }
        self.shutdown.cancel();
        // Routes hold their containers; the table is not needed once closing.
        self.set_routes(Vec::clear);
    }

    /// Binds `WEB_SERVER_ADDRESS` and starts serving, once; later calls return at once.
    pub(crate) async fn start(self: &Arc<Self>) -> Result<(), Error> {
        let mut lifecycle = self.lifecycle.lock().await;
        match &*lifecycle {
            Lifecycle::Serving(_) => return Ok(()),
            Lifecycle::Closed => return Err(Error::Closed),
            Lifecycle::Idle if self.shutdown.is_cancelled() => return Err(Error::Closed),
            Lifecycle::Idle => {}
        }
        let address = &self.config.address;
        let (host, port) = parse_address(address)?;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| Error::bind(address, &e))?
            .collect();
        let mut last_err = None;
        let mut listener = None;
        for addr in addrs {
            match TcpListener::bind(addr).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        let listener = match (listener, last_err) {
            (Some(l), _) => l,
            (None, Some(e)) => return Err(Error::bind(address, &e)),
            (None, None) => {
                return Err(Error::Bind {
                    address: address.clone(),
                    reason: "the name resolves to no address".to_owned(),
                });
            }
        };
        let local = listener
            .local_addr()
            .map_err(|e| Error::bind(address, &e))?;
        let _ = self.local_addr.set(local);
        tracing::info!(target: "nameko_web::server", address = %local, "HTTP server listening");
        *lifecycle = Lifecycle::Serving(tokio::spawn(serve(Arc::clone(self), listener)));
        Ok(())
    }

    /// Matches the request and runs its route's handler.
    async fn dispatch(&self, req: http::Request<Incoming>, peer: SocketAddr) -> Response {
        let (parts, body) = req.into_parts();
        if self.closing.load(Ordering::Acquire) {
            return error_page(StatusCode::SERVICE_UNAVAILABLE);
        }
        // hyper's buffer limit stops heads well past WEB_MAX_HEADER_SIZE; this check is
        // exact.
        let head_size = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len())
            + parts
                .headers
                .iter()
                .map(|(name, value)| name.as_str().len() + value.len() + 4)
                .sum::<usize>();
        if head_size > self.config.max_header_size {
            return error_page(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
                .with_header(CONNECTION, HeaderValue::from_static("close"));
        }
        let path = decode_path(parts.uri.path());
        let routes = self.routes();
        let mut allowed: Vec<&Method> = Vec::new();
        let mut found = None;
        for route in routes.iter() {
            let Some(values) = route.rule.match_path(&path) else {
                continue;
            };
            if route.allows(&parts.method) {
                let values: Vec<(String, String)> = values
                    .into_iter()
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect();
                found = Some((route, values));
                break;
            }
            for m in &route.methods {
                if !allowed.contains(&m) {
                    allowed.push(m);
                }
            }
        }
        let Some((route, values)) = found else {
            if !allowed.is_empty() {
                return method_not_allowed(allowed);
            }
            if let Some(response) =
                crate::health::answer(&parts.method, &path, self.readiness.get())
            {
                return response;
            }
            return redirect_to_slash(&routes, &parts, &path)
                .unwrap_or_else(|| error_page(StatusCode::NOT_FOUND));
        };
        if let Some(upgrade) = &route.upgrade {
            // Every WebSocket entrypoint registers the same path: it serves while any of
            // them runs.
            let serving =
                route.is_active() || routes.iter().any(|r| r.upgrade.is_some() && r.is_active());
            if !serving {
                return error_page(StatusCode::SERVICE_UNAVAILABLE);
            }
            return Arc::clone(upgrade).upgrade(parts, peer);
        }
        if !route.is_active() {
            return error_page(StatusCode::SERVICE_UNAVAILABLE);
        }
        // No body (a GET): nothing to read. Otherwise boxed: inline, the reading's state
        // would make every request's future (which hyper moves) larger.
        let body = if http_body::Body::is_end_stream(&body) {
            bytes::Bytes::new()
        } else {
            match Box::pin(self.read_body(&parts, body)).await {
                Ok(body) => body,
                Err(response) => return response,
            }
        };
        // Nameko's WebServer.context_data_from_headers returns {}; the W3C `traceparent`
        // header is the one taken, so that the worker continues the caller's trace.
        let mut context_data = ContextData::new();
        if let Some(tp) = parts.headers.get(TRACEPARENT_HEADER)
            && let Ok(tp) = tp.to_str()
        {
            context_data.insert(TRACEPARENT.to_owned(), tp.into());
        }
        let request = Request::from_parts(parts, body).with_route(values.clone(), Some(peer));
        route
            .run(request, PathParams::new(values), context_data)
            .await
    }

    /// Reads the whole body, within `WEB_MAX_BODY_SIZE` and `WEB_BODY_READ_TIMEOUT`.
    async fn read_body(
        &self,
        parts: &http::request::Parts,
        body: Incoming,
    ) -> Result<bytes::Bytes, Response> {
        let max = self.config.max_body_size;
        let closing = |status| {
            // The body was not read to its end: the connection cannot be reused.
            error_page(status).with_header(CONNECTION, HeaderValue::from_static("close"))
        };
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > max as u64) {
            return Err(closing(StatusCode::PAYLOAD_TOO_LARGE));
        }
        match tokio::time::timeout(
            self.config.body_read_timeout,
            Limited::new(body, max).collect(),
        )
        .await
        {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
                Err(closing(StatusCode::PAYLOAD_TOO_LARGE))
            }
            Ok(Err(e)) => {
                tracing::debug!(target: "nameko_web::server", error = %e, "cannot read request body");
                Err(closing(StatusCode::BAD_REQUEST))
            }
            Err(_) => Err(closing(StatusCode::REQUEST_TIMEOUT)),
        }
    }
}

#[nameko_core::async_trait]
impl Resource for WebServer {
    /// Stops accepting, lets in-flight requests finish (within the grace period) and
    /// releases the port.
    async fn close(&self) {
        self.begin_shutdown();
        let task = {
            let mut lifecycle = self.lifecycle.lock().await;
            match std::mem::replace(&mut *lifecycle, Lifecycle::Closed) {
                Lifecycle::Serving(task) => Some(task),
                _ => None,
            }
        };
        if let Some(task) = task {
            if let Err(e) = task.await {
                tracing::error!(target: "nameko_web::server", error = %e, "HTTP server task failed");
            }
            tracing::info!(target: "nameko_web::server", "HTTP server stopped");
        }
    }
}

fn method_not_allowed(mut allowed: Vec<&Method>) -> Response {
    allowed.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let list = allowed
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut response = error_page(StatusCode::METHOD_NOT_ALLOWED);
    if let Ok(value) = HeaderValue::from_str(&list) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// werkzeug's `strict_slashes`: `/foo` when only `/foo/` exists redirects there.
fn redirect_to_slash(
    routes: &[Arc<Route>],
    parts: &http::request::Parts,
    path: &str,
) -> Option<Response> {
    if path.ends_with('/') {
        return None;
    }
    let with_slash = format!("{path}/");
    routes.iter().find(|r| {
        r.rule.has_trailing_slash()
            && r.allows(&parts.method)
            && r.rule.match_path(&with_slash).is_some()
    })?;
    let mut target = format!("{}/", parts.uri.path());
    if let Some(q) = parts.uri.query() {
        target.push('?');
        target.push_str(q);
    }
    let location = match parts.headers.get(HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => format!("http://{host}{target}"),
        None => target,
    };
    let escaped = location
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let body = format!(
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href=\"{escaped}\">{escaped}</a>. If not, click the link.\n"
    );
    let value = HeaderValue::from_str(&location).ok()?;
    Some(
        Response::new(body)
            .with_mimetype("text/html")
            .with_status(StatusCode::PERMANENT_REDIRECT)
            .with_header(LOCATION, value),
    )
}

/// Answers one request of the connection from `peer`, with an access log line at `debug`.
async fn handle(
    server: Arc<WebServer>,
    req: http::Request<Incoming>,
    peer: SocketAddr,
) -> http::Response<Body> {
    if !tracing::enabled!(target: "nameko_web::access", tracing::Level::DEBUG) {
        return server.dispatch(req, peer).await.into_inner();
    }
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let response = server.dispatch(req, peer).await;
    tracing::debug!(
        target: "nameko_web::access",
        %method,
        %uri,
        status = response.status().as_u16(),
        micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response.into_inner()
}

/// Whether an accept error is about one connection (the listener is fine).
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

async fn serve(server: Arc<WebServer>, listener: TcpListener) {
    let config = server.config.clone();
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The header-read guard is ours (`HeadWatch`): hyper's would arm a timer per request.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .max_buf_size(config.max_header_size)
        .keep_alive(true);
    let clock = std::time::Instant::now();
    // hyper-util's `GracefulShutdown` does not watch HTTP/1 connections with upgrades:
    // the same, by hand (`graceful_shutdown` when the server stops).
    let graceful = CancellationToken::new();
    let connections = TaskTracker::new();
    let force = CancellationToken::new();
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            _ = server.shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(target: "nameko_web::server", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        // hyper's own service: no router, no per-request extension for the peer.
        let connection_server = Arc::clone(&server);
        let watch = HeadWatch::new(clock);
        let connection_watch = Arc::clone(&watch);
        let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
            let server = Arc::clone(&connection_server);
            let watch = Arc::clone(&connection_watch);
            watch.head_read();
            async move {
                let response = handle(server, req, peer).await;
                Ok::<_, std::convert::Infallible>(
                    response.map(|body| WatchedBody::new(body, watch)),
                )
            }
        });
        // With upgrades: the WebSocket endpoint takes the connection over.
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        // Child tokens per connection: polling the shared ones would take their lock on
        // every poll of every connection.
        let force = force.child_token();
        let graceful = graceful.child_token();
        let header_read_timeout = config.header_read_timeout;
        connections.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                // Waited too long for a request's head: closed, as hyper's guard does.
                () = watch.expired(header_read_timeout) => {
                    tracing::debug!(
                        target: "nameko_web::server", %peer,
                        "no request head within WEB_HEADER_READ_TIMEOUT; closing the connection"
                    );
                    Ok(())
                }
                _ = graceful.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    tokio::select! {
                        result = connection.as_mut() => result,
                        _ = force.cancelled() => Ok(()),
                    }
                }
                _ = force.cancelled() => Ok(()),
            };
            if let Err(e) = result {
                tracing::debug!(target: "nameko_web::server", %peer, error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    tracing::debug!(target: "nameko_web::server", "stopped accepting connections");
    connections.close();
    graceful.cancel();
    if tokio::time::timeout(config.grace_period, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            target: "nameko_web::server",
            "connections still open after the grace period; closing them"
        );
        force.cancel();
    }
    connections.wait().await;
}
