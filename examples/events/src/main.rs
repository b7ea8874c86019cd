//! Runs the seed's `service_a`, `service_b` and `listener` until SIGINT or SIGTERM:
//! `cargo run -p example-events -- --config config.yaml`.

use example_events::{ListenerService, ServiceA, ServiceB};

fn main() -> std::process::ExitCode {
    nameko::cli::run("example-events", |runner| {
        runner.add_service(ServiceA::default())?;
        runner.add_service(ServiceB)?;
        runner.add_service(ListenerService)?;
        Ok(())
    })
}
