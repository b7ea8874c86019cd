//! # nameko-core
//!
//! The runtime of [nameko-rs](https://github.com/nameko-rs/nameko-rs), a Rust port of the
//! Python [Nameko](https://www.nameko.io) microservice framework, wire-compatible with it.
//!
//! This crate holds the service model and knows no transport: the [`Service`] trait and
//! its dispatch table of [`Entrypoint`]s, [`ServiceContainer`] with Nameko's extension
//! lifecycle and a worker pool bounded by `max_workers`, [`WorkerContext`] with the call-id
//! stack and context data, the [`DependencyProvider`] trait, [`Config`] in Nameko's YAML,
//! [`ServiceRunner`], and [`RemoteError`], the wire form of an exception.
//!
//! Transports implement entrypoints and dependencies: `nameko-amqp` (RPC and events over
//! RabbitMQ), `nameko-web` (HTTP), `nameko-timer`. Most users depend on the `nameko`
//! crate, which re-exports this one with the transports and the macros; depending on this
//! crate and the transports one by one works the same (the macros come re-exported from
//! here too, feature `macros`).
//!
//! ```
//! use nameko_core::{service, rpc};
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
//! ```
//!
//! The entrypoint markers only work inside `#[service]`; on their own they are a compile
//! error that says so:
//!
//! ```compile_fail
//! struct Lonely;
//! impl Lonely {
//!     #[nameko_core::rpc]
//!     async fn ping(&self) -> String { "pong".into() }
//! }
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `macros` | yes | re-exports `#[service]`, `#[rpc]`, `#[event_handler]`, `#[http]`, `#[timer]` |
//! | `testing` | no | `testing`: the core of the broker-free test kit (re-exported as `nameko::testing`) |
//! | `otel` | no | `trace::otel`: worker, call and publish spans become OpenTelemetry spans with the W3C ids on the wire |
#![forbid(unsafe_code)]

pub mod config;
pub mod container;
pub mod context;
pub mod dependency;
pub mod entrypoint;
pub mod error;
pub mod extension;
mod ids;
pub mod lease;
pub mod payload;
pub mod runner;
pub mod serialization;
pub mod service;
pub mod sync;
#[cfg(feature = "testing")]
pub mod testing;
pub mod trace;
pub mod worker;

#[doc(hidden)]
pub mod __private;

pub use async_trait::async_trait;
pub use config::{Config, ConfigError};
pub use container::{ContainerHandle, ServiceContainer, Tracked, WorkerOutput};
pub use context::{ContextData, WorkerContext};
pub use dependency::{DependencyProvider, WorkerResult};
pub use entrypoint::{Entrypoint, IntoEntrypoint};
pub use error::{BoxError, Error, RemoteError};
pub use extension::{Extension, Resource, Resources};
pub use payload::{Arguments, IntoArguments};
pub use runner::{NotReady, Readiness, ServiceRunner};
pub use service::Service;
pub use trace::TraceParent;
pub use worker::{
    AsMethodError, Call, CallArguments, EntrypointOptions, MethodError, Outcome, PanicError,
    ToRemoteError, WorkerFailure, WorkerLocal, WorkerLocalError, WorkerValue,
};

/// A boxed, sendable future: what entrypoint handlers return (`Rpc::new`, `Timer::new`,
/// `Http::new` take closures returning one).
pub type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'static>>;

#[cfg(feature = "macros")]
// `#[entrypoint]` is `nameko_macros::entrypoint` (or `nameko::entrypoint`): here the name is
// the module of the same name.
pub use nameko_macros::{event_handler, http, rpc, service, timer};
