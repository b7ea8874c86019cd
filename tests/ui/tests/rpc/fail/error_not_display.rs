use nameko::{rpc, service};

/// Neither `Display` nor `Into<RemoteError>`.
#[derive(Debug)]
pub struct Oops;

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn remote_method(&self) -> Result<String, Oops> {
        Err(Oops)
    }
}

fn main() {}
