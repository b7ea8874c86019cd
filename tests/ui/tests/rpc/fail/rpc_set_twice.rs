use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    #[rpc]
    async fn remote_method(&self, value: String) -> String {
        value
    }
}

fn main() {}
