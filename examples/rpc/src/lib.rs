//! The seed's RPC example: `service_y` appends `-y`; `service_x` appends `-x` and calls
//! `service_y` over RPC, so `remote_method("hellø")` gives `"hellø-x-y"`.
//!
//! Run the services with `cargo run -p example-rpc -- --config config.yaml`, then call them
//! with `cargo run -p example-rpc --bin example-rpc-client -- --config config.yaml`.

use nameko::{RpcError, RpcProxy, rpc, service};

/// Appends its identifier to the value it is given.
#[derive(Debug, Default)]
pub struct ServiceY;

#[service(name = "service_y")]
impl ServiceY {
    /// Returns `"<value>-y"`.
    #[rpc]
    pub async fn append_identifier(&self, value: String) -> String {
        format!("{value}-y")
    }
}

/// Appends its identifier, then asks `service_y` to append its own.
#[derive(Debug)]
pub struct ServiceX {
    y: RpcProxy,
}

impl Default for ServiceX {
    fn default() -> Self {
        ServiceX {
            y: RpcProxy::new("service_y"),
        }
    }
}

#[service(name = "service_x", dependencies(y))]
impl ServiceX {
    /// Returns `"<value>-x-y"`.
    #[rpc]
    pub async fn remote_method(&self, value: String) -> Result<String, RpcError> {
        let res = format!("{value}-x");
        self.y.call("append_identifier", (res,)).await
    }
}
