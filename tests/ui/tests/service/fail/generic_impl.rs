use nameko::{rpc, service};

pub struct ServiceX<T>(T);

#[service(name = "service_x")]
impl<T: Send + Sync + 'static> ServiceX<T> {
    #[rpc]
    async fn remote_method(&self, value: String) -> String {
        value
    }
}

fn main() {}
