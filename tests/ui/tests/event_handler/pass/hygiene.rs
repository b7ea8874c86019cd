//! The expansion of `#[event_handler]` means the same whatever the user has in scope: local
//! items named like the paths it emits, and a payload named like its helpers.
#![deny(warnings)]
#![allow(dead_code)]

use ::nameko::{event_handler, service};

struct Value;
struct RemoteError;
struct HandlerType;
struct Result;
mod serde_json {}
mod nameko_amqp {}
mod nameko {}
mod std {}
#[allow(unused_macros)]
macro_rules! format {
    () => {};
}

pub struct Listener;

#[service(name = "listener")]
impl Listener {
    #[event_handler("service_a", "event_type", handler_type = "singleton")]
    async fn handle(&self, __nameko_payload: ::serde_json::Value) -> ::serde_json::Value {
        __nameko_payload
    }

    #[event_handler("service_a", "event_type")]
    async fn other(&self, __nameko_error: u8) -> u8 {
        __nameko_error
    }
}

fn main() {
    use ::nameko::Service;
    let service = ::std::sync::Arc::new(Listener);
    assert_eq!(Service::entrypoints(&service).len(), 2);
}
