//! # nameko
//!
//! [nameko-rs](https://github.com/nameko-rs/nameko-rs): the Python
//! [Nameko](https://www.nameko.io) microservice framework in Rust, wire-compatible with
//! Nameko 2.14 and 3.0, so a Rust service joins a Python cluster as one of its own.
//!
//! `cargo add nameko` is all a service needs: the attribute macros, the runtime, RPC and
//! events over RabbitMQ, HTTP, timers and the `main` of a service binary come from this
//! one crate.
//!
//! ```no_run
//! use nameko::{RpcError, RpcProxy, rpc, service};
//!
//! pub struct ServiceY;
//!
//! #[service(name = "service_y")]
//! impl ServiceY {
//!     #[rpc]
//!     async fn append_identifier(&self, value: String) -> String {
//!         format!("{value}-y")
//!     }
//! }
//!
//! pub struct ServiceX {
//!     y: RpcProxy,
//! }
//!
//! #[service(name = "service_x", dependencies(y))]
//! impl ServiceX {
//!     #[rpc]
//!     async fn remote_method(&self, value: String) -> Result<String, RpcError> {
//!         self.y.call("append_identifier", (format!("{value}-x"),)).await
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     // `--config config.yaml` (Nameko's YAML), `--broker URI`, SIGINT/SIGTERM handling
//!     nameko::cli::run("my-services", |runner| {
//!         runner.add_service(ServiceY)?;
//!         runner.add_service(ServiceX { y: RpcProxy::new("service_y") })?;
//!         Ok(())
//!     })
//! }
//! ```
//!
//! ## Typed clients
//!
//! `#[service]` also generates a client for each service, `ServiceYClient` for
//! `impl ServiceY`, with one method per `#[rpc]` method: the same parameters, the method's
//! result as `Result<T, RpcError>`, and an `_async` form that sends the call without
//! waiting. A wrong argument or result type is a compile error. For a service written in
//! Python, [`rpc_client`] declares one on a trait.
//!
//! ```no_run
//! use nameko::{ClusterRpc, Config, RpcError, rpc, rpc_client, service};
//!
//! pub struct ServiceY;
//!
//! #[service(name = "service_y")]
//! impl ServiceY {
//!     #[rpc]
//!     async fn append_identifier(&self, value: String) -> String {
//!         format!("{value}-y")
//!     }
//! }
//!
//! pub struct ServiceX {
//!     /// `ServiceYClient::new()`: a dependency, as `RpcProxy` is.
//!     y: ServiceYClient,
//! }
//!
//! #[service(name = "service_x", dependencies(y))]
//! impl ServiceX {
//!     #[rpc]
//!     async fn remote_method(&self, value: String) -> Result<String, RpcError> {
//!         self.y.append_identifier(format!("{value}-x")).await
//!     }
//! }
//!
//! /// `service_z`, written in Python.
//! #[rpc_client(name = "service_z")]
//! pub trait ServiceZ {
//!     async fn lookup(&self, key: &str) -> Option<u64>;
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cluster = ClusterRpc::connect(&Config::new()).await?;
//! let x = cluster.client::<ServiceXClient>();
//! assert_eq!(x.remote_method("hellø".to_owned()).await?, "hellø-x-y");
//! let pending = x.remote_method_async("a".to_owned()).await?;
//! let found: Option<u64> = cluster.client::<ServiceZClient>().lookup("k").await?;
//! assert_eq!(pending.result().await?, "a-x-y");
//! # let _ = found;
//! # Ok(()) }
//! # fn main() { let _ = ServiceX { y: ServiceYClient::new() }; }
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `amqp` | yes | RPC and events over RabbitMQ: `#[rpc]`, `#[event_handler]`, [`RpcProxy`], [`EventDispatcher`], [`ClusterRpc`] ([`amqp`]) |
//! | `web` | yes | HTTP entrypoints: `#[http]`, [`Request`] ([`web`]) |
//! | `timer` | yes | timer entrypoints: `#[timer]` ([`timer`](mod@timer)) |
//! | `cli` | yes | [`cli::run`]: the whole `main` of a service binary, like `nameko run` |
//! | `testing` | no | `nameko::testing`: the broker-free test kit (`worker_factory`, `entrypoint_hook`, `entrypoint_waiter`, `replace_dependencies`, fakes) |
//! | `metrics` | no | `nameko::metrics`: Prometheus metrics of workers, RPC calls, publishes and the broker connection (`prometheus-client`), served at `GET /metrics` by the web server and on `METRICS_ADDRESS` |
//! | `otel` | no | `nameko::trace::otel`: worker, RPC call and publish spans become OpenTelemetry spans whose ids are the W3C trace context on the wire (`nameko.traceparent`) |
//! | `otlp` | no | `nameko::trace::otlp`: spans exported to an OpenTelemetry collector over OTLP/HTTP; a binary run by [`cli::run`] exports when `OTEL_EXPORTER_OTLP_ENDPOINT` is set |
//! | `postgres` | no | `nameko::postgres` (`nameko-sqlx`): `Database`, a Postgres pool from `DB_URIS` and a transaction per worker, committed when the worker succeeds |
//! | `redis` | no | `nameko::redis` (`nameko-redis`): `Redis`, a client from `REDIS_URIS` that reconnects |
//!
//! ## Crates
//!
//! This crate re-exports the others; depending on them one by one works the same
//! (`nameko-core`, `nameko-amqp`, `nameko-web`, `nameko-timer`). The macros find this
//! crate in `Cargo.toml`, renamed or not; when they cannot (it is re-exported by another
//! crate), tell them where it is: `#[service(name = "...", crate = "other::nameko")]`.
#![forbid(unsafe_code)]

// The macros name `::nameko`; this makes that path work inside this crate's own tests.
#[allow(unused_extern_crates)]
extern crate self as nameko;

/// The attribute macros: `#[service]` on an impl block, the entrypoint markers on its
/// methods, and `#[rpc_client]`, the typed client of a service written in Python.
pub use nameko_macros::{entrypoint, event_handler, http, rpc, rpc_client, service, timer};

/// Prometheus metrics of the process (feature `metrics`): see `nameko_run::metrics`.
#[cfg(feature = "metrics")]
pub use nameko_run::metrics;

/// Health and metrics probes (`HEALTH_ADDRESS`, `METRICS_ADDRESS`): see `nameko_run::probe`.
#[cfg(any(feature = "cli", feature = "metrics", feature = "otlp"))]
pub use nameko_run::probe;

pub use nameko_core::{
    Arguments, AsMethodError, BoxError, Call, CallArguments, Config, ConfigError, ContainerHandle,
    ContextData, DependencyProvider, Entrypoint, EntrypointOptions, Error, Extension,
    IntoArguments, IntoEntrypoint, MethodError, Outcome, PanicError, RemoteError, Resource,
    Resources, Service, ServiceContainer, ServiceRunner, ToRemoteError, Tracked, WorkerContext,
    WorkerFailure, WorkerLocal, WorkerLocalError, WorkerOutput, WorkerResult, WorkerValue,
    async_trait,
};
pub use nameko_core::{
    config, container, context, dependency, entrypoint, extension, sync, worker,
};

/// Trace context on the wire and spans (`nameko_core::trace`), and with feature `otlp`
/// their export to an OpenTelemetry collector (`nameko_run::otlp`).
pub mod trace {
    pub use nameko_core::trace::*;

    #[cfg(feature = "otlp")]
    pub use nameko_run::otlp;
}

#[cfg(feature = "cli")]
pub use nameko_run::cli;

/// Logging of service binaries (`LOGGING`, `--log-format`): see `nameko_run::logging`.
#[cfg(feature = "cli")]
pub use nameko_run::logging;

/// RPC and events over RabbitMQ (the `nameko-amqp` crate).
#[cfg(feature = "amqp")]
pub use nameko_amqp as amqp;
#[cfg(feature = "amqp")]
pub use nameko_amqp::{
    ClusterRpc, DispatchError, EventDispatcher, HandlerType, RpcCaller, RpcClient, RpcError,
    RpcProxy, RpcReply, ServiceRpc, StandaloneDispatcher, TypedReply,
};

/// HTTP entrypoints (the `nameko-web` crate).
#[cfg(feature = "web")]
pub use nameko_web as web;
#[cfg(feature = "web")]
pub use nameko_web::Request;
/// schemars, for the JSON Schemas of typed HTTP bodies: `#[derive(JsonSchema)]` with
/// `#[schemars(crate = "nameko::schemars")]`, no dependency of your own.
///
/// ```
/// use nameko::JsonSchema;
///
/// #[derive(serde::Deserialize, JsonSchema)]
/// #[schemars(crate = "nameko::schemars")]
/// pub struct NewWidget {
///     pub name: String,
/// }
///
/// let schema = nameko::web::schema::input_schema::<NewWidget>();
/// assert_eq!(schema["required"], nameko::json!(["name"]));
/// ```
#[cfg(feature = "web")]
pub use nameko_web::schemars;
/// The schemars trait and derive (see [`schemars`](mod@schemars)).
#[cfg(feature = "web")]
pub use nameko_web::schemars::JsonSchema;

/// Timer entrypoints (the `nameko-timer` crate).
#[cfg(feature = "timer")]
pub use nameko_timer as timer;

/// Postgres with sqlx (the `nameko-sqlx` crate): `Database`, a transaction per worker.
#[cfg(feature = "postgres")]
pub use nameko_sqlx as postgres;

/// Redis (the `nameko-redis` crate): `Redis`, a client from `REDIS_URIS`.
#[cfg(feature = "redis")]
pub use nameko_redis as redis;

/// JSON values, as arguments, results and payloads travel.
pub use serde_json::{self, Value, json};

#[cfg(feature = "testing")]
pub mod testing;

/// Items used by code that the macros generate. Not a public API: no stability promise.
///
/// Besides each crate's own `__private`, the feature gates: generated code that needs a
/// feature goes through ``require_<feature>! { "`#[marker]`" => tokens }``, which is the
/// tokens when the feature is on and one error saying which feature to enable when it is
/// off, and code that only goes with it through `if_<feature>! { tokens }`, which is
/// nothing when it is off.
#[doc(hidden)]
pub mod __private {
    pub use nameko_core::__private as core;

    #[cfg(feature = "amqp")]
    pub use nameko_amqp::__private as amqp;

    #[cfg(feature = "web")]
    pub use nameko_web::__private as web;

    #[cfg(feature = "timer")]
    pub use nameko_timer::__private as timer;

    pub use crate::{
        __nameko_if_amqp as if_amqp, __nameko_if_timer as if_timer, __nameko_if_web as if_web,
        __nameko_require_amqp as require_amqp, __nameko_require_timer as require_timer,
        __nameko_require_web as require_web,
    };
}

// The feature gates of `__private` (see its docs), defined for each feature with it on and
// with it off.

#[cfg(feature = "amqp")]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_require_amqp {
    ($what:literal => $($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "amqp"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_require_amqp {
    ($what:literal => $($tokens:tt)*) => {
        ::core::compile_error! { ::core::concat!(
            $what,
            " needs the `amqp` feature of `nameko`: enable it in Cargo.toml, e.g. `nameko = { version = \"0.1\", features = [\"amqp\"] }`"
        ) }
    };
}

#[cfg(feature = "amqp")]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_if_amqp {
    ($($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "amqp"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_if_amqp {
    ($($tokens:tt)*) => {};
}

#[cfg(feature = "web")]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_require_web {
    ($what:literal => $($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "web"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_require_web {
    ($what:literal => $($tokens:tt)*) => {
        ::core::compile_error! { ::core::concat!(
            $what,
            " needs the `web` feature of `nameko`: enable it in Cargo.toml, e.g. `nameko = { version = \"0.1\", features = [\"web\"] }`"
        ) }
    };
}

#[cfg(feature = "web")]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_if_web {
    ($($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "web"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_if_web {
    ($($tokens:tt)*) => {};
}

#[cfg(feature = "timer")]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_require_timer {
    ($what:literal => $($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "timer"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_require_timer {
    ($what:literal => $($tokens:tt)*) => {
        ::core::compile_error! { ::core::concat!(
            $what,
            " needs the `timer` feature of `nameko`: enable it in Cargo.toml, e.g. `nameko = { version = \"0.1\", features = [\"timer\"] }`"
        ) }
    };
}

#[cfg(feature = "timer")]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_if_timer {
    ($($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "timer"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_if_timer {
    ($($tokens:tt)*) => {};
}
