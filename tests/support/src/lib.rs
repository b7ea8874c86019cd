//! # nameko-test-support
//!
//! The RabbitMQ test harness of the nameko-rs repository (unpublished): helpers for
//! integration tests against a real broker. The broker-free doubles of the test kit
//! (`FakeRpcProxy`, `FakeEventDispatcher`) stay in the published `nameko_amqp::testing`.
//!
//! [`TestVhost`] creates a virtual host of its own for one test, so tests running at once
//! never see each other's queues, and deletes it (with everything declared in it) when
//! dropped. It drives `rabbitmqctl`, so the tests must run where that works (the broker's
//! machine, as root or the rabbitmq user).
//!
//! [`TestNode`] starts a RabbitMQ node of its own for one test (with `scripts/rabbitmq-node`
//! of this repository), optionally with a TLS listener, which the test may then stop,
//! restart or disconnect at will without disturbing the shared broker; [`TestCluster`]
//! makes three such nodes into a cluster. They need the same rights as [`TestVhost`]
//! (root or the rabbitmq user, `rabbitmq-server` installed) and work from the repository
//! only, since the script is found next to this crate.
#![forbid(unsafe_code)]

mod node;
mod vhost;

pub use node::{NodeOptions, TestCluster, TestNode, TestNodeError};
pub use vhost::{QueueStats, TestVhost, TestVhostError, base_uri};
