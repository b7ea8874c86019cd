//! The raw-lapin RPC echo server: Nameko's RPC protocol written by hand (see
//! `nameko_benches::raw`), on a multi-threaded tokio runtime like a nameko-rs service's:
//! `bench-raw-echo amqp://guest:guest@127.0.0.1:5672/vhost`. Runs until killed.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(uri) = std::env::args().nth(1) else {
        eprintln!("usage: bench-raw-echo AMQP_URI");
        return ExitCode::FAILURE;
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
            r = nameko_benches::raw::serve_echo(&conn, 10) => r,
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
