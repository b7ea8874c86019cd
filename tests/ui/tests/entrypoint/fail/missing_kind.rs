use nameko::{entrypoint, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[entrypoint]
    async fn handle(&self, order: u64) -> u64 {
        order
    }

    #[entrypoint(expected_exceptions(std::io::Error))]
    async fn other(&self, order: u64) -> u64 {
        order
    }
}

fn main() {}
