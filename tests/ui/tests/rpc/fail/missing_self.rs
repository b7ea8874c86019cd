use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn remote_method(value: String) -> String {
        value
    }
}

fn main() {}
