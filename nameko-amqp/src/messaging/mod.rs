//! Nameko's `nameko.messaging` over AMQP: the [`Publisher`] dependency, which publishes
//! messages to an exchange of your choice, and the [`consume`] entrypoint kind, which runs
//! a worker for each message of a queue of your choice.
//!
//! Exchanges and queues are described as kombu describes them ([`Exchange`], [`Queue`]):
//! a name, a type, `durable`, `auto_delete`, and for a queue the exchange it is bound to
//! with a routing key. Both sides declare what they are given, so either may start first.
//!
//! ```
//! use nameko_amqp::messaging::{Exchange, PublishError, Publisher, Queue, consume};
//! use nameko::{entrypoint, rpc, service};
//! use serde_json::Value;
//!
//! fn orders() -> Queue {
//!     Queue::new("orders")
//!         .exchange(Exchange::topic("shop"))
//!         .routing_key("order.*")
//! }
//!
//! pub struct Shop {
//!     publish: Publisher,
//! }
//!
//! #[service(name = "shop", dependencies(publish))]
//! impl Shop {
//!     #[rpc]
//!     async fn place(&self, order: Value) -> Result<(), PublishError> {
//!         self.publish.publish(&order).await
//!     }
//!
//!     #[entrypoint(consume(orders()))]
//!     async fn on_order(&self, order: Value) {
//!         println!("received {order}");
//!     }
//! }
//!
//! let shop = Shop {
//!     publish: Publisher::new()
//!         .exchange(Exchange::topic("shop"))
//!         .routing_key("order.created"),
//! };
//! ```

mod consume;
mod declare;
mod publisher;

pub use consume::{Consume, consume};
pub use declare::{Declaration, Exchange, ExchangeType, Queue};
pub use publisher::{DeliveryMode, PublishError, PublishOptions, Publisher, StandalonePublisher};
