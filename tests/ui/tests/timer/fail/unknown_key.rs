use nameko::{service, timer};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[timer(interval = 1, every = 2)]
    async fn ping(&self) {}
}

fn main() {}
