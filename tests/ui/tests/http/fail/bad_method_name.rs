use nameko::web::Request;
use nameko::{http, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET,FETCH", "/multi")]
    async fn do_multi(&self, request: Request) -> String {
        request.method().to_string()
    }
}

fn main() {}
