//! Fault containment against the real RabbitMQ: a worker that panics or fails is answered,
//! its message settled and its worker slot released, and the service keeps serving.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nameko_amqp::{ClusterRpc, RpcError, StandaloneDispatcher};
use nameko_core::{Config, ServiceRunner, event_handler, rpc, service};
use nameko_integration_tests::{bind_silent_queue, capture_logs, eventually, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

/// A service whose methods panic.
#[derive(Debug, Clone, Default)]
struct Panicky {
    /// Events handled by `fine`, and attempts per event id of `flaky`.
    seen: Arc<Mutex<Vec<Value>>>,
    attempts: Arc<Mutex<HashMap<u64, usize>>>,
}

fn boom(what: &str) -> ! {
    panic!("{what} exploded")
}

#[service(name = "panicky")]
impl Panicky {
    #[rpc]
    async fn explode(&self, n: u32) -> u32 {
        if n < 1000 {
            boom("explode");
        }
        n
    }

    #[rpc]
    async fn ok(&self) -> String {
        "still serving".to_owned()
    }

    /// Panics on every event.
    #[event_handler("src", "boom")]
    async fn always_panics(&self, _payload: Value) {
        boom("handler");
    }

    /// Panics on the first two attempts of each event, then records it.
    #[event_handler("src", "flaky", requeue_on_error = true)]
    async fn flaky(&self, payload: Value) {
        let id = payload["id"].as_u64().unwrap_or_default();
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
            let n = attempts.entry(id).or_default();
            *n += 1;
            *n
        };
        if attempt <= 2 {
            boom("flaky handler");
        }
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(payload);
    }

    /// Records every event.
    #[event_handler("src", "fine")]
    async fn fine(&self, payload: Value) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(payload);
    }
}

async fn start(config: &Config, service: Panicky) -> ServiceRunner {
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(service).unwrap();
    runner.start().await.unwrap();
    runner
}

fn seen(service: &Panicky) -> Vec<Value> {
    service
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

#[tokio::test]
async fn panicking_rpc_methods_get_error_replies_and_release_their_workers() {
    init_tracing();
    let vhost = TestVhost::create("panic-rpc").unwrap();
    let config = vhost.config().with("max_workers", 2);
    let runner = start(&config, Panicky::default()).await;
    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(1));
    let svc = cluster.service("panicky");

    // 10 calls at once to a method that panics, with only 2 workers: each gets an error
    // reply within its 1 s timeout.
    let calls: Vec<_> = (0..10u32)
        .map(|n| async move { svc.call::<u32>("explode", (n,)).await })
        .collect();
    let started = Instant::now();
    let results = futures_util::future::join_all(calls).await;
    for (n, result) in results.into_iter().enumerate() {
        match result {
            Err(RpcError::Remote(e)) => {
                assert_eq!(e.exc_type, "WorkerPanic", "call {n}: {e:?}");
                assert_eq!(e.value, "explode exploded", "call {n}");
            }
            other => panic!("call {n}: expected a WorkerPanic reply, got {other:?}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(2));

    // The service still answers, on any method.
    let out: String = svc.call("ok", ()).await.unwrap();
    assert_eq!(out, "still serving");
    let out: u32 = svc.call("explode", (1000,)).await.unwrap();
    assert_eq!(out, 1000);

    // Every request was acknowledged.
    // (The last request's ack may reach the broker just after its reply.)
    assert!(
        eventually(Duration::from_secs(5), || async {
            vhost
                .queue_stats("rpc-panicky")
                .ok()
                .flatten()
                .is_some_and(|s| s.ready == 0 && s.unacked == 0)
        })
        .await,
        "{:?}",
        vhost.queue_stats("rpc-panicky")
    );
    assert_eq!(runner.containers()[0].handle().running_workers(), 0);

    cluster.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn panicking_event_handlers_ack_or_requeue_and_the_service_goes_on() {
    init_tracing();
    let vhost = TestVhost::create("panic-events").unwrap();
    let config = vhost.config().with("max_workers", 2);
    let service = Panicky::default();
    let runner = start(&config, service.clone()).await;
    let dispatcher = StandaloneDispatcher::connect(&config).await.unwrap();

    // requeue_on_error = false: 10 events to a handler that always panics, then normal
    // events to another handler of the same service.
    for i in 0..10 {
        dispatcher
            .dispatch("src", "boom", &json!({ "id": i }))
            .await
            .unwrap();
    }
    for i in 0..3 {
        dispatcher
            .dispatch("src", "fine", &json!({ "fine": i }))
            .await
            .unwrap();
    }
    assert!(
        eventually(Duration::from_secs(10), || async {
            seen(&service).len() >= 3
        })
        .await,
        "the other handler kept handling events: {:?}",
        seen(&service)
    );
    let boom_queue = "evt-src-boom--panicky.always_panics";
    assert!(
        eventually(Duration::from_secs(10), || async {
            vhost
                .queue_stats(boom_queue)
                .ok()
                .flatten()
                .is_some_and(|s| s.ready == 0 && s.unacked == 0)
        })
        .await,
        "the panicking handler's events were all acknowledged: {:?}",
        vhost.queue_stats(boom_queue)
    );

    // requeue_on_error = true: each event panics twice and is redelivered, held back
    // before the second redelivery, then handled.
    let started = Instant::now();
    for i in 0..10u64 {
        dispatcher
            .dispatch("src", "flaky", &json!({ "id": i }))
            .await
            .unwrap();
    }
    assert!(
        eventually(Duration::from_secs(20), || async {
            seen(&service).len() >= 13
        })
        .await,
        "every flaky event was handled in the end: {:?}",
        seen(&service)
    );
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "redelivery after a repeated failure is held back"
    );
    let attempts = service.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 10);
    assert!(attempts.values().all(|n| *n == 3), "{attempts:?}");
    let flaky_queue = "evt-src-flaky--panicky.flaky";
    assert!(
        eventually(Duration::from_secs(5), || async {
            vhost
                .queue_stats(flaky_queue)
                .ok()
                .flatten()
                .is_some_and(|s| s.ready == 0 && s.unacked == 0)
        })
        .await,
        "{:?}",
        vhost.queue_stats(flaky_queue)
    );
    assert_eq!(runner.containers()[0].handle().running_workers(), 0);

    dispatcher.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn a_call_whose_reply_never_comes_times_out_by_default() {
    init_tracing();
    let vhost = TestVhost::create("rpc-timeout").unwrap();
    // A tiny RPC_TIMEOUT from the config, and no one answering on `silent`'s queue.
    let config = vhost.config().with("RPC_TIMEOUT", 0.3);
    let runner = start(&config, Panicky::default()).await;
    let cluster = ClusterRpc::connect(&config).await.unwrap();
    // A queue for `silent` that nobody consumes: the request is routed, never answered.
    let conn = bind_silent_queue(&vhost.uri(), "silent").await;
    let started = Instant::now();
    let err = cluster
        .service("silent")
        .call::<Value>("anything", ())
        .await
        .unwrap_err();
    assert!(matches!(err, RpcError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // Still answering otherwise.
    let out: String = cluster.service("panicky").call("ok", ()).await.unwrap();
    assert_eq!(out, "still serving");
    let _ = conn.close(200, "OK".into()).await;
    cluster.close().await;
    runner.stop().await;
}

#[derive(Debug, thiserror::Error)]
#[error("no account for {0}")]
struct NoAccount(String);

/// `login` fails in the three ways the log tells apart.
#[derive(Debug, Default)]
struct Accounts;

#[service(name = "accounts")]
impl Accounts {
    #[rpc(expected_exceptions(NoAccount), sensitive_arguments("password"))]
    async fn login(&self, username: String, password: String) -> Result<String, NoAccount> {
        match username.as_str() {
            "ghost" => Err(NoAccount(username)),
            "crash" => panic!("login crashed for {username}"),
            _ => Ok(format!("token-for-{username}-{}", password.len())),
        }
    }

    #[rpc(sensitive_arguments("password"))]
    async fn broken(&self, username: String, password: String) -> Result<(), std::io::Error> {
        let _ = (username, password);
        Err(std::io::Error::other("ledger unreachable"))
    }
}

/// Through the macros and the real broker: an unexpected error is logged at ERROR, an
/// expected one at WARNING, a panic at ERROR with its location, and the password never.
#[tokio::test]
async fn failures_are_logged_by_level_with_sensitive_arguments_redacted() {
    let (captured, _guard) = capture_logs(tracing::Level::INFO);

    let vhost = TestVhost::create("failure-logs").unwrap();
    let config = vhost.config();
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(Accounts).unwrap();
    runner.start().await.unwrap();
    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(5));
    let svc = cluster.service("accounts");
    captured.take();

    let ok: String = svc.call("login", ("alice", "pa55word")).await.unwrap();
    assert_eq!(ok, "token-for-alice-8");
    let log = captured.take();
    assert!(!log.contains("ERROR") && !log.contains("WARN"), "{log}");

    let err = svc
        .call::<String>("login", ("ghost", "hunter2-secret"))
        .await
        .unwrap_err();
    assert_eq!(err.exc_type(), Some("NoAccount"));
    let log = captured.take();
    assert!(log.contains(" WARN "), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
    assert!(
        log.contains("(expected) error handling worker: no account for ghost"),
        "{log}"
    );
    assert!(log.contains("\"password\":\"********\""), "{log}");
    assert!(!log.contains("hunter2-secret"), "{log}");

    let err = svc
        .call::<()>("broken", ("bob", "hunter2-secret"))
        .await
        .unwrap_err();
    assert_eq!(err.exc_type(), Some("Error"));
    let log = captured.take();
    assert!(log.contains("ERROR"), "{log}");
    assert!(
        log.contains("error handling worker: ledger unreachable"),
        "{log}"
    );
    assert!(log.contains("service=\"accounts\""), "{log}");
    assert!(log.contains("entrypoint=\"broken\""), "{log}");
    assert!(log.contains("call_id=\"accounts.broken."), "{log}");
    assert!(!log.contains("hunter2-secret"), "{log}");

    let err = svc
        .call::<String>("login", ("crash", "hunter2-secret"))
        .await
        .unwrap_err();
    assert_eq!(err.exc_type(), Some("WorkerPanic"));
    let log = captured.take();
    assert!(log.contains("ERROR"), "{log}");
    assert!(
        log.contains("worker panicked: login crashed for crash"),
        "{log}"
    );
    assert!(log.contains("fault_containment.rs:"), "{log}");
    assert!(!log.contains("hunter2-secret"), "{log}");

    cluster.close().await;
    runner.stop().await;
}
