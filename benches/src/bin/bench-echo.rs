//! The framework's RPC echo service, a process of its own: `bench_echo.echo(value)`
//! returns `value`. Run as any nameko-rs service binary:
//! `bench-echo --broker amqp://guest:guest@127.0.0.1:5672/vhost --log-level warn`.

use nameko_benches::services::BenchEcho;

fn main() -> std::process::ExitCode {
    nameko_run::cli::run("bench-echo", |runner| {
        runner.add_service(BenchEcho)?;
        Ok(())
    })
}
