//! A service binary with an HTTP entrypoint, built with `nameko_run::cli::run`, for the
//! runner tests (a taken `WEB_SERVER_ADDRESS`).

use std::sync::Arc;

use nameko_core::{Entrypoint, Service};
use nameko_web::{Http, IntoHttpResponse, PathParams, Request};

struct Hello;

impl Service for Hello {
    fn name(&self) -> &str {
        "hello_web"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![Box::new(Http::new(
            "hello",
            "GET",
            "/hello",
            |_request: Request, _params: PathParams| {
                Box::pin(async { "hello".into_http_response() }) as _
            },
        ))]
    }
}

fn main() -> std::process::ExitCode {
    nameko_run::cli::run("nameko-test-web-service", |runner| {
        runner.add_service(Hello)?;
        Ok(())
    })
}
