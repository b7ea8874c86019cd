//! The seed's RPC example against the real RabbitMQ: `service_x` calls `service_y`, a
//! standalone client calls `service_x`, synchronously and with `call_async`.

use std::time::Duration;

use example_rpc::{ServiceX, ServiceY};
use nameko_amqp::ClusterRpc;
use nameko_core::{ContextData, ServiceRunner};
use nameko_integration_tests::{Echo, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

#[tokio::test]
async fn seed_rpc_example() {
    init_tracing();
    let vhost = TestVhost::create("seed").unwrap();
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(ServiceY).unwrap();
    runner.add_service(ServiceX::default()).unwrap();
    runner.start().await.unwrap();

    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let x = cluster.service("service_x");
    let out: String = x.call("remote_method", ("hellø",)).await.unwrap();
    assert_eq!(out, "hellø-x-y");

    let hello_res = x.call_async("remote_method", ("hello",)).await.unwrap();
    let world_res = x.call_async("remote_method", ("world",)).await.unwrap();
    assert_eq!(hello_res.result::<String>().await.unwrap(), "hello-x-y");
    assert_eq!(world_res.result::<String>().await.unwrap(), "world-x-y");

    cluster.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn context_data_and_call_id_stack_reach_the_worker() {
    init_tracing();
    let vhost = TestVhost::create("context").unwrap();
    let mut runner = ServiceRunner::new(vhost.config().with("parent_calls_tracked", 2));
    runner.add_service(Echo::new("a")).unwrap();
    runner.start().await.unwrap();

    let data: ContextData =
        serde_json::from_value(json!({"language": "fr", "user_id": "u1", "auth_token": "t0k"}))
            .unwrap();
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10))
        .with_context_data(data);
    let seen: Value = cluster.service("echo").call("context", ()).await.unwrap();
    let stack: Vec<String> = serde_json::from_value(seen["call_id_stack"].clone()).unwrap();
    assert_eq!(stack.len(), 2, "{seen}");
    assert!(stack[0].starts_with("standalone_rpc_proxy.call."), "{seen}");
    assert!(stack[1].starts_with("echo.context."), "{seen}");
    assert_eq!(seen["call_id"], json!(stack[1]));
    assert_eq!(seen["data"]["language"], "fr");
    assert_eq!(seen["data"]["user_id"], "u1");
    assert_eq!(seen["data"]["auth_token"], "t0k");

    cluster.close().await;
    runner.stop().await;
}
