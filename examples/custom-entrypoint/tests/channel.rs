//! The `redis_channel` entrypoint kind against a real Redis (127.0.0.1:6379, or
//! `NAMEKO_TEST_REDIS_URI`) and a real RabbitMQ (127.0.0.1:5672, guest/guest, one vhost per
//! test) for the `#[rpc]` methods: every test subscribes under a channel prefix of its own
//! (`REDIS_CHANNEL_PREFIX`), so tests and runs do not hear each other.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(missing_docs, unreachable_pub)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use example_custom_entrypoint::channel::{CHANNEL_PREFIX, REDIS_URIS, redis_channel};
use example_custom_entrypoint::{Order, Orders, Received};
use nameko::testing::worker_factory;
use nameko::{
    Config, DependencyProvider, Extension, ServiceContainer, ServiceRunner, Value, WorkerContext,
    WorkerResult, async_trait, entrypoint, json, rpc, service,
};
use nameko_amqp::ClusterRpc;
use nameko_test_support::TestVhost;
use redis::AsyncCommands;

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// The shared test Redis.
fn redis_uri() -> String {
    std::env::var("NAMEKO_TEST_REDIS_URI").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// A channel prefix no other test (or run) uses.
fn unique_prefix(label: &str) -> String {
    format!("nameko-channel-test:{label}:{}:", uuid::Uuid::new_v4())
}

/// Publishes `payload` to `channel`; returns how many subscribers got it.
async fn publish(channel: &str, payload: &str) -> i64 {
    publish_to(&redis_uri(), channel, payload).await
}

async fn publish_to(uri: &str, channel: &str, payload: &str) -> i64 {
    let client = redis::Client::open(uri).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    conn.publish(channel, payload).await.unwrap()
}

/// How many subscribers `channel` has.
async fn subscribers(channel: &str) -> i64 {
    subscribers_at(&redis_uri(), channel).await
}

async fn subscribers_at(uri: &str, channel: &str) -> i64 {
    let client = redis::Client::open(uri).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut conn)
        .await
        .unwrap();
    counts[0].1
}

/// Polls `check` until it is true (10 s at most).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let done = tokio::time::timeout(Duration::from_secs(10), async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(done.is_ok(), "timed out waiting for: {what}");
}

/// A service running over RabbitMQ and Redis, and a client of its `#[rpc]` methods.
struct Running {
    _vhost: TestVhost,
    runner: ServiceRunner,
    cluster: ClusterRpc,
    prefix: String,
}

impl Running {
    async fn start(label: &str) -> Self {
        init_tracing();
        let vhost = TestVhost::create(label).unwrap();
        let prefix = unique_prefix(label);
        let config = vhost
            .config()
            .with(REDIS_URIS, json!({ "default": redis_uri() }))
            .with(CHANNEL_PREFIX, prefix.as_str());
        let mut runner = ServiceRunner::new(config);
        runner.add_service(Orders::default()).unwrap();
        runner.start().await.unwrap();
        let cluster = ClusterRpc::connect(&vhost.config())
            .await
            .unwrap()
            .with_timeout(Duration::from_secs(20));
        Running {
            _vhost: vhost,
            runner,
            cluster,
            prefix,
        }
    }

    fn channel(&self) -> String {
        format!("{}orders.created", self.prefix)
    }

    async fn received(&self) -> Received {
        self.cluster
            .service("orders")
            .call("received_orders", Vec::<Value>::new())
            .await
            .unwrap()
    }

    /// Waits until the service has taken `orders` orders and rejected `rejected`.
    async fn wait_for(&self, orders: usize, rejected: u64) -> Received {
        eventually("the orders to be handled", || async {
            let received = self.received().await;
            received.orders.len() >= orders && received.rejected >= rejected
        })
        .await;
        self.received().await
    }

    async fn stop(self) {
        let channel = self.channel();
        self.cluster.close().await;
        self.runner.stop().await;
        // Stopped: the subscription is gone.
        assert_eq!(subscribers(&channel).await, 0);
    }
}

fn order(id: u64, item: &str, quantity: u32) -> Order {
    Order {
        id,
        item: item.to_owned(),
        quantity,
    }
}

#[tokio::test]
async fn a_published_order_is_handled_and_reported_over_rpc() {
    let running = Running::start("channel-basic").await;
    assert_eq!(running.received().await, Received::default());

    let heard = publish(
        &running.channel(),
        r#"{"id": 1, "item": "tea", "quantity": 2}"#,
    )
    .await;
    assert_eq!(heard, 1, "the service subscribed at start");
    publish(&running.channel(), r#"{"id": 2, "item": "cake"}"#).await;

    let mut received = running.wait_for(2, 0).await;
    // One worker per message, concurrently: any order.
    received.orders.sort_by_key(|o| o.id);
    assert_eq!(received.orders, [order(1, "tea", 2), order(2, "cake", 1)]);
    running.stop().await;
}

#[tokio::test]
async fn a_message_that_is_not_json_is_skipped() {
    let running = Running::start("channel-not-json").await;
    publish(&running.channel(), "this is not JSON").await;
    publish(&running.channel(), r#"{"id": 3, "item": "jam"}"#).await;

    let received = running.wait_for(1, 0).await;
    assert_eq!(received.orders, [order(3, "jam", 1)]);
    assert_eq!(received.rejected, 0);
    running.stop().await;
}

#[tokio::test]
async fn a_failed_worker_is_logged_and_the_subscriber_goes_on() {
    let running = Running::start("channel-errors").await;
    // An `InvalidOrder` (expected: logged as a warning).
    publish(
        &running.channel(),
        r#"{"id": 4, "item": "air", "quantity": 0}"#,
    )
    .await;
    // JSON that is no `Order`: the argument does not bind (logged, the caller's fault).
    publish(&running.channel(), r#"{"nothing": "here"}"#).await;
    running.wait_for(0, 1).await;
    publish(&running.channel(), r#"{"id": 5, "item": "tea"}"#).await;

    let received = running.wait_for(1, 1).await;
    assert_eq!(received.orders, [order(5, "tea", 1)]);
    assert_eq!(received.rejected, 1);
    running.stop().await;
}

// ---- dependency hooks, expected_exceptions, sensitive_arguments, panics, stop ----------

/// What a dependency provider saw of one worker: the entrypoint, its arguments (redacted)
/// and whether its failure was expected (`None`: it succeeded).
type Record = (String, Value, Option<bool>);

#[derive(Debug, Default, Clone)]
pub struct Recorder(Arc<Mutex<Vec<Record>>>);

impl Extension for Recorder {}

#[async_trait]
impl DependencyProvider for Recorder {
    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        let expected = result.failure().map(|failure| failure.is_expected());
        self.0
            .lock()
            .unwrap()
            .push((ctx.entrypoint_name().to_owned(), ctx.arguments(), expected));
    }
}

#[derive(Debug, thiserror::Error)]
#[error("refused")]
pub struct Refused;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Expected: `Refused` is its `source()`.
    #[error("the audit was refused")]
    Refused(#[source] Refused),
    /// Not expected.
    #[error("the audit log is broken")]
    Broken,
}

#[derive(Debug, serde::Deserialize)]
pub struct Event {
    pub action: String,
    #[allow(dead_code)]
    pub token: String,
}

#[derive(Debug, Default)]
pub struct Audit {
    recorder: Recorder,
    /// A slow worker started.
    slow_started: AtomicBool,
    /// A slow worker finished.
    slow_done: AtomicBool,
}

#[service(name = "audit", dependencies(recorder))]
impl Audit {
    #[entrypoint(
        redis_channel("audit"),
        expected_exceptions(Refused),
        sensitive_arguments("event.token")
    )]
    async fn audit(&self, event: Event) -> Result<String, AuditError> {
        match event.action.as_str() {
            "refuse" => Err(AuditError::Refused(Refused)),
            "break" => Err(AuditError::Broken),
            "panic" => panic!("the auditor panicked"),
            "slow" => {
                self.slow_started.store(true, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(500)).await;
                self.slow_done.store(true, Ordering::SeqCst);
                Ok(event.action)
            }
            _ => Ok(event.action),
        }
    }

    #[rpc]
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

/// Only the Redis side: `ServiceContainer` sets up every entrypoint, so the config needs
/// an `AMQP_URI` for `ping`; a test vhost gives one.
async fn start_audit(
    label: &str,
) -> (TestVhost, ServiceContainer, Arc<Mutex<Vec<Record>>>, String) {
    init_tracing();
    let vhost = TestVhost::create(label).unwrap();
    let prefix = unique_prefix(label);
    let config = vhost
        .config()
        .with(REDIS_URIS, json!({ "default": redis_uri() }))
        .with(CHANNEL_PREFIX, prefix.as_str());
    let audit = Audit::default();
    let records = Arc::clone(&audit.recorder.0);
    let container = ServiceContainer::new(audit, Arc::new(config));
    container.start().await.unwrap();
    (vhost, container, records, format!("{prefix}audit"))
}

#[tokio::test]
async fn hooks_expected_exceptions_sensitive_arguments_and_panics() {
    let (_vhost, container, records, channel) = start_audit("channel-hooks").await;
    for action in ["refuse", "break", "panic", "fine"] {
        let payload = json!({"action": action, "token": "s3cret"}).to_string();
        assert_eq!(publish(&channel, &payload).await, 1);
    }
    eventually("four workers", || async {
        records.lock().unwrap().len() == 4
    })
    .await;
    container.stop().await;
    assert_eq!(subscribers(&channel).await, 0);

    let mut records = records.lock().unwrap().clone();
    records.sort_by(|a, b| {
        a.1["event"]["action"]
            .as_str()
            .cmp(&b.1["event"]["action"].as_str())
    });
    let args =
        |action: &str| json!({"event": {"action": action, "token": nameko::worker::REDACTED}});
    assert_eq!(
        records,
        [
            ("audit".to_owned(), args("break"), Some(false)),
            ("audit".to_owned(), args("fine"), None),
            ("audit".to_owned(), args("panic"), Some(false)),
            ("audit".to_owned(), args("refuse"), Some(true)),
        ]
    );
}

#[tokio::test]
async fn stop_waits_for_the_workers_in_flight() {
    let (_vhost, container, records, channel) = start_audit("channel-stop").await;
    let service = container.service::<Audit>().unwrap();
    publish(
        &channel,
        &json!({"action": "slow", "token": "t"}).to_string(),
    )
    .await;
    eventually("the slow worker to start", || async {
        service.slow_started.load(Ordering::SeqCst)
    })
    .await;
    container.stop().await;
    assert!(
        service.slow_done.load(Ordering::SeqCst),
        "stop cut the worker short"
    );
    assert_eq!(records.lock().unwrap().len(), 1);
    // Nobody listens any more.
    assert_eq!(subscribers(&channel).await, 0);
    assert_eq!(
        publish(&channel, r#"{"action": "late", "token": "t"}"#).await,
        0
    );
}

#[tokio::test]
async fn describe_names_the_kind_and_the_channel() {
    let container = ServiceContainer::new(Audit::default(), Arc::new(Config::new()));
    let described: Vec<Value> = container
        .entrypoints()
        .iter()
        .map(|e| e.describe())
        .collect();
    assert_eq!(
        described[0],
        json!({
            "kind": "redis_channel",
            "method": "audit",
            "params": ["event"],
            "expected_exceptions": ["Refused"],
            "sensitive_arguments": ["event.token"],
            "channel": "audit",
            "redis_uri_key": "default",
        })
    );
    assert_eq!(described[1]["kind"], "rpc");
}

#[tokio::test]
async fn a_missing_redis_uri_is_a_config_error_naming_the_key() {
    /// Only a channel subscriber, on another key of `REDIS_URIS`.
    #[derive(Debug)]
    struct Listener;

    #[service(name = "listener")]
    impl Listener {
        #[entrypoint(redis_channel("news").uri_key("events"))]
        async fn on_news(&self, _news: Value) {}
    }

    let config = Config::new().with(REDIS_URIS, json!({ "default": redis_uri() }));
    let container = ServiceContainer::new(Listener, Arc::new(config));
    let err = container.start().await.unwrap_err().to_string();
    assert!(
        err.contains("`REDIS_URIS` has no key `events` (it has: default)"),
        "{err}"
    );

    let container = ServiceContainer::new(Listener, Arc::new(Config::new()));
    let err = container.start().await.unwrap_err().to_string();
    assert!(err.contains("config key `REDIS_URIS` is not set"), "{err}");
}

/// The test kit fires the entrypoint without Redis: `entrypoint_hook` goes through
/// `Entrypoint::fire`.
#[tokio::test]
async fn the_test_kit_fires_the_entrypoint() {
    let orders = worker_factory(Orders::default()).start().await.unwrap();
    let value = orders
        .entrypoint_hook("on_order_created", (json!({"id": 7, "item": "tea"}),))
        .value()
        .await
        .unwrap();
    assert_eq!(value, Value::Null);
    let err = orders
        .entrypoint_hook(
            "on_order_created",
            (json!({"id": 8, "item": "air", "quantity": 0}),),
        )
        .value()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("InvalidOrder"), "{err}");
    let received = orders
        .entrypoint_hook("received_orders", ())
        .result::<Received>()
        .await
        .unwrap();
    assert_eq!(received.orders, [order(7, "tea", 1)]);
    assert_eq!(received.rejected, 1);
    orders.stop().await;
}

// ---- Redis goes away and comes back ----------------------------------------------------

/// A `redis-server` of this test's own, on `port`; killed when dropped.
struct PrivateRedis {
    child: Child,
}

impl PrivateRedis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        PrivateRedis { child }
    }

    async fn wait_ready(&self, uri: &str) {
        let client = redis::Client::open(uri).unwrap();
        eventually("redis-server to answer", || async {
            match client.get_multiplexed_async_connection().await {
                Ok(mut conn) => redis::cmd("PING")
                    .query_async::<()>(&mut conn)
                    .await
                    .is_ok(),
                Err(_) => false,
            }
        })
        .await;
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Only a channel subscriber (no RabbitMQ), quick to subscribe again.
#[derive(Debug, Default)]
pub struct Counter {
    count: AtomicU64,
}

#[service(name = "counter")]
impl Counter {
    #[entrypoint(
        redis_channel("ticks").reconnect_delay(Duration::from_millis(50), Duration::from_millis(400))
    )]
    async fn on_tick(&self, _tick: Value) {
        self.count.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_subscriber_subscribes_again_when_redis_comes_back() {
    init_tracing();
    let port = free_port();
    let uri = format!("redis://127.0.0.1:{port}/0");
    let server = PrivateRedis::start(port);
    server.wait_ready(&uri).await;

    let config = Config::new().with(REDIS_URIS, json!({ "default": uri }));
    let container = ServiceContainer::new(Counter::default(), Arc::new(config));
    container.start().await.unwrap();
    let counter = container.service::<Counter>().unwrap();
    assert_eq!(publish_to(&uri, "ticks", "1").await, 1);
    eventually("the first tick", || async {
        counter.count.load(Ordering::SeqCst) == 1
    })
    .await;

    // Redis goes away for a while (a few failed attempts), then comes back on the same port.
    drop(server);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let server = PrivateRedis::start(port);
    server.wait_ready(&uri).await;
    eventually("the subscriber to be back", || async {
        subscribers_at(&uri, "ticks").await == 1
    })
    .await;
    assert_eq!(publish_to(&uri, "ticks", "2").await, 1);
    eventually("the second tick", || async {
        counter.count.load(Ordering::SeqCst) == 2
    })
    .await;

    container.stop().await;
    assert_eq!(subscribers_at(&uri, "ticks").await, 0);
    drop(server);
}
