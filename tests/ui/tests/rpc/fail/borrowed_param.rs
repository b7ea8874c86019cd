use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: &str) -> String {
        value.to_owned()
    }
}

fn main() {}
