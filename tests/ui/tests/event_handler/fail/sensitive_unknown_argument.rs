use nameko::{event_handler, service};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Order {
    pub card: String,
}

pub struct ServiceB;

#[service(name = "service_b")]
impl ServiceB {
    #[event_handler("shop", "order_placed", sensitive_arguments("card.number"))]
    async fn bill(&self, order: Order) {
        let _ = order.card;
    }

    #[event_handler("shop", "order_placed", sensitive_arguments = "ordr")]
    async fn audit(&self, order: Order) {
        let _ = order.card;
    }
}

fn main() {}
