use nameko::rpc_client;

/// Not `Serialize`: a declared client cannot send it.
pub struct Point {
    pub x: i64,
}

#[rpc_client(name = "geometry")]
pub trait Geometry {
    async fn norm(&self, point: Point) -> i64;
}

fn main() {}
