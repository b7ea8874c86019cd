//! Makes the seed's calls with a standalone client (`ClusterRpcProxy`):
//! `cargo run -p example-rpc --bin example-rpc-client -- --config config.yaml`.

use std::process::ExitCode;
use std::time::Duration;

use nameko::ClusterRpc;
use nameko::cli::RunArgs;

async fn calls(args: RunArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = args.load_config()?;
    let cluster = ClusterRpc::connect(&config)
        .await?
        .with_timeout(Duration::from_secs(30));
    let service_x = cluster.service("service_x");

    let out: String = service_x.call("remote_method", ("hellø",)).await?;
    println!("service_x.remote_method(\"hellø\") = {out:?}");

    // Two calls in flight at once.
    let hello_res = service_x.call_async("remote_method", ("hello",)).await?;
    let world_res = service_x.call_async("remote_method", ("world",)).await?;
    let hello: String = hello_res.result().await?;
    let world: String = world_res.result().await?;
    println!("call_async(\"hello\").result() = {hello:?}");
    println!("call_async(\"world\").result() = {world:?}");

    cluster.close().await;
    Ok(())
}

fn main() -> ExitCode {
    nameko::cli::run_client("example-rpc-client", calls)
}
