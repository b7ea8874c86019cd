use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc(expected_exceptions("ValueError", 404))]
    async fn a(&self) {}

    #[rpc(expected_exceptions(errors::Wrapper<u8>))]
    async fn b(&self) {}
}

fn main() {}
