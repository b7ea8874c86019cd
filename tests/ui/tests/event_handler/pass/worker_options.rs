//! `expected_exceptions` and `sensitive_arguments` on `#[event_handler]`, in both forms.
#![deny(warnings)]

use nameko::{RemoteError, event_handler, service};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Card {
    pub number: String,
}

#[derive(Debug, Deserialize)]
pub struct Order {
    pub id: u64,
    pub card: Card,
}

pub struct Billing;

#[service(name = "billing")]
impl Billing {
    #[event_handler(
        "shop",
        "order_placed",
        handler_type = "singleton",
        expected_exceptions(RemoteError, std::io::Error),
        sensitive_arguments("order.card.number")
    )]
    async fn bill(&self, order: Order) -> Result<u64, RemoteError> {
        let _ = order.card.number;
        Ok(order.id)
    }

    #[event_handler(
        source_service = "shop",
        event_type = "order_cancelled",
        expected_exceptions = RemoteError,
        sensitive_arguments = "payload"
    )]
    async fn cancel(&self, payload: serde_json::Value) {
        let _ = payload;
    }
}

fn main() {}
