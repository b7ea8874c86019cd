use nameko::{rpc, service};

pub struct ServiceY;

/// The user's own type, named like the generated client.
pub struct ServiceYClient;

#[service(name = "service_y")]
impl ServiceY {
    #[rpc]
    async fn a(&self) {}
}

fn main() {}
