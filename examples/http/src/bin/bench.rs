//! Serves a hello-world handler, through nameko-web or through bare axum, so that both can
//! be measured the same way (`wrk -t2 -c20 -d5s http://127.0.0.1:8081/hello`):
//!
//! ```text
//! cargo run --release -p example-http --bin example-http-bench -- --server nameko --address 127.0.0.1:8081
//! cargo run --release -p example-http --bin example-http-bench -- --server axum --address 127.0.0.1:8082
//! ```
//!
//! Both answer `GET /hello` with `200`, `text/plain; charset=utf-8`, `hello world`. The
//! nameko one runs each request as a worker (`max_workers`, default 10) of a service.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use nameko::web::{Http, into_http_result};
use nameko::{Config, Entrypoint, Service, ServiceRunner};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Server {
    /// A nameko-rs service with one `#[http("GET", "/hello")]` entrypoint.
    Nameko,
    /// A bare axum router with the same route.
    Axum,
}

/// Serves `GET /hello` until Ctrl-C.
#[derive(Debug, Parser)]
struct Args {
    /// Which server.
    #[arg(long, value_enum)]
    server: Server,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    address: String,
    /// max_workers of the nameko service.
    #[arg(long, default_value_t = 10)]
    max_workers: usize,
}

struct Hello;

impl Service for Hello {
    fn name(&self) -> &str {
        "hello"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![Box::new(Http::new(
            "hello",
            "GET",
            "/hello",
            |_request, _params| Box::pin(async { into_http_result("hello world") }),
        ))]
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    match args.server {
        Server::Nameko => {
            let config = Config::new()
                .with("WEB_SERVER_ADDRESS", args.address.clone())
                .with("max_workers", args.max_workers);
            let mut runner = ServiceRunner::new(config);
            runner.add_service(Hello)?;
            runner.start().await?;
            eprintln!("nameko-web serving http://{}/hello", args.address);
            let _ = tokio::signal::ctrl_c().await;
            runner.stop().await;
        }
        Server::Axum => {
            let app =
                axum::Router::new().route("/hello", axum::routing::get(|| async { "hello world" }));
            let listener = tokio::net::TcpListener::bind(&args.address).await?;
            eprintln!("axum serving http://{}/hello", args.address);
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("example-http-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("example-http-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
