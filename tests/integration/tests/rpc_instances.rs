//! Several instances of one service: round robin over the shared queue, redelivery when an
//! instance dies mid-call, and a graceful stop that loses nothing.

use std::collections::HashMap;
use std::time::Duration;

use nameko_amqp::ClusterRpc;
use nameko_core::{Config, ServiceRunner};
use nameko_integration_tests::{Echo, eventually, init_tracing};
use nameko_test_support::TestVhost;

async fn instance(config: Config, name: &str) -> ServiceRunner {
    let mut runner = ServiceRunner::new(config);
    runner.add_service(Echo::new(name)).unwrap();
    runner.start().await.unwrap();
    runner
}

#[tokio::test]
async fn round_robin_over_two_instances() {
    init_tracing();
    let vhost = TestVhost::create("roundrobin").unwrap();
    let a = instance(vhost.config(), "a").await;
    let b = instance(vhost.config(), "b").await;
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..20 {
        let who: String = cluster.service("echo").call("whoami", ()).await.unwrap();
        *counts.entry(who).or_default() += 1;
    }
    assert_eq!(counts.len(), 2, "both instances answered: {counts:?}");
    assert_eq!(counts["a"] + counts["b"], 20);
    assert!(
        counts["a"] >= 5 && counts["b"] >= 5,
        "round robin: {counts:?}"
    );
    cluster.close().await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn request_of_a_killed_instance_is_redelivered_and_answered() {
    init_tracing();
    let vhost = TestVhost::create("redeliver").unwrap();
    let a = instance(vhost.config(), "a").await;
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(20));
    // `a` takes the call and never finishes it.
    let reply = cluster
        .service("echo")
        .call_async("stuck_on", ("a",))
        .await
        .unwrap();
    let handle = a.containers()[0].handle().clone();
    assert!(
        eventually(Duration::from_secs(5), || {
            let h = handle.clone();
            async move { h.running_workers() == 1 }
        })
        .await
    );
    let b = instance(vhost.config(), "b").await;
    // The process dies: its connection closes without an ack.
    a.kill().await;
    let answered_by: String = reply.result().await.unwrap();
    assert_eq!(answered_by, "b");
    cluster.close().await;
    b.stop().await;
}

#[tokio::test]
async fn graceful_stop_loses_no_call() {
    init_tracing();
    let vhost = TestVhost::create("graceful").unwrap();
    // Two workers, six requests delivered: two run, four wait for a worker.
    let config = vhost
        .config()
        .with("max_workers", 2)
        .with("PREFETCH_COUNT", 6);
    let a = instance(config.clone(), "a").await;
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(20));
    let mut replies = Vec::new();
    for _ in 0..6 {
        replies.push(
            cluster
                .service("echo")
                .call_async("sleep", (0.5,))
                .await
                .unwrap(),
        );
    }
    let handle = a.containers()[0].handle().clone();
    assert!(
        eventually(Duration::from_secs(5), || {
            let h = handle.clone();
            async move { h.running_workers() == 2 }
        })
        .await
    );
    // Stop while two run: they finish and reply; the four waiting go back to the queue.
    a.stop().await;
    // Another instance picks up the rest.
    let b = instance(config, "b").await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in replies {
        let who: String = r.result().await.unwrap();
        *counts.entry(who).or_default() += 1;
    }
    assert_eq!(counts.values().sum::<usize>(), 6, "{counts:?}");
    assert_eq!(counts.get("a"), Some(&2), "{counts:?}");
    assert_eq!(counts.get("b"), Some(&4), "{counts:?}");
    cluster.close().await;
    b.stop().await;
}
