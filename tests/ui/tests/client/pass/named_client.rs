//! `client = "..."` names the client; `client = false` leaves it out, so a type of that
//! name can be the user's own.
#![deny(warnings)]

use nameko::{RpcClient, rpc, service};

pub struct ServiceY;

#[service(name = "service_y", client = "YRpc")]
impl ServiceY {
    #[rpc]
    async fn a(&self) -> u8 {
        1
    }
}

pub struct ServiceZ;

#[service(name = "service_z", client = false)]
impl ServiceZ {
    #[rpc]
    async fn a(&self) -> u8 {
        1
    }
}

/// The user's own type, named like the client `#[service]` would have generated.
pub struct ServiceZClient;

/// No `#[rpc]` method: no client either.
pub struct Ticker;

#[service(name = "ticker")]
impl Ticker {
    #[nameko::timer(interval = 1)]
    async fn tick(&self) {}
}

pub struct TickerClient;

fn main() {
    assert_eq!(<YRpc as RpcClient>::SERVICE_NAME, "service_y");
    let _ = (ServiceZClient, TickerClient);
}
