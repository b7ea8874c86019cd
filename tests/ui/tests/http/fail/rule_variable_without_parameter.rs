use nameko::web::Request;
use nameko::{http, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET", "/get/<int:value>")]
    async fn get_method(&self, request: Request) -> String {
        request.path().to_owned()
    }
}

fn main() {}
