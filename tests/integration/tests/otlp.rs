//! Feature `otlp`: a service binary run by `cli::run` exports its spans to the
//! OpenTelemetry collector `OTEL_EXPORTER_OTLP_ENDPOINT` names, with no code of its own.
//! The collector here is a small HTTP server receiving OTLP/HTTP JSON.

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use nameko_integration_tests::{eventually, spawn_until_line};
use nameko_test_support::TestVhost;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_nameko-test-service");

/// The OTEL_* variables of the test's own environment must not reach the binary.
const OTEL_VARS: [&str; 8] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SDK_DISABLED",
];

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("RUST_LOG");
    for var in OTEL_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// What the collector received: one `(content-type, body)` per POST /v1/traces.
type Received = Arc<Mutex<Vec<(String, Value)>>>;

/// An OTLP/HTTP collector on 127.0.0.1 keeping every JSON request to `/v1/traces`; its
/// base URL.
async fn collector(received: Received) -> String {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, header};

    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let received = Arc::clone(&received);
            async move {
                let content_type = headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let json: Value = serde_json::from_slice(&body).unwrap_or_else(|e| {
                    panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body))
                });
                received.lock().unwrap().push((content_type, json));
                ([(header::CONTENT_TYPE, "application/json")], "{}")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Every span of the requests, with the `service.name` of its resource.
fn spans(received: &Received) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (_, body) in received.lock().unwrap().iter() {
        for rs in body["resourceSpans"].as_array().into_iter().flatten() {
            let service = attribute(&rs["resource"], "service.name").unwrap_or_default();
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for span in ss["spans"].as_array().into_iter().flatten() {
                    out.push((service.clone(), span.clone()));
                }
            }
        }
    }
    out
}

/// A string attribute (`{"key": k, "value": {"stringValue": v}}`) of a span or resource.
fn attribute(holder: &Value, key: &str) -> Option<String> {
    holder["attributes"]
        .as_array()?
        .iter()
        .find(|kv| kv["key"] == key)
        .and_then(|kv| kv["value"]["stringValue"].as_str())
        .map(str::to_owned)
}

fn sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A request to `echo.whoami` published as a caller in another process would, carrying a
/// known `nameko.traceparent`; returns once the reply is in.
async fn call_with_traceparent(uri: &str, traceparent: &str, correlation_id: &str) -> Value {
    let conn = Connection::connect(uri, ConnectionProperties::default())
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
    let mut replies = ch
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
    let mut headers = FieldTable::default();
    headers.insert(
        "nameko.traceparent".into(),
        AMQPValue::LongString(traceparent.into()),
    );
    ch.basic_publish(
        "nameko-rpc".into(),
        "echo.whoami".into(),
        BasicPublishOptions::default(),
        br#"{"args": [], "kwargs": {}}"#,
        BasicProperties::default()
            .with_reply_to(reply_key.as_str().into())
            .with_correlation_id(correlation_id.into())
            .with_content_type("application/json".into())
            .with_headers(headers),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(20), replies.next())
        .await
        .expect("a reply within 20 s")
        .unwrap()
        .unwrap();
    let reply: Value = serde_json::from_slice(&reply.data).unwrap();
    conn.close(200, "OK".into()).await.unwrap();
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_binary_exports_its_spans_to_the_collector() {
    let vhost = TestVhost::create("otlp-export").unwrap();
    let received = Received::default();
    let endpoint = collector(Arc::clone(&received)).await;

    // The batch processor would wait ten minutes before exporting: what the collector
    // gets, it gets from the flush at shutdown. The log level stays `info`.
    let cmd = command(
        &["--broker", &vhost.uri()],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
        ],
    );
    let child = tokio::task::spawn_blocking(move || {
        spawn_until_line(cmd, "started services: echo", Duration::from_secs(20))
    })
    .await
    .unwrap();

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let correlation_id = format!("otlp-{}", uuid::Uuid::new_v4().simple());
    let reply = call_with_traceparent(
        &vhost.uri(),
        &format!("00-{trace_id}-{caller_span}-01"),
        &correlation_id,
    )
    .await;
    assert_eq!(reply["result"], "binary", "{reply}");

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        received.lock().unwrap().is_empty(),
        "nothing exported before the shutdown"
    );
    sigterm(child.id());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success(), "clean exit after SIGTERM: {out:?}");

    // The flush at shutdown posted the worker's span before the process exited.
    assert!(
        eventually(Duration::from_secs(2), || async {
            spans(&received)
                .iter()
                .any(|(_, s)| s["name"] == "echo.whoami")
        })
        .await,
        "no worker span exported: {:#?}",
        received.lock().unwrap()
    );
    let requests = received.lock().unwrap().clone();
    assert!(
        requests
            .iter()
            .all(|(content_type, _)| content_type == "application/json"),
        "OTLP/HTTP JSON: {requests:?}"
    );
    let spans = spans(&received);
    let (service, worker) = spans
        .iter()
        .find(|(_, s)| s["name"] == "echo.whoami")
        .unwrap();
    assert_eq!(service, "nameko-test-service", "resource service.name");
    assert_eq!(worker["traceId"], trace_id, "{worker:#}");
    assert_eq!(worker["parentSpanId"], caller_span, "{worker:#}");
    let span_id = worker["spanId"].as_str().unwrap();
    assert!(span_id.len() == 16 && span_id != caller_span, "{worker:#}");
    assert_eq!(worker["kind"], 5, "SPAN_KIND_CONSUMER: {worker:#}");
    for (key, value) in [
        ("messaging.system", "rabbitmq"),
        ("messaging.destination.name", "nameko-rpc"),
        ("messaging.operation.type", "process"),
        ("messaging.rabbitmq.destination.routing_key", "echo.whoami"),
        ("messaging.message.conversation_id", correlation_id.as_str()),
        ("service", "echo"),
        ("entrypoint", "whoami"),
    ] {
        assert_eq!(
            attribute(worker, key).as_deref(),
            Some(value),
            "{key} of {worker:#}"
        );
    }
}

fn assert_one_line_config_error(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].starts_with("nameko-test-service: error: config key `"),
        "{stderr}"
    );
    assert!(
        lines[0].contains(expected),
        "{stderr} should contain {expected:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The exit code of every config error.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

#[test]
fn invalid_otlp_settings_are_one_line_config_errors() {
    // Nothing is connected to: the broker is never reached.
    let broker = ["--broker", "amqp://guest:guest@127.0.0.1:1/"];
    let out = command(
        &broker,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "xml"),
        ],
    )
    .output()
    .unwrap();
    assert_one_line_config_error(
        &out,
        "config key `OTEL_EXPORTER_OTLP_PROTOCOL`: unknown OTLP protocol `xml`: use http/protobuf or http/json",
    );

    let out = command(
        &broker,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ],
    )
    .output()
    .unwrap();
    assert_one_line_config_error(&out, "`grpc` is not supported");

    // The same key in the config file.
    let dir = std::env::temp_dir().join(format!("nameko-otlp-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        "OTEL_EXPORTER_OTLP_ENDPOINT: 'http://bad host:4318'\n",
    )
    .unwrap();
    let mut args = broker.to_vec();
    args.extend(["--config", config.to_str().unwrap()]);
    let out = command(&args, &[]).output().unwrap();
    assert_one_line_config_error(
        &out,
        "config key `OTEL_EXPORTER_OTLP_ENDPOINT`: invalid endpoint `http://bad host:4318`",
    );

    // For comparison: another config error exits the same way.
    std::fs::write(&config, "max_workers: lots\n").unwrap();
    let out = command(&args, &[]).output().unwrap();
    assert_one_line_config_error(&out, "max_workers");
}
