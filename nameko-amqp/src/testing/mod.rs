//! Test helpers (feature `testing`): doubles of the AMQP dependencies for unit tests
//! without a broker.
//!
//! [`FakeRpcProxy`] and [`FakeEventDispatcher`] are what an [`RpcProxy`](crate::RpcProxy)
//! and an [`EventDispatcher`](crate::EventDispatcher) become in the test kit's
//! `worker_factory` and `replace_dependencies` (`nameko_core::testing`, gathered with a
//! complete unit test in `nameko::testing`): the fake proxy answers as the test says and
//! records every call, the fake dispatcher records every event; nothing connects. The
//! `#[rpc]` and `#[event_handler]` entrypoints are fired by the kit's `entrypoint_hook`
//! with the same argument binding as on the wire.
//!
//! The helpers for integration tests against a real RabbitMQ (a vhost, a node or a
//! cluster of a test's own) are in the nameko-rs repository's unpublished
//! `nameko-test-support` crate (`tests/support`).

mod fakes;

pub use fakes::{DispatchedEvent, FakeEventDispatcher, FakeRpcProxy, RecordedCall};
