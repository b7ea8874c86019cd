//! `#[rpc_client]`: the typed client of a service written in Python, declared on a trait.
#![deny(warnings, missing_docs)]

use std::sync::Arc;

use nameko::{ClusterRpc, RpcClient, RpcError, Service, rpc, rpc_client, service};
use serde::{Deserialize, Serialize};

/// A value the Python service takes and returns.
#[derive(Debug, Serialize, Deserialize)]
pub struct Order {
    /// Its id.
    pub id: u64,
}

/// `service_y`, written in Python.
#[rpc_client(name = "service_y")]
pub trait ServiceY {
    /// Returns `"<value>-y"`.
    async fn append_identifier(&self, value: String) -> String;

    /// Borrowed arguments are fine: the client only sends them.
    async fn lookup(&self, key: &str, orders: &[Order]) -> Result<Option<Order>, RpcError>;

    /// Nothing back.
    async fn ping(&self);

    /// Python names that are Rust keywords.
    async fn r#match(&self, r#type: String) -> bool;
}

/// Another Python service, with a client named by `client = "..."`.
#[rpc_client(name = "legacy", client = "LegacyRpc")]
pub(crate) trait Legacy {
    async fn get(&self, id: u64) -> serde_json::Value;
}

/// A Rust service that calls the Python one.
pub struct ServiceX {
    y: ServiceYClient,
}

#[service(name = "service_x", dependencies(y))]
impl ServiceX {
    /// Calls `service_y`.
    #[rpc]
    async fn remote_method(&self, value: String) -> Result<String, RpcError> {
        self.y.append_identifier(format!("{value}-x")).await
    }
}

/// From outside any service.
pub async fn call(cluster: &ClusterRpc) -> Result<(), RpcError> {
    let y = cluster.client::<ServiceYClient>();
    let out: String = y.append_identifier("a".to_owned()).await?;
    let order: Option<Order> = y.lookup("k", &[Order { id: 1 }]).await?;
    let pending = y.lookup_async("k", &[]).await?;
    y.ping().await?;
    let matched: bool = y.r#match("a".to_owned()).await?;
    let legacy: serde_json::Value = cluster.client::<LegacyRpc>().get(1).await?;
    let _ = (out, order, pending.result().await?, matched, legacy);
    Ok(())
}

fn main() {
    let x = Arc::new(ServiceX {
        y: ServiceYClient::new(),
    });
    assert_eq!(x.dependency_names(), ["y"]);
    assert_eq!(<ServiceYClient as RpcClient>::SERVICE_NAME, "service_y");
    assert_eq!(<LegacyRpc as RpcClient>::SERVICE_NAME, "legacy");
    let _ = call;
}
