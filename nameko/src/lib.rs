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
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `amqp` | yes | RPC and events over RabbitMQ: `#[rpc]`, `#[event_handler]`, [`RpcProxy`], [`EventDispatcher`], [`ClusterRpc`] ([`amqp`]) |
//! | `web` | yes | HTTP entrypoints: `#[http]`, [`Request`] ([`web`]) |
//! | `timer` | yes | timer entrypoints: `#[timer]` ([`timer`](mod@timer)) |
//! | `cli` | yes | [`cli::run`]: the whole `main` of a service binary, like `nameko run` |
//! | `testing` | no | `nameko::testing`: the broker-free test kit (`worker_factory`, `entrypoint_hook`, `entrypoint_waiter`, `replace_dependencies`, fakes) |
//!
//! ## Crates
//!
//! This crate re-exports the others; depending on them one by one works the same
//! (`nameko-core`, `nameko-amqp`, `nameko-web`, `nameko-timer`). When this crate is
//! renamed in `Cargo.toml`, tell the macros where it is:
//! `#[service(name = "...", crate = "my_nameko")]`.
#![forbid(unsafe_code)]

// The macros name `::nameko`; this makes that path work inside this crate's own tests.
#[allow(unused_extern_crates)]
extern crate self as nameko;

/// The attribute macros: `#[service]` on an impl block, and the entrypoint markers on its
/// methods.
pub use nameko_macros::{event_handler, http, rpc, service, timer};

pub use nameko_core::{
    Arguments, AsMethodError, BoxError, Call, CallArguments, Config, ConfigError,
    ContainerHandle, ContextData, DependencyProvider, Entrypoint, EntrypointOptions, Error,
    Extension, IntoArguments, MethodError, Outcome, PanicError, RemoteError, Resource,
    Resources, Service, ServiceContainer, ServiceRunner, ToRemoteError, Tracked,
    WorkerContext, WorkerFailure, WorkerOutput, WorkerResult, async_trait,
};
pub use nameko_core::{config, container, context, dependency, entrypoint, extension, worker};

#[cfg(feature = "cli")]
pub use nameko_core::cli;

/// RPC and events over RabbitMQ (the `nameko-amqp` crate).
#[cfg(feature = "amqp")]
pub use nameko_amqp as amqp;
#[cfg(feature = "amqp")]
pub use nameko_amqp::{
    ClusterRpc, DispatchError, EventDispatcher, HandlerType, RpcError, RpcProxy, RpcReply,
    StandaloneDispatcher,
};

/// HTTP entrypoints (the `nameko-web` crate).
#[cfg(feature = "web")]
pub use nameko_web as web;
#[cfg(feature = "web")]
pub use nameko_web::Request;

/// Timer entrypoints (the `nameko-timer` crate).
#[cfg(feature = "timer")]
pub use nameko_timer as timer;

/// JSON values, as arguments, results and payloads travel.
pub use serde_json::{self, Value, json};

#[cfg(feature = "testing")]
pub mod testing;

/// Items used by code that the macros generate. Not a public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use nameko_core::__private as core;

    #[cfg(feature = "amqp")]
    pub use nameko_amqp::__private as amqp;

    #[cfg(feature = "web")]
    pub use nameko_web::__private as web;

    #[cfg(feature = "timer")]
    pub use nameko_timer::__private as timer;
}
