//! The seed's timer example: `service` prints `pong` every second, on every running
//! instance. Run with `cargo run -p example-timer -- --config config.yaml`.

use nameko::{service, timer};

/// Prints `pong` every second.
#[derive(Debug, Default)]
pub struct Service;

#[service(name = "service")]
impl Service {
    /// Runs every second.
    #[timer(interval = 1)]
    pub async fn ping(&self) {
        println!("pong");
    }
}
