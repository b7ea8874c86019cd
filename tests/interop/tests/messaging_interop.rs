//! nameko.messaging between Rust and Python Nameko 2.14: a Python `Publisher` sends to a
//! queue a Rust `consume` entrypoint consumes, and a Rust `Publisher` sends to a queue a
//! Python `@consume` consumes, on one topic exchange; payload and context data (language,
//! call-id stack) go through both ways.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nameko::entrypoint;
use nameko_amqp::messaging::{Exchange, PublishError, Publisher, Queue, consume};
use nameko_core::{ContextData, ServiceRunner, WorkerContext, rpc, service};
use nameko_interop_tests::{PythonServices, cluster, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

type Seen = Arc<Mutex<Vec<(Value, Vec<String>, Option<String>)>>>;

fn shop() -> Exchange {
    Exchange::topic("interop_shop")
}

/// The Rust consumer of `to_rust`, where Python's `py_publisher` sends.
struct RustConsumer {
    seen: Seen,
}

#[service(name = "rust_consumer")]
impl RustConsumer {
    #[entrypoint(consume(Queue::new("to_rust").exchange(shop()).routing_key("rust.*")))]
    async fn handle(&self, payload: Value) {
        let ctx = WorkerContext::current().unwrap();
        self.seen
            .lock()
            .unwrap()
            .push((payload, ctx.call_id_stack().to_vec(), ctx.language()));
    }
}

/// A Rust service publishing to `interop_shop` with routing key `python.hello`.
struct RustPublisher {
    publish: Publisher,
}

#[service(name = "rust_publisher", dependencies(publish))]
impl RustPublisher {
    #[rpc]
    async fn send(&self, payload: Value) -> Result<(), PublishError> {
        self.publish.publish(&payload).await
    }
}

fn french() -> ContextData {
    let mut data = ContextData::new();
    data.insert("language".into(), json!("fr-fr"));
    data
}

async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn messaging_log() -> PathBuf {
    std::env::temp_dir().join(format!(
        "nameko-interop-messaging-{}.jsonl",
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_publisher_rust_consume() {
    init_tracing();
    let vhost = TestVhost::create("interop-msg-py-rs").unwrap();
    let seen = Seen::default();
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(RustConsumer { seen: seen.clone() })
        .unwrap();
    runner.start().await.unwrap();
    let py = PythonServices::start(
        &vhost,
        &["messaging_services:PyPublisher"],
        &["py_publisher"],
        "",
    )
    .await;

    let client = cluster(&vhost).await.with_context_data(french());
    let payload = json!({"greeting": "hellø", "n": [1, 2.5, null, true]});
    client
        .service("py_publisher")
        .call::<Value>("send", (payload.clone(),))
        .await
        .unwrap();
    wait_for("the Rust consumer", Duration::from_secs(10), || {
        !seen.lock().unwrap().is_empty()
    })
    .await;
    let (got, stack, language) = seen.lock().unwrap()[0].clone();
    assert_eq!(got, payload, "{}", py.output());
    // Python's call-id stack, extended by the Rust worker, and its context data.
    assert_eq!(stack.len(), 3, "{stack:?}");
    assert!(
        stack[0].starts_with("standalone_rpc_proxy.call."),
        "{stack:?}"
    );
    assert!(stack[1].starts_with("py_publisher.send."), "{stack:?}");
    assert!(stack[2].starts_with("rust_consumer.handle."), "{stack:?}");
    assert_eq!(language.as_deref(), Some("fr-fr"));

    client.close().await;
    runner.stop().await;
    drop(py);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_publisher_python_consume() {
    init_tracing();
    let vhost = TestVhost::create("interop-msg-rs-py").unwrap();
    let log = messaging_log();
    let py = PythonServices::start(
        &vhost,
        &["messaging_services:PyConsumer"],
        &["py_consumer"],
        &format!("MESSAGING_LOG: {}\n", serde_json::to_string(&log).unwrap()),
    )
    .await;
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(RustPublisher {
            publish: Publisher::new()
                .exchange(shop())
                .declare(
                    Queue::new("to_python")
                        .exchange(shop())
                        .routing_key("python.*"),
                )
                .routing_key("python.hello"),
        })
        .unwrap();
    runner.start().await.unwrap();

    let client = cluster(&vhost).await.with_context_data(french());
    let payload = json!({"greeting": "hellø", "n": [1, 2.5, null, true]});
    client
        .service("rust_publisher")
        .call::<Value>("send", (payload.clone(),))
        .await
        .unwrap();
    wait_for("the Python consumer", Duration::from_secs(10), || {
        !read_log(&log).is_empty()
    })
    .await;
    let entry = read_log(&log).remove(0);
    assert_eq!(entry["payload"], payload, "{}", py.output());
    assert_eq!(entry["language"], "fr-fr");
    let stack: Vec<String> = serde_json::from_value(entry["call_id_stack"].clone()).unwrap();
    assert_eq!(stack.len(), 3, "{stack:?}");
    assert!(
        stack[0].starts_with("standalone_rpc_proxy.call."),
        "{stack:?}"
    );
    assert!(stack[1].starts_with("rust_publisher.send."), "{stack:?}");
    assert!(stack[2].starts_with("py_consumer.handle."), "{stack:?}");

    client.close().await;
    runner.stop().await;
    drop(py);
    let _ = std::fs::remove_file(&log);
}
