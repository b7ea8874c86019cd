//! The framework's HTTP hello world, a process of its own: `GET /hello` answers
//! `hello world`. Run as any nameko-rs service binary, with `WEB_SERVER_ADDRESS` in the
//! config: `bench-http --config config.yaml --log-level warn`.

use nameko_benches::services::BenchHello;

fn main() -> std::process::ExitCode {
    nameko_run::cli::run("bench-http", |runner| {
        runner.add_service(BenchHello)?;
        Ok(())
    })
}
