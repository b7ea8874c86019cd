use nameko_core::http;
use nameko_web::Request;

pub struct ServiceX;

impl ServiceX {
    #[http("GET", "/get")]
    async fn get_method(&self, request: Request) -> String {
        request.path().to_owned()
    }
}

fn main() {}
