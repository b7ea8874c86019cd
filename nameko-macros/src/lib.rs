//! Procedural macros of nameko-rs. Depend on `nameko` and use them from there
//! (`nameko::service`, `nameko::rpc`, ...), or on `nameko-core` (`nameko_core::service`);
//! this crate is an implementation detail released in lockstep with them.
//!
//! `#[service]` reads an impl block, removes the marker attributes (`#[rpc]`,
//! `#[event_handler]`, `#[http]`, `#[timer]`) from its methods, and generates an
//! `impl nameko_core::Service`: the dispatch table of entrypoints and the list of
//! dependency providers, and the service's typed RPC client. Everything it generates can
//! be written by hand against `nameko-core` and `nameko-amqp`. `#[rpc_client]` generates
//! the typed client of a service written in Python from a trait.
//!
//! The generated code names the runtime through the `nameko` facade when the user's crate
//! depends on it (under any name, found in its `Cargo.toml`), or at the path that
//! `crate = "..."` gives, as `::nameko::__private::{core, amqp, web, timer}`; otherwise
//! through the crates one by one, `::nameko_core::__private`, `::nameko_amqp::__private`,
//! and so on (written that way below). Through the facade, code that needs one of its
//! features (`amqp`, `web`, `timer`) goes through its `require_<feature>!`, which turns a
//! facade built without the feature into one error that says which feature to enable.
//!
//! Each entrypoint of the table is built by its transport crate's `__private` constructor
//! from the method's name, the marker's own arguments, an `EntrypointOptions` and a handler
//! closure:
//!
//! ```text
//! ::nameko_amqp::__private::rpc("method", options, handler)
//! ::nameko_amqp::__private::event_handler("method", "source", "event_type", HandlerType::X, reliable, requeue, options, handler)
//! ::nameko_timer::__private::timer("method", interval_secs, eager, lease, options, handler)
//! ::nameko_web::__private::http("method", "METHODS", "RULE", options, handler)
//! ```
//!
//! The options carry `expected_exceptions` and `sensitive_arguments`, and the parameter
//! names that sensitive arguments refer to (an RPC method's, an event handler's payload's):
//!
//! ```text
//! ::nameko_core::__private::EntrypointOptions::new()
//!     .params(&["username", "password"])
//!     .expected("NotFound", ::nameko_core::__private::is_error::<NotFound>)
//!     .sensitive(["password"])
//! ```
//!
//! The AMQP and timer handlers bind the arguments, await the method and return a
//! `BoxFuture<Result<Value, MethodError>>`: `Ok` encoded with `encode_result`, `Err`
//! converted with `nameko_core::__private::method_error!`. The HTTP handlers return
//! `nameko_web`'s `HttpResult`. Calls are spanned at the user's types, so a type without
//! the trait it needs (`Deserialize`, `Serialize`, `std::error::Error` for an expected
//! exception) is reported at that type.
//!
//! The expansion goes parse (`attr`), model (`model`), check (`check`), expand (`expand`);
//! every path the generated code names is in `paths`. Set `NAMEKO_MACROS_DEBUG` to print
//! expansions while compiling.

use proc_macro::TokenStream;

mod attr;
mod check;
mod ctxt;
mod expand;
mod model;
mod paths;
mod root;
mod text;

use model::Marker;

/// Makes an impl block a Nameko service: Python's service class with its `name`.
///
/// Put it on the inherent `impl` block of the service's struct. Methods marked
/// [`macro@rpc`], [`macro@event_handler`], [`macro@http`] or [`macro@timer`] become
/// entrypoints; other methods are left alone and can be used as helpers.
///
/// # Parameters
///
/// | parameter | Python Nameko | meaning |
/// |---|---|---|
/// | `name = "service_x"` (required) | `name = "service_x"` class attribute | the name callers use: `ClusterRpcProxy`'s `service_x`, the queue `rpc-service_x` |
/// | `dependencies(field, ...)` | `field = SomeDependency()` class attributes | fields of the struct that implement `nameko_core::DependencyProvider`; the container sets them up and runs their worker hooks |
/// | `client = "ServiceYRpc"`, `client = false` | | the name of the typed client (below), `<type name>Client` by default; `false` for none |
/// | `crate = "::my_nameko"` | | where the `nameko` crate is, when the macros cannot find it in `Cargo.toml` (a facade re-exported by another crate): the path of the crate, as a string, like serde's `crate = "..."` |
///
/// # Example
///
/// ```
/// use nameko::{RpcError, RpcProxy, rpc, service};
///
/// pub struct ServiceX {
///     /// `RpcProxy::new("service_y")`: a dependency provider.
///     y: RpcProxy,
/// }
///
/// #[service(name = "service_x", dependencies(y))]
/// impl ServiceX {
///     #[rpc]
///     async fn remote_method(&self, value: String) -> Result<String, RpcError> {
///         self.y.call("append_identifier", (format!("{value}-x"),)).await
///     }
///
///     // No marker: an ordinary method.
///     fn helper(&self) -> usize {
///         42
///     }
/// }
/// ```
///
/// # The typed client
///
/// A service with `#[rpc]` methods also gets a client type, `pub struct ServiceYClient`
/// for `impl ServiceY` (or the name `client = "..."` gives), with one method per `#[rpc]`
/// method: the same name, the same parameters, and the method's result as
/// `Result<T, RpcError>` (`T` is the method's `Ok` type when it returns a `Result`, `()`
/// when it returns nothing, and the owned form of a borrowed type: `String` for
/// `&'static str`, `Vec<T>` for a slice). The arguments are sent positionally, as Nameko's proxies
/// send them, to the method's name. Each method also has an `_async` form that sends the
/// call and returns a `TypedReply<T>` at once, whose `.result().await` waits for the
/// reply. A wrong argument or result type is a compile error where the client is used.
///
/// ```no_run
/// # use nameko::{ClusterRpc, RpcError, rpc, service};
/// # pub struct ServiceY;
/// # #[service(name = "service_y")]
/// # impl ServiceY {
/// #     #[rpc]
/// #     async fn append_identifier(&self, value: String) -> String {
/// #         format!("{value}-y")
/// #     }
/// # }
/// pub struct ServiceX {
///     y: ServiceYClient,
/// }
///
/// #[service(name = "service_x", dependencies(y))]
/// impl ServiceX {
///     #[rpc]
///     async fn remote_method(&self, value: String) -> Result<String, RpcError> {
///         self.y.append_identifier(format!("{value}-x")).await
///     }
/// }
///
/// // As a dependency: ServiceX { y: ServiceYClient::new() }, or
/// // ServiceYClient::new().with_timeout(Duration::from_secs(5)).
/// // From outside any service, through a ClusterRpc:
/// # async fn run(cluster: &ClusterRpc) -> Result<(), RpcError> {
/// let y = cluster.client::<ServiceYClient>();
/// let out: String = y.append_identifier("hellø".to_owned()).await?;
/// let pending = y.append_identifier_async("hellø".to_owned()).await?;
/// let out: String = pending.result().await?;
/// # let _ = out;
/// # Ok(()) }
/// # fn main() { let _ = ServiceX { y: ServiceYClient::new() }; }
/// ```
///
/// The client's methods need their parameter types to implement `serde::Serialize` and
/// their result types `serde::Deserialize`, which the service itself does not: a method
/// whose types do not is still there, and calling it is the compile error. No remote
/// method may be named like the client's constructors (`new`, `with_timeout`,
/// `without_timeout`) or like another method's `_async` form; `client = false` turns the
/// client off for such a service.
///
/// # Entrypoint methods
///
/// Every entrypoint method must be an `async fn` taking `&self` (workers run concurrently
/// on the one service value; keep mutable state in fields such as a `Mutex`); see
/// [`macro@event_handler`], [`macro@http`] and [`macro@timer`] for their parameters and
/// return values. An `#[rpc]` method's parameters must have owned types that implement
/// `serde::Deserialize`, and bind to the caller's positional and keyword arguments by
/// their names, as in Python. An `Option` parameter may be left out by the caller. Its
/// return value must implement `serde::Serialize`; when it is a `Result`, `Ok` is the
/// reply and `Err` is sent as a remote error: through the error's
/// `nameko_core::ToRemoteError` when it has one, else its `Into<RemoteError>`, else
/// `RemoteError::from_error` (its type's name and its `Display`). Dependency providers see
/// the failure as a `nameko_core::MethodError`, which keeps the original error when it is a
/// `std::error::Error`.
///
/// # Expected exceptions and sensitive arguments
///
/// Every marker takes Python Nameko's two entrypoint keys, in Python's form or as a list:
///
/// | key | Python Nameko | meaning |
/// |---|---|---|
/// | `expected_exceptions(NotFound, std::io::Error)`, `expected_exceptions = NotFound`, `expected_exceptions = (NotFound, Invalid)` | `expected_exceptions=(NotFound, ...)` | a failure whose error, or an error in its `source()` chain, is one of these types is expected: logged at WARNING instead of ERROR (and, by `#[http]`, answered `400` unless the error has its own response). Each is the path of a type that implements `std::error::Error + 'static`; write generic ones with a turbofish, `Wrapper::<u8>` |
/// | `sensitive_arguments("password", "card.number", "items[0]")`, `sensitive_arguments = "password"`, `sensitive_arguments = ("a", "b")` | `sensitive_arguments=("password", ...)` | arguments, or parts of them, replaced with `********` wherever a call's arguments are logged or shown to dependency providers. Each starts with a parameter's name (for `#[event_handler]` its payload parameter, for `#[http]` a rule variable), followed by `.field` and `[index]` steps into its value. Not on `#[timer]`, whose method takes no arguments |
///
/// ```
/// use nameko::{rpc, service};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("no such user: {0}")]
/// pub struct NotFound(String);
///
/// pub struct Accounts;
///
/// #[service(name = "accounts")]
/// impl Accounts {
///     #[rpc(expected_exceptions(NotFound), sensitive_arguments("password"))]
///     async fn login(&self, username: String, password: String) -> Result<String, NotFound> {
///         let _ = password;
///         Err(NotFound(username))
///     }
/// }
/// ```
///
/// A type that is not an error, or an entry that names no parameter, is a compile error:
///
/// ```text
/// error: `sensitive_arguments` names "pasword", which is not a parameter of `login`: its parameters are `username`, `password`; did you mean `password`?
/// ```
///
/// Mistakes are compile errors pointing at the offending code; for example, `#[service]`
/// on a struct:
///
/// ```text
/// error: `#[service]` goes on the `impl` block of the service's methods, not on the struct:
///        write `#[service(name = "...")]` above `impl ServiceX { ... }`
/// ```
#[proc_macro_attribute]
pub fn service(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::service(args.into(), input.into()).into()
}

/// Marks a method of a `#[service]` impl block as an RPC entrypoint: Python's `@rpc`.
///
/// The method is called over AMQP by its name, as `service_x.remote_method(...)` from a
/// Python `ClusterRpcProxy` or `nameko_amqp`'s RPC proxy. See [`macro@service`] for what the
/// method must look like.
///
/// # Parameters
///
/// Only keys, as Python's `@rpc` takes only keyword arguments:
///
/// | parameter | Python Nameko | meaning |
/// |---|---|---|
/// | `expected_exceptions(NotFound, ...)` | `expected_exceptions=(NotFound, ...)` | errors logged at WARNING, not ERROR |
/// | `sensitive_arguments("password", "card.number", ...)` | `sensitive_arguments=("password", ...)` | parameters, or parts of them, redacted wherever arguments are shown |
///
/// See [`macro@service`] for both.
///
/// # Example
///
/// ```
/// use nameko::{RemoteError, rpc, service};
///
/// pub struct ServiceY;
///
/// #[service(name = "service_y")]
/// impl ServiceY {
///     #[rpc]
///     async fn append_identifier(&self, value: String) -> String {
///         format!("{value}-y")
///     }
///
///     /// Python's `@rpc(expected_exceptions=(RemoteError,), sensitive_arguments=("token",))`.
///     #[rpc(expected_exceptions = (RemoteError,), sensitive_arguments = "token")]
///     async fn check(&self, user: String, token: String) -> Result<bool, RemoteError> {
///         Ok(user.len() == token.len())
///     }
/// }
/// ```
///
/// Outside a `#[service]` impl block it is an error:
///
/// ```text
/// error: `#[rpc]` must be used on a method inside a `#[service(name = "...")]` impl block
/// ```
#[proc_macro_attribute]
pub fn rpc(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::marker_outside_service(Marker::Rpc, input.into()).into()
}

/// Marks a method of a `#[service]` impl block as an event handler: Python's
/// `@event_handler(source_service, event_type, ...)`.
///
/// The method runs for every `event_type` event that the service `source_service`
/// dispatches (through `nameko_amqp::EventDispatcher` or a Python `EventDispatcher`). The
/// service's crate depends on `nameko-amqp`, which runs the entrypoint.
///
/// # Parameters
///
/// The first two are positional, as in Python, or given by their keyword names; the others
/// are keys.
///
/// | parameter | Python Nameko | meaning |
/// |---|---|---|
/// | `"service_a"` (required) | `source_service` | the service that dispatches the events: the handler's queue is bound to the exchange `service_a.events` |
/// | `"event_type"` (required) | `event_type` | the event type, the routing key of the binding |
/// | `handler_type = "service_pool"` | `handler_type=SERVICE_POOL` (the default) | one instance of each listening service gets each event |
/// | `handler_type = "singleton"` | `handler_type=SINGLETON` | one listening instance across all services gets each event |
/// | `handler_type = "broadcast"` | `handler_type=BROADCAST` | every running instance gets each event |
/// | `reliable_delivery = false` | `reliable_delivery=False` (default `True`) | the queue is deleted when its last consumer goes away, so events dispatched while no instance runs are lost |
/// | `requeue_on_error = true` | `requeue_on_error=True` (default `False`) | an event whose handler fails goes back to the queue instead of being dropped |
/// | `expected_exceptions(NotFound, ...)` | `expected_exceptions=(NotFound, ...)` | errors logged at WARNING, not ERROR (see [`macro@service`]) |
/// | `sensitive_arguments("payload.card", ...)` | `sensitive_arguments=("payload.card", ...)` | parts of the payload redacted wherever arguments are shown; each starts with the payload parameter's name (see [`macro@service`]) |
///
/// `handler_type` takes Nameko's names as strings, in any case (`"broadcast"`,
/// `"BROADCAST"`). Python's bare constants (`handler_type = BROADCAST`) are not accepted:
/// there is no such constant in scope, and the error shows the string to write.
///
/// # The method
///
/// An `async fn` taking `&self` and exactly one more parameter, the event's payload, of
/// any owned type that implements `serde::Deserialize`: `serde_json::Value` for any
/// payload, or a struct. A payload that does not decode into that type is rejected
/// (`MalformedRequest`) and not requeued, whatever `requeue_on_error` says, since no retry
/// could succeed. The method may return `()`, any `serde::Serialize` value, or a `Result`
/// whose `Err` counts as a failure (converted as for `#[rpc]`, see [`macro@service`]).
///
/// # Examples
///
/// ```
/// use nameko::{RemoteError, Value, event_handler, service};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// pub struct Order {
///     id: u64,
/// }
///
/// pub struct ServiceB;
///
/// #[service(name = "service_b")]
/// impl ServiceB {
///     /// Every `event_type` event from `service_a`, on one instance of `service_b`.
///     #[event_handler("service_a", "event_type")]
///     async fn handle_event(&self, payload: Value) {
///         println!("service b received: {payload}");
///     }
///
///     /// One instance across every service listening with `"singleton"`.
///     #[event_handler("shop", "order_placed", handler_type = "singleton")]
///     async fn bill(&self, order: Order) {
///         let _ = order.id;
///     }
///
///     /// Every running instance, and no queue left behind when the instance stops.
///     #[event_handler("monitor", "ping", handler_type = "broadcast", reliable_delivery = false)]
///     async fn pong(&self, _payload: Value) {}
///
///     /// A failed order goes back to the queue and is tried again.
///     #[event_handler("shop", "order_placed", requeue_on_error = true)]
///     async fn reserve(&self, order: Order) -> Result<(), RemoteError> {
///         if order.id == 0 {
///             return Err(RemoteError::new("OutOfStock", "try again later"));
///         }
///         Ok(())
///     }
///
///     /// Python's keyword names work for the first two too.
///     #[event_handler(source_service = "shop", event_type = "order_cancelled")]
///     async fn cancel(&self, order: Order) {
///         let _ = order.id;
///     }
/// }
/// ```
///
/// Mistakes are compile errors at the offending argument, for example:
///
/// ```text
/// error: unknown `handler_type` "fanout": valid handler types are `"service_pool"` (the default), `"singleton"`, `"broadcast"`
/// ```
///
/// Outside a `#[service]` impl block it is an error:
///
/// ```text
/// error: `#[event_handler]` must be used on a method inside a `#[service(name = "...")]` impl block
/// ```
#[proc_macro_attribute]
pub fn event_handler(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::marker_outside_service(Marker::EventHandler, input.into()).into()
}

/// Marks a method of a `#[service]` impl block as an HTTP entrypoint: Python's
/// `@http(method, url)`.
///
/// The method answers the requests whose method is one of `method` and whose path matches
/// the werkzeug rule `url`, on the runner's one HTTP server (`WEB_SERVER_ADDRESS` in the
/// config, default `0.0.0.0:8000`). Each request runs as a worker of the service, as in
/// Nameko. The service's crate depends on `nameko-web`, which runs the entrypoint.
///
/// # Parameters
///
/// The first two are positional, as in Python, or given by their keyword names; the others
/// are keys.
///
/// | parameter | Python Nameko | meaning |
/// |---|---|---|
/// | `"GET"` or `"GET,PUT,POST,DELETE"` (required) | `method` | the HTTP methods: one, or several separated by commas, in any case; `GET`, `HEAD`, `POST`, `PUT`, `DELETE`, `PATCH`, `OPTIONS`, `TRACE` or `CONNECT`. `HEAD` is answered wherever `GET` is |
/// | `"/get/<int:value>"` (required) | `url` | the URL rule, in werkzeug's syntax: static text and variables `<converter:name>` |
/// | `expected_exceptions(NotFound, ...)` | `expected_exceptions=(NotFound, ...)` | errors logged at WARNING, not ERROR, and answered `400` by Nameko's default error response (below) (see [`macro@service`]) |
/// | `sensitive_arguments("id", ...)` | `sensitive_arguments=("id", ...)` | rule variables redacted wherever arguments are shown (see [`macro@service`]) |
///
/// The method and the rule are string literals, parsed while compiling with the parser
/// `nameko-web` uses to route, so an unknown method, a malformed rule or an unknown
/// converter is a compile error. To choose an error's response yourself, return a `Result`
/// whose error implements `nameko_web::ResponseFromError`.
///
/// # The method
///
/// An `async fn` taking `&self`, then, in any order:
///
/// - optionally the request, a parameter whose type is `Request` (`nameko_web::Request`,
///   werkzeug's `request`: method, path, query, headers and body);
/// - one parameter per rule variable, named like it. The value is parsed from the path
///   into the parameter's type with `FromStr`; the type must fit the converter:
///
/// | converter | matches | parameter type |
/// |---|---|---|
/// | `<name>`, `<string:name>`, `<string(minlength=2, maxlength=8, length=2):name>` | one segment: characters without `/` | `String` |
/// | `<path:name>` | one or more segments, `/` included | `String` |
/// | `<int:name>`, `<int(fixed_digits=4, min=1, max=9, signed=True):name>` | ASCII digits; a leading `-` only with `signed=True` | an integer type, `i8` to `u128`, `isize`, `usize`; a signed one with `signed=True` |
/// | `<float:name>`, `<float(min=0, max=1.5, signed=True):name>` | digits, a dot, digits | `f64` or `f32` |
/// | `<uuid:name>` | a canonical `8-4-4-4-12` hexadecimal UUID | `uuid::Uuid` or `String` |
/// | `<any(about, help):name>` | one of the words | `String` |
///
/// The type is judged by the last segment of its path, as written (`i64`,
/// `std::string::String`, `uuid::Uuid`), so a type alias is not recognised. A path that
/// does not match the rule is a `404`, and so is a value that matches but does not fit
/// the type (`300` for a `u8`), as werkzeug answers a value its converter rejects.
///
/// # Return values
///
/// The method returns, as Nameko's methods do (any `nameko_web::IntoHttpResponse`):
///
/// | return type | response |
/// |---|---|
/// | a body: `String`, `&'static str`, `Cow<'static, str>`, `Vec<u8>`, `Bytes`, or `()` (no `->`) for an empty one | `200`, `text/plain; charset=utf-8` |
/// | `(status, body)`, the status a `u16` or a `StatusCode` | that status |
/// | `(status, headers, body)`, the headers a `HashMap`, `BTreeMap`, `Vec` or array of name/value pairs, or a `HeaderMap` | those headers, and `Content-Type: text/plain; charset=utf-8` unless given |
/// | `nameko_web::Response`, or any `http::Response` | as is |
/// | `Result<T, E>` of one of these (any type whose last path segment is `Result`) | `Ok` as above; `Err` as below |
///
/// The error of a `Result` becomes the response by the first that applies to `E`:
///
/// 1. `E: Into<nameko_web::HttpError>`: nameko-web's errors (`HttpError`, `RemoteError`,
///    `RequestError` answered `400`, `PathParamError` answered `404`);
/// 2. `E: nameko_web::ResponseFromError`: the error's own response (Python's overridden
///    `response_from_exception`); the error itself reaches dependency providers when it
///    also implements `std::error::Error`;
/// 3. otherwise as `#[rpc]` turns an error into a `RemoteError` (`ToRemoteError`, then
///    `Into<RemoteError>`, then `std::error::Error` or `Display` with the type's name as
///    `exc_type`), answered with Nameko's default response, `Error: <exc_type>: <value>`,
///    `400` for a `BadRequest` (such as `MalformedRequest`) or an error listed in
///    `expected_exceptions`, `500` otherwise.
///
/// # Examples
///
/// The seed's `http_service`:
///
/// ```
/// use nameko::web::{Response, ResponseFromError};
/// use nameko::{Request, http, service};
///
/// pub struct HttpService;
///
/// #[service(name = "http_service")]
/// impl HttpService {
///     /// `curl localhost:8000/get/42` → `{"value": 42}`
///     #[http("GET", "/get/<int:value>")]
///     async fn get_method(&self, _request: Request, value: i64) -> String {
///         format!(r#"{{"value": {value}}}"#)
///     }
///
///     /// The body, through the request.
///     #[http("POST", "/post")]
///     async fn do_post(&self, request: Request) -> String {
///         format!("received: {}", request.text_lossy())
///     }
///
///     /// Several methods on one URL.
///     #[http("GET,PUT,POST,DELETE", "/multi")]
///     async fn do_multi(&self, request: Request) -> String {
///         request.method().to_string()
///     }
///
///     /// An error with its own response (see `nameko::web::ResponseFromError`).
///     #[http("GET", "/custom_exception")]
///     async fn custom_exception(&self) -> Result<String, InvalidArgumentsError> {
///         Err(InvalidArgumentsError("Argument `foo` is required.".into()))
///     }
/// }
/// # #[derive(Debug)] pub struct InvalidArgumentsError(String);
/// # impl std::fmt::Display for InvalidArgumentsError {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(&self.0) }
/// # }
/// # impl ResponseFromError for InvalidArgumentsError {
/// #     fn response_from_error(&self) -> Response {
/// #         Response::new(self.0.clone()).with_status(nameko::web::http::StatusCode::BAD_REQUEST)
/// #     }
/// # }
/// ```
///
/// The seed's `advanced_http_service`, and the other return conventions:
///
/// ```
/// use std::collections::HashMap;
///
/// use nameko::web::Response;
/// use nameko::{RemoteError, http, service};
///
/// pub struct AdvancedHttpService;
///
/// #[service(name = "advanced_http_service")]
/// impl AdvancedHttpService {
///     /// `(status, body)`; no request parameter.
///     #[http("GET", "/privileged")]
///     async fn forbidden(&self) -> (u16, &'static str) {
///         (403, "Forbidden")
///     }
///
///     /// `(status, headers, body)`.
///     #[http("GET", "/headers")]
///     async fn redirect(&self) -> (u16, HashMap<&'static str, &'static str>, &'static str) {
///         (201, HashMap::from([("Location", "https://www.example.com/widget/1")]), "")
///     }
///
///     /// A whole response.
///     #[http("GET", "/custom")]
///     async fn custom(&self) -> Response {
///         Response::new("payload")
///     }
///
///     /// An empty `200`.
///     #[http("DELETE", "/widget/<int:id>")]
///     async fn delete(&self, id: u64) {
///         let _ = id;
///     }
///
///     /// `500` with `Error: ValueError: no such widget`.
///     #[http("GET", "/broken")]
///     async fn broken(&self) -> Result<String, RemoteError> {
///         Err(RemoteError::new("ValueError", "no such widget"))
///     }
/// }
/// ```
///
/// Every converter, the rule's variables bound by name in any order:
///
/// ```
/// use nameko::{http, service};
/// use uuid::Uuid;
///
/// pub struct Files;
///
/// #[service(name = "files")]
/// impl Files {
///     #[http("GET", "/t/<int(signed=True):offset>/<float:scale>/<uuid:id>")]
///     async fn transform(&self, id: Uuid, scale: f64, offset: i32) -> String {
///         format!("{id} {scale} {offset}")
///     }
///
///     #[http("GET,HEAD", "/files/<path:rest>/<any(raw, html):format>/<lang>")]
///     async fn file(&self, lang: String, rest: String, format: String) -> String {
///         format!("{rest} as {format} in {lang}")
///     }
/// }
/// ```
///
/// Mistakes are compile errors at the offending literal or parameter, for example:
///
/// ```text
/// error: rule variable `value` of `/get/<int:value>` has no parameter: add `value: i64` to the method
/// error: `<int:value>` needs an integer type such as `i64` or `u32`, not `String`
/// error: invalid `#[http]` URL rule "/get/<integer:value>": unknown converter `integer`; the converters are string, default, path, int, float, uuid, any; write `"/get/<int:value>"`
/// ```
///
/// Outside a `#[service]` impl block it is an error:
///
/// ```text
/// error: `#[http]` must be used on a method inside a `#[service(name = "...")]` impl block
/// ```
#[proc_macro_attribute]
pub fn http(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::marker_outside_service(Marker::Http, input.into()).into()
}

/// Marks a method of a `#[service]` impl block to run periodically: Python's
/// `@timer(interval, eager=False)`.
///
/// The method runs every `interval` seconds on every running instance of the service, or
/// with `singleton` on one instance at a time across every process sharing the broker.
/// Runs never overlap: when one takes longer than the interval, the next starts as soon as
/// it ends. The schedule does not drift with the time the method takes. The service's
/// crate depends on `nameko-timer`, which runs the entrypoint.
///
/// # Parameters
///
/// | parameter | Python Nameko | meaning |
/// |---|---|---|
/// | `interval = 1` or `1` first (required) | `interval=1` or `@timer(1)` | seconds between runs: a positive integer or float literal, e.g. `0.5` |
/// | `eager = true` | `eager=True` (default `False`) | run once as soon as the service starts, instead of after the first interval |
/// | `singleton` or `singleton = true` | — (nameko-rs) | fire on one instance of the service at a time, cluster-wide: the instance holding a lease on the broker (nameko-amqp's `AmqpLease`, an exclusive queue `timer-singleton.<service>.<method>`); the others take over within `TIMER_SINGLETON_HANDOVER` seconds (default 1) when it is gone. Needs `nameko-amqp` (the facade's `amqp` feature) |
/// | `expected_exceptions(NotFound, ...)` | `expected_exceptions=(NotFound, ...)` | errors logged at WARNING, not ERROR (see [`macro@service`]) |
///
/// The interval is checked while compiling: zero, a negative number, a string or a
/// constant's name is an error. `sensitive_arguments` is an error too: the method has no
/// arguments.
///
/// # The method
///
/// An `async fn` taking only `&self`. It may return `()`, any `serde::Serialize` value, or
/// a `Result`; an `Err` is logged, and the timer keeps running.
///
/// # Examples
///
/// ```
/// use nameko::{RemoteError, service, timer};
///
/// pub struct Service;
///
/// #[service(name = "service")]
/// impl Service {
///     /// Every second, first after one second.
///     #[timer(interval = 1)]
///     async fn ping(&self) {
///         println!("pong");
///     }
///
///     /// Twice a second, first as soon as the service starts.
///     #[timer(interval = 0.5, eager = true)]
///     async fn poll(&self) -> Result<(), RemoteError> {
///         Ok(())
///     }
///
///     /// The interval alone, as Python's `@timer(60)`.
///     #[timer(60)]
///     async fn report(&self) {}
///
///     /// Every ten seconds on one instance of the whole cluster.
///     #[timer(interval = 10, singleton)]
///     async fn sweep(&self) {}
/// }
/// ```
///
/// Mistakes are compile errors at the offending argument, for example:
///
/// ```text
/// error: `#[timer]` interval must be a positive number of seconds, e.g. `#[timer(interval = 1)]` or `interval = 0.5`; got zero
/// ```
#[proc_macro_attribute]
pub fn timer(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::marker_outside_service(Marker::Timer, input.into()).into()
}

/// Marks a method of a `#[service]` impl block as an entrypoint of a kind another crate
/// provides (a message queue, a pub/sub channel, a WebSocket): the first argument is an
/// expression whose type implements `nameko_core::entrypoint::IntoEntrypoint`, compiled
/// as written; the keys `expected_exceptions(...)` and `sensitive_arguments(...)` follow,
/// as on `#[rpc]`.
///
/// The method's parameters are bound by position and keyword from the `Arguments` the
/// entrypoint gives each worker, as an RPC call's are; its result is encoded as JSON for
/// the entrypoint to use. Workers run through the container as for the built-in markers:
/// dependency hooks, `max_workers`, panics answered and logged.
///
/// ```text
/// #[entrypoint(nameko::amqp::messaging::consume("orders"), expected_exceptions(Invalid))]
/// async fn on_order(&self, order: Order) -> Result<(), Invalid> { ... }
/// ```
#[proc_macro_attribute]
pub fn entrypoint(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::marker_outside_service(Marker::Custom, input.into()).into()
}

/// Declares the typed RPC client of a service written in Python (or in any language): the
/// trait lists the remote methods, and the macro replaces it with a client type like the
/// one `#[service]` generates for a Rust service.
///
/// # Parameters
///
/// | parameter | meaning |
/// |---|---|
/// | `name = "service_y"` (required) | the name of the service the client calls |
/// | `client = "ServiceYRpc"` | the client type's name; by default the trait's name followed by `Client` |
/// | `crate = "::my_nameko"` | where the `nameko` crate is, as for [`macro@service`] |
///
/// # The trait
///
/// One `async fn` declaration per remote method, without a body, taking `&self` and the
/// method's arguments, by name: they are sent positionally, in this order, as Nameko's
/// proxies send them. The arguments' types must implement `serde::Serialize` (borrowed
/// types such as `&str` are fine), the result's `serde::Deserialize`; a result written
/// `Result<T, E>` is the client's `Result<T, RpcError>`. The client has the trait's
/// visibility and docs, and each method its declaration's docs.
///
/// ```
/// use nameko::{ClusterRpc, RpcError, rpc_client};
///
/// /// `service_y`, written in Python.
/// #[rpc_client(name = "service_y")]
/// pub trait ServiceY {
///     /// Returns `"<value>-y"`.
///     async fn append_identifier(&self, value: &str) -> String;
/// }
///
/// async fn call(cluster: &ClusterRpc) -> Result<String, RpcError> {
///     cluster.client::<ServiceYClient>().append_identifier("hellø").await
/// }
/// ```
///
/// As a dependency of a Rust service: a field `y: ServiceYClient` listed in
/// `dependencies(y)`, set to `ServiceYClient::new()`.
///
/// Mistakes are compile errors at the offending declaration, for example:
///
/// ```text
/// error: `#[rpc_client]` methods must be `async fn`, as the client's methods are: write `async fn append_identifier(...)`
/// error: `#[rpc_client]` methods take `&self`, as the client's methods do: add `&self` as the first parameter
/// ```
#[proc_macro_attribute]
pub fn rpc_client(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::rpc_client(args.into(), input.into()).into()
}
