use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn remote_method<T: serde::de::DeserializeOwned>(&self, value: T) -> bool {
        let _ = value;
        true
    }
}

fn main() {}
