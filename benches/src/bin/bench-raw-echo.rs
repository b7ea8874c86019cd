//! The raw-lapin RPC echo server: Nameko's RPC protocol written by hand (see
//! `nameko_benches::raw`), on a multi-threaded tokio runtime like a nameko-rs service's:
//! `bench-raw-echo amqp://guest:guest@127.0.0.1:5672/vhost`. With a count,
//! `bench-raw-echo URI N` serves `bench_echo_0` to `bench_echo_<N-1>` on the one
//! connection (the baseline of `bench-echo-many`). Runs until killed.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(uri) = std::env::args().nth(1) else {
        eprintln!("usage: bench-raw-echo AMQP_URI [SERVICES]");
        return ExitCode::FAILURE;
    };
    let services: Vec<String> = match std::env::args().nth(2).map(|n| n.parse::<usize>()) {
        None => vec![nameko_benches::ECHO_SERVICE.to_owned()],
        Some(Ok(n)) => (0..n).map(nameko_benches::echo_service_name).collect(),
        Some(Err(e)) => {
            eprintln!("bench-raw-echo: error: SERVICES: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench-raw-echo: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = rt.block_on(async {
        let conn = nameko_benches::raw::connect(&uri).await?;
        tokio::select! {
            r = nameko_benches::raw::serve_echo_services(&conn, &services, 10) => r,
            _ = nameko_run::cli::shutdown_signal() => Ok(()),
        }
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-raw-echo: error: {e}");
            ExitCode::FAILURE
        }
    }
}
