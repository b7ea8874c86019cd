use nameko::rpc_client;

#[rpc_client(name = "service_y")]
pub trait ServiceY {
    async fn point(&self, (x, y): (i64, i64)) -> i64;

    async fn any(&self, value: impl serde::Serialize);

    async fn generic<T: serde::Serialize>(&self, value: T);
}

fn main() {}
