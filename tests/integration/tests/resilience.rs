//! Broker faults against the real RabbitMQ: connections closed from the broker side while
//! calls and events flow. Services and clients reconnect, re-declare, re-apply their
//! prefetch and go on; every call is answered or fails clearly, every confirmed event is
//! handled, nothing hangs.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nameko_amqp::{ClusterRpc, RpcError, StandaloneDispatcher};
use nameko_core::{Config, ServiceRunner, event_handler, rpc, service};
use nameko_integration_tests::{Echo, bind_silent_queue, eventually, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

/// Closes every connection of `vhost` from the broker side.
fn close_all_connections(vhost: &TestVhost) {
    let out = Command::new("rabbitmqctl")
        .args([
            "close_all_connections",
            "-p",
            vhost.name(),
            "test: connection fault",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

async fn run_echo(config: &Config) -> ServiceRunner {
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(Echo::new("only")).unwrap();
    runner.start().await.unwrap();
    runner
}

/// Median and maximum of `values`.
fn median_max(values: &mut [Duration]) -> (Duration, Duration) {
    values.sort();
    let median = values.get(values.len() / 2).copied().unwrap_or_default();
    let max = values.last().copied().unwrap_or_default();
    (median, max)
}

/// A steady stream of RPC calls while every connection is closed three times: every call
/// is answered (the request is redelivered to the reconnected service and the reply kept
/// in the caller's reply queue), none is lost, and the service answers again within a
/// second or so of each fault.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_calls_survive_closed_connections() {
    init_tracing();
    let vhost = TestVhost::create("resilience-rpc").unwrap();
    let config = vhost.config().with("max_workers", 4);
    let runner = run_echo(&config).await;
    let cluster = Arc::new(
        ClusterRpc::connect(&config)
            .await
            .unwrap()
            .with_timeout(Duration::from_secs(20)),
    );

    let sent = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut callers = Vec::new();
    for worker in 0..8u64 {
        let (cluster, sent, answered, failed, stop) = (
            Arc::clone(&cluster),
            Arc::clone(&sent),
            Arc::clone(&answered),
            Arc::clone(&failed),
            Arc::clone(&stop),
        );
        callers.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let value = json!({ "worker": worker, "n": n });
                sent.fetch_add(1, Ordering::SeqCst);
                match cluster
                    .service("echo")
                    .call::<Value>("echo", (value.clone(),))
                    .await
                {
                    Ok(v) if v == value => {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(v) => failed.lock().unwrap().push(format!("wrong answer {v}")),
                    Err(e) => failed.lock().unwrap().push(e.to_string()),
                }
                n += 1;
            }
        }));
    }

    let mut recoveries = Vec::new();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let before = answered.load(Ordering::SeqCst);
        let fault = Instant::now();
        close_all_connections(&vhost);
        assert!(
            eventually(Duration::from_secs(15), || async {
                answered.load(Ordering::SeqCst) > before + 8
            })
            .await,
            "calls are answered again after the fault"
        );
        recoveries.push(fault.elapsed());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for c in callers {
        tokio::time::timeout(Duration::from_secs(30), c)
            .await
            .expect("no call hangs")
            .unwrap();
    }
    let (sent, answered) = (sent.load(Ordering::SeqCst), answered.load(Ordering::SeqCst));
    let failed = failed.lock().unwrap().clone();
    let (median, max) = median_max(&mut recoveries);
    println!(
        "rpc under 3 connection faults: sent {sent}, answered {answered}, failed {} ({failed:?}); recovery median {median:?}, max {max:?}",
        failed.len()
    );
    assert_eq!(sent, answered + failed.len(), "every call ends");
    assert!(failed.is_empty(), "no call lost: {failed:?}");
    assert!(answered > 100, "{answered}");

    cluster.close().await;
    runner.stop().await;
}

/// Reliable events dispatched in a stream while connections are closed: every event the
/// broker confirmed is handled at least once.
#[derive(Debug, Clone, Default)]
struct Collector {
    seen: Arc<Mutex<Vec<u64>>>,
}

#[service(name = "collector")]
impl Collector {
    #[event_handler("feed", "tick")]
    async fn tick(&self, payload: Value) {
        tokio::time::sleep(Duration::from_millis(2)).await;
        if let Some(n) = payload["n"].as_u64() {
            self.seen.lock().unwrap_or_else(|p| p.into_inner()).push(n);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_events_survive_closed_connections() {
    init_tracing();
    let vhost = TestVhost::create("resilience-events").unwrap();
    let config = vhost.config();
    let collector = Collector::default();
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(collector.clone()).unwrap();
    runner.start().await.unwrap();
    let dispatcher = Arc::new(StandaloneDispatcher::connect(&config).await.unwrap());

    let confirmed = Arc::new(Mutex::new(Vec::<u64>::new()));
    let failed = Arc::new(AtomicUsize::new(0));
    let producer = {
        let (dispatcher, confirmed, failed) = (
            Arc::clone(&dispatcher),
            Arc::clone(&confirmed),
            Arc::clone(&failed),
        );
        tokio::spawn(async move {
            for n in 0..1500u64 {
                match dispatcher
                    .dispatch("feed", "tick", &json!({ "n": n }))
                    .await
                {
                    Ok(()) => confirmed.lock().unwrap().push(n),
                    Err(_) => {
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        })
    };
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        close_all_connections(&vhost);
    }
    tokio::time::timeout(Duration::from_secs(60), producer)
        .await
        .expect("the producer finished")
        .unwrap();
    let confirmed: BTreeSet<u64> = confirmed.lock().unwrap().iter().copied().collect();
    let seen = || -> BTreeSet<u64> { collector.seen.lock().unwrap().iter().copied().collect() };
    assert!(
        eventually(Duration::from_secs(30), || async {
            confirmed.is_subset(&seen())
        })
        .await,
        "every confirmed event handled: {} confirmed, {} handled, missing {:?}",
        confirmed.len(),
        seen().len(),
        confirmed.difference(&seen()).take(10).collect::<Vec<_>>()
    );
    let handled = collector.seen.lock().unwrap().len();
    println!(
        "events under 2 connection faults: dispatched 1500, confirmed {}, failed {}, handled {handled} (duplicates {})",
        confirmed.len(),
        failed.load(Ordering::SeqCst),
        handled - seen().len()
    );
    assert_eq!(confirmed.len() + failed.load(Ordering::SeqCst), 1500);
    assert_eq!(
        failed.load(Ordering::SeqCst),
        0,
        "the retry policy rode out the faults"
    );
    dispatcher.close().await;
    runner.stop().await;
}

/// Slow calls, to watch the prefetch.
#[derive(Debug, Clone, Default)]
struct Slow;

#[service(name = "slow")]
impl Slow {
    #[rpc]
    async fn nap(&self, ms: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    }
}

/// After a reconnection the consumer's prefetch is `max_workers` again: with 2 workers,
/// 8 slow calls leave at most 2 requests unacknowledged and the others ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefetch_is_reapplied_after_reconnecting() {
    init_tracing();
    let vhost = TestVhost::create("resilience-qos").unwrap();
    let config = vhost.config().with("max_workers", 2);
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(Slow).unwrap();
    runner.start().await.unwrap();
    let cluster = Arc::new(
        ClusterRpc::connect(&config)
            .await
            .unwrap()
            .with_timeout(Duration::from_secs(30)),
    );
    close_all_connections(&vhost);
    // The service is back when a call is answered.
    let _: u64 = cluster.service("slow").call("nap", (1,)).await.unwrap();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let cluster = Arc::clone(&cluster);
            tokio::spawn(async move { cluster.service("slow").call::<u64>("nap", (1500,)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let stats = vhost.queue_stats("rpc-slow").unwrap().unwrap();
    assert_eq!(
        stats.unacked, 2,
        "prefetch 2 after the reconnection: {stats:?}"
    );
    assert!(
        stats.ready >= 1 && stats.ready + stats.unacked <= 8,
        "{stats:?}"
    );
    assert_eq!(stats.consumers, 1, "{stats:?}");
    for c in calls {
        assert_eq!(c.await.unwrap().unwrap(), 1500);
    }
    cluster.close().await;
    runner.stop().await;
}

/// A call whose reply queue disappeared fails at once with a typed error, instead of
/// waiting for a reply that cannot come.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_reply_queue_fails_its_calls_promptly() {
    init_tracing();
    let vhost = TestVhost::create("resilience-reply").unwrap();
    let config = vhost.config();
    let cluster = Arc::new(
        ClusterRpc::connect(&config)
            .await
            .unwrap()
            .with_timeout(Duration::from_secs(30)),
    );
    // A queue for `silent` that nobody consumes: requests are routed, never answered.
    let conn = bind_silent_queue(&vhost.uri(), "silent").await;
    let pending = {
        let cluster = Arc::clone(&cluster);
        tokio::spawn(async move { cluster.service("silent").call::<Value>("m", ()).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = Command::new("rabbitmqctl")
        .args([
            "list_queues",
            "-p",
            vhost.name(),
            "name",
            "--quiet",
            "--no-table-headers",
        ])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let reply_queue = listing
        .lines()
        .map(str::trim)
        .find(|q| q.starts_with("rpc.reply-standalone_rpc_proxy-"))
        .unwrap_or_else(|| panic!("no reply queue in {listing}"))
        .to_owned();
    let deleted = Instant::now();
    let out = Command::new("rabbitmqctl")
        .args(["delete_queue", "-p", vhost.name(), &reply_queue])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let result = tokio::time::timeout(Duration::from_secs(10), pending)
        .await
        .expect("the call did not hang")
        .unwrap();
    assert!(
        matches!(result, Err(RpcError::ReplyQueueLost(ref q)) if *q == reply_queue),
        "{result:?}"
    );
    assert!(deleted.elapsed() < Duration::from_secs(5));
    // The client declared its queue again and goes on working.
    let err = cluster
        .service("nobody_here")
        .call::<Value>("m", ())
        .await
        .unwrap_err();
    assert!(matches!(err, RpcError::UnknownService(_)), "{err:?}");
    let _ = conn.close(200, "OK".into()).await;
    cluster.close().await;
}

/// Every connection negotiates the configured heartbeat, publishers' included (Python
/// Nameko's publishers have none).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connection_has_a_heartbeat() {
    init_tracing();
    let vhost = TestVhost::create("resilience-heartbeat").unwrap();
    let config = vhost.config().with("HEARTBEAT", 7);
    let runner = run_echo(&config).await;
    let cluster = ClusterRpc::connect(&config).await.unwrap();
    let dispatcher = StandaloneDispatcher::connect(&config).await.unwrap();
    let out = Command::new("rabbitmqctl")
        .args([
            "list_connections",
            "vhost",
            "timeout",
            "--quiet",
            "--no-table-headers",
        ])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let ours: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with(vhost.name()))
        .collect();
    assert_eq!(ours.len(), 3, "service, client, dispatcher: {listing}");
    for line in ours {
        assert!(line.trim_end().ends_with("\t7"), "heartbeat 7 s: {line}");
    }
    dispatcher.close().await;
    cluster.close().await;
    runner.stop().await;
}

/// `LOGIN_METHOD: AMQPLAIN` logs in with RabbitMQ's AMQPLAIN mechanism.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_method_amqplain() {
    init_tracing();
    let vhost = TestVhost::create("login-amqplain").unwrap();
    let config = vhost.config().with("LOGIN_METHOD", "AMQPLAIN");
    let runner = run_echo(&config).await;
    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    assert_eq!(out, "only");
    let out = Command::new("rabbitmqctl")
        .args([
            "list_connections",
            "vhost",
            "auth_mechanism",
            "--quiet",
            "--no-table-headers",
        ])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let ours: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with(vhost.name()))
        .collect();
    assert!(!ours.is_empty(), "{listing}");
    assert!(ours.iter().all(|l| l.ends_with("AMQPLAIN")), "{listing}");
    cluster.close().await;
    runner.stop().await;
}

/// Clients inside services follow the shared connection: after the broker closed every
/// connection, `service_x` calls `service_y` through its `RpcProxy` again, and `source`
/// dispatches through its `EventDispatcher` again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_proxies_and_dispatchers_in_services_survive_closed_connections() {
    use nameko_integration_tests::{Dispatching, PoolListener, Seen, total};
    init_tracing();
    let vhost = TestVhost::create("resilience-deps").unwrap();
    let config = vhost.config();
    let seen = Seen::default();
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(example_rpc::ServiceY).unwrap();
    runner
        .add_service(example_rpc::ServiceX::default())
        .unwrap();
    runner.add_service(Dispatching::default()).unwrap();
    runner.add_service(PoolListener::new("a", &seen)).unwrap();
    runner.start().await.unwrap();
    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(20));
    for round in 0..3 {
        let out: String = cluster
            .service("service_x")
            .call("remote_method", ("hellø",))
            .await
            .unwrap();
        assert_eq!(out, "hellø-x-y", "round {round}");
        let () = cluster
            .service("source")
            .call("fire", (json!({ "round": round }),))
            .await
            .unwrap();
        assert!(
            eventually(Duration::from_secs(10), || async {
                total(&seen, "pool_listener") > round
            })
            .await,
            "round {round}: the event arrived"
        );
        close_all_connections(&vhost);
    }
    cluster.close().await;
    runner.stop().await;
}
