//! `nameko_amqp::messaging` against a real RabbitMQ (127.0.0.1:5672, guest/guest): a
//! `Publisher` and a `consume` entrypoint next to `#[rpc]`, messages from raw lapin with
//! headers, failing consumers with and without `requeue_on_error`, a body that is not
//! JSON, publish options as the broker delivers them, and a mandatory publish to no queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lapin::options::{BasicGetOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldArray, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use nameko::{entrypoint, rpc, service};
use nameko_amqp::ClusterRpc;
use nameko_amqp::messaging::{
    DeliveryMode, Exchange, PublishError, PublishOptions, Publisher, Queue, consume,
};
use nameko_core::{Config, ContextData, ServiceRunner, WorkerContext};
use serde_json::{Value, json};

/// A vhost of the test's own, deleted when dropped.
struct Vhost(String);

impl Vhost {
    fn create(label: &str) -> Self {
        let name = format!("nameko-test-msg-{label}-{}", uuid::Uuid::new_v4().simple());
        ctl(&["add_vhost", &name]);
        ctl(&["set_permissions", "-p", &name, "guest", ".*", ".*", ".*"]);
        Vhost(name)
    }
    fn uri(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:5672/{}", self.0)
    }
    fn config(&self) -> Config {
        Config::new().with("AMQP_URI", self.uri())
    }
}

impl Drop for Vhost {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl")
            .args(["delete_vhost", &self.0])
            .output();
    }
}

fn ctl(args: &[&str]) {
    let out = Command::new("rabbitmqctl").args(args).output().unwrap();
    assert!(out.status.success(), "rabbitmqctl {args:?}: {out:?}");
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Messages ready in `queue` (a passive declare on a fresh connection).
async fn ready(uri: &str, queue: &str) -> u32 {
    let conn = Connection::connect(uri, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let q = channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let _ = conn.close(200, "OK".into()).await;
    q.message_count()
}

/// What a consumer saw: the body, the call-id stack and the context data.
type Seen = Arc<Mutex<Vec<(Value, Vec<String>, ContextData)>>>;

fn record(seen: &Seen, body: Value) {
    let ctx = WorkerContext::current().unwrap();
    seen.lock()
        .unwrap()
        .push((body, ctx.call_id_stack().to_vec(), ctx.data()));
}

fn orders() -> Queue {
    Queue::new("orders")
        .exchange(Exchange::topic("shop"))
        .routing_key("order.*")
}

#[derive(Debug, thiserror::Error)]
#[error("flaky failure")]
struct Flaky;

struct Shop {
    publish: Publisher,
    seen: Seen,
    flaky_calls: Arc<AtomicUsize>,
    fragile_calls: Arc<AtomicUsize>,
}

#[service(name = "shop", dependencies(publish))]
impl Shop {
    #[rpc]
    async fn place(&self, order: Value) -> Result<(), PublishError> {
        self.publish.publish(&order).await
    }

    #[rpc]
    async fn cancel(&self, order: Value) -> Result<(), PublishError> {
        let options = PublishOptions::new().routing_key("order.cancelled");
        self.publish.publish_with(&order, options).await
    }

    #[entrypoint(consume(orders()))]
    async fn on_order(&self, order: Value) {
        record(&self.seen, order);
    }

    /// Fails the first two times, then succeeds: requeued in between.
    #[entrypoint(consume(Queue::new("flaky")).requeue_on_error(true), expected_exceptions(Flaky))]
    async fn on_flaky(&self, _body: Value) -> Result<(), Flaky> {
        if self.flaky_calls.fetch_add(1, Ordering::SeqCst) < 2 {
            return Err(Flaky);
        }
        Ok(())
    }

    /// Always fails: acknowledged anyway (no requeue).
    #[entrypoint(consume(Queue::new("fragile")))]
    async fn on_fragile(&self, _body: Value) -> Result<(), Flaky> {
        self.fragile_calls.fetch_add(1, Ordering::SeqCst);
        Err(Flaky)
    }
}

struct Started {
    vhost: Vhost,
    runner: ServiceRunner,
    seen: Seen,
    flaky_calls: Arc<AtomicUsize>,
    fragile_calls: Arc<AtomicUsize>,
}

async fn start_shop(label: &str) -> Started {
    let vhost = Vhost::create(label);
    let seen = Seen::default();
    let (flaky_calls, fragile_calls) = (Arc::default(), Arc::default());
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(Shop {
            publish: Publisher::new()
                .exchange(Exchange::topic("shop"))
                .routing_key("order.created"),
            seen: seen.clone(),
            flaky_calls: Arc::clone(&flaky_calls),
            fragile_calls: Arc::clone(&fragile_calls),
        })
        .unwrap();
    runner.start().await.unwrap();
    Started {
        vhost,
        runner,
        seen,
        flaky_calls,
        fragile_calls,
    }
}

async fn raw_publish(
    uri: &str,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    headers: FieldTable,
) {
    let conn = Connection::connect(uri, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            BasicProperties::default()
                .with_content_type("application/json".into())
                .with_headers(headers),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let _ = conn.close(200, "OK".into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_to_consume_with_context_data() {
    let s = start_shop("ctx").await;
    let mut data = ContextData::new();
    data.insert("language".into(), json!("fr-fr"));
    let client = ClusterRpc::connect(&s.vhost.config())
        .await
        .unwrap()
        .with_context_data(data);
    let order = json!({"id": 1, "item": "hellø", "qty": [1, 2.5, null]});
    client
        .service("shop")
        .call::<Value>("place", (order.clone(),))
        .await
        .unwrap();
    client
        .service("shop")
        .call::<Value>("cancel", (json!({"id": 2}),))
        .await
        .unwrap();
    wait_for("two orders", || s.seen.lock().unwrap().len() == 2).await;
    let seen = s.seen.lock().unwrap().clone();
    let (body, stack, data) = &seen[0];
    assert_eq!(body, &order);
    assert_eq!(stack.len(), 3, "{stack:?}");
    assert!(
        stack[0].starts_with("standalone_rpc_proxy.call."),
        "{stack:?}"
    );
    assert!(stack[1].starts_with("shop.place."), "{stack:?}");
    assert!(stack[2].starts_with("shop.on_order."), "{stack:?}");
    assert_eq!(data["language"], "fr-fr");
    assert_eq!(seen[1].0, json!({"id": 2}));
    assert!(seen[1].1[1].starts_with("shop.cancel."), "{:?}", seen[1].1);

    // Raw lapin, with Nameko headers and a foreign one.
    let mut headers = FieldTable::default();
    headers.insert(
        "nameko.language".into(),
        AMQPValue::LongString("en-gb".into()),
    );
    headers.insert(
        "nameko.call_id_stack".into(),
        AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::LongString(
            "legacy.send.1".into(),
        )])),
    );
    headers.insert("x-foreign".into(), AMQPValue::Boolean(true));
    raw_publish(
        &s.vhost.uri(),
        "shop",
        "order.raw",
        br#"{"id": 3}"#,
        headers,
    )
    .await;
    wait_for("the raw message", || s.seen.lock().unwrap().len() == 3).await;
    let (body, stack, data) = s.seen.lock().unwrap()[2].clone();
    assert_eq!(body, json!({"id": 3}));
    assert_eq!(stack[0], "legacy.send.1");
    assert!(stack[1].starts_with("shop.on_order."), "{stack:?}");
    assert_eq!(data["language"], "en-gb");
    assert!(!data.contains_key("x-foreign"), "{data:?}");

    // Not JSON: rejected, and the consumer goes on.
    raw_publish(
        &s.vhost.uri(),
        "shop",
        "order.bad",
        b"not json {",
        FieldTable::default(),
    )
    .await;
    raw_publish(
        &s.vhost.uri(),
        "shop",
        "order.ok",
        br#"{"id": 4}"#,
        FieldTable::default(),
    )
    .await;
    wait_for("the message after the bad one", || {
        s.seen.lock().unwrap().len() == 4
    })
    .await;
    assert_eq!(s.seen.lock().unwrap()[3].0, json!({"id": 4}));
    assert_eq!(ready(&s.vhost.uri(), "orders").await, 0);

    client.close().await;
    s.runner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_consumers_requeue_or_acknowledge() {
    let s = start_shop("fail").await;
    raw_publish(
        &s.vhost.uri(),
        "",
        "flaky",
        br#""again""#,
        FieldTable::default(),
    )
    .await;
    raw_publish(
        &s.vhost.uri(),
        "",
        "fragile",
        br#""once""#,
        FieldTable::default(),
    )
    .await;
    // requeue_on_error: delivered until it succeeds.
    wait_for("three flaky deliveries", || {
        s.flaky_calls.load(Ordering::SeqCst) == 3
    })
    .await;
    // No requeue: one delivery, acknowledged.
    wait_for("one fragile delivery", || {
        s.fragile_calls.load(Ordering::SeqCst) == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.flaky_calls.load(Ordering::SeqCst), 3);
    assert_eq!(s.fragile_calls.load(Ordering::SeqCst), 1);
    s.runner.stop().await;
    assert_eq!(ready(&s.vhost.uri(), "flaky").await, 0);
    assert_eq!(ready(&s.vhost.uri(), "fragile").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_options_on_the_wire_and_mandatory() {
    let vhost = Vhost::create("opts");
    let inbox = Queue::new("inbox")
        .exchange(Exchange::direct("mail"))
        .routing_key("inbox")
        .argument("x-max-priority", 10);
    let mut data = ContextData::new();
    data.insert("user_id".into(), json!(7));
    let publisher = Publisher::new()
        .queue(inbox)
        .header("x-source", "test")
        .connect(&vhost.config())
        .await
        .unwrap()
        .with_context_data(data);
    publisher
        .publish_with(
            &json!({"n": 1}),
            PublishOptions::new()
                .priority(7)
                .expiration(Duration::from_secs(60))
                .delivery_mode(DeliveryMode::Transient)
                .header("x-call", 1)
                .correlation_id("c-1"),
        )
        .await
        .unwrap();
    publisher.publish(&"plain").await.unwrap();

    let conn = Connection::connect(&vhost.uri(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let get = |channel: lapin::Channel| async move {
        channel
            .basic_get("inbox".into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
            .expect("a message")
            .delivery
    };
    let first = get(channel.clone()).await;
    let p = &first.properties;
    assert_eq!(
        serde_json::from_slice::<Value>(&first.data).unwrap(),
        json!({"n": 1})
    );
    assert_eq!(*p.priority(), Some(7));
    assert_eq!(p.expiration().as_ref().map(|e| e.as_str()), Some("60000"));
    assert_eq!(*p.delivery_mode(), Some(1));
    assert_eq!(
        p.content_type().as_ref().map(|c| c.as_str()),
        Some("application/json")
    );
    assert_eq!(p.correlation_id().as_ref().map(|c| c.as_str()), Some("c-1"));
    let headers = p.headers().clone().unwrap();
    let headers = headers.inner();
    assert!(headers.contains_key("x-source"), "{headers:?}");
    assert!(headers.contains_key("x-call"), "{headers:?}");
    assert!(headers.contains_key("nameko.user_id"), "{headers:?}");
    assert!(headers.contains_key("nameko.traceparent"), "{headers:?}");
    let second = get(channel.clone()).await;
    assert_eq!(second.data, br#""plain""#);
    assert_eq!(*second.properties.delivery_mode(), Some(2));
    assert_eq!(*second.properties.priority(), None);
    let _ = conn.close(200, "OK".into()).await;

    // Mandatory, with no queue bound for the routing key: the broker returns it.
    let err = publisher
        .publish_with(
            &json!({}),
            PublishOptions::new().routing_key("nowhere").mandatory(true),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PublishError::Undeliverable { exchange, routing_key }
            if exchange == "mail" && routing_key == "nowhere"),
        "{err:?}"
    );
    // Not mandatory: dropped silently, as AMQP does.
    publisher
        .publish_with(&json!({}), PublishOptions::new().routing_key("nowhere"))
        .await
        .unwrap();
    publisher.close().await;
}
