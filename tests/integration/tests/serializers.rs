//! Serializers against the real broker, Rust on both sides: msgpack RPC and events, a JSON
//! client and a msgpack client of one service that accepts both, and a content type a
//! service does not accept, which is answered (RPC) or set aside (events) while the
//! service keeps serving.

use std::time::Duration;

use nameko_amqp::{ClusterRpc, RpcError, StandaloneDispatcher};
use nameko_core::{Config, ServiceRunner};
use nameko_integration_tests::{Echo, PoolListener, Seen, eventually, init_tracing, total};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

fn with_serializer(vhost: &TestVhost, serializer: &str, accept: &[&str]) -> Config {
    vhost
        .config()
        .with("serializer", serializer)
        .with("ACCEPT", json!(accept))
}

async fn client(config: &Config) -> ClusterRpc {
    ClusterRpc::connect(config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgpack_rpc_and_a_json_client_of_a_service_that_accepts_both() {
    init_tracing();
    let vhost = TestVhost::create("ser-rpc").unwrap();
    let mut runner = ServiceRunner::new(with_serializer(&vhost, "msgpack", &["msgpack", "json"]));
    runner.add_service(Echo::new("a")).unwrap();
    runner.start().await.unwrap();

    let value = json!({"s": "hellø", "n": [1, -2, 2.5, null, true], "big": u64::MAX, "o": {}});
    let msgpack = client(&with_serializer(&vhost, "msgpack", &["msgpack"])).await;
    let back: Value = msgpack
        .service("echo")
        .call("echo", (value.clone(),))
        .await
        .unwrap();
    assert_eq!(back, value);
    // A JSON-only client is answered in JSON (it would refuse a msgpack reply).
    let json_client = client(&with_serializer(&vhost, "json", &["json"])).await;
    let back: Value = json_client
        .service("echo")
        .call("echo", (value.clone(),))
        .await
        .unwrap();
    assert_eq!(back, value);
    msgpack.close().await;
    json_client.close().await;
    runner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unaccepted_content_type_is_answered_and_the_service_keeps_serving() {
    init_tracing();
    let vhost = TestVhost::create("ser-refused").unwrap();
    // The service takes JSON only (the default).
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(Echo::new("a")).unwrap();
    runner.start().await.unwrap();

    // A client that takes msgpack only: the refusal is answered in the request's msgpack.
    let msgpack = client(&with_serializer(&vhost, "msgpack", &["msgpack"])).await;
    match msgpack.service("echo").call::<Value>("echo", ("x",)).await {
        Err(RpcError::Remote(e)) => {
            assert_eq!(e.exc_type, "ContentDisallowed", "{e:?}");
            assert!(e.value.contains("application/x-msgpack"), "{e:?}");
        }
        other => panic!("expected ContentDisallowed, got {other:?}"),
    }
    // Acked, not requeued, and the service still answers JSON.
    let json_client = client(&vhost.config()).await;
    let back: Value = json_client
        .service("echo")
        .call("echo", ("y",))
        .await
        .unwrap();
    assert_eq!(back, "y");
    let stats = vhost.queue_stats("rpc-echo").unwrap().unwrap();
    assert_eq!((stats.ready, stats.unacked), (0, 0), "{stats:?}");
    msgpack.close().await;
    json_client.close().await;
    runner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgpack_events_and_an_unaccepted_event() {
    init_tracing();
    let vhost = TestVhost::create("ser-events").unwrap();
    let seen = Seen::default();
    let mut runner = ServiceRunner::new(with_serializer(&vhost, "msgpack", &["msgpack"]));
    runner.add_service(PoolListener::new("a", &seen)).unwrap();
    runner.start().await.unwrap();

    let msgpack = StandaloneDispatcher::connect(&with_serializer(&vhost, "msgpack", &["msgpack"]))
        .await
        .unwrap();
    msgpack
        .dispatch("source", "evt", &json!({"n": 1, "s": "hellø"}))
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            total(&seen, "pool_listener") == 1
        })
        .await
    );
    // A JSON event to the msgpack-only handler is not handled and not left in the queue
    // (the default `on_malformed` drops it with an error log); the next one is served.
    let json_dispatcher = StandaloneDispatcher::connect(&vhost.config())
        .await
        .unwrap();
    json_dispatcher
        .dispatch("source", "evt", &json!({"n": 2}))
        .await
        .unwrap();
    msgpack
        .dispatch("source", "evt", &json!({"n": 3}))
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            total(&seen, "pool_listener") == 2
        })
        .await
    );
    let payloads: Vec<Value> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, p)| p.clone())
        .collect();
    assert_eq!(
        payloads,
        vec![json!({"n": 1, "s": "hellø"}), json!({"n": 3})]
    );
    let queue = "evt-source-evt--pool_listener.handle";
    assert!(
        eventually(Duration::from_secs(5), || async {
            vhost
                .queue_stats(queue)
                .ok()
                .flatten()
                .is_some_and(|s| s.ready == 0 && s.unacked == 0)
        })
        .await
    );
    msgpack.close().await;
    json_dispatcher.close().await;
    runner.stop().await;
}
