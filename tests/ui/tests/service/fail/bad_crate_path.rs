use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x", crate = "not a path")]
impl ServiceX {
    #[rpc]
    async fn a(&self) {}
}

pub struct ServiceY;

#[service(name = "service_y", crate = nameko)]
impl ServiceY {
    #[rpc]
    async fn a(&self) {}
}

fn main() {}
