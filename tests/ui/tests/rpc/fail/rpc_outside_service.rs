use nameko::rpc;

pub struct ServiceX;

impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: String) -> String {
        value
    }
}

fn main() {}
