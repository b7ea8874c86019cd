//! `crate = "..."`: the facade where another crate (here, a module) re-exports it.
#![deny(warnings)]

mod deps {
    pub use ::nameko as framework;
}

use deps::framework::{RpcClient, Service};

pub struct ServiceY;

#[deps::framework::service(name = "service_y", crate = "crate::deps::framework")]
impl ServiceY {
    #[deps::framework::rpc]
    async fn append_identifier(&self, value: String) -> String {
        format!("{value}-y")
    }

    #[deps::framework::timer(interval = 60)]
    async fn tick(&self) {}
}

#[deps::framework::rpc_client(name = "service_z", crate = "crate::deps::framework")]
pub trait ServiceZ {
    async fn ping(&self) -> bool;
}

fn main() {
    let service = std::sync::Arc::new(ServiceY);
    assert_eq!(service.entrypoints().len(), 2);
    assert_eq!(<ServiceYClient as RpcClient>::SERVICE_NAME, "service_y");
    assert_eq!(<ServiceZClient as RpcClient>::SERVICE_NAME, "service_z");
}
