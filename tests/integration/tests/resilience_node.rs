//! Broker outages on a RabbitMQ node of the test's own (`stop_app` / `start_app`): a
//! publish waits for the broker per `PUBLISH_RETRY_POLICY` and then fails clearly; a
//! service started while the broker is away waits for it, and the runner's readiness
//! follows the connection.

use std::time::{Duration, Instant};

use nameko_amqp::{AmqpError, ClusterRpc, DispatchError, StandaloneDispatcher};
use nameko_core::{Config, ServiceRunner};
use nameko_integration_tests::{Echo, eventually, init_tracing};
use nameko_test_support::{NodeOptions, TestNode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_wait_for_the_broker_then_fail_clearly_and_services_wait_to_start() {
    init_tracing();
    let node = TestNode::start("outage", NodeOptions::default())
        .unwrap_or_else(|e| panic!("cannot start a RabbitMQ node: {e}"));
    let base = Config::new()
        .with("AMQP_URI", node.amqp_uri())
        .with("RECONNECT_INTERVAL_START", 0.1)
        .with("RECONNECT_INTERVAL_MAX", 0.5);

    // A short retry policy: the publish fails after its retries, with the reason.
    let short = base.clone().with(
        "PUBLISH_RETRY_POLICY",
        json!({"max_retries": 2, "interval_start": 0.3, "interval_step": 0.2, "interval_max": 1}),
    );
    let dispatcher = StandaloneDispatcher::connect(&short).await.unwrap();
    dispatcher.dispatch("src", "evt", &json!(1)).await.unwrap();
    node.stop_app().unwrap();
    let started = Instant::now();
    let err = dispatcher
        .dispatch("src", "evt", &json!(2))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(
            err,
            DispatchError::Amqp(AmqpError::PublishFailed { attempts: 3, .. })
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("after 3 attempt(s)"),
        "the error says what happened: {err}"
    );
    assert!(
        waited >= Duration::from_millis(700),
        "it waited: {waited:?}"
    );
    assert!(waited < Duration::from_secs(5), "{waited:?}");

    // A longer one rides out a short outage: the broker is back within it.
    let long = base.clone().with(
        "PUBLISH_RETRY_POLICY",
        json!({"max_retries": 20, "interval_start": 0.5, "interval_step": 0, "interval_max": 0.5}),
    );
    let patient = StandaloneDispatcher::connect(&long).await;
    assert!(
        patient.is_err(),
        "a client does not start without its broker"
    );
    dispatcher.close().await;
    node.start_app().unwrap();

    // With the long policy, a publish during an outage goes through once the broker is
    // back.
    let dispatcher = StandaloneDispatcher::connect(&long).await.unwrap();
    node.stop_app().unwrap();
    let pending = tokio::spawn(async move {
        let r = dispatcher.dispatch("src", "evt", &json!(4)).await;
        (r, dispatcher)
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    node.start_app().unwrap();
    let (out, dispatcher) = tokio::time::timeout(Duration::from_secs(20), pending)
        .await
        .expect("the publish did not hang")
        .unwrap();
    out.unwrap();
    dispatcher.close().await;

    // A service started while the broker is away waits for it; ready once connected.
    node.stop_app().unwrap();
    let mut runner = ServiceRunner::new(base.clone());
    runner.add_service(Echo::new("late")).unwrap();
    let runner = std::sync::Arc::new(runner);
    let starting = tokio::spawn({
        let runner = std::sync::Arc::clone(&runner);
        async move { runner.start().await }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!starting.is_finished(), "start waits for the broker");
    assert!(!runner.is_ready());
    node.start_app().unwrap();
    tokio::time::timeout(Duration::from_secs(30), starting)
        .await
        .expect("started once the broker was back")
        .unwrap()
        .unwrap();
    assert!(runner.is_ready());
    let cluster = ClusterRpc::connect(&base)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    assert_eq!(out, "late");

    // Readiness follows the connection.
    node.stop_app().unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async { !runner.is_ready() }).await,
        "not ready while the broker is away"
    );
    node.start_app().unwrap();
    assert!(
        eventually(Duration::from_secs(30), || async { runner.is_ready() }).await,
        "ready again"
    );
    let out: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    assert_eq!(out, "late");
    cluster.close().await;
    runner.stop().await;
    drop(node);
}
