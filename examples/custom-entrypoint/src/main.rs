//! Runs the `orders` service until SIGINT or SIGTERM:
//! `cargo run -p example-custom-entrypoint -- --config examples/custom-entrypoint/config.yaml`.

fn main() -> std::process::ExitCode {
    nameko::cli::run("example-custom-entrypoint", |runner| {
        runner.add_service(example_custom_entrypoint::Orders::default())?;
        Ok(())
    })
}
