use nameko::{event_handler, service};
use serde_json::Value;

pub struct ServiceB;

#[service(name = "service_b")]
impl ServiceB {
    #[event_handler("service_a", "event_type", retry(delay = "1s"))]
    async fn no_max(&self, payload: Value) {
        let _ = payload;
    }

    #[event_handler("service_a", "event_type", retry(max = 3, delay = "soon", backoff = 0.5))]
    async fn bad_values(&self, payload: Value) {
        let _ = payload;
    }

    #[event_handler("service_a", "event_type", retry(max = 3, jitter = true), on_malformed = "drop")]
    async fn unknown_setting(&self, payload: Value) {
        let _ = payload;
    }

    #[event_handler("service_a", "event_type", retry = 3)]
    async fn retry_as_a_key(&self, payload: Value) {
        let _ = payload;
    }
}

fn main() {}
