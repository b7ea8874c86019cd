use nameko::{event_handler, service};

/// Has no `#[derive(Deserialize)]`.
pub struct Order {
    pub id: u64,
}

pub struct ServiceB;

#[service(name = "service_b")]
impl ServiceB {
    #[event_handler("shop", "order_placed")]
    async fn handle_order(&self, order: Order) {
        let _ = order.id;
    }
}

fn main() {}
