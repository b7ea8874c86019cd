use nameko::rpc_client;

#[rpc_client(name = "service_y")]
pub trait ServiceY {
    async fn append_identifier(value: String) -> String;

    async fn reset(&mut self);
}

fn main() {}
