use nameko::{service, timer};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[timer(interval = 1)]
    async fn ping(&self, count: u32) {
        let _ = count;
    }
}

fn main() {}
