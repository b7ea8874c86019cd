use nameko::http;
use nameko::web::Request;

pub struct ServiceX;

impl ServiceX {
    #[http("GET", "/get")]
    async fn get_method(&self, request: Request) -> String {
        request.path().to_owned()
    }
}

fn main() {}
