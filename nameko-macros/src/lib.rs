//! Procedural macros of nameko-rs. Depend on `nameko-core` and use them from there
//! (`nameko_core::service`, `nameko_core::rpc`, ...); this crate is an implementation
//! detail released in lockstep with it.
//!
//! `#[service]` reads an impl block, removes the marker attributes (`#[rpc]`, ...) from its
//! methods, and generates an `impl nameko_core::Service`: the dispatch table of entrypoints
//! and the list of dependency providers. Everything it generates can be written by hand
//! against `nameko-core`.
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

use model::Marker;

/// Makes an impl block a Nameko service: Python's service class with its `name`.
///
/// Put it on the inherent `impl` block of the service's struct. Methods marked `#[rpc]`,
/// [`macro@event_handler`] or [`macro@timer`] become entrypoints; other methods are left
/// alone and can be used as helpers.
///
/// # Parameters
///
/// | parameter | Python Nameko | meaning |
/// |---|---|---|
/// | `name = "service_x"` (required) | `name = "service_x"` class attribute | the name callers use: `ClusterRpcProxy`'s `service_x`, the queue `rpc-service_x` |
/// | `dependencies(field, ...)` | `field = SomeDependency()` class attributes | fields of the struct that implement `nameko_core::DependencyProvider`; the container sets them up and runs their worker hooks |
///
/// # Example
///
/// ```ignore
/// use nameko_amqp::{RpcError, RpcProxy};
/// use nameko_core::{rpc, service};
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
/// # Entrypoint methods
///
/// Every entrypoint method must be an `async fn` taking `&self` (workers run concurrently
/// on the one service value; keep mutable state in fields such as a `Mutex`); see
/// [`macro@event_handler`] and [`macro@timer`] for their parameters. An `#[rpc]` method's
/// parameters must have owned types that implement `serde::Deserialize`, and bind to the
/// caller's positional and keyword arguments by their names, as in Python. An `Option`
/// parameter may be left out by the caller. Its return value must implement
/// `serde::Serialize`; when it is a `Result`, `Ok` is the reply and `Err` is sent as a
/// remote error (through the error's `Into<RemoteError>` when it has one, else from its
/// `Display`).
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
/// None yet. Python's `expected_exceptions` and `sensitive_arguments` are not supported.
///
/// # Example
///
/// ```ignore
/// use nameko_core::{rpc, service};
///
/// pub struct ServiceY;
///
/// #[service(name = "service_y")]
/// impl ServiceY {
///     #[rpc]
///     async fn append_identifier(&self, value: String) -> String {
///         format!("{value}-y")
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
///
/// `handler_type` takes Nameko's names as strings, in any case (`"broadcast"`,
/// `"BROADCAST"`). Python's bare constants (`handler_type = BROADCAST`) are not accepted:
/// there is no such constant in scope, and the error shows the string to write. Python's
/// `expected_exceptions` and `sensitive_arguments` are not supported yet.
///
/// # The method
///
/// An `async fn` taking `&self` and exactly one more parameter, the event's payload, of
/// any owned type that implements `serde::Deserialize`: `serde_json::Value` for any
/// payload, or a struct. A payload that does not decode into that type is rejected
/// (`MalformedRequest`) and not requeued, whatever `requeue_on_error` says, since no retry
/// could succeed. The method may return `()`, any `serde::Serialize` value, or a `Result`
/// whose `Err` counts as a failure (through the error's `Into<RemoteError>` or its
/// `Display`, as for `#[rpc]`).
///
/// # Examples
///
/// ```ignore
/// use nameko_core::{RemoteError, event_handler, service};
/// use serde::Deserialize;
/// use serde_json::Value;
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

/// Marks a method as an HTTP entrypoint: Python's `@http(method, url)`.
///
/// **Not supported yet**: the nameko-web HTTP entrypoint is not implemented in this version,
/// and `#[service]` reports its use as an error. Use `#[rpc]` for now.
///
/// # Parameters
///
/// Planned, as in Python: the HTTP method(s) and the URL pattern.
#[proc_macro_attribute]
pub fn http(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::marker_outside_service(Marker::Http, input.into()).into()
}

/// Marks a method of a `#[service]` impl block to run periodically: Python's
/// `@timer(interval, eager=False)`.
///
/// The method runs every `interval` seconds on every running instance of the service.
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
///
/// The interval is checked while compiling: zero, a negative number, a string or a
/// constant's name is an error. Python's `expected_exceptions` and `sensitive_arguments`
/// are not supported yet.
///
/// # The method
///
/// An `async fn` taking only `&self`. It may return `()`, any `serde::Serialize` value, or
/// a `Result`; an `Err` is logged, and the timer keeps running.
///
/// # Examples
///
/// ```ignore
/// use nameko_core::{RemoteError, service, timer};
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
