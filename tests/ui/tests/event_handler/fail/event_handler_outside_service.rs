use nameko::event_handler;

pub struct ServiceX;

impl ServiceX {
    #[event_handler("service_a", "event_type")]
    async fn handle_event(&self, payload: String) {
        let _ = payload;
    }
}

fn main() {}
