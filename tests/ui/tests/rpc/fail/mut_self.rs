use nameko::{rpc, service};

pub struct ServiceX {
    calls: u32,
}

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn remote_method(&mut self, value: String) -> String {
        self.calls += 1;
        value
    }
}

fn main() {}
