use nameko::timer;

pub struct ServiceX;

impl ServiceX {
    #[timer(interval = 1)]
    async fn ping(&self) {}
}

fn main() {}
