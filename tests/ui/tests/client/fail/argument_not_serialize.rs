use nameko::{ClusterRpc, RpcError, rpc, service};
use serde::Deserialize;

/// Only `Deserialize`: the service takes it, the client cannot send it.
#[derive(Deserialize)]
pub struct Point {
    pub x: i64,
}

pub struct Geometry;

#[service(name = "geometry")]
impl Geometry {
    #[rpc]
    async fn norm(&self, point: Point) -> i64 {
        point.x.abs()
    }
}

pub async fn call(cluster: &ClusterRpc) -> Result<i64, RpcError> {
    cluster
        .client::<GeometryClient>()
        .norm(Point { x: 1 })
        .await
}

fn main() {}
