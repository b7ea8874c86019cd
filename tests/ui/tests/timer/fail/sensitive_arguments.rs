use nameko::{service, timer};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[timer(
        interval = 1,
        expected_exceptions(std::io::Error),
        sensitive_arguments("token")
    )]
    async fn ping(&self) {}
}

fn main() {}
