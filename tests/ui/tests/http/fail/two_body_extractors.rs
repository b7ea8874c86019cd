use nameko::web::{Form, Json};
use nameko::{http, service};

#[derive(serde::Deserialize)]
pub struct A {
    pub a: u32,
}

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("POST", "/both")]
    async fn both(&self, Json(a): Json<A>, Form(b): Form<A>) -> String {
        format!("{} {}", a.a, b.a)
    }
}

fn main() {}
