use nameko::{rpc, service};

pub struct ServiceX;

#[service(name = "service_x")]
impl ServiceX {
    #[rpc(sensitive_arguments(password, card.number, 1))]
    async fn a(&self, password: String, card: String) {
        let _ = (password, card);
    }

    #[rpc(sensitive_arguments("", "[0]", "card..number"))]
    async fn b(&self, card: String) {
        let _ = card;
    }
}

fn main() {}
