use nameko::{http, service};

pub struct Settings;

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET", "/settings")]
    async fn settings(&self, _settings: Settings) -> String {
        String::new()
    }
}

fn main() {}
