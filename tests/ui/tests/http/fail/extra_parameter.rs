use nameko::{http, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("POST", "/post")]
    async fn do_post(&self, body: String) -> String {
        format!("received: {body}")
    }
}

fn main() {}
