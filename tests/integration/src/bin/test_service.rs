//! A service binary built with `nameko_run::cli::run`, for the runner tests: hosts the
//! `echo` test service.

use nameko_integration_tests::Echo;

fn main() -> std::process::ExitCode {
    nameko_run::cli::run("nameko-test-service", |runner| {
        runner.add_service(Echo::new("binary"))?;
        Ok(())
    })
}
