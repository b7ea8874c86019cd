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
//! [`TestNode`] starts a RabbitMQ node of its own for one test, optionally with a TLS
//! listener (certificates made with rcgen), which the test may then stop, restart or
//! disconnect at will without disturbing the shared broker; [`TestCluster`] makes three
//! such nodes into a cluster. They run `rabbitmq-server` and `rabbitmqctl`, so they need
//! the same rights as [`TestVhost`] (root or the rabbitmq user, `rabbitmq-server`
//! installed) and a Linux `/proc`. Ports come from the OS; each node keeps its state
//! under `$NAMEKO_RABBIT_BASE/<node>` (by default `/tmp/nameko-rabbit/<node>`), deleted
//! when it stops; `NAMEKO_RABBIT_START_TIMEOUT` (seconds, default 60) bounds a start.
//! [`stop_node`] stops a node left behind by hand.
#![forbid(unsafe_code)]

mod certs;
mod node;
mod server;
mod vhost;

pub use certs::CertificateError;
pub use node::{NodeOptions, TestCluster, TestNode, TestNodeError, stop_node};
pub use vhost::{QueueStats, TestVhost, TestVhostError, base_uri};
