//! The bare-axum hello world: `GET /hello` answers `hello world`
//! (`text/plain; charset=utf-8`), on a multi-threaded tokio runtime like a nameko-rs
//! service's: `bench-axum 127.0.0.1:8082`. Stops on SIGINT or SIGTERM.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(address) = std::env::args().nth(1) else {
        eprintln!("usage: bench-axum HOST:PORT");
        return ExitCode::FAILURE;
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench-axum: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served: Result<(), std::io::Error> = rt.block_on(async {
        let app =
            axum::Router::new().route("/hello", axum::routing::get(|| async { "hello world" }));
        let listener = tokio::net::TcpListener::bind(&address).await?;
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = nameko_run::cli::shutdown_signal().await;
            })
            .await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-axum: error: {e}");
            ExitCode::FAILURE
        }
    }
}
