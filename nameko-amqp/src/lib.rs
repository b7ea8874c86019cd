//! # nameko-amqp
//!
//! The RabbitMQ transport of [nameko-rs](https://github.com/nameko-rs/nameko-rs): Nameko's
//! RPC over AMQP, wire-compatible with Python Nameko 2.x, on [lapin] and tokio.
//!
//! - [`rpc::Rpc`]: the entrypoint behind `#[rpc]` (queue `rpc-<service>` on the
//!   `nameko-rpc` topic exchange, reply published and confirmed before the request is
//!   acknowledged, prefetch = `max_workers`).
//! - [`RpcProxy`]: a dependency for calling another service from a worker, carrying the
//!   worker's context data and call-id stack.
//! - [`ClusterRpc`]: a standalone client (`ClusterRpcProxy`) with `call`, `call_async` and
//!   a timeout.
//! - Typed clients ([`rpc::typed`]): `#[service]` generates `ServiceYClient` for
//!   `impl ServiceY`, with one method per `#[rpc]` method, usable as a dependency or
//!   through [`ClusterRpc::client`]; a wrong argument or result type is a compile error.
//! - [`messaging`]: Nameko's `nameko.messaging`: the [`Publisher`] dependency (messages
//!   to an exchange of your choice) and the [`messaging::consume`] entrypoint kind
//!   (`#[entrypoint(consume(queue))]`).
//! - [`AmqpLease`]: nameko-core's cluster-wide lease as an exclusive queue, what makes
//!   `#[timer(interval = 1, singleton)]` fire on one instance of the cluster at a time.
//! - [`RpcError`]: what a call can fail with; a remote exception arrives as
//!   [`RpcError::Remote`] with Nameko's `exc_type`.
//!
//! ```
//! use nameko_amqp::{RpcError, RpcProxy};
//! use nameko_core::{rpc, service};
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
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `metrics` | no | Prometheus families of RPC client calls and timeouts, RPC requests dropped past their deadline, publishes, messages in flight and the broker connection, registered in `nameko_run::metrics` |
//! | `testing` | no | `testing::FakeRpcProxy` and `testing::FakeEventDispatcher` (the broker-free test kit's doubles) |
//!
//! ## Broker faults
//!
//! The connection ([`AmqpConnection`]) is re-established whenever it is lost, with capped
//! exponential back-off over the URIs of a `;`-separated `AMQP_URI`; consumers declare,
//! set their prefetch and consume again, reply listeners too (all with [`Resume`], which a
//! consumer of your own can use as well), and publishes wait for the connection per
//! `PUBLISH_RETRY_POLICY`. TLS: `amqps://` or `AMQP_SSL` (rustls), with
//! `LOGIN_METHOD` `PLAIN`, `AMQPLAIN` or `EXTERNAL`. See the guide's "Running in
//! production".
//!
//! ## Escape hatches
//!
//! The API speaks Nameko's terms; lapin's types appear only where you step outside them,
//! and the [`lapin`] crate is re-exported so they name the same version:
//! [`AmqpConnection::create_channel`] (a raw channel) and [`AmqpConnection::publish`]
//! (lapin's `BasicProperties`).
#![forbid(unsafe_code)]

pub mod connection;
mod consumer;
pub mod dead_letters;
pub mod error;
pub mod events;
pub mod failure;
pub mod lease;
pub mod messaging;
mod metrics;
mod outgoing;
pub mod resume;
pub mod rpc;
pub mod settings;
mod settle;
pub mod wire;

// The spans of RPC calls and publishes, exported with the workers' (`nameko_run::otlp`).
nameko_core::trace::inventory::submit!(nameko_core::trace::SpanTarget("nameko_amqp::rpc"));
nameko_core::trace::inventory::submit!(nameko_core::trace::SpanTarget("nameko_amqp::events"));

#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
pub mod __private;

/// The AMQP client nameko-amqp is built on, for the escape hatches above.
pub use lapin;

pub use connection::AmqpConnection;
pub use error::{AmqpError, Error, RemoteErrors, RpcError, TypedRemoteError};
pub use events::{DispatchError, EventDispatcher, EventHandler, HandlerType, StandaloneDispatcher};
pub use failure::{FailurePolicy, OnMalformed, Retry, RetryLater};
pub use lease::AmqpLease;
pub use messaging::{PublishError, Publisher};
pub use resume::Resume;
pub use rpc::{ClusterRpc, Rpc, RpcCaller, RpcClient, RpcProxy, RpcReply, ServiceRpc, TypedReply};
pub use settings::{AmqpSettings, Backoff, RetryPolicy};
