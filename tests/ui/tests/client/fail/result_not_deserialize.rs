use nameko::{ClusterRpc, RpcError, rpc, service};
use serde::Serialize;

/// Only `Serialize`: the service returns it, the client cannot decode it.
#[derive(Serialize)]
pub struct Summary {
    pub count: usize,
}

pub struct ServiceY;

#[service(name = "service_y")]
impl ServiceY {
    #[rpc]
    async fn summary(&self) -> Summary {
        Summary { count: 1 }
    }
}

pub async fn call(cluster: &ClusterRpc) -> Result<Summary, RpcError> {
    cluster.client::<ServiceYClient>().summary().await
}

fn main() {}
