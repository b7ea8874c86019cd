//! Calls `service_a.dispatching_method` (so `service_b` receives an event) and, as
//! `monitor`, broadcasts a `ping`:
//! `cargo run -p example-events --bin example-events-client -- --config config.yaml`.

use std::process::ExitCode;
use std::time::Duration;

use nameko::cli::RunArgs;
use nameko::{ClusterRpc, StandaloneDispatcher};
use serde_json::json;

async fn run(args: RunArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = args.load_config()?;
    let cluster = ClusterRpc::connect(&config)
        .await?
        .with_timeout(Duration::from_secs(30));
    let payload = json!({"greeting": "hellø"});
    cluster
        .service("service_a")
        .call::<()>("dispatching_method", (payload.clone(),))
        .await?;
    println!("service_a.dispatching_method({payload}) dispatched event_type");
    cluster.close().await;

    let dispatcher = StandaloneDispatcher::connect(&config).await?;
    dispatcher
        .dispatch("monitor", "ping", &json!("ping"))
        .await?;
    println!("monitor dispatched ping");
    dispatcher.close().await;
    Ok(())
}

fn main() -> ExitCode {
    nameko::cli::run_client("example-events-client", run)
}
