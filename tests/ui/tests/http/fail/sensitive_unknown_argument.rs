use nameko::web::Request;
use nameko::{http, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET", "/users/<int:id>", sensitive_arguments("token", "request"))]
    async fn user(&self, request: Request, id: u64) -> String {
        format!("{} {id}", request.path())
    }

    #[http("POST", "/login", sensitive_arguments("password"))]
    async fn login(&self, request: Request) -> String {
        request.text_lossy().into_owned()
    }
}

fn main() {}
