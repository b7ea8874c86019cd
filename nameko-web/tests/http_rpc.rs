//! An HTTP handler that calls another service over RPC through a real RabbitMQ, and
//! returns its reply: the HTTP worker's context travels with the call.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{TestService, get, route};
use nameko_amqp::rpc::Rpc;
use nameko_amqp::{RpcError, RpcProxy};
use nameko_core::payload::ArgBinder;
use nameko_core::{Arguments, Entrypoint, MethodError, RemoteError, Service, WorkerContext};
use nameko_test_support::TestVhost;
use nameko_web::{PathParams, Request, into_http_result};
use serde_json::{Value, json};

/// An RPC service written by hand: `shout(word)` upper-cases and reports its caller.
struct Shouter;

impl Service for Shouter {
    fn name(&self) -> &str {
        "shouter"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![Box::new(Rpc::new("shout", |args: Arguments| {
            Box::pin(async move {
                let mut b = ArgBinder::new("shout", &["word"], args)?;
                let word: String = b.take(0)?;
                if word == "fail" {
                    return Err(RemoteError::new("ValueError", "cannot shout `fail`").into());
                }
                let ctx = WorkerContext::current().unwrap();
                let parent = ctx.immediate_parent_call_id().unwrap_or("none").to_owned();
                let trace = ctx.trace_parent();
                Ok::<Value, MethodError>(json!({
                    "word": word.to_uppercase(), "parent": parent,
                    "trace_id": trace.trace_id_hex(),
                    "trace_parent": ctx.remote_parent().map(|p| p.to_string()),
                }))
            })
        }))]
    }
}

/// The HTTP service: `GET /shout/<word>` calls `shouter.shout` and returns its reply.
/// The proxy is not set up as a dependency: inside the worker it finds its container
/// through `WorkerContext::current()`.
fn gateway() -> TestService {
    let proxy = Arc::new(RpcProxy::new("shouter"));
    TestService::new("gateway", move || {
        let proxy = Arc::clone(&proxy);
        vec![route(
            "shout",
            "GET",
            "/shout/<word>",
            move |_r: Request, mut p: PathParams| {
                let proxy = Arc::clone(&proxy);
                async move {
                    let word: String = p.take("word")?;
                    let reply: Result<Value, RpcError> = proxy.call("shout", (word,)).await;
                    match reply {
                        Ok(v) => {
                            let me = WorkerContext::current().unwrap().call_id().to_owned();
                            let parent = v["parent"].as_str().unwrap_or("");
                            assert_eq!(parent, me, "the RPC worker's parent is the HTTP worker");
                            into_http_result(v["word"].as_str().unwrap_or("").to_owned())
                        }
                        Err(e) => Err(nameko_web::__private::http_error!(e)),
                    }
                }
            },
        )]
    })
}

/// `GET /trace`: the HTTP worker's trace context, and the one `shouter.shout` saw.
fn traced_gateway() -> TestService {
    let proxy = Arc::new(RpcProxy::new("shouter"));
    TestService::new("traced_gateway", move || {
        let proxy = Arc::clone(&proxy);
        vec![route(
            "trace",
            "GET",
            "/trace",
            move |_r: Request, _p: PathParams| {
                let proxy = Arc::clone(&proxy);
                async move {
                    let ctx = WorkerContext::current().unwrap();
                    let reply: Value = proxy.call("shout", ("x",)).await.unwrap();
                    let out = json!({
                        "trace": ctx.trace_parent().to_string(),
                        "remote": ctx.remote_parent().map(|p| p.to_string()),
                        "shouter_trace_id": reply["trace_id"],
                        "shouter_parent": reply["trace_parent"],
                    });
                    into_http_result(out.to_string())
                }
            },
        )]
    })
}

#[tokio::test]
async fn http_traceparent_is_continued_over_rpc() {
    common::init_tracing();
    let vhost = TestVhost::create("http-trace").unwrap();
    let config = vhost.config().with("WEB_SERVER_ADDRESS", "127.0.0.1:0");
    let mut runner = nameko_core::ServiceRunner::new(config);
    runner.add_service(Shouter).unwrap();
    runner.add_service(traced_gateway()).unwrap();
    runner.start().await.unwrap();
    let addr = nameko_web::bound_address(runner.shared()).unwrap();
    let client = reqwest::Client::new();
    let get = |traceparent: Option<&'static str>| {
        let mut req = client.get(format!("http://{addr}/trace"));
        if let Some(tp) = traceparent {
            req = req.header("traceparent", tp);
        }
        async move {
            let text = req.send().await.unwrap().text().await.unwrap();
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };

    let sent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let v = get(Some(sent)).await;
    assert_eq!(v["remote"], sent);
    let trace = nameko_core::TraceParent::parse(v["trace"].as_str().unwrap()).unwrap();
    assert_eq!(trace.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_ne!(
        trace.span_id_hex(),
        "00f067aa0ba902b7",
        "the worker has a span of its own"
    );
    assert_eq!(v["shouter_trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    // The RPC worker's parent is the call's span, a child of the HTTP worker's.
    let call = nameko_core::TraceParent::parse(v["shouter_parent"].as_str().unwrap()).unwrap();
    assert_eq!(call.trace_id(), trace.trace_id());
    assert_ne!(call.span_id(), trace.span_id());

    // Without the header (or with an invalid one): a new trace, followed over RPC.
    for tp in [
        None,
        Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
    ] {
        let v = get(tp).await;
        assert_eq!(v["remote"], Value::Null);
        let trace = nameko_core::TraceParent::parse(v["trace"].as_str().unwrap()).unwrap();
        assert_ne!(trace.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(v["shouter_trace_id"], trace.trace_id_hex());
    }
    runner.stop().await;
}

#[tokio::test]
async fn http_handler_calls_a_service_over_rpc() {
    common::init_tracing();
    let vhost = TestVhost::create("http-rpc").unwrap();
    let config = vhost.config().with("WEB_SERVER_ADDRESS", "127.0.0.1:0");
    let mut runner = nameko_core::ServiceRunner::new(config);
    runner.add_service(Shouter).unwrap();
    runner.add_service(gateway()).unwrap();
    runner.start().await.unwrap();
    let addr = nameko_web::bound_address(runner.shared()).unwrap();

    let r = get(addr, "/shout/hell%C3%B8").await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.text(), "HELLØ");

    // the remote error keeps its exc_type through RPC and HTTP
    let r = get(addr, "/shout/fail").await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.text(), "Error: ValueError: cannot shout `fail`\n");

    // several at once
    let client = reqwest::Client::new();
    let calls = (0..5).map(|i| {
        let client = client.clone();
        async move {
            client
                .get(format!("http://{addr}/shout/w{i}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    });
    let replies = futures_util::future::join_all(calls).await;
    assert_eq!(replies, ["W0", "W1", "W2", "W3", "W4"]);
    runner.stop().await;
}
