//! Runs the seed's timer `service` until SIGINT or SIGTERM:
//! `cargo run -p example-timer -- --config config.yaml`.

fn main() -> std::process::ExitCode {
    nameko::cli::run("example-timer", |runner| {
        runner.add_service(example_timer::Service)?;
        Ok(())
    })
}
