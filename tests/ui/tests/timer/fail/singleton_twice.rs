use nameko::{service, timer};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[timer(interval = 1, singleton, singleton = true)]
    async fn ping(&self) {}
}

fn main() {}
