//! Fail-over on a 3-node RabbitMQ cluster of the test's own: a service with quorum queues
//! (`QUEUE_TYPE: quorum`) and clients given every node's URI; the node they are
//! connected to is stopped; they reconnect to another node and go on, losing nothing:
//! every confirmed event is handled and every call ends (answered, or failed clearly when
//! its caller's reply queue was on the stopped node).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nameko_amqp::{ClusterRpc, RpcError, StandaloneDispatcher};
use nameko_core::{Config, ServiceRunner, event_handler, rpc, service};
use nameko_integration_tests::{eventually, init_tracing};
use nameko_test_support::{NodeOptions, TestCluster};
use serde_json::{Value, json};

#[derive(Debug, Clone, Default)]
struct Replicated {
    seen: Arc<Mutex<BTreeSet<u64>>>,
}

#[service(name = "replicated")]
impl Replicated {
    #[rpc]
    async fn echo(&self, value: Value) -> Value {
        value
    }

    #[event_handler("feed", "item")]
    async fn item(&self, payload: Value) {
        if let Some(n) = payload["n"].as_u64() {
            self.seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(n);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_with_quorum_queues_loses_nothing() {
    init_tracing();
    let cluster_nodes = TestCluster::start("fo", NodeOptions::default())
        .unwrap_or_else(|e| panic!("cannot start a 3-node RabbitMQ cluster: {e}"));
    let uris = cluster_nodes.amqp_uris();
    let config = Config::new()
        .with("AMQP_URI", uris.join(";"))
        .with("QUEUE_TYPE", "quorum")
        .with("RECONNECT_INTERVAL_MAX", 1)
        .with(
            "PUBLISH_RETRY_POLICY",
            json!({"max_retries": 10, "interval_start": 1, "interval_step": 1, "interval_max": 2}),
        );
    let service = Replicated::default();
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(service.clone()).unwrap();
    runner.start().await.unwrap();
    let node0 = &cluster_nodes.nodes()[0];
    let queues = node0
        .ctl(&[
            "list_queues",
            "name",
            "type",
            "--quiet",
            "--no-table-headers",
        ])
        .unwrap();
    assert!(
        queues
            .lines()
            .any(|l| l.starts_with("rpc-replicated") && l.contains("quorum")),
        "{queues}"
    );
    assert!(
        queues
            .lines()
            .any(|l| l.starts_with("evt-feed-item--replicated.item") && l.contains("quorum")),
        "{queues}"
    );

    let rpc = Arc::new(
        ClusterRpc::connect(&config)
            .await
            .unwrap()
            .with_timeout(Duration::from_secs(20)),
    );
    let dispatcher = Arc::new(StandaloneDispatcher::connect(&config).await.unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(Mutex::new(BTreeMap::<String, usize>::new()));
    let confirmed = Arc::new(Mutex::new(BTreeSet::<u64>::new()));
    let mut load = Vec::new();
    for worker in 0..3u64 {
        let (rpc, stop, sent, answered, failed) = (
            Arc::clone(&rpc),
            Arc::clone(&stop),
            Arc::clone(&sent),
            Arc::clone(&answered),
            Arc::clone(&failed),
        );
        load.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let value = json!({"w": worker, "n": n});
                sent.fetch_add(1, Ordering::SeqCst);
                match rpc
                    .service("replicated")
                    .call::<Value>("echo", (value,))
                    .await
                {
                    Ok(_) => {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        let kind = match e {
                            RpcError::ReplyQueueLost(_) => "reply queue lost".to_owned(),
                            RpcError::Timeout { .. } => "timeout".to_owned(),
                            other => other.to_string(),
                        };
                        *failed.lock().unwrap().entry(kind).or_default() += 1;
                    }
                }
                n += 1;
            }
        }));
    }
    {
        let (dispatcher, stop, confirmed) = (
            Arc::clone(&dispatcher),
            Arc::clone(&stop),
            Arc::clone(&confirmed),
        );
        load.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                if dispatcher
                    .dispatch("feed", "item", &json!({"n": n}))
                    .await
                    .is_ok()
                {
                    confirmed.lock().unwrap().insert(n);
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    // Everyone connected to the first URI: stop that node.
    let before = answered.load(Ordering::SeqCst);
    let fault = Instant::now();
    node0.ctl(&["stop_app"]).unwrap();
    assert!(
        eventually(Duration::from_secs(60), || async {
            answered.load(Ordering::SeqCst) > before + 50
        })
        .await,
        "calls answered again through another node"
    );
    let recovery = fault.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("nothing hangs")
            .unwrap();
    }
    let confirmed = confirmed.lock().unwrap().clone();
    assert!(
        eventually(Duration::from_secs(30), || async {
            confirmed.is_subset(&service.seen.lock().unwrap())
        })
        .await,
        "confirmed events lost: {:?}",
        confirmed
            .difference(&service.seen.lock().unwrap())
            .take(20)
            .collect::<Vec<_>>()
    );
    let (sent, answered) = (sent.load(Ordering::SeqCst), answered.load(Ordering::SeqCst));
    let failed = failed.lock().unwrap().clone();
    let failed_total: usize = failed.values().sum();
    println!(
        "cluster fail-over: calls sent {sent}, answered {answered}, failed clearly {failed_total} {failed:?}; events confirmed {}, lost 0; recovery {recovery:.1?}",
        confirmed.len()
    );
    assert_eq!(sent, answered + failed_total, "every call ended");
    rpc.close().await;
    dispatcher.close().await;
    runner.stop().await;
    let _ = node0.ctl(&["start_app"]);
    drop(cluster_nodes);
}
