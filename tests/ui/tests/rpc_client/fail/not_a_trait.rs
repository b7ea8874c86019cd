use nameko::rpc_client;

#[rpc_client(name = "service_y")]
pub struct ServiceY;

fn main() {}
