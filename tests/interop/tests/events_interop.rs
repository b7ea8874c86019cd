//! Events between Rust and Python Nameko 2.14: a Python service dispatches and a Rust
//! handler receives; a Rust service dispatches and a Python handler receives; a Rust and a
//! Python instance of one service share its service_pool queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nameko_amqp::{DispatchError, EventDispatcher, StandaloneDispatcher};
use nameko_core::{ContextData, ServiceRunner, WorkerContext, event_handler, rpc, service};
use nameko_interop_tests::{PythonServices, cluster, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

type Seen = Arc<Mutex<Vec<(Value, Vec<String>)>>>;

/// Rust handler of `py_source`'s `evt` events.
struct RustListener {
    seen: Seen,
}

#[service(name = "rust_listener")]
impl RustListener {
    #[event_handler("py_source", "evt")]
    async fn handle(&self, payload: Value) {
        let stack = WorkerContext::current()
            .map(|c| c.call_id_stack().to_vec())
            .unwrap_or_default();
        self.seen.lock().unwrap().push((payload, stack));
    }
}

/// The Rust instance of `shared_listener`: same service and method name as the Python one,
/// so both consume `evt-py_source-evt--shared_listener.handle`.
struct SharedListener {
    seen: Seen,
}

#[service(name = "shared_listener")]
impl SharedListener {
    #[event_handler("py_source", "evt")]
    async fn handle(&self, payload: Value) {
        self.seen.lock().unwrap().push((payload, Vec::new()));
    }
}

/// The Rust instance of `shared_listener` with a failure policy: it fails every event
/// with `fail: true`, which it retries through the broker (the retry may land on either
/// instance) and dead-letters after its last attempt.
struct SharedRetrying {
    seen: Seen,
}

#[derive(Debug, thiserror::Error)]
#[error("rust fails {0}")]
struct RustFails(i64);

#[service(name = "shared_listener")]
impl SharedRetrying {
    #[event_handler("py_source", "evt", retry(max = 3, delay = "100ms"))]
    async fn handle(&self, payload: Value) -> Result<(), RustFails> {
        if payload["fail"] == json!(true) {
            return Err(RustFails(payload["i"].as_i64().unwrap_or(-1)));
        }
        self.seen.lock().unwrap().push((payload, Vec::new()));
        Ok(())
    }
}

/// A Rust service dispatching `evt` events.
#[derive(Default)]
struct RustSource {
    dispatch: EventDispatcher,
}

#[service(name = "rust_source", dependencies(dispatch))]
impl RustSource {
    #[rpc]
    async fn fire(&self, payload: Value) -> Result<(), DispatchError> {
        self.dispatch.dispatch("evt", &payload).await
    }
}

fn events_log() -> PathBuf {
    std::env::temp_dir().join(format!(
        "nameko-interop-events-{}.jsonl",
        uuid::Uuid::new_v4().simple()
    ))
}

fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_dispatches_rust_handles() {
    init_tracing();
    let vhost = TestVhost::create("interop-evt-py-rs").unwrap();
    let seen = Seen::default();
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(RustListener { seen: seen.clone() })
        .unwrap();
    runner.start().await.unwrap();
    let py = PythonServices::start(&vhost, &["events_services:PySource"], &["py_source"], "").await;

    let client = cluster(&vhost).await;
    let payload = json!({"greeting": "hellø", "n": [1, 2.5, null, true]});
    client
        .service("py_source")
        .call::<Value>("fire", (payload.clone(),))
        .await
        .unwrap();
    wait_for("the Rust handler", Duration::from_secs(10), || {
        !seen.lock().unwrap().is_empty()
    })
    .await;
    let (got, stack) = seen.lock().unwrap()[0].clone();
    assert_eq!(got, payload);
    // The event carried Python's call-id stack; the Rust worker extends it.
    assert_eq!(stack.len(), 3, "{stack:?}");
    assert!(
        stack[0].starts_with("standalone_rpc_proxy.call."),
        "{stack:?}"
    );
    assert!(stack[1].starts_with("py_source.fire."), "{stack:?}");
    assert!(stack[2].starts_with("rust_listener.handle."), "{stack:?}");

    client.close().await;
    runner.stop().await;
    drop(py);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_dispatches_python_handles() {
    init_tracing();
    let vhost = TestVhost::create("interop-evt-rs-py").unwrap();
    let log = events_log();
    let py = PythonServices::start(
        &vhost,
        &["events_services:PyListener"],
        &["py_listener"],
        &format!("EVENTS_LOG: {}\n", serde_json::to_string(&log).unwrap()),
    )
    .await;
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(RustSource::default()).unwrap();
    runner.start().await.unwrap();

    // From a Rust service's EventDispatcher, with context data.
    let data: ContextData = serde_json::from_value(json!({"language": "fr"})).unwrap();
    let client = cluster(&vhost).await.with_context_data(data);
    client
        .service("rust_source")
        .call::<Value>("fire", (json!({"from": "rust service", "text": "hellø"}),))
        .await
        .unwrap();
    // From Rust's standalone dispatcher.
    let d = StandaloneDispatcher::connect(&vhost.config())
        .await
        .unwrap();
    d.dispatch("rust_source", "evt", &json!("standalone"))
        .await
        .unwrap();
    d.close().await;

    wait_for("the Python handler", Duration::from_secs(10), || {
        read_log(&log).len() >= 2
    })
    .await;
    let lines = read_log(&log);
    let from_service = lines
        .iter()
        .find(|l| l["payload"]["from"] == "rust service")
        .unwrap();
    assert_eq!(from_service["payload"]["text"], "hellø");
    assert_eq!(from_service["language"], "fr");
    let stack: Vec<String> = serde_json::from_value(from_service["call_id_stack"].clone()).unwrap();
    assert_eq!(stack.len(), 3, "{stack:?}");
    assert!(stack[1].starts_with("rust_source.fire."), "{stack:?}");
    assert!(stack[2].starts_with("py_listener.handle."), "{stack:?}");
    assert!(lines.iter().any(|l| l["payload"] == "standalone"));

    client.close().await;
    runner.stop().await;
    drop(py);
    let _ = std::fs::remove_file(&log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_and_python_instances_share_a_service_pool_queue() {
    init_tracing();
    let vhost = TestVhost::create("interop-evt-shared").unwrap();
    let log = events_log();
    let py = PythonServices::start(
        &vhost,
        &["events_services:SharedListener"],
        &["shared_listener"],
        &format!("EVENTS_LOG: {}\n", serde_json::to_string(&log).unwrap()),
    )
    .await;
    let seen = Seen::default();
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(SharedListener { seen: seen.clone() })
        .unwrap();
    runner.start().await.unwrap();

    let n = 40;
    let d = StandaloneDispatcher::connect(&vhost.config())
        .await
        .unwrap();
    for i in 0..n {
        d.dispatch("py_source", "evt", &json!({"i": i}))
            .await
            .unwrap();
    }
    d.close().await;
    wait_for("all events", Duration::from_secs(15), || {
        seen.lock().unwrap().len() + read_log(&log).len() >= n
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rust = seen.lock().unwrap().len();
    let python = read_log(&log).len();
    assert_eq!(
        rust + python,
        n,
        "each event once: rust {rust}, python {python}"
    );
    assert!(
        rust > 0 && python > 0,
        "both instances consume: rust {rust}, python {python}"
    );
    let mut all: Vec<i64> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(p, _)| p["i"].as_i64().unwrap())
        .chain(
            read_log(&log)
                .iter()
                .map(|l| l["payload"]["i"].as_i64().unwrap()),
        )
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..n as i64).collect::<Vec<_>>());

    runner.stop().await;
    drop(py);
    let _ = std::fs::remove_file(&log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_handler_shares_a_queue_with_a_rust_handler_that_retries() {
    init_tracing();
    let vhost = TestVhost::create("interop-evt-retry").unwrap();
    let log = events_log();
    let py = PythonServices::start(
        &vhost,
        &["events_services:SharedListener"],
        &["shared_listener"],
        &format!("EVENTS_LOG: {}\n", serde_json::to_string(&log).unwrap()),
    )
    .await;
    let seen = Seen::default();
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(SharedRetrying { seen: seen.clone() })
        .unwrap();
    runner.start().await.unwrap();

    let n = 40;
    let d = StandaloneDispatcher::connect(&vhost.config())
        .await
        .unwrap();
    for i in 0..n {
        d.dispatch("py_source", "evt", &json!({"i": i, "fail": i % 2 == 1}))
            .await
            .unwrap();
    }
    d.close().await;
    let conn = lapin::Connection::connect(&vhost.uri(), lapin::ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let dead = || async {
        let options = lapin::options::QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        channel
            .queue_declare(
                "dlq-shared_listener.handle".into(),
                options,
                lapin::types::FieldTable::default(),
            )
            .await
            .map(|q| q.message_count() as usize)
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rust = seen.lock().unwrap().len();
        let handled = rust + read_log(&log).len() + dead().await;
        if handled >= n || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let rust: Vec<i64> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(p, _)| p["i"].as_i64().unwrap())
        .collect();
    let python: Vec<i64> = read_log(&log)
        .iter()
        .map(|l| l["payload"]["i"].as_i64().unwrap())
        .collect();
    let dead = dead().await;
    assert_eq!(
        rust.len() + python.len() + dead,
        n,
        "each event handled once or dead-lettered: rust {rust:?}, python {python:?}, dead {dead}"
    );
    assert!(
        rust.iter().all(|i| i % 2 == 0),
        "rust never succeeds on a failing event"
    );
    let mut all: Vec<i64> = rust.iter().chain(&python).copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), rust.len() + python.len(), "no event twice");
    // Only Python succeeds on the failing events: on their first delivery, or on one of
    // the retries Rust sent back through the queue (which carry the retry headers).
    let python_failing = python.iter().filter(|i| *i % 2 == 1).count();
    assert_eq!(
        python_failing + dead,
        n / 2,
        "every failing event handled by python or dead-lettered: python {python:?}"
    );
    conn.close(200, "done".into()).await.unwrap();
    runner.stop().await;
    drop(py);
    let _ = std::fs::remove_file(&log);
}
