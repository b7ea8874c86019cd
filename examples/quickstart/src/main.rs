//! Every service of the seed in one process, on one config file:
//! `cargo run -p example-quickstart -- --config examples/quickstart/config.yaml`.

use example_events::{ListenerService, ServiceA, ServiceB};
use example_http::{AdvancedHttpService, HttpService};
use example_rpc::{ServiceX, ServiceY};

fn main() -> std::process::ExitCode {
    nameko::cli::run("example-quickstart", |runner| {
        // RPC
        runner.add_service(ServiceY)?;
        runner.add_service(ServiceX::default())?;
        // Events
        runner.add_service(ServiceA::default())?;
        runner.add_service(ServiceB)?;
        runner.add_service(ListenerService)?;
        // HTTP, on WEB_SERVER_ADDRESS
        runner.add_service(HttpService)?;
        runner.add_service(AdvancedHttpService)?;
        // Timer
        runner.add_service(example_timer::Service)?;
        Ok(())
    })
}
