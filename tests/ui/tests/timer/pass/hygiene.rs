//! The expansion of `#[timer]` means the same whatever the user has in scope: local items
//! named like the paths it emits.
#![deny(warnings)]
#![allow(dead_code)]

use ::nameko::{service, timer};

struct Value;
struct RemoteError;
struct Result;
struct Box;
mod nameko_timer {}
mod nameko {}
mod std {}
mod core {}

pub struct Clock;

#[service(name = "clock")]
impl Clock {
    #[timer(interval = 1)]
    async fn timer(&self) {}

    #[timer(0.5)]
    async fn __nameko_service(&self) -> u8 {
        1
    }
}

fn main() {
    use ::nameko::Service;
    let service = ::std::sync::Arc::new(Clock);
    assert_eq!(Service::entrypoints(&service).len(), 2);
}
