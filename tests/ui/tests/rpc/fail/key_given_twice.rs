use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc(
        expected_exceptions(std::io::Error),
        sensitive_arguments("password"),
        expected_exceptions = std::fmt::Error,
        sensitive_arguments = "password"
    )]
    async fn a(&self, password: String) {
        let _ = password;
    }
}

fn main() {}
