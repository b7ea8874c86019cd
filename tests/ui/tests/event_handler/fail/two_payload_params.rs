use nameko::{event_handler, service};

pub struct ServiceB;

#[service(name = "service_b")]
impl ServiceB {
    #[event_handler("service_a", "event_type")]
    async fn handle_event(&self, order_id: u64, quantity: u32) {
        let _ = (order_id, quantity);
    }
}

fn main() {}
