use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc(sensitive_arguments("username", "pasword"))]
    async fn login(&self, username: String, password: String) -> bool {
        username == password
    }

    #[rpc(sensitive_arguments = "token.value")]
    async fn ping(&self) {}
}

fn main() {}
