//! An entrypoint kind of its own, used under `#[service]` next to `#[rpc]`: a Redis
//! pub/sub channel subscriber ([`channel::redis_channel`]), written against the public API
//! of `nameko` only.
//!
//! [`Orders`] records the orders published to the Redis channel `orders.created` and
//! answers what it got over RPC. See the README and the guide page "Writing an
//! entrypoint".

use std::sync::Mutex;

use nameko::{entrypoint, rpc, service};
use serde::{Deserialize, Serialize};

pub mod channel;

use channel::redis_channel;

/// An order, as published to `orders.created`: `{"id": 1, "item": "tea", "quantity": 2}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order's id.
    pub id: u64,
    /// What was ordered.
    pub item: String,
    /// How many (1 when not given).
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// An order that cannot be taken: listed in `expected_exceptions`, so it is logged as a
/// warning, not an error.
#[derive(Debug, thiserror::Error)]
#[error("order {id} has a quantity of 0")]
pub struct InvalidOrder {
    /// The order's id.
    pub id: u64,
}

/// What [`Orders`] has received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// The orders taken, in the order they were handled.
    pub orders: Vec<Order>,
    /// How many orders were rejected ([`InvalidOrder`]).
    pub rejected: u64,
}

/// The service: orders come in over Redis pub/sub, questions over RPC.
#[derive(Debug, Default)]
pub struct Orders {
    received: Mutex<Received>,
}

impl Orders {
    fn received(&self) -> std::sync::MutexGuard<'_, Received> {
        self.received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[service(name = "orders")]
impl Orders {
    /// One worker per message published to `orders.created`; the message is the order.
    #[entrypoint(redis_channel("orders.created"), expected_exceptions(InvalidOrder))]
    async fn on_order_created(&self, order: Order) -> Result<(), InvalidOrder> {
        let mut received = self.received();
        if order.quantity == 0 {
            received.rejected += 1;
            return Err(InvalidOrder { id: order.id });
        }
        received.orders.push(order);
        Ok(())
    }

    /// What came in over the channel.
    #[rpc]
    async fn received_orders(&self) -> Received {
        self.received().clone()
    }
}
