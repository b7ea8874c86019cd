use nameko::{http, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET", "/get/<integer:value>")]
    async fn get_method(&self, value: i64) -> String {
        value.to_string()
    }
}

fn main() {}
