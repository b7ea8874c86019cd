use nameko::rpc_client;

#[rpc_client(name = "service_y")]
pub trait ServiceY {
    fn append_identifier(&self, value: String) -> String;
}

fn main() {}
