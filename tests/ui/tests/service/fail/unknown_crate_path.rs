use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x", crate = "::no_such_crate")]
impl ServiceX {
    #[rpc]
    async fn a(&self) {}
}

fn main() {}
