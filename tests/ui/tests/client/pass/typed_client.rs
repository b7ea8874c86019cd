//! The typed client `#[service]` generates: one method per `#[rpc]` method with its
//! parameters and result, an `_async` form of each, usable as a dependency and through a
//! `ClusterRpc`.
#![deny(warnings, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use nameko::{ClusterRpc, RemoteError, RpcClient, RpcError, Service, TypedReply, rpc, service};
use serde::{Deserialize, Serialize};

/// Only `Deserialize`, as a service needs of its parameters.
#[derive(Debug, Deserialize)]
pub struct Point {
    /// x.
    pub x: i64,
}

/// Only `Serialize`, as a service needs of its results.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The count.
    pub count: usize,
}

/// Both, so the client can send and decode it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Pair {
    /// a.
    pub a: u8,
    /// b.
    pub b: u8,
}

/// The service called.
pub struct ServiceY;

#[service(name = "service_y")]
impl ServiceY {
    /// Appends `-y`.
    #[rpc]
    async fn append_identifier(&self, value: String) -> String {
        format!("{value}-y")
    }

    #[rpc]
    async fn swap(&self, pair: Pair, times: Option<u32>) -> Result<Pair, RemoteError> {
        let _ = times;
        Ok(Pair {
            a: pair.b,
            b: pair.a,
        })
    }

    #[rpc]
    async fn ping(&self) {}

    #[rpc]
    async fn io(&self) -> std::io::Result<Vec<u8>> {
        Ok(Vec::new())
    }

    /// A parameter only `Deserialize`: the client's method is there, and cannot be
    /// called.
    #[rpc]
    async fn norm(&self, point: Point) -> i64 {
        point.x.abs()
    }

    /// A result only `Serialize`: only the `_async` form can be called, with `value()`.
    #[rpc]
    async fn summary(&self, count: usize) -> Summary {
        Summary { count }
    }

    /// A borrowed result: the client decodes its owned form.
    #[rpc]
    async fn version(&self) -> &'static str {
        "1.0"
    }

    #[rpc]
    async fn r#type(&self, r#type: String) -> String {
        r#type
    }

    /// Not an entrypoint: not in the client.
    fn helper(&self) {}
}

/// The caller, with the client as a dependency.
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

    /// Several calls in flight.
    #[rpc]
    async fn both(&self) -> Result<(Pair, String), RpcError> {
        let swapped: TypedReply<Pair> = self.y.swap_async(Pair { a: 1, b: 2 }, None).await?;
        let appended = self.y.append_identifier_async("a".to_owned()).await?;
        Ok((swapped.result().await?, appended.result().await?))
    }
}

/// From outside any service.
pub async fn from_a_cluster(cluster: &ClusterRpc) -> Result<(), RpcError> {
    let y = cluster.client::<ServiceYClient>();
    let out: String = y.append_identifier("hellø".to_owned()).await?;
    let pair: Pair = y.swap(Pair { a: 1, b: 2 }, Some(3)).await?;
    y.ping().await?;
    let bytes: Vec<u8> = y.io().await?;
    let json: serde_json::Value = y.summary_async(3).await?.value().await?;
    let version: String = y.version().await?;
    let kind: String = y.r#type("a".to_owned()).await?;
    let _ = (out, pair, bytes, json, version, kind);
    Ok(())
}

fn main() {
    ServiceY.helper();
    let x = Arc::new(ServiceX {
        y: ServiceYClient::new().with_timeout(Duration::from_secs(5)),
    });
    assert_eq!(x.dependency_names(), ["y"]);
    assert_eq!(x.dependencies().len(), 1);
    assert_eq!(
        format!("{:?}", ServiceYClient::default()),
        "ServiceYClient { service: \"service_y\" }"
    );
    assert_eq!(<ServiceYClient as RpcClient>::SERVICE_NAME, "service_y");
    assert_eq!(<ServiceXClient as RpcClient>::SERVICE_NAME, "service_x");
    let _ = ServiceYClient::new().without_timeout();
    let _ = from_a_cluster;
}
