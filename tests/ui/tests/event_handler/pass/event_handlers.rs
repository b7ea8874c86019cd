//! Event handlers with every option combination, payload shape and return shape the macro
//! supports.
#![deny(warnings)]

use std::fmt;

use nameko::{RemoteError, event_handler, service};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct Order {
    pub id: u64,
    pub items: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Receipt {
    pub id: u64,
}

/// An error with only `Display`.
#[derive(Debug)]
pub struct OutOfStock;

impl fmt::Display for OutOfStock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("out of stock")
    }
}

pub struct Shop;

#[service(name = "shop_listener")]
impl Shop {
    #[event_handler("shop", "order_placed")]
    async fn defaults(&self, order: Order) {
        let _ = (order.id, order.items);
    }

    #[event_handler(
        "shop",
        "order_placed",
        handler_type = "service_pool",
        reliable_delivery = true,
        requeue_on_error = true
    )]
    async fn pool_reliable_requeue(&self, _payload: Value) {}

    #[event_handler(
        "shop",
        "order_placed",
        handler_type = "service_pool",
        reliable_delivery = false,
        requeue_on_error = false
    )]
    async fn pool_unreliable(&self, _payload: Value) {}

    #[event_handler(
        "shop",
        "order_placed",
        handler_type = "service_pool",
        reliable_delivery = false,
        requeue_on_error = true
    )]
    async fn pool_unreliable_requeue(&self, _payload: Value) {}

    #[event_handler("shop", "order_placed", handler_type = "singleton")]
    async fn singleton(&self, _payload: Value) {}

    #[event_handler(
        "shop",
        "order_placed",
        handler_type = "singleton",
        requeue_on_error = true
    )]
    async fn singleton_requeue(&self, _payload: Value) {}

    #[event_handler(
        "shop",
        "order_placed",
        handler_type = "singleton",
        reliable_delivery = false
    )]
    async fn singleton_unreliable(&self, _payload: Value) {}

    #[event_handler(
        "shop",
        "order_placed",
        handler_type = "singleton",
        reliable_delivery = false,
        requeue_on_error = true
    )]
    async fn singleton_unreliable_requeue(&self, _payload: Value) {}

    #[event_handler("shop", "order_placed", handler_type = "broadcast")]
    async fn broadcast(&self, _payload: Value) {}

    #[event_handler(
        "shop",
        "order_placed",
        handler_type = "broadcast",
        requeue_on_error = true
    )]
    async fn broadcast_requeue(&self, _payload: Value) {}

    #[event_handler(
        "monitor",
        "ping",
        handler_type = "broadcast",
        reliable_delivery = false
    )]
    async fn broadcast_unreliable(&self, _payload: Value) {}

    #[event_handler(
        "monitor",
        "ping",
        handler_type = "broadcast",
        reliable_delivery = false,
        requeue_on_error = true
    )]
    async fn broadcast_unreliable_requeue(&self, _payload: Value) {}

    /// Nameko's constant's spelling, in any case.
    #[event_handler("monitor", "ping", handler_type = "BROADCAST")]
    async fn broadcast_uppercase(&self, _payload: Value) {}

    /// Python's keyword names for the first two, options in any order.
    #[nameko::event_handler(
        requeue_on_error = false,
        source_service = "shop",
        event_type = "order_placed"
    )]
    async fn keywords(&self, payload: Option<Order>) {
        let _ = payload;
    }

    #[event_handler("shop", "order_placed", requeue_on_error = true)]
    async fn fallible(&self, order: Order) -> Result<(), RemoteError> {
        if order.items.is_empty() {
            return Err(RemoteError::new("EmptyOrder", order.id.to_string()));
        }
        Ok(())
    }

    #[event_handler("shop", "order_placed")]
    async fn display_error(&self, order: Order) -> Result<Receipt, OutOfStock> {
        if order.items.is_empty() {
            Err(OutOfStock)
        } else {
            Ok(Receipt { id: order.id })
        }
    }

    #[event_handler("shop", "order_placed")]
    async fn returns_a_value(&self, Order { id, .. }: Order) -> Receipt {
        Receipt { id }
    }

    #[event_handler("shop", "order_placed")]
    async fn scalar(&self, _: u64) {}

    #[event_handler("shop", "order.*")]
    async fn wildcard(&self, mut payload: Value) {
        payload.take();
    }
}

fn main() {
    use nameko::Service;
    use std::sync::Arc;

    let service = Arc::new(Shop);
    assert_eq!(service.name(), "shop_listener");
    let entrypoints = service.entrypoints();
    assert_eq!(entrypoints.len(), 19);
    assert!(entrypoints.iter().all(|e| e.kind() == "event_handler"));
    assert_eq!(entrypoints[0].method_name(), "defaults");
    assert_eq!(entrypoints[18].method_name(), "wildcard");
}
