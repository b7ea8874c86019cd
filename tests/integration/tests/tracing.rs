//! W3C trace context across services on the real RabbitMQ: a trace id given to
//! `ClusterRpc` is followed through `trace_x` (RPC) to `trace_y` (RPC) and to an event
//! handler; calls without one start a trace each; a plain `traceparent` AMQP header is
//! read too.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use nameko_amqp::{ClusterRpc, DispatchError, EventDispatcher, RpcError, RpcProxy};
use nameko_core::{
    ContextData, ServiceRunner, TraceParent, WorkerContext, event_handler, rpc, service,
};
use nameko_integration_tests::{eventually, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

/// The trace context a worker saw: its own, and its caller's.
fn seen() -> Value {
    let ctx = WorkerContext::current().unwrap();
    json!({
        "own": ctx.trace_parent().to_string(),
        "remote": ctx.remote_parent().map(|p| p.to_string()),
    })
}

pub struct TraceX {
    y: RpcProxy,
    dispatch: EventDispatcher,
}

#[service(name = "trace_x", dependencies(y, dispatch))]
impl TraceX {
    /// Calls `trace_y.report`, dispatches `traced`, and returns what both saw.
    #[rpc]
    async fn hop(&self) -> Result<Value, RpcError> {
        let y: Value = self.y.call("report", ()).await?;
        self.dispatch
            .dispatch("traced", &json!({}))
            .await
            .map_err(|e: DispatchError| RpcError::NotConnected(e.to_string()))?;
        Ok(json!({ "x": seen(), "y": y }))
    }
}

pub struct TraceY;

#[service(name = "trace_y")]
impl TraceY {
    #[rpc]
    async fn report(&self) -> Value {
        seen()
    }
}

type Events = Arc<Mutex<Vec<Value>>>;

pub struct TraceListener(Events);

#[service(name = "trace_listener")]
impl TraceListener {
    #[event_handler("trace_x", "traced")]
    async fn on_traced(&self, _payload: Value) {
        self.0.lock().unwrap().push(seen());
    }

    #[event_handler("trace_src", "plain")]
    async fn on_plain(&self, _payload: Value) {
        self.0.lock().unwrap().push(seen());
    }
}

fn tp(v: &Value) -> TraceParent {
    TraceParent::parse(v.as_str().unwrap()).unwrap()
}

async fn start(config: &nameko_core::Config, events: &Events) -> ServiceRunner {
    let mut runner = ServiceRunner::new(config.clone());
    runner
        .add_service(TraceX {
            y: RpcProxy::new("trace_y"),
            dispatch: EventDispatcher::new(),
        })
        .unwrap();
    runner.add_service(TraceY).unwrap();
    runner
        .add_service(TraceListener(Arc::clone(events)))
        .unwrap();
    runner.start().await.unwrap();
    runner
}

async fn next_event(events: &Events, n: usize) -> Value {
    assert!(
        eventually(Duration::from_secs(10), || async {
            events.lock().unwrap().len() >= n
        })
        .await,
        "event {n} never came"
    );
    events.lock().unwrap()[n - 1].clone()
}

#[tokio::test]
async fn a_trace_is_followed_across_services_and_events() {
    init_tracing();
    let vhost = TestVhost::create("trace-follow").unwrap();
    let config = vhost.config();
    let events = Events::default();
    let runner = start(&config, &events).await;

    let given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let mut data = ContextData::new();
    data.insert("traceparent".into(), given.into());
    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10))
        .with_context_data(data);
    let out: Value = cluster.service("trace_x").call("hop", ()).await.unwrap();
    let trace_id = 0x0af7651916cd43dd8448eb211c80319c_u128;

    // trace_x: its caller is the ClusterRpc call's span, a child of the given one.
    let x_remote = tp(&out["x"]["remote"]);
    let x_own = tp(&out["x"]["own"]);
    assert_eq!(x_remote.trace_id(), trace_id);
    assert_ne!(
        x_remote.span_id(),
        0xb7ad6b7169203331,
        "the call has a span"
    );
    assert_eq!(x_own.trace_id(), trace_id);
    assert_ne!(x_own.span_id(), x_remote.span_id());

    // trace_y: the same trace, called from a span of trace_x's call.
    let y_remote = tp(&out["y"]["remote"]);
    let y_own = tp(&out["y"]["own"]);
    assert_eq!(y_remote.trace_id(), trace_id);
    assert_eq!(y_own.trace_id(), trace_id);
    assert_ne!(y_remote.span_id(), x_own.span_id());
    assert_ne!(y_own.span_id(), y_remote.span_id());

    // the event: the same trace, from the publish span.
    let ev = next_event(&events, 1).await;
    let ev_remote = tp(&ev["remote"]);
    assert_eq!(ev_remote.trace_id(), trace_id);
    assert_ne!(ev_remote.span_id(), x_own.span_id());
    assert_ne!(ev_remote.span_id(), y_remote.span_id());
    assert_eq!(tp(&ev["own"]).trace_id(), trace_id);
    cluster.close().await;

    // Without a trace context, each standalone call starts its own trace.
    let plain = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let a: Value = plain.service("trace_y").call("report", ()).await.unwrap();
    let b: Value = plain.service("trace_y").call("report", ()).await.unwrap();
    let (a, b) = (tp(&a["remote"]), tp(&b["remote"]));
    assert_ne!(a.trace_id(), b.trace_id());
    assert_ne!(a.trace_id(), trace_id);
    plain.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn a_plain_traceparent_header_is_read() {
    init_tracing();
    let vhost = TestVhost::create("trace-plain").unwrap();
    let config = vhost.config();
    let events = Events::default();
    let runner = start(&config, &events).await;

    // A message from a non-Nameko producer with a plain W3C `traceparent` header.
    let conn = Connection::connect(&vhost.uri(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let given = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let mut headers = FieldTable::default();
    headers.insert("traceparent".into(), AMQPValue::LongString(given.into()));
    channel
        .basic_publish(
            "trace_src.events".into(),
            "plain".into(),
            BasicPublishOptions::default(),
            b"{}",
            BasicProperties::default()
                .with_content_type("application/json".into())
                .with_headers(headers),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let ev = next_event(&events, 1).await;
    assert_eq!(ev["remote"], given);
    assert_eq!(
        tp(&ev["own"]).trace_id_hex(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    conn.close(200, "OK".into()).await.unwrap();
    runner.stop().await;
}
