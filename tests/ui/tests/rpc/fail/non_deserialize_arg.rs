use nameko::{rpc, service};

/// Has no `#[derive(Deserialize)]`.
pub struct Point {
    pub x: i64,
    pub y: i64,
}

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc]
    async fn norm(&self, point: Point) -> i64 {
        point.x.abs() + point.y.abs()
    }
}

fn main() {}
