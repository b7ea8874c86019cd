use nameko::{rpc, service};

pub struct Accounts;

#[service(name = "accounts")]
impl Accounts {
    #[rpc]
    async fn new(&self, name: String) -> String {
        name
    }

    #[rpc]
    async fn get(&self) {}

    #[rpc]
    async fn get_async(&self) {}
}

fn main() {}
