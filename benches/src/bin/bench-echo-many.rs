//! Many echo services in one runner, a process of its own: `bench_echo_0` to
//! `bench_echo_<N-1>`, each with `echo(value)` returning `value` (`NamedEcho`, written
//! against nameko-core's traits since `#[service]` names are constants). Run as any
//! nameko-rs service binary, with `--services N` (default 1):
//! `bench-echo-many --services 100 --broker amqp://... --log-level warn`.

use nameko_benches::echo_service_name;
use nameko_benches::services::NamedEcho;
use nameko_run::cli::RunArgs;

/// The options of a service binary, and `--services`.
#[derive(Debug, clap::Parser)]
struct Args {
    /// How many echo services the runner hosts.
    #[arg(long, default_value_t = 1)]
    services: usize,
    #[command(flatten)]
    run: RunArgs,
}

fn main() -> std::process::ExitCode {
    let Args { services, run } = clap::Parser::parse();
    nameko_run::cli::run_with_args("bench-echo-many", run, move |runner| {
        for i in 0..services {
            runner.add_service(NamedEcho::new(echo_service_name(i)))?;
        }
        Ok(())
    })
}
