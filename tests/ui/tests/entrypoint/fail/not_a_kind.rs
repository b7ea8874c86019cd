use nameko::{entrypoint, service};

/// Not an entrypoint kind: it does not implement `IntoEntrypoint`.
pub struct Queue(&'static str);

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[entrypoint(Queue("orders"))]
    async fn handle(&self, order: u64) -> u64 {
        order
    }
}

fn main() {}
