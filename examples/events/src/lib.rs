//! The seed's events example: `service_a` dispatches `event_type` from an RPC method,
//! `service_b` handles it, and `listener` answers the `ping` events `monitor` broadcasts.
//!
//! Run with `cargo run -p example-events -- --config config.yaml`, then
//! `cargo run -p example-events --bin example-events-client -- --config config.yaml`.

use nameko::{DispatchError, EventDispatcher, event_handler, rpc, service};
use serde_json::Value;

/// Event dispatching service.
#[derive(Debug, Default)]
pub struct ServiceA {
    dispatch: EventDispatcher,
}

#[service(name = "service_a", dependencies(dispatch))]
impl ServiceA {
    /// Dispatches `payload` as an `event_type` event.
    #[rpc]
    pub async fn dispatching_method(&self, payload: Value) -> Result<(), DispatchError> {
        self.dispatch.dispatch("event_type", &payload).await
    }
}

/// Event listening service.
#[derive(Debug, Default)]
pub struct ServiceB;

#[service(name = "service_b")]
impl ServiceB {
    /// Prints the payload of every `event_type` event from `service_a`.
    #[event_handler("service_a", "event_type")]
    pub async fn handle_event(&self, payload: Value) {
        println!("service b received: {payload}");
    }
}

/// Answers every `ping` that `monitor` broadcasts; every running instance answers.
#[derive(Debug, Default)]
pub struct ListenerService;

#[service(name = "listener")]
impl ListenerService {
    /// Prints "pong from listener".
    #[event_handler(
        "monitor",
        "ping",
        handler_type = "broadcast",
        reliable_delivery = false
    )]
    pub async fn ping(&self, _payload: Value) {
        println!("pong from listener");
    }
}
