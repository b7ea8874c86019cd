//! Singleton timers: the flag alone, `= true`, `= false`, with the other keys; the
//! dispatch table describes which ones are singletons.
#![deny(warnings)]

use nameko::{service, timer};

pub struct Sweeper;

#[service(name = "sweeper")]
impl Sweeper {
    #[timer(interval = 0.2, singleton)]
    async fn sweep(&self) {}

    #[timer(1, singleton = true, eager = true, expected_exceptions(std::io::Error))]
    async fn report(&self) -> Result<(), std::io::Error> {
        Ok(())
    }

    #[timer(interval = 1, singleton = false)]
    async fn everywhere(&self) {}
}

fn main() {
    use nameko::Service;
    use std::sync::Arc;

    let service = Arc::new(Sweeper);
    let singletons: Vec<(String, bool)> = service
        .entrypoints()
        .iter()
        .map(|e| {
            let d = e.describe();
            (e.method_name().to_owned(), d["singleton"] == true)
        })
        .collect();
    assert_eq!(
        singletons,
        [
            ("sweep".to_owned(), true),
            ("report".to_owned(), true),
            ("everywhere".to_owned(), false)
        ]
    );
}
