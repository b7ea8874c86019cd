use nameko::rpc_client;

#[rpc_client(name = "service_y")]
pub trait ServiceY {
    async fn name(&self) -> &'static str;

    async fn names(&self) -> Option<&'static [String]>;
}

fn main() {}
