use nameko::{service, timer};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[timer(eager = true)]
    async fn ping(&self) {}
}

fn main() {}
