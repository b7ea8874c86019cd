//! The test kit against the real RabbitMQ, as Python's integration tests use it:
//! `entrypoint_waiter` on services served over the broker, and `replace_dependencies`
//! before a container starts for real.

use std::sync::Arc;
use std::time::Duration;

use example_rpc::{ServiceX, ServiceY};
use nameko_amqp::ClusterRpc;
use nameko_amqp::testing::FakeRpcProxy;
use nameko_core::testing::{entrypoint_waiter, get_container, replace_dependencies};
use nameko_core::{RemoteError, ServiceContainer, ServiceRunner};
use nameko_integration_tests::init_tracing;
use nameko_test_support::TestVhost;

#[tokio::test]
async fn entrypoint_waiter_on_services_served_over_the_broker() {
    init_tracing();
    let vhost = TestVhost::create("kit-waiter").unwrap();
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(ServiceY).unwrap();
    runner.add_service(ServiceX::default()).unwrap();
    runner.start().await.unwrap();

    let y = get_container(&runner, "service_y").unwrap();
    let waiter = entrypoint_waiter(y, "append_identifier")
        .unwrap()
        .timeout(Duration::from_secs(10));
    let x_waiter = entrypoint_waiter(
        get_container(&runner, "service_x").unwrap(),
        "remote_method",
    )
    .unwrap()
    .timeout(Duration::from_secs(10));

    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: String = cluster
        .service("service_x")
        .call("remote_method", ("hellø",))
        .await
        .unwrap();
    assert_eq!(out, "hellø-x-y");

    let done = waiter.await.unwrap();
    assert_eq!(done.value_as::<String>().as_deref(), Some("hellø-x-y"));
    assert!(done.call_id().starts_with("service_y.append_identifier."));
    let done = x_waiter.await.unwrap();
    assert_eq!(done.value_as::<String>().as_deref(), Some("hellø-x-y"));

    cluster.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn replace_dependencies_before_a_real_start() {
    init_tracing();
    let vhost = TestVhost::create("kit-replace").unwrap();
    let container = ServiceContainer::new(ServiceX::default(), Arc::new(vhost.config()));
    let y: FakeRpcProxy = replace_dependencies(&container, "y").unwrap();
    y.answer("append_identifier", |(value,): (String,)| {
        Ok::<_, RemoteError>(format!("{value}-fake"))
    });
    // Served for real: service_x consumes its queue; service_y does not exist.
    container.start().await.unwrap();

    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: String = cluster
        .service("service_x")
        .call("remote_method", ("hellø",))
        .await
        .unwrap();
    assert_eq!(out, "hellø-x-fake");
    let call = y.last_call().unwrap();
    assert_eq!(call.args_as::<(String,)>().unwrap().0, "hellø-x");
    let stack = call.call_id_stack();
    assert!(
        stack[0].starts_with("standalone_rpc_proxy.call."),
        "{stack:?}"
    );
    assert!(
        stack[1].starts_with("service_x.remote_method."),
        "{stack:?}"
    );

    cluster.close().await;
    container.stop().await;
}
