//! The failure policy against the real RabbitMQ: delayed retries carried by the broker
//! (tried exactly `max + 1` times at growing intervals, then dead-lettered with the failure
//! in its headers, the service serving meanwhile), a retry pending across a restart of the
//! service, `RetryLater` from the method, undecodable messages dead-lettered, and
//! `FAILURE_POLICY` from the config.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lapin::options::{BasicGetOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use nameko_amqp::StandaloneDispatcher;
use nameko_amqp::failure::Retry;
use nameko_amqp::failure::RetryLater;
use nameko_amqp::messaging::{Queue, consume};
use nameko_core::{Config, Service, ServiceRunner};
use nameko_core::{entrypoint, event_handler, service};
use nameko_integration_tests::*;
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

/// What a handler saw: the event's `id` and when.
type Tries = Arc<Mutex<Vec<(String, Instant)>>>;

fn tries_of(tries: &Tries, id: &str) -> Vec<Instant> {
    tries
        .lock()
        .unwrap()
        .iter()
        .filter(|(i, _)| i == id)
        .map(|(_, t)| *t)
        .collect()
}

#[derive(Debug, thiserror::Error)]
#[error("boom: {0}")]
pub struct Boom(String);

/// Fails every event whose `fail` is true.
pub struct Retrying {
    tries: Tries,
}

#[service(name = "retrying")]
impl Retrying {
    #[event_handler("source", "evt", retry(max = 3, delay = "200ms", backoff = 2.0))]
    async fn handle(&self, payload: Value) -> Result<(), Boom> {
        let id = payload["id"].as_str().unwrap_or("").to_owned();
        self.tries
            .lock()
            .unwrap()
            .push((id.clone(), Instant::now()));
        if payload["fail"] == json!(true) {
            return Err(Boom(id));
        }
        Ok(())
    }
}

/// Fails the first try of each event, asking for a retry in 1.5 s.
pub struct Later {
    tries: Tries,
}

#[service(name = "later")]
impl Later {
    #[event_handler("source", "evt", retry(max = 2, delay = "5s"))]
    async fn handle(&self, payload: Value) -> Result<(), RetryLater> {
        let id = payload["id"].as_str().unwrap_or("").to_owned();
        let first = tries_of(&self.tries, &id).is_empty();
        self.tries.lock().unwrap().push((id, Instant::now()));
        if first {
            return Err(RetryLater::after(Duration::from_millis(1500), "not yet"));
        }
        Ok(())
    }
}

/// Takes a typed payload; an undecodable one goes to the dead-letter queue.
pub struct Strict {
    tries: Tries,
}

#[derive(Debug, serde::Deserialize)]
pub struct Order {
    pub id: String,
}

#[service(name = "strict")]
impl Strict {
    #[event_handler("source", "evt", on_malformed = "dead_letter")]
    async fn handle(&self, order: Order) -> Result<(), Boom> {
        self.tries.lock().unwrap().push((order.id, Instant::now()));
        Ok(())
    }
}

/// Nameko's default in code; the config gives it a policy.
pub struct Configured {
    tries: Tries,
}

#[service(name = "configured")]
impl Configured {
    #[event_handler("source", "evt")]
    async fn handle(&self, payload: Value) -> Result<(), Boom> {
        let id = payload["id"].as_str().unwrap_or("").to_owned();
        self.tries
            .lock()
            .unwrap()
            .push((id.clone(), Instant::now()));
        Err(Boom(id))
    }
}

/// A `consume` entrypoint that always fails, with two retries.
pub struct Jobs {
    tries: Tries,
}

#[service(name = "jobs")]
impl Jobs {
    #[entrypoint(consume(Queue::new("jobs")).retry(Retry::new(2).delay(Duration::from_millis(100))))]
    async fn run(&self, job: Value) -> Result<(), Boom> {
        let id = job["id"].as_str().unwrap_or("").to_owned();
        self.tries
            .lock()
            .unwrap()
            .push((id.clone(), Instant::now()));
        Err(Boom(id))
    }
}

/// Never finishes: only a lost worker ends it.
pub struct Hanging {
    tries: Tries,
}

#[service(name = "hanging")]
impl Hanging {
    #[event_handler("source", "evt", delivery_limit = 2)]
    async fn handle(&self, payload: Value) -> Result<(), Boom> {
        let id = payload["id"].as_str().unwrap_or("").to_owned();
        self.tries.lock().unwrap().push((id, Instant::now()));
        std::future::pending::<()>().await;
        Ok(())
    }
}

async fn start<S: Service>(config: &Config, service: S) -> ServiceRunner {
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(service).unwrap();
    runner.start().await.unwrap();
    runner
}

async fn dispatch(config: &Config, payload: Value) {
    let d = StandaloneDispatcher::connect(config).await.unwrap();
    d.dispatch("source", "evt", &payload).await.unwrap();
    d.close().await;
}

async fn connect(vhost: &TestVhost) -> Connection {
    Connection::connect(&vhost.uri(), ConnectionProperties::default())
        .await
        .unwrap()
}

/// The messages in `queue` (0 when it does not exist).
async fn depth(conn: &Connection, queue: &str) -> u32 {
    let channel = conn.create_channel().await.unwrap();
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    match channel
        .queue_declare(queue.into(), options, FieldTable::default())
        .await
    {
        Ok(q) => q.message_count(),
        Err(_) => 0,
    }
}

fn header<'a>(headers: &'a FieldTable, key: &str) -> Option<&'a AMQPValue> {
    headers.inner().get(key)
}

fn text(headers: &FieldTable, key: &str) -> String {
    match header(headers, key) {
        Some(AMQPValue::LongString(s)) => s.to_string(),
        other => panic!("{key}: {other:?}"),
    }
}

fn metric(name: &str, service: &str) -> Option<f64> {
    let text = nameko_run::metrics::encode();
    let prefix = format!("{name}{{service=\"{service}\",entrypoint=\"handle\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn an_always_failing_handler_is_tried_max_plus_one_times_at_growing_intervals_then_dead_lettered()
 {
    init_tracing();
    let vhost = TestVhost::create("failure-retry").unwrap();
    let config = vhost.config();
    let tries = Tries::default();
    let runner = start(
        &config,
        Retrying {
            tries: Arc::clone(&tries),
        },
    )
    .await;
    let conn = connect(&vhost).await;
    let dlq = "dlq-retrying.handle";
    assert_eq!(depth(&conn, dlq).await, 0, "declared, empty, at start");

    dispatch(&config, json!({"id": "poison", "fail": true})).await;
    // While the poison message waits in the delay queues, the service serves.
    tokio::time::sleep(Duration::from_millis(100)).await;
    dispatch(&config, json!({"id": "good", "fail": false})).await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            depth(&conn, dlq).await == 1
        })
        .await,
        "the poison message reaches the dead-letter queue"
    );
    // Nothing more comes: exactly max + 1 tries.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let poison = tries_of(&tries, "poison");
    assert_eq!(poison.len(), 4, "retry(max = 3): 4 tries in all");
    assert_eq!(tries_of(&tries, "good").len(), 1, "the good event once");
    let gaps: Vec<Duration> = poison.windows(2).map(|w| w[1] - w[0]).collect();
    for (gap, want_ms) in gaps.iter().zip([200u64, 400, 800]) {
        assert!(
            *gap >= Duration::from_millis(want_ms - 20),
            "gap {gap:?} shorter than its delay of {want_ms} ms: {gaps:?}"
        );
        assert!(
            *gap < Duration::from_millis(want_ms + 1500),
            "gap {gap:?} far longer than {want_ms} ms: {gaps:?}"
        );
    }
    assert!(gaps[0] < gaps[1] && gaps[1] < gaps[2], "growing: {gaps:?}");
    assert_eq!(depth(&conn, "evt-source-evt--retrying.handle").await, 0);

    // The dead-lettered message carries its failure.
    let channel = conn.create_channel().await.unwrap();
    let message = channel
        .basic_get(dlq.into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
        .expect("one message");
    let body: Value = serde_json::from_slice(&message.delivery.data).unwrap();
    assert_eq!(body, json!({"id": "poison", "fail": true}));
    let headers = message.delivery.properties.headers().clone().unwrap();
    assert_eq!(
        header(&headers, "x-nameko-attempts"),
        Some(&AMQPValue::LongLongInt(4))
    );
    assert_eq!(text(&headers, "x-nameko-exc-type"), "Boom");
    assert_eq!(text(&headers, "x-nameko-exc-message"), "boom: poison");
    assert_eq!(
        text(&headers, "x-nameko-original-exchange"),
        "source.events"
    );
    assert_eq!(text(&headers, "x-nameko-original-routing-key"), "evt");
    assert_eq!(
        text(&headers, "x-nameko-original-queue"),
        "evt-source-evt--retrying.handle"
    );
    assert_eq!(text(&headers, "x-nameko-entrypoint"), "retrying.handle");
    let first = httpdate::parse_http_date(&text(&headers, "x-nameko-first-failure")).unwrap();
    let last = httpdate::parse_http_date(&text(&headers, "x-nameko-last-failure")).unwrap();
    assert!(last >= first && last.duration_since(first).unwrap() >= Duration::from_secs(1));
    // The event's own properties are kept.
    assert_eq!(
        message
            .delivery
            .properties
            .content_type()
            .as_ref()
            .map(|c| c.as_str()),
        Some("application/json")
    );
    assert_eq!(metric("nameko_retries_total", "retrying"), Some(3.0));
    assert_eq!(metric("nameko_dead_letters_total", "retrying"), Some(1.0));
    runner.stop().await;
}

#[tokio::test]
async fn a_retry_pending_while_the_service_restarts_still_happens() {
    init_tracing();
    let vhost = TestVhost::create("failure-restart").unwrap();
    let config = vhost.config();
    let tries = Tries::default();
    let runner = start(
        &config,
        Later {
            tries: Arc::clone(&tries),
        },
    )
    .await;
    dispatch(&config, json!({"id": "e1"})).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            tries_of(&tries, "e1").len() == 1
        })
        .await
    );
    // The retry (in 1.5 s, asked by RetryLater over the policy's 5 s) waits in the broker
    // while no instance runs.
    runner.stop().await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(tries_of(&tries, "e1").len(), 1);
    let runner = start(
        &config,
        Later {
            tries: Arc::clone(&tries),
        },
    )
    .await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            tries_of(&tries, "e1").len() == 2
        })
        .await,
        "the retry is delivered to the restarted service"
    );
    let t = tries_of(&tries, "e1");
    assert!(
        t[1] - t[0] >= Duration::from_millis(1480),
        "RetryLater's delay"
    );
    let conn = connect(&vhost).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(depth(&conn, "dlq-later.handle").await, 0);
    assert_eq!(depth(&conn, "evt-source-evt--later.handle").await, 0);
    runner.stop().await;
}

#[tokio::test]
async fn undecodable_events_go_to_the_dead_letter_queue() {
    init_tracing();
    let vhost = TestVhost::create("failure-malformed").unwrap();
    let config = vhost.config();
    let tries = Tries::default();
    let runner = start(
        &config,
        Strict {
            tries: Arc::clone(&tries),
        },
    )
    .await;
    let conn = connect(&vhost).await;
    // Not the payload's type, and not JSON at all.
    dispatch(&config, json!({"no_id": 1})).await;
    let channel = conn.create_channel().await.unwrap();
    channel
        .basic_publish(
            "source.events".into(),
            "evt".into(),
            BasicPublishOptions::default(),
            b"{not json",
            BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    dispatch(&config, json!({"id": "fine"})).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            depth(&conn, "dlq-strict.handle").await == 2
        })
        .await,
        "both undecodable events are dead-lettered"
    );
    assert!(
        eventually(Duration::from_secs(5), || async {
            tries_of(&tries, "fine").len() == 1
        })
        .await
    );
    let message = channel
        .basic_get("dlq-strict.handle".into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
        .expect("a message");
    let headers = message.delivery.properties.headers().clone().unwrap();
    assert_eq!(text(&headers, "x-nameko-exc-type"), "MalformedRequest");
    runner.stop().await;
}

#[tokio::test]
async fn failure_policy_from_the_config() {
    init_tracing();
    let vhost = TestVhost::create("failure-config").unwrap();
    let config = vhost.config().with(
        "FAILURE_POLICY",
        json!({"configured.handle": {"retry": {"max": 1, "delay": 0.1}}}),
    );
    let tries = Tries::default();
    let runner = start(
        &config,
        Configured {
            tries: Arc::clone(&tries),
        },
    )
    .await;
    let conn = connect(&vhost).await;
    dispatch(&config, json!({"id": "x"})).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            depth(&conn, "dlq-configured.handle").await == 1
        })
        .await
    );
    assert_eq!(tries_of(&tries, "x").len(), 2, "max 1 retry: two tries");
    runner.stop().await;

    let bad = Config::from_json(json!({
        "FAILURE_POLICY": {"configured.handle": {"retry": {"max": 1, "delay": "1s"}}},
    }))
    .unwrap_err();
    assert_eq!(
        bad.key(),
        Some("FAILURE_POLICY.configured.handle.retry.delay"),
        "{bad}"
    );
}

#[tokio::test]
async fn a_message_whose_worker_is_lost_each_time_stops_at_its_delivery_limit() {
    init_tracing();
    let vhost = TestVhost::create("failure-limit").unwrap();
    // Quorum queues count redeliveries (`x-delivery-count`).
    let config = vhost.config().with("QUEUE_TYPE", "quorum");
    let tries = Tries::default();
    let conn = connect(&vhost).await;
    let mut runner = start(
        &config,
        Hanging {
            tries: Arc::clone(&tries),
        },
    )
    .await;
    dispatch(&config, json!({"id": "crash"})).await;
    for delivery in 1..=2 {
        assert!(
            eventually(Duration::from_secs(10), || async {
                tries_of(&tries, "crash").len() == delivery
            })
            .await,
            "delivery {delivery} runs"
        );
        // The instance dies with the worker running: the broker redelivers the message.
        runner.kill().await;
        runner = start(
            &config,
            Hanging {
                tries: Arc::clone(&tries),
            },
        )
        .await;
    }
    assert!(
        eventually(Duration::from_secs(10), || async {
            depth(&conn, "dlq-hanging.handle").await == 1
        })
        .await,
        "the third delivery goes to the dead-letter queue"
    );
    assert_eq!(tries_of(&tries, "crash").len(), 2, "without running");
    let channel = conn.create_channel().await.unwrap();
    let message = channel
        .basic_get(
            "dlq-hanging.handle".into(),
            BasicGetOptions { no_ack: true },
        )
        .await
        .unwrap()
        .expect("a message");
    let headers = message.delivery.properties.headers().clone().unwrap();
    assert_eq!(text(&headers, "x-nameko-exc-type"), "DeliveryLimitExceeded");
    runner.kill().await;
}

#[tokio::test]
async fn a_consume_entrypoint_retries_then_dead_letters() {
    init_tracing();
    let vhost = TestVhost::create("failure-consume").unwrap();
    let config = vhost.config();
    let tries = Tries::default();
    let runner = start(
        &config,
        Jobs {
            tries: Arc::clone(&tries),
        },
    )
    .await;
    let conn = connect(&vhost).await;
    let channel = conn.create_channel().await.unwrap();
    channel
        .basic_publish(
            "".into(),
            "jobs".into(),
            BasicPublishOptions::default(),
            br#"{"id": "j1"}"#,
            BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            depth(&conn, "dlq-jobs.run").await == 1
        })
        .await
    );
    assert_eq!(tries_of(&tries, "j1").len(), 3, "retry max 2: three tries");
    let message = channel
        .basic_get("dlq-jobs.run".into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
        .expect("a message");
    let headers = message.delivery.properties.headers().clone().unwrap();
    assert_eq!(text(&headers, "x-nameko-original-exchange"), "");
    assert_eq!(text(&headers, "x-nameko-original-routing-key"), "jobs");
    assert_eq!(text(&headers, "x-nameko-original-queue"), "jobs");
    runner.stop().await;
}
