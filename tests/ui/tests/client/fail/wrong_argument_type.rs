use nameko::{ClusterRpc, RpcError, rpc, service};

pub struct ServiceY;

#[service(name = "service_y")]
impl ServiceY {
    #[rpc]
    async fn append_identifier(&self, value: String) -> String {
        format!("{value}-y")
    }
}

pub async fn call(cluster: &ClusterRpc) -> Result<String, RpcError> {
    cluster
        .client::<ServiceYClient>()
        .append_identifier(42)
        .await
}

fn main() {}
