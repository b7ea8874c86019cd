//! The broker-free test kit (feature `testing`): Python Nameko's `nameko.testing.services`,
//! with Rust types. Unit tests need no RabbitMQ and no port.
//!
//! | Nameko | here |
//! |---|---|
//! | `worker_factory(ServiceX)` | [`worker_factory`]`(ServiceX { .. }).await?`: a [`TestService`] that derefs to the service; every `RpcProxy` (or typed client) is replaced by a [`FakeRpcProxy`], every `EventDispatcher` by a [`FakeEventDispatcher`], other dependencies are kept (or replaced by their own double, [`DependencyProvider::replace_with_double`](crate::DependencyProvider::replace_with_double)) |
//! | the injected `MagicMock` | [`svc.double::<FakeRpcProxy>("y")?`](TestService::double): tell it what to answer, read what it recorded |
//! | `entrypoint_hook(container, "m")(*args)` | [`entrypoint_hook`]`(&svc, "m", args).await?` (or `svc.entrypoint_hook(..)`): one worker, fired as its transport would (same argument binding, dependency hooks, panics caught, errors as the caller sees them); [`.result::<T>()`](Hook::result) for a typed result, [`.context(..)`](Hook::context) for context data |
//! | an `@http` route under `web_session` | [`fire_http`]`(&svc, "get_method", request).await?`: the route answers the request as the server would ([`TestResponse`]) |
//! | `entrypoint_waiter(container, "m")` | [`entrypoint_waiter`]`(&container, "m")?`, made before, awaited after, with a timeout; works on containers served over RabbitMQ too |
//! | `replace_dependencies(container, "y")` | [`replace_dependencies::<FakeRpcProxy>`](replace_dependencies)`(&container, "y")?` before `container.start()` |
//! | `get_container(runner, ServiceX)` | [`get_container`]`(&runner, "service_x")?` |
//!
//! A whole unit test of a service that calls another one and dispatches an event:
//!
//! ```
//! use nameko::testing::{FakeEventDispatcher, FakeRpcProxy, entrypoint_hook, worker_factory};
//! use nameko::{EventDispatcher, RemoteError, RpcError, RpcProxy, Value, json, rpc, service};
//!
//! pub struct ServiceX {
//!     y: RpcProxy,
//!     events: EventDispatcher,
//! }
//!
//! #[service(name = "service_x", dependencies(y, events))]
//! impl ServiceX {
//!     #[rpc]
//!     async fn remote_method(&self, value: String) -> Result<String, RpcError> {
//!         let out: String = self.y.call("append_identifier", (format!("{value}-x"),)).await?;
//!         let _ = self.events.dispatch("appended", &json!({ "out": out })).await;
//!         Ok(out)
//!     }
//! }
//!
//! // #[tokio::test]
//! async fn remote_method_appends_both_identifiers() -> Result<(), Box<dyn std::error::Error>> {
//!     let svc = worker_factory(ServiceX {
//!         y: RpcProxy::new("service_y"),
//!         events: EventDispatcher::new(),
//!     })
//!     .await?;
//!     let y: FakeRpcProxy = svc.double("y")?;
//!     y.answer("append_identifier", |(value,): (String,)| {
//!         Ok::<_, RemoteError>(format!("{value}-y"))
//!     });
//!
//!     // One worker, as a request over RabbitMQ would run it, with context data.
//!     let out: String = entrypoint_hook(&svc, "remote_method", ("hellø",))
//!         .context("language", "fr")
//!         .result()
//!         .await?;
//!     assert_eq!(out, "hellø-x-y");
//!
//!     // service_y was called once, with the worker's context data.
//!     let calls = y.calls_to("append_identifier");
//!     assert_eq!(calls.len(), 1);
//!     assert_eq!(calls[0].args_as::<(String,)>()?, ("hellø-x".to_owned(),));
//!     assert_eq!(calls[0].context("language"), Some(&json!("fr")));
//!
//!     // The event was recorded, not sent.
//!     let events: FakeEventDispatcher = svc.double("events")?;
//!     assert_eq!(events.payloads_of::<Value>("appended")?, [json!({ "out": "hellø-x-y" })]);
//!
//!     // Wrong arguments fail as on the wire; so does a failing service_y.
//!     let err = entrypoint_hook(&svc, "remote_method", (1, 2)).await.unwrap_err();
//!     assert_eq!(err.exc_type(), Some("IncorrectSignature"));
//!     y.fails("append_identifier", RemoteError::new("ValueError", "no"));
//!     let err = svc.entrypoint_hook("remote_method", ("a",)).await.unwrap_err();
//!     assert_eq!(err.exc_type(), Some("ValueError"));
//!
//!     // The service's methods can also be called directly.
//!     y.returns("append_identifier", "direct");
//!     assert_eq!(svc.remote_method("b".to_owned()).await?, "direct");
//!
//!     svc.stop().await;
//!     Ok(())
//! }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     remote_method_appends_both_identifiers().await
//! # }
//! ```
//!
//! Containers that fire only what a test fires: [`worker_factory`] sets up the
//! dependencies alone ([`ServiceContainer::start_dependencies`](crate::ServiceContainer::start_dependencies)),
//! so no entrypoint consumes a queue or binds a port; the `AMQP_URI` of its
//! [config](WorkerFactory::config) is never used while every AMQP dependency is a double.

pub use nameko_core::entrypoint::{FireError, FireInput, FireOutput};
pub use nameko_core::testing::{
    AsContainer, DEFAULT_WAIT_TIMEOUT, EntrypointWaiter, Hook, TestError, TestService,
    WorkerFactory, entrypoint_hook, entrypoint_waiter, find_entrypoint, get_container,
    replace_dependencies, worker_factory,
};
pub use nameko_core::worker::{WorkerDone, WorkerWatch};

#[cfg(feature = "amqp")]
pub use nameko_amqp::testing::{DispatchedEvent, FakeEventDispatcher, FakeRpcProxy, RecordedCall};

#[cfg(feature = "web")]
pub use nameko_web::testing::{TestResponse, fire_http};
