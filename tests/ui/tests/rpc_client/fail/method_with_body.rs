use nameko::rpc_client;

#[rpc_client(name = "service_y")]
pub trait ServiceY {
    async fn append_identifier(&self, value: String) -> String {
        format!("{value}-y")
    }

    const VERSION: u8;
}

fn main() {}
