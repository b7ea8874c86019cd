use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x", name = "service_y")]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: String) -> String {
        value
    }
}

fn main() {}
