use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: String) -> String {
        value
    }

    #[rpc]
    async fn remote_method(&self, value: u32) -> u32 {
        value
    }
}

fn main() {}
