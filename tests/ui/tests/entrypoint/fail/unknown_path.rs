use nameko::{entrypoint, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[entrypoint(no_such::kind())]
    async fn handle(&self, order: u64) -> u64 {
        order
    }
}

fn main() {}
