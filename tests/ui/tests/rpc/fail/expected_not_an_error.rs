use nameko::{rpc, service};

/// Displayable, but not a `std::error::Error`.
#[derive(Debug)]
pub struct NotFound;

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not found")
    }
}

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc(expected_exceptions(std::io::Error, NotFound, String))]
    async fn remote_method(&self) -> Result<String, NotFound> {
        Err(NotFound)
    }
}

fn main() {}
