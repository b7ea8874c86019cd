//! Runs the seed's `service_x` and `service_y` until SIGINT or SIGTERM:
//! `cargo run -p example-rpc -- --config config.yaml`.

use example_rpc::{ServiceX, ServiceY};

fn main() -> std::process::ExitCode {
    nameko::cli::run("example-rpc", |runner| {
        runner.add_service(ServiceY)?;
        runner.add_service(ServiceX::default())?;
        Ok(())
    })
}
