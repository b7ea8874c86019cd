//! The service of the soak test (`tests/soak.rs`): `soak.echo` answers RPC calls, and a
//! reliable `service_pool` handler of `soak_source.tick` events appends each event's `n`
//! to the file named by `SOAK_EVENTS_FILE`, so that what every instance handled survives
//! the instance being killed.

use std::io::Write;
use std::time::Duration;

use nameko_core::{event_handler, rpc, service};
use serde_json::Value;

struct Soak {
    events: Option<std::path::PathBuf>,
}

#[service(name = "soak")]
impl Soak {
    #[rpc]
    async fn echo(&self, value: Value) -> Value {
        tokio::time::sleep(Duration::from_millis(5)).await;
        value
    }

    #[event_handler("soak_source", "tick")]
    async fn tick(&self, payload: Value) -> Result<(), std::io::Error> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        if let (Some(path), Some(n)) = (&self.events, payload["n"].as_u64()) {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            // One write per line: appends of a few bytes are not interleaved.
            file.write_all(format!("{n}\n").as_bytes())?;
        }
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    nameko_run::cli::run("nameko-soak-service", |runner| {
        runner.add_service(Soak {
            events: std::env::var_os("SOAK_EVENTS_FILE").map(Into::into),
        })?;
        Ok(())
    })
}
