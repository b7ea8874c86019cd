use nameko::{http, service};

pub struct Widget {
    pub id: u64,
}

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[http("GET", "/widget/<int:id>")]
    async fn widget(&self, id: u64) -> Widget {
        Widget { id }
    }
}

fn main() {}
