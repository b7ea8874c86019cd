use nameko::{rpc, service};

pub struct ServiceX {
    pub config: String,
}

#[service(name = "service_x", dependencies(config))]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: String) -> String {
        value
    }
}

fn main() {}
