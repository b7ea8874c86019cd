use nameko::{rpc, service};

pub struct ServiceX;

pub trait Remote {
    fn remote_method(&self, value: String) -> String;
}

#[service(name = "service_x")]
impl Remote for ServiceX {
    #[rpc]
    fn remote_method(&self, value: String) -> String {
        value
    }
}

fn main() {}
