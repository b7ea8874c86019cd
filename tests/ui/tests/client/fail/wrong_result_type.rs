use nameko::{RpcError, rpc, service};

pub struct ServiceY;

#[service(name = "service_y")]
impl ServiceY {
    #[rpc]
    async fn append_identifier(&self, value: String) -> String {
        format!("{value}-y")
    }
}

pub struct ServiceX {
    y: ServiceYClient,
}

#[service(name = "service_x", dependencies(y))]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: String) -> Result<u32, RpcError> {
        let n: u32 = self.y.append_identifier(value).await?;
        Ok(n)
    }
}

fn main() {}
