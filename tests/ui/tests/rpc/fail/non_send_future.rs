use std::rc::Rc;

use nameko::{rpc, service};

pub struct ServiceX;

async fn pause() {}

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self, value: String) -> String {
        let shared = Rc::new(value);
        pause().await;
        shared.to_string()
    }
}

fn main() {}
