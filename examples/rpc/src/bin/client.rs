//! Makes the seed's calls with a standalone client (`ClusterRpcProxy`):
//! `cargo run -p example-rpc --bin example-rpc-client -- --config config.yaml`.

use std::process::ExitCode;
use std::time::Duration;

use example_rpc::ServiceXClient;
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

    // The same calls through the typed client `#[service]` generated for service_x: the
    // argument and result types are the method's own, checked when compiling.
    let x = cluster.client::<ServiceXClient>();
    let typed = x.remote_method("hellø".to_owned()).await?;
    println!("ServiceXClient.remote_method(\"hellø\") = {typed:?}");
    let pending = x.remote_method_async("hello".to_owned()).await?;
    println!(
        "ServiceXClient.remote_method_async(\"hello\").result() = {:?}",
        pending.result().await?
    );

    cluster.close().await;
    Ok(())
}

fn main() -> ExitCode {
    nameko::cli::run_client("example-rpc-client", calls)
}
