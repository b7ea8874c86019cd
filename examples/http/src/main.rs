//! Runs the seed's `http_service` and `advanced_http_service` on one HTTP server until
//! SIGINT or SIGTERM: `cargo run -p example-http -- --config examples/http/config.yaml`,
//! then `curl -i localhost:8000/get/42`; `--describe --openapi` prints the OpenAPI 3.1
//! document of the routes.

use example_http::{AdvancedHttpService, HttpService, WidgetService};

fn main() -> std::process::ExitCode {
    nameko::cli::run("example-http", |runner| {
        runner.add_service(HttpService)?;
        runner.add_service(AdvancedHttpService)?;
        runner.add_service(WidgetService::default())?;
        Ok(())
    })
}
