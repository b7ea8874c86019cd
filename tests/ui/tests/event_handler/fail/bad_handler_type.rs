use nameko::{event_handler, service};
use serde_json::Value;

pub struct ServiceB;

#[service(name = "service_b")]
impl ServiceB {
    #[event_handler("service_a", "event_type", handler_type = "fanout")]
    async fn handle_event(&self, payload: Value) {
        let _ = payload;
    }
}

fn main() {}
