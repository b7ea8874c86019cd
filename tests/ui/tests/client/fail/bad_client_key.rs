use nameko::{rpc, service};

pub struct ServiceY;

#[service(name = "service_y", client = "Service Y")]
impl ServiceY {
    #[rpc]
    async fn a(&self) {}
}

pub struct ServiceZ;

#[service(name = "service_z", client = ServiceZRpc)]
impl ServiceZ {
    #[rpc]
    async fn a(&self) {}
}

fn main() {}
