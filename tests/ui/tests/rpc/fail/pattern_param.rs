use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn distance(&self, (x, y): (f64, f64)) -> f64 {
        (x * x + y * y).sqrt()
    }
}

fn main() {}
