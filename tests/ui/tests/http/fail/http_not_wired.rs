use nameko_core::{http, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET", "/resource/<int:value>")]
    async fn get_resource(&self, value: u32) -> String {
        value.to_string()
    }
}

fn main() {}
