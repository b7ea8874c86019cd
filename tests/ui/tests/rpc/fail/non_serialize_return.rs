use nameko::{rpc, service};

/// Has no `#[derive(Serialize)]`.
pub struct Point {
    pub x: i64,
    pub y: i64,
}

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn origin(&self) -> Result<Point, nameko::RemoteError> {
        Ok(Point { x: 0, y: 0 })
    }
}

fn main() {}
