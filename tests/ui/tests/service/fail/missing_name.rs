use nameko::{rpc, service};

pub struct ServiceX;

#[service]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: String) -> String {
        value
    }
}

fn main() {}
