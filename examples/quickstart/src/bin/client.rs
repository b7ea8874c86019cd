//! Exercises each capability of the quickstart services once, printing what it does:
//! `cargo run -p example-quickstart --bin example-quickstart-client -- --config FILE`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use nameko_amqp::{ClusterRpc, StandaloneDispatcher};
use nameko_core::cli::RunArgs;
use serde_json::json;

async fn run(args: RunArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = args.load_config()?;
    let cluster = ClusterRpc::connect(&config)
        .await?
        .with_timeout(Duration::from_secs(30));

    // RPC: the seed's calls.
    let x = cluster.service("service_x");
    let out: String = x.call("remote_method", ("hellø",)).await?;
    println!("rpc: service_x.remote_method(\"hellø\") = {out:?}");
    let hello_res = x.call_async("remote_method", ("hello",)).await?;
    let world_res = x.call_async("remote_method", ("world",)).await?;
    println!(
        "rpc: call_async(\"hello\"), call_async(\"world\") = {:?}, {:?}",
        hello_res.result::<String>().await?,
        world_res.result::<String>().await?
    );

    // Events: service_a dispatches, service_b handles.
    let payload = json!({"greeting": "hellø"});
    cluster
        .service("service_a")
        .call::<()>("dispatching_method", (payload.clone(),))
        .await?;
    println!("events: service_a.dispatching_method({payload}) dispatched event_type");

    // Broadcast: monitor pings every listener instance.
    let dispatcher = StandaloneDispatcher::connect(&config).await?;
    dispatcher
        .dispatch("monitor", "ping", &json!("ping"))
        .await?;
    println!("events: monitor dispatched ping (broadcast)");
    dispatcher.close().await;

    cluster.close().await;
    Ok(())
}

fn main() -> ExitCode {
    let args = RunArgs::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("example-quickstart-client: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("example-quickstart-client: error: {e}");
            ExitCode::FAILURE
        }
    }
}
