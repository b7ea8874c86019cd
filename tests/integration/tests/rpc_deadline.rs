//! RPC deadlines (issue 21): a request whose caller gave up is not run when it is finally
//! delivered; the time left travels on to nested calls.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use nameko_amqp::{ClusterRpc, RpcError, RpcProxy};
use nameko_core::{ServiceRunner, WorkerContext, rpc, service};
use nameko_integration_tests::{eventually, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

const DEADLINE_HEADER: &str = "x-nameko-deadline";

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn deadline_ms(ctx: Option<Arc<WorkerContext>>) -> Value {
    match ctx.and_then(|c| c.deadline()) {
        Some(at) => json!(at.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64),
        None => Value::Null,
    }
}

/// Counts the requests it serves.
#[derive(Debug, Clone, Default)]
struct Counted {
    served: Arc<AtomicUsize>,
}

#[service(name = "deadline_counted")]
impl Counted {
    #[rpc]
    async fn work(&self) -> usize {
        self.served.fetch_add(1, Ordering::SeqCst) + 1
    }
}

fn served(service: &Counted) -> usize {
    service.served.load(Ordering::SeqCst)
}

/// Runs `service` once, so that its durable queue exists, and stops it: requests sent
/// now wait in the queue.
async fn declare_then_stop(vhost: &TestVhost, service: Counted) {
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(service).unwrap();
    runner.start().await.unwrap();
    runner.stop().await;
}

async fn start(vhost: &TestVhost, service: Counted) -> ServiceRunner {
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(service).unwrap();
    runner.start().await.unwrap();
    runner
}

/// The expired-request counter of `deadline_counted.work`.
fn expired(method: &str) -> f64 {
    let text = nameko_run::metrics::encode();
    text.lines()
        .filter(|l| l.starts_with("nameko_rpc_expired_requests_total{"))
        .filter(|l| l.contains("service=\"deadline_counted\""))
        .filter(|l| l.contains(&format!("method=\"{method}\"")))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

/// A raw channel with a reply queue bound to the RPC exchange: `(channel, reply key,
/// consumer)`.
async fn raw_replies(vhost: &TestVhost) -> (Connection, Channel, String, lapin::Consumer) {
    let conn = Connection::connect(&vhost.uri(), ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    let reply_key = uuid::Uuid::new_v4().to_string();
    let q = ch
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    ch.queue_bind(
        q.name().clone(),
        "nameko-rpc".into(),
        reply_key.as_str().into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .unwrap();
    let replies = ch
        .basic_consume(
            q.name().clone(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    (conn, ch, reply_key, replies)
}

/// Publishes a request for `deadline_counted.work` with `deadline` as its deadline header
/// (none when `None`) and `expiration`.
async fn publish_work(
    ch: &Channel,
    reply_key: &str,
    correlation_id: &str,
    deadline: Option<AMQPValue>,
    expiration: Option<&str>,
) {
    let mut headers = FieldTable::default();
    if let Some(deadline) = deadline {
        headers.insert(DEADLINE_HEADER.into(), deadline);
    }
    let mut props = BasicProperties::default()
        .with_reply_to(reply_key.into())
        .with_correlation_id(correlation_id.into())
        .with_content_type("application/json".into())
        .with_headers(headers);
    if let Some(expiration) = expiration {
        props = props.with_expiration(expiration.into());
    }
    ch.basic_publish(
        "nameko-rpc".into(),
        "deadline_counted.work".into(),
        BasicPublishOptions {
            mandatory: true,
            ..Default::default()
        },
        br#"{"args": [], "kwargs": {}}"#,
        props,
    )
    .await
    .unwrap()
    .await
    .unwrap();
}

/// A `ClusterRpc` call with a short timeout, made while the service is stopped, is not
/// run once the service starts (the broker's `expiration` drops it, or the callee would).
#[tokio::test]
async fn a_call_whose_caller_gave_up_is_not_run_by_a_late_service() {
    init_tracing();
    let vhost = TestVhost::create("deadline-cluster").unwrap();
    let service = Counted::default();
    declare_then_stop(&vhost, service.clone()).await;

    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    let err = cluster
        .service("deadline_counted")
        .call::<usize>("work", ())
        .await
        .unwrap_err();
    assert!(matches!(err, RpcError::Timeout { .. }), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let runner = start(&vhost, service.clone()).await;
    // Served afterwards: a fresh call, and nothing else.
    let cluster = cluster.with_timeout(Duration::from_secs(10));
    let n: usize = cluster
        .service("deadline_counted")
        .call("work", ())
        .await
        .unwrap();
    assert_eq!(n, 1, "the expired request ran");
    assert_eq!(served(&service), 1);
    cluster.close().await;
    runner.stop().await;
}

/// The callee's own check, without the broker's help: requests whose deadline header has
/// passed but whose `expiration` is absent or longer are delivered to the starting service,
/// which acknowledges them without running a worker or replying, and counts them. A
/// request with a deadline ahead is served and its reply expires with the deadline; one
/// with a malformed header is served as one without a deadline.
#[tokio::test]
async fn the_callee_drops_requests_past_their_deadline_header() {
    init_tracing();
    let vhost = TestVhost::create("deadline-header").unwrap();
    let service = Counted::default();
    declare_then_stop(&vhost, service.clone()).await;
    let (_conn, ch, reply_key, mut replies) = raw_replies(&vhost).await;
    let expired_before = expired("work");

    let soon = AMQPValue::LongLongInt(now_ms() + 200);
    publish_work(&ch, &reply_key, "no-expiration", Some(soon.clone()), None).await;
    publish_work(
        &ch,
        &reply_key,
        "long-expiration",
        Some(soon),
        Some("60000"),
    )
    .await;
    // Let their deadlines pass while no one consumes.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let ahead = AMQPValue::LongLongInt(now_ms() + 60_000);
    publish_work(&ch, &reply_key, "ahead", Some(ahead), None).await;
    let malformed = AMQPValue::LongString(LongString::from("tomorrow"));
    publish_work(&ch, &reply_key, "malformed", Some(malformed), None).await;
    publish_work(&ch, &reply_key, "none", None, None).await;

    let runner = start(&vhost, service.clone()).await;
    let mut answered = Vec::new();
    for _ in 0..3 {
        let d = tokio::time::timeout(Duration::from_secs(10), replies.next())
            .await
            .expect("a reply for each request still wanted")
            .unwrap()
            .unwrap();
        let id = d.properties.correlation_id().clone().unwrap().to_string();
        let reply: Value = serde_json::from_slice(&d.data).unwrap();
        assert_eq!(reply["error"], Value::Null, "{id}: {reply}");
        let expiration = d.properties.expiration().clone().map(|e| e.to_string());
        match id.as_str() {
            // The time left until the request's deadline, a minute at most.
            "ahead" => {
                let ms: u64 = expiration.expect("an expiring reply").parse().unwrap();
                assert!((50_000..=60_000).contains(&ms), "{ms}");
            }
            // No deadline, no expiration: as Python Nameko replies.
            _ => assert_eq!(expiration, None, "{id}"),
        }
        answered.push(id);
    }
    answered.sort();
    assert_eq!(answered, ["ahead", "malformed", "none"]);
    // The expired ones were ahead of these in the queue: they were dropped, not served.
    assert_eq!(served(&service), 3);
    assert!(
        eventually(Duration::from_secs(5), || async {
            expired("work") - expired_before >= 2.0
        })
        .await
    );
    assert_eq!(expired("work") - expired_before, 2.0);
    // And no late reply comes for them.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), replies.next())
            .await
            .is_err()
    );
    runner.stop().await;
}

/// The inner service of the nested-call tests.
#[derive(Debug, Clone, Default)]
struct Inner;

#[service(name = "deadline_inner")]
impl Inner {
    /// The deadline this worker got, in ms since the epoch (null: none).
    #[rpc]
    async fn deadline(&self) -> Value {
        deadline_ms(WorkerContext::current())
    }

    #[rpc]
    async fn sleep(&self, seconds: f64) {
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    }
}

/// Calls `deadline_inner` with a proxy of the default `RPC_TIMEOUT` (30 s).
#[derive(Debug)]
struct Outer {
    inner: RpcProxy,
    /// The nested call's error, in `slow`.
    nested: Arc<Mutex<Option<String>>>,
}

#[service(name = "deadline_outer", dependencies(inner))]
impl Outer {
    /// `[own deadline, the inner worker's deadline]`, each in ms since the epoch or null.
    #[rpc]
    async fn deadlines(&self) -> Result<Value, RpcError> {
        let own = deadline_ms(WorkerContext::current());
        let inner: Value = self.inner.call("deadline", ()).await?;
        Ok(json!([own, inner]))
    }

    /// Calls `sleep(seconds)` and records how the call ended.
    #[rpc]
    async fn slow(&self, seconds: f64) -> Result<(), RpcError> {
        let result = self.inner.call::<()>("sleep", (seconds,)).await;
        *self.nested.lock().unwrap() = Some(match &result {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.to_string(),
        });
        result
    }
}

fn outer() -> (Outer, Arc<Mutex<Option<String>>>) {
    let nested = Arc::new(Mutex::new(None));
    let service = Outer {
        inner: RpcProxy::new("deadline_inner"),
        nested: Arc::clone(&nested),
    };
    (service, nested)
}

/// Inside a worker serving a request with a deadline, a call gets the time left: the inner
/// worker sees the outer one's deadline, not the proxy's own 30 s; a caller without a
/// timeout sends none, and the nested call then has its own.
#[tokio::test]
async fn a_nested_call_gets_the_remaining_deadline() {
    init_tracing();
    let vhost = TestVhost::create("deadline-nested").unwrap();
    let (service, _) = outer();
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(Inner).unwrap();
    runner.add_service(service).unwrap();
    runner.start().await.unwrap();
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(5));

    let before = now_ms();
    let got: Vec<Option<i64>> = cluster
        .service("deadline_outer")
        .call("deadlines", ())
        .await
        .unwrap();
    let after = now_ms();
    let (own, inner) = (got[0].expect("a deadline"), got[1].expect("a deadline"));
    assert!(
        (before + 5_000..=after + 5_000).contains(&own),
        "{before} {own} {after}"
    );
    // The same absolute deadline, not now + 30 s.
    assert!(inner <= own && own - inner <= 1, "{own} {inner}");

    // Without a timeout: no deadline for the outer worker; the nested call has its own.
    let forever = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .without_timeout();
    let before = now_ms();
    let got: Vec<Option<i64>> = forever
        .service("deadline_outer")
        .call("deadlines", ())
        .await
        .unwrap();
    assert_eq!(got[0], None);
    let inner = got[1].expect("the proxy's own RPC_TIMEOUT");
    assert!(
        (before + 29_000..=now_ms() + 30_000).contains(&inner),
        "{inner}"
    );
    forever.close().await;
    cluster.close().await;
    runner.stop().await;
}

/// The nested call times out with the outer caller, after the time left, not after the
/// proxy's own 30 s.
#[tokio::test]
async fn a_nested_call_times_out_with_its_caller() {
    init_tracing();
    let vhost = TestVhost::create("deadline-nested-timeout").unwrap();
    let (service, nested) = outer();
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(Inner).unwrap();
    runner.add_service(service).unwrap();
    runner.start().await.unwrap();
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_millis(1_000));
    let err = cluster
        .service("deadline_outer")
        .call::<()>("slow", (3.0,))
        .await
        .unwrap_err();
    assert!(matches!(err, RpcError::Timeout { .. }), "{err}");
    assert!(
        eventually(Duration::from_secs(2), || async {
            nested.lock().unwrap().is_some()
        })
        .await,
        "the nested call was still waiting after its caller's deadline"
    );
    let message = nested.lock().unwrap().clone().unwrap();
    // `Duration`'s `Debug`: under a second, in (fractional) milliseconds.
    let ms: f64 = message
        .strip_prefix("RPC call to `deadline_inner.sleep` timed out after ")
        .and_then(|rest| rest.strip_suffix("ms"))
        .unwrap_or_else(|| panic!("{message}"))
        .parse()
        .unwrap();
    assert!(ms < 1_000.0, "{message}");
    cluster.close().await;
    runner.kill().await;
}
