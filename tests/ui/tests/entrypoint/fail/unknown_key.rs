use nameko::entrypoint::{IntoEntrypoint, Method};
use nameko::{Entrypoint, entrypoint, service};

pub struct Kind;

pub fn kind() -> Kind {
    Kind
}

impl IntoEntrypoint for Kind {
    fn into_entrypoint(self, _method: Method) -> Box<dyn Entrypoint> {
        unimplemented!()
    }
}

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[entrypoint(kind(), queue = "q")]
    async fn handle(&self, order: u64) -> u64 {
        order
    }
}

fn main() {}
