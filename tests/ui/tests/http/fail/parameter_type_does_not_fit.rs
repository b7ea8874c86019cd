use nameko::{http, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET", "/get/<int:value>")]
    async fn get_method(&self, value: String) -> String {
        value
    }
}

fn main() {}
