//! Feature `otel`: spans of a call ClusterRpc -> trace_x -> trace_y and of an event,
//! exported by OpenTelemetry's in-memory exporter, form one trace with the W3C ids that
//! travelled on the wire, parent/child links across services, and the messaging
//! attributes.
//!
//! One test in this binary: it installs the global `tracing` subscriber.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko_amqp::{ClusterRpc, DispatchError, EventDispatcher, RpcError, RpcProxy};
use nameko_core::trace::otel::{self, opentelemetry::trace::SpanKind};
use nameko_core::{ServiceRunner, TraceParent, WorkerContext, event_handler, rpc, service};
use nameko_integration_tests::eventually;
use nameko_test_support::TestVhost;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::{Value, json};
use tracing_subscriber::prelude::*;

fn own_trace() -> String {
    WorkerContext::current().unwrap().trace_parent().to_string()
}

pub struct OtelX {
    y: RpcProxy,
    dispatch: EventDispatcher,
}

#[service(name = "otel_x", dependencies(y, dispatch))]
impl OtelX {
    #[rpc]
    async fn hop(&self) -> Result<Value, RpcError> {
        let y: String = self.y.call("report", ()).await?;
        self.dispatch
            .dispatch("hopped", &json!({}))
            .await
            .map_err(|e: DispatchError| RpcError::NotConnected(e.to_string()))?;
        Ok(json!({ "x": own_trace(), "y": y }))
    }
}

pub struct OtelY;

#[service(name = "otel_y")]
impl OtelY {
    #[rpc]
    async fn report(&self) -> String {
        own_trace()
    }
}

pub struct OtelListener(Arc<Mutex<Vec<String>>>);

#[service(name = "otel_listener")]
impl OtelListener {
    #[event_handler("otel_x", "hopped")]
    async fn on_hopped(&self, _payload: Value) {
        self.0.lock().unwrap().push(own_trace());
    }
}

fn attr(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.as_str().into_owned())
}

fn find<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span `{name}` in {:?}", names(spans)))
}

fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

fn ids(span: &SpanData) -> TraceParent {
    TraceParent::from_parts(
        u128::from_be_bytes(span.span_context.trace_id().to_bytes()),
        u64::from_be_bytes(span.span_context.span_id().to_bytes()),
        1,
    )
    .unwrap()
}

fn parent_of(span: &SpanData) -> u64 {
    u64::from_be_bytes(span.parent_span_id.to_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_form_one_trace_across_services() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("nameko", tracing::Level::DEBUG)
        .with_target("nameko_amqp", tracing::Level::DEBUG);
    tracing_subscriber::registry()
        .with(otel::layer(&provider).with_filter(filter))
        .init();

    let vhost = TestVhost::create("otel-spans").unwrap();
    let config = vhost.config();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let mut runner = ServiceRunner::new(config.clone());
    runner
        .add_service(OtelX {
            y: RpcProxy::new("otel_y"),
            dispatch: EventDispatcher::new(),
        })
        .unwrap();
    runner.add_service(OtelY).unwrap();
    runner
        .add_service(OtelListener(Arc::clone(&heard)))
        .unwrap();
    runner.start().await.unwrap();

    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: Value = cluster.service("otel_x").call("hop", ()).await.unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            let spans = exporter.get_finished_spans().unwrap();
            !heard.lock().unwrap().is_empty()
                && spans.iter().any(|s| s.name == "otel_listener.on_hopped")
        })
        .await,
        "the event's worker span never ended"
    );
    cluster.close().await;
    runner.stop().await;
    let spans = exporter.get_finished_spans().unwrap();

    let call = find(&spans, "send otel_x.hop");
    let x = find(&spans, "otel_x.hop");
    let call_y = find(&spans, "send otel_y.report");
    let y = find(&spans, "otel_y.report");
    let publish = find(&spans, "publish otel_x.events");
    let listener = find(&spans, "otel_listener.on_hopped");

    // One trace.
    let trace_id = call.span_context.trace_id();
    for s in [x, call_y, y, publish, listener] {
        assert_eq!(s.span_context.trace_id(), trace_id, "{}", s.name);
    }
    // Parent/child across services: each worker is the child of its call or publish.
    assert_eq!(parent_of(call), 0, "a standalone call starts the trace");
    assert_eq!(parent_of(x), ids(call).span_id());
    assert_eq!(parent_of(call_y), ids(x).span_id());
    assert_eq!(parent_of(y), ids(call_y).span_id());
    assert_eq!(parent_of(publish), ids(x).span_id());
    assert_eq!(parent_of(listener), ids(publish).span_id());
    assert!(x.parent_span_is_remote && y.parent_span_is_remote);

    // The W3C ids the workers saw are the exported spans' ids.
    assert_eq!(out["x"], ids(x).to_string());
    assert_eq!(out["y"], ids(y).to_string());
    assert_eq!(heard.lock().unwrap()[0], ids(listener).to_string());

    // Kinds and messaging attributes.
    assert_eq!(call.span_kind, SpanKind::Client);
    assert_eq!(y.span_kind, SpanKind::Consumer);
    assert_eq!(publish.span_kind, SpanKind::Producer);
    assert_eq!(listener.span_kind, SpanKind::Consumer);
    assert_eq!(attr(y, "messaging.system").as_deref(), Some("rabbitmq"));
    assert_eq!(
        attr(y, "messaging.destination.name").as_deref(),
        Some("nameko-rpc")
    );
    assert_eq!(
        attr(y, "messaging.operation.type").as_deref(),
        Some("process")
    );
    assert_eq!(
        attr(y, "messaging.rabbitmq.destination.routing_key").as_deref(),
        Some("otel_y.report")
    );
    let correlation = attr(call_y, "messaging.message.conversation_id").unwrap();
    assert_eq!(
        attr(y, "messaging.message.conversation_id"),
        Some(correlation),
        "the worker names the call's correlation id"
    );
    assert_eq!(
        attr(call_y, "messaging.operation.type").as_deref(),
        Some("send")
    );
    assert_eq!(
        attr(publish, "messaging.operation.type").as_deref(),
        Some("publish")
    );
    assert_eq!(
        attr(publish, "messaging.destination.name").as_deref(),
        Some("otel_x.events")
    );
    assert_eq!(
        attr(listener, "messaging.rabbitmq.destination.routing_key").as_deref(),
        Some("hopped")
    );
    let _ = provider.shutdown();
}
