use nameko::entrypoint::{IntoEntrypoint, Method};
use nameko::{Entrypoint, entrypoint, service};

/// A kind that is never started here: `into_entrypoint` is not reached.
pub struct Inbox(String);

pub fn inbox(name: &str) -> Inbox {
    Inbox(name.to_owned())
}

impl IntoEntrypoint for Inbox {
    fn into_entrypoint(self, _method: Method) -> Box<dyn Entrypoint> {
        unimplemented!("{}", self.0)
    }
}

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[entrypoint(inbox(42))]
    async fn handle(&self, order: u64) -> u64 {
        order
    }
}

fn main() {}
