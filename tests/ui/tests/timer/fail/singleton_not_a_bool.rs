use nameko::{service, timer};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[timer(interval = 1, singleton = 3)]
    async fn ping(&self) {}

    #[timer(interval = 1, singleton = "true")]
    async fn pong(&self) {}
}

fn main() {}
