use nameko::{http, service};

#[derive(Debug)]
pub struct Oops;

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET", "/oops")]
    async fn oops(&self) -> Result<String, Oops> {
        Err(Oops)
    }
}

fn main() {}
