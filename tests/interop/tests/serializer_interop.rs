//! Python Nameko 2.14 configured `serializer: msgpack` and Rust services and clients
//! configured the same, calling each other and exchanging events over RabbitMQ, and a JSON
//! client calling a Rust service that accepts both.
//!
//! The Python services take msgpack only (`ACCEPT: [msgpack]`): kombu refuses a JSON
//! message to them, so every call and event that arrives proves the Rust side encoded
//! msgpack; the strict Rust services (`ACCEPT: [msgpack]`) prove the same of Python.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nameko_amqp::{ClusterRpc, DispatchError, EventDispatcher};
use nameko_core::{Config, ServiceRunner, event_handler, rpc, service};
use nameko_interop_tests::{PyCall, PythonServices, ServiceX, init_tracing, python_client_with};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

/// The Python side's config: msgpack, and nothing else accepted.
const PY_MSGPACK: &str = "serializer: msgpack\nACCEPT: [msgpack]\n";

/// A Rust config on `vhost` with `serializer: msgpack` and `ACCEPT` as given.
fn msgpack(vhost: &TestVhost, accept: &[&str]) -> Config {
    vhost
        .config()
        .with("serializer", "msgpack")
        .with("ACCEPT", json!(accept))
}

async fn msgpack_cluster(vhost: &TestVhost) -> ClusterRpc {
    ClusterRpc::connect(&msgpack(vhost, &["msgpack"]))
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10))
}

/// Python msgpack `ClusterRpcProxy` -> Rust `service_x` (msgpack only) -> Python msgpack
/// `service_y`; then a Python JSON client calls a Rust `service_x` that accepts both and
/// is answered in JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_msgpack_client_calls_rust_service_which_calls_python() {
    init_tracing();
    let vhost = TestVhost::create("interop-msgpack-py-rs-py").unwrap();
    let _py = PythonServices::start_probed(
        &vhost,
        &["seed_services:ServiceY"],
        &["service_y"],
        PY_MSGPACK,
        msgpack(&vhost, &["msgpack"]),
    )
    .await;
    let mut runner = ServiceRunner::new(msgpack(&vhost, &["msgpack"]));
    runner.add_service(ServiceX::default()).unwrap();
    runner.start().await.unwrap();

    let out = python_client_with(
        &vhost,
        None,
        Some("msgpack"),
        &[
            PyCall::new("service_x", "remote_method", vec![json!("hellø")]),
            PyCall::new("service_x", "remote_method", vec![json!("hello")]).call_async(),
            PyCall::new("service_x", "remote_method", vec![json!("world")]).call_async(),
        ],
    )
    .await;
    assert_eq!(out[0].result(), "hellø-x-y");
    assert_eq!(out[1].result(), "hello-x-y");
    assert_eq!(out[2].result(), "world-x-y");
    // A Python JSON client of the msgpack-only service reads its refusal, answered in JSON
    // (Python Nameko would leave the caller waiting).
    let out = python_client_with(
        &vhost,
        None,
        None,
        &[PyCall::new(
            "service_x",
            "remote_method",
            vec![json!("json")],
        )],
    )
    .await;
    let refused = out[0].error();
    assert_eq!(
        refused.exc_type.as_deref(),
        Some("ContentDisallowed"),
        "{refused:?}"
    );
    assert!(
        refused
            .value
            .as_deref()
            .unwrap_or("")
            .contains("application/json"),
        "{refused:?}"
    );
    runner.stop().await;

    // The same Rust service accepting both: a JSON client is answered in JSON (the Python
    // JSON client accepts only JSON), and its call to the msgpack `service_y` is msgpack.
    let mut runner = ServiceRunner::new(msgpack(&vhost, &["json", "msgpack"]));
    runner.add_service(ServiceX::default()).unwrap();
    runner.start().await.unwrap();
    let out = python_client_with(
        &vhost,
        None,
        None,
        &[PyCall::new(
            "service_x",
            "remote_method",
            vec![json!("from json")],
        )],
    )
    .await;
    assert_eq!(out[0].result(), "from json-x-y");
    let out = python_client_with(
        &vhost,
        None,
        Some("msgpack"),
        &[PyCall::new(
            "service_x",
            "remote_method",
            vec![json!("from msgpack")],
        )],
    )
    .await;
    assert_eq!(out[0].result(), "from msgpack-x-y");
    runner.stop().await;
}

/// Rust msgpack `ClusterRpc` -> Python msgpack `service_y`, and -> Python `service_x` ->
/// Python `service_y`; values of every JSON kind survive the trip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_msgpack_client_calls_python_msgpack_services() {
    init_tracing();
    let vhost = TestVhost::create("interop-msgpack-rs-py").unwrap();
    let _py = PythonServices::start_probed(
        &vhost,
        &["seed_services"],
        &["service_x", "service_y"],
        PY_MSGPACK,
        msgpack(&vhost, &["msgpack"]),
    )
    .await;
    let cluster = msgpack_cluster(&vhost).await;
    let y: String = cluster
        .service("service_y")
        .call("append_identifier", ("hellø-x",))
        .await
        .unwrap();
    assert_eq!(y, "hellø-x-y");
    let x: String = cluster
        .service("service_x")
        .call("remote_method", ("hellø",))
        .await
        .unwrap();
    assert_eq!(x, "hellø-x-y");
    // A Python error comes back in msgpack too.
    let err = cluster
        .service("service_y")
        .call::<Value>("append_identifier", ())
        .await
        .unwrap_err();
    assert!(format!("{err}").contains("IncorrectSignature"), "{err}");
    cluster.close().await;
}

type Seen = Arc<Mutex<Vec<Value>>>;

/// Rust handler of the Python `py_source`'s `evt` events, msgpack only.
struct RustListener {
    seen: Seen,
}

#[service(name = "rust_listener")]
impl RustListener {
    #[event_handler("py_source", "evt")]
    async fn handle(&self, payload: Value) {
        self.seen.lock().unwrap().push(payload);
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
        "nameko-interop-msgpack-events-{}.jsonl",
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

/// msgpack events both ways: Python `py_source` -> Rust `rust_listener`, and Rust
/// `rust_source` -> Python `py_listener`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgpack_events_both_ways() {
    init_tracing();
    let vhost = TestVhost::create("interop-msgpack-events").unwrap();
    let log = events_log();
    let seen = Seen::default();
    let mut runner = ServiceRunner::new(msgpack(&vhost, &["msgpack"]));
    runner
        .add_service(RustListener { seen: seen.clone() })
        .unwrap();
    runner.add_service(RustSource::default()).unwrap();
    runner.start().await.unwrap();
    let py = PythonServices::start_probed(
        &vhost,
        &["events_services:PySource", "events_services:PyListener"],
        &["py_source", "py_listener"],
        &format!(
            "{PY_MSGPACK}EVENTS_LOG: {}\n",
            serde_json::to_string(&log).unwrap()
        ),
        msgpack(&vhost, &["msgpack"]),
    )
    .await;
    let cluster = msgpack_cluster(&vhost).await;

    let payload = json!({"greeting": "hellø", "n": [1, 2.5, null, true], "big": 1u64 << 40});
    cluster
        .service("py_source")
        .call::<Value>("fire", (payload.clone(),))
        .await
        .unwrap();
    wait_for("the Rust handler", Duration::from_secs(10), || {
        !seen.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(seen.lock().unwrap()[0], payload);

    cluster
        .service("rust_source")
        .call::<Value>("fire", (json!({"from": "rust", "text": "hellø"}),))
        .await
        .unwrap();
    wait_for("the Python handler", Duration::from_secs(10), || {
        !read_log(&log).is_empty()
    })
    .await;
    assert_eq!(
        read_log(&log)[0]["payload"],
        json!({"from": "rust", "text": "hellø"})
    );

    cluster.close().await;
    runner.stop().await;
    drop(py);
    let _ = std::fs::remove_file(&log);
}

/// The Rust instance of `service_y`, whose answers say which instance answered.
struct RustServiceY;

#[service(name = "service_y")]
impl RustServiceY {
    #[rpc]
    async fn append_identifier(&self, value: String) -> String {
        format!("{value}-y (rust)")
    }
}

/// A mixed pool: a Python and a Rust instance of `service_y`, both msgpack, share
/// `rpc-service_y`; a Python msgpack client's 40 calls are each answered exactly once, by
/// both instances between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_rust_msgpack_instances_share_a_queue() {
    init_tracing();
    let vhost = TestVhost::create("interop-msgpack-pool").unwrap();
    let _py = PythonServices::start_probed(
        &vhost,
        &["seed_services:ServiceY"],
        &["service_y"],
        PY_MSGPACK,
        msgpack(&vhost, &["msgpack"]),
    )
    .await;
    let mut runner = ServiceRunner::new(msgpack(&vhost, &["msgpack"]));
    runner.add_service(RustServiceY).unwrap();
    runner.start().await.unwrap();

    let calls: Vec<PyCall> = (0..40)
        .map(|i| {
            PyCall::new(
                "service_y",
                "append_identifier",
                vec![json!(format!("c{i}"))],
            )
            .call_async()
        })
        .collect();
    let out = python_client_with(&vhost, None, Some("msgpack"), &calls).await;
    assert_eq!(out.len(), 40);
    let (mut rust, mut python) = (0, 0);
    for (i, o) in out.iter().enumerate() {
        let r = o.result().as_str().unwrap().to_owned();
        if r == format!("c{i}-y (rust)") {
            rust += 1;
        } else {
            assert_eq!(r, format!("c{i}-y"));
            python += 1;
        }
    }
    assert!(rust > 0 && python > 0, "rust {rust}, python {python}");
    runner.stop().await;
}
