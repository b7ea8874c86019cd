//! Exercises each capability of the quickstart services once (RPC, events, HTTP), printing
//! what it does:
//! `cargo run -p example-quickstart --bin example-quickstart-client -- --config FILE`.

use std::process::ExitCode;
use std::time::Duration;

use example_rpc::ServiceXClient;
use nameko::cli::RunArgs;
use nameko::{ClusterRpc, StandaloneDispatcher};
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

    // The same call through the typed client `#[service]` generated for service_x.
    let typed = cluster
        .client::<ServiceXClient>()
        .remote_method("hellø".to_owned())
        .await?;
    println!("rpc (typed): ServiceXClient.remote_method(\"hellø\") = {typed:?}");

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

    // HTTP: the seed's curl calls.
    let address = http_address(&nameko::web::config::ServerConfig::from_config(&config)?.address);
    for (method, path, body) in [
        ("GET", "/get/42", ""),
        ("POST", "/post", "post body"),
        ("PUT", "/multi", ""),
        ("GET", "/privileged", ""),
        ("GET", "/headers", ""),
        ("GET", "/custom", ""),
        ("GET", "/custom_exception", ""),
    ] {
        let response = http(&address, method, path, body).await?;
        println!("http: {method} {path}");
        for line in response.lines() {
            println!("  {line}");
        }
    }
    Ok(())
}

/// Where to reach `WEB_SERVER_ADDRESS` (`0.0.0.0` means this machine).
fn http_address(configured: &str) -> String {
    match configured.rsplit_once(':') {
        Some(("0.0.0.0" | "", port)) => format!("127.0.0.1:{port}"),
        Some(_) => configured.to_owned(),
        None => format!("127.0.0.1:{configured}"),
    }
}

/// One HTTP/1.1 request, like `curl -i`: the status line, the headers that matter, the body.
async fn http(
    address: &str,
    method: &str,
    path: &str,
    body: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut out: Vec<String> = head
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("http/") || l.starts_with("content-type") || l.starts_with("location")
        })
        .map(str::to_owned)
        .collect();
    out.push(String::new());
    out.push(body.to_owned());
    Ok(out.join("\n"))
}

fn main() -> ExitCode {
    nameko::cli::run_client("example-quickstart-client", run)
}
