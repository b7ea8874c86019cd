use nameko::rpc_client;

#[rpc_client]
pub trait ServiceY {
    async fn ping(&self);
}

#[rpc_client(name = "service_z", timeout = 5)]
pub trait ServiceZ {
    async fn ping(&self);
}

fn main() {}
