//! Events against the real RabbitMQ, with several instances per service: delivery counts of
//! each handler type, requeue_on_error, reliable_delivery, malformed payloads, and a
//! dispatcher whose exchange does not exist yet.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use nameko_amqp::{ClusterRpc, StandaloneDispatcher};
use nameko_core::{Config, Service, ServiceRunner};
use nameko_integration_tests::*;
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

async fn run<S: Service>(config: &Config, services: Vec<S>) -> ServiceRunner {
    let mut runner = ServiceRunner::new(config.clone());
    for s in services {
        runner.add_service(s).unwrap();
    }
    runner.start().await.unwrap();
    runner
}

async fn one<S: Service>(config: &Config, service: S) -> ServiceRunner {
    run(config, vec![service]).await
}

async fn dispatch_n(config: &Config, n: usize) {
    let d = StandaloneDispatcher::connect(config).await.unwrap();
    for i in 0..n {
        d.dispatch("source", "evt", &json!({"n": i})).await.unwrap();
    }
    d.close().await;
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(500)).await;
}

async fn wait_total(seen: &Seen, service: &str, n: usize) {
    assert!(
        eventually(Duration::from_secs(10), || async {
            total(seen, service) >= n
        })
        .await,
        "{service}: expected {n} events, got {:?}",
        per_instance(seen, service)
    );
}

async fn stop_all(runners: Vec<ServiceRunner>) {
    for r in runners {
        r.stop().await;
    }
}

#[tokio::test]
async fn service_pool_delivers_once_per_service() {
    init_tracing();
    let vhost = TestVhost::create("evt-pool").unwrap();
    let config = vhost.config();
    let seen = Seen::default();
    let mut runners = Vec::new();
    for i in ["a", "b", "c"] {
        runners.push(one(&config, PoolListener::new(i, &seen)).await);
    }
    for i in ["a", "b"] {
        runners.push(one(&config, OtherPoolListener::new(i, &seen)).await);
    }
    dispatch_n(&config, 12).await;
    wait_total(&seen, "pool_listener", 12).await;
    wait_total(&seen, "other_pool_listener", 12).await;
    settle().await;
    assert_eq!(
        total(&seen, "pool_listener"),
        12,
        "once per service, not per instance"
    );
    assert_eq!(total(&seen, "other_pool_listener"), 12);
    assert!(
        per_instance(&seen, "pool_listener").len() > 1,
        "spread over instances"
    );
    stop_all(runners).await;
}

#[tokio::test]
async fn broadcast_delivers_to_every_instance() {
    init_tracing();
    let vhost = TestVhost::create("evt-broadcast").unwrap();
    let config = vhost.config();
    let seen = Seen::default();
    let mut runners = Vec::new();
    for i in ["a", "b", "c"] {
        runners.push(one(&config, BroadcastListener::new(i, &seen)).await);
    }
    dispatch_n(&config, 5).await;
    wait_total(&seen, "broadcast_listener", 15).await;
    settle().await;
    let counts = per_instance(&seen, "broadcast_listener");
    assert_eq!(
        counts.values().copied().collect::<Vec<_>>(),
        [5, 5, 5],
        "{counts:?}"
    );
    stop_all(runners).await;
}

#[tokio::test]
async fn singleton_delivers_once_overall() {
    init_tracing();
    let vhost = TestVhost::create("evt-singleton").unwrap();
    let config = vhost.config();
    let seen = Seen::default();
    let mut runners = Vec::new();
    for i in ["a", "b"] {
        runners.push(one(&config, SingletonA::new(i, &seen)).await);
        runners.push(one(&config, SingletonB::new(i, &seen)).await);
    }
    dispatch_n(&config, 10).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            total(&seen, "singleton_a") + total(&seen, "singleton_b") >= 10
        })
        .await
    );
    settle().await;
    assert_eq!(
        total(&seen, "singleton_a") + total(&seen, "singleton_b"),
        10
    );
    stop_all(runners).await;
}

fn orders(fail_times: usize) -> OrderHandler {
    OrderHandler {
        seen: Seen::default(),
        attempts: Arc::new(Mutex::new(HashMap::new())),
        fail_times,
    }
}

async fn dispatch_orders(config: &Config, n: u32) {
    let d = StandaloneDispatcher::connect(config).await.unwrap();
    for id in 0..n {
        d.dispatch(
            "shop",
            "order",
            &Order {
                id,
                item: "book".into(),
            },
        )
        .await
        .unwrap();
    }
    d.close().await;
}

#[tokio::test]
async fn requeue_on_error_true_retries_failed_events() {
    init_tracing();
    let vhost = TestVhost::create("evt-requeue").unwrap();
    let config = vhost.config();
    let h = orders(1);
    let runner = one(&config, RequeueOrders(h.clone())).await;
    dispatch_orders(&config, 4).await;
    wait_total(&h.seen, "orders", 4).await;
    let attempts = h.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 4);
    assert!(
        attempts.values().all(|n| *n == 2),
        "failed once, then succeeded: {attempts:?}"
    );
    runner.stop().await;
}

#[tokio::test]
async fn requeue_on_error_false_drops_failed_events() {
    init_tracing();
    let vhost = TestVhost::create("evt-norequeue").unwrap();
    let config = vhost.config();
    let h = orders(usize::MAX);
    let runner = one(&config, DropOrders(h.clone())).await;
    dispatch_orders(&config, 4).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            h.attempts.lock().unwrap().len() == 4
        })
        .await
    );
    settle().await;
    let attempts = h.attempts.lock().unwrap().clone();
    assert!(
        attempts.values().all(|n| *n == 1),
        "tried once each: {attempts:?}"
    );
    assert_eq!(total(&h.seen, "orders"), 0);
    assert_eq!(
        queue_len(&vhost, "evt-shop-order--drop_orders.handle").await,
        0
    );
    runner.stop().await;
}

async fn queue_len(vhost: &TestVhost, queue: &str) -> u32 {
    let conn = Connection::connect(&vhost.uri(), ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    let q = ch
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    conn.close(200, "bye".into()).await.unwrap();
    q.message_count()
}

async fn queue_exists(vhost: &TestVhost, queue: &str) -> bool {
    let conn = Connection::connect(&vhost.uri(), ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    let exists = ch
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .is_ok();
    let _ = conn.close(200, "bye".into()).await;
    exists
}

#[tokio::test]
async fn reliable_delivery_keeps_events_while_the_service_is_down() {
    init_tracing();
    let vhost = TestVhost::create("evt-reliable").unwrap();
    let config = vhost.config();
    let seen = Seen::default();
    // Declares the queue, then goes down.
    one(&config, PoolListener::new("a", &seen))
        .await
        .stop()
        .await;
    dispatch_n(&config, 5).await;
    assert_eq!(
        queue_len(&vhost, "evt-source-evt--pool_listener.handle").await,
        5
    );
    let runner = one(&config, PoolListener::new("b", &seen)).await;
    wait_total(&seen, "pool_listener", 5).await;
    runner.stop().await;
}

#[tokio::test]
async fn unreliable_delivery_loses_events_while_the_service_is_down() {
    init_tracing();
    let vhost = TestVhost::create("evt-unreliable").unwrap();
    let config = vhost.config();
    let seen = Seen::default();
    let queue = "evt-source-evt--unreliable_listener.handle";
    let runner = one(&config, UnreliableListener::new("a", &seen)).await;
    assert!(queue_exists(&vhost, queue).await);
    runner.stop().await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            !queue_exists(&vhost, queue).await
        })
        .await,
        "the queue goes away with its last consumer"
    );
    dispatch_n(&config, 5).await;
    let runner = one(&config, UnreliableListener::new("b", &seen)).await;
    dispatch_n(&config, 1).await;
    wait_total(&seen, "unreliable_listener", 1).await;
    settle().await;
    assert_eq!(
        total(&seen, "unreliable_listener"),
        1,
        "only the event sent while up"
    );
    runner.stop().await;
}

#[tokio::test]
async fn malformed_payloads_are_rejected_and_the_handler_keeps_running() {
    init_tracing();
    let vhost = TestVhost::create("evt-malformed").unwrap();
    let config = vhost.config();
    // requeue_on_error = true: still no redelivery loop for payloads that cannot be handled.
    let h = orders(0);
    let runner = one(&config, RequeueOrders(h.clone())).await;
    let conn = Connection::connect(&vhost.uri(), ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    for body in [
        &b"not json at all"[..],
        br#"{"id": "not a number"}"#,
        b"[1, 2]",
    ] {
        ch.basic_publish(
            "shop.events".into(),
            "order".into(),
            BasicPublishOptions::default(),
            body,
            BasicProperties::default().with_content_type("application/json".into()),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    }
    dispatch_orders(&config, 2).await;
    wait_total(&h.seen, "orders", 2).await;
    settle().await;
    assert_eq!(
        queue_len(&vhost, "evt-shop-order--requeue_orders.handle").await,
        0
    );
    assert_eq!(total(&h.seen, "orders"), 2);
    conn.close(200, "bye".into()).await.unwrap();
    runner.stop().await;
}

#[tokio::test]
async fn dispatcher_declares_a_missing_exchange() {
    init_tracing();
    let vhost = TestVhost::create("evt-noexchange").unwrap();
    let config = vhost.config();
    // Nobody listens and no exchange exists yet: dispatching still succeeds.
    let d = StandaloneDispatcher::connect(&config).await.unwrap();
    d.dispatch("nobody", "nothing", &json!(1)).await.unwrap();
    d.close().await;
    // The same through a service's EventDispatcher, with a listener.
    let seen = Seen::default();
    let source = one(&config, Dispatching::default()).await;
    let listener = one(&config, PoolListener::new("a", &seen)).await;
    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: Value = cluster
        .service("source")
        .call("fire", (json!({"from": "service"}),))
        .await
        .unwrap();
    assert_eq!(out, Value::Null);
    wait_total(&seen, "pool_listener", 1).await;
    assert_eq!(seen.lock().unwrap()[0].2, json!({"from": "service"}));
    cluster.close().await;
    stop_all(vec![source, listener]).await;
}
