//! Rust and Python Nameko 2.14 services and clients calling each other over RabbitMQ.
//!
//! Each test has a vhost of its own, one `nameko run` process and, where needed, Rust
//! services in this process. Needs RabbitMQ (with `rabbitmqctl`) and `scripts/python-venv`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use nameko_amqp::RpcError;
use nameko_core::{Arguments, RemoteError, ServiceRunner};
use nameko_interop_tests::{
    ContextView, PyCall, PythonServices, RustErrors, ServiceX, cluster, init_tracing, python_client,
};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

/// Asserts `id` is `<prefix><uuid4>`, Nameko's call-id shape.
fn assert_call_id(id: &str, prefix: &str) {
    let rest = id
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("call id `{id}` does not start with `{prefix}`"));
    assert!(
        uuid::Uuid::parse_str(rest).is_ok(),
        "call id `{id}` does not end with a uuid"
    );
}

fn view(v: &Value) -> ContextView {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not a context view: {v}: {e}"))
}

/// `data` without its `traceparent` (a Python worker keeps the `nameko.traceparent`
/// header of a Rust caller as context data), and that `traceparent`, checked valid.
///
/// Python Nameko 2.14 keeps every header of a request as context data, so the data of a
/// Python worker called by a Rust caller with a timeout also holds the
/// `x-nameko-deadline` header (see nameko-amqp's `rpc::deadline`): checked to be a
/// deadline in the future and removed too.
fn without_trace(
    mut data: serde_json::Map<String, Value>,
) -> (serde_json::Map<String, Value>, nameko_core::TraceParent) {
    let deadline = data
        .remove("x-nameko-deadline")
        .unwrap_or_else(|| panic!("no x-nameko-deadline in {data:?}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let deadline = deadline.as_u64().unwrap_or_else(|| panic!("{deadline}"));
    assert!(
        (now..now + 31_000).contains(&deadline),
        "x-nameko-deadline {deadline}, now {now}"
    );
    let tp = data
        .remove("traceparent")
        .unwrap_or_else(|| panic!("no traceparent in {data:?}"));
    let tp = nameko_core::TraceParent::parse(tp.as_str().unwrap()).unwrap();
    (data, tp)
}

fn data(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

async fn rust_services(vhost: &TestVhost, x: bool, errors: bool) -> ServiceRunner {
    let mut runner = ServiceRunner::new(vhost.config());
    if x {
        runner.add_service(ServiceX::default()).unwrap();
    }
    if errors {
        runner.add_service(RustErrors).unwrap();
    }
    runner.start().await.unwrap();
    runner
}

/// Python `ClusterRpcProxy` -> Rust `service_x` -> Python `service_y` (the seed's example).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_calls_rust_service_x_which_calls_python_service_y() {
    init_tracing();
    let vhost = TestVhost::create("interop-py-rs-py").unwrap();
    let _py = PythonServices::start(&vhost, &["seed_services:ServiceY"], &["service_y"], "").await;
    let runner = rust_services(&vhost, true, false).await;

    let out = python_client(
        &vhost,
        None,
        &[
            PyCall::new("service_x", "remote_method", vec![json!("hellø")]),
            PyCall::new("service_x", "remote_method", vec![json!("hello")]).call_async(),
            PyCall::new("service_x", "remote_method", vec![json!("world")]).call_async(),
        ],
    )
    .await;
    assert_eq!(out[0].result(), "hellø-x-y");
    assert_eq!(out[1].result(), "hello-x-y");
    assert_eq!(out[2].result(), "world-x-y");

    runner.stop().await;
}

/// Rust `ClusterRpc` -> Python `service_y`, and -> Python `service_x` -> Python `service_y`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_calls_python_services() {
    init_tracing();
    let vhost = TestVhost::create("interop-rs-py").unwrap();
    let _py =
        PythonServices::start(&vhost, &["seed_services"], &["service_x", "service_y"], "").await;
    let cluster = cluster(&vhost).await;

    let y: String = cluster
        .service("service_y")
        .call("append_identifier", ("hellø-x",))
        .await
        .unwrap();
    assert_eq!(y, "hellø-x-y");
    let x = cluster.service("service_x");
    let out: String = x.call("remote_method", ("hellø",)).await.unwrap();
    assert_eq!(out, "hellø-x-y");
    let kw = Arguments {
        args: vec![],
        kwargs: data(json!({"value": "kwårg"})),
    };
    let out: String = x.call("remote_method", kw).await.unwrap();
    assert_eq!(out, "kwårg-x-y");

    let hello = x.call_async("remote_method", ("hello",)).await.unwrap();
    let world = x.call_async("remote_method", ("world",)).await.unwrap();
    assert_eq!(world.result::<String>().await.unwrap(), "world-x-y");
    assert_eq!(hello.result::<String>().await.unwrap(), "hello-x-y");

    cluster.close().await;
}

fn remote(result: Result<Value, RpcError>) -> RemoteError {
    match result {
        Err(RpcError::Remote(e)) => e,
        other => panic!("expected a remote error, got {other:?}"),
    }
}

/// Python exceptions arrive in Rust as `RpcError::Remote`, exactly as Python sent them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_exceptions_arrive_in_rust() {
    init_tracing();
    let vhost = TestVhost::create("interop-py-errors").unwrap();
    let _py = PythonServices::start(
        &vhost,
        &["interop_services:PyErrors", "seed_services:ServiceY"],
        &["py_errors", "service_y"],
        "",
    )
    .await;
    let cluster = cluster(&vhost).await;
    let svc = cluster.service("py_errors");

    // raise ValueError("bad value", 3): Nameko makes the args JSON-safe with str().
    let e = remote(svc.call("value_error", ()).await);
    assert_eq!(
        e,
        RemoteError {
            exc_type: "ValueError".into(),
            exc_path: "builtins.ValueError".into(),
            exc_args: vec![json!("bad value"), json!("3")],
            value: "('bad value', 3)".into(),
        }
    );
    assert_eq!(e.to_string(), "ValueError ('bad value', 3)");

    let e = remote(svc.call("unicode_error", ("ø",)).await);
    assert_eq!(e.exc_type, "ValueError");
    assert_eq!(e.exc_path, "builtins.ValueError");
    assert_eq!(e.exc_args, vec![json!("cannot take ø")]);
    assert_eq!(e.value, "cannot take ø");

    // Nameko's own errors, from a Python service.
    let e = remote(svc.call("no_such_method", ()).await);
    assert_eq!(
        e,
        RemoteError {
            exc_type: "MethodNotFound".into(),
            exc_path: "nameko.exceptions.MethodNotFound".into(),
            exc_args: vec![json!("no_such_method")],
            value: "no_such_method".into(),
        }
    );
    assert!(e.is_bad_request());

    let e = remote(svc.call("takes_two", (1,)).await);
    assert_eq!(e.exc_type, "IncorrectSignature");
    assert_eq!(e.exc_path, "nameko.exceptions.IncorrectSignature");
    assert_eq!(
        e.value,
        "takes_two() missing 1 required positional argument: 'b'"
    );
    assert_eq!(e.exc_args, vec![json!(e.value)]);

    // Python's wording counts `self` (nameko checks with `inspect.getcallargs`).
    let e = remote(svc.call("takes_two", (1, 2, 3)).await);
    assert_eq!(e.exc_type, "IncorrectSignature");
    assert_eq!(
        e.value,
        "takes_two() takes 3 positional arguments but 4 were given"
    );
    let e = remote(
        svc.call(
            "takes_two",
            Arguments {
                args: vec![json!(1)],
                kwargs: data(json!({"c": 2})),
            },
        )
        .await,
    );
    assert_eq!(e.exc_type, "IncorrectSignature");
    assert_eq!(
        e.value,
        "takes_two() got an unexpected keyword argument 'c'"
    );

    // An error passing through a Python service keeps its type, and the worker goes on.
    let ok: Vec<i64> = svc.call("takes_two", (1, 2)).await.unwrap();
    assert_eq!(ok, [1, 2]);
    let e = cluster
        .service("service_y")
        .call::<Value>("append_identifier", ())
        .await
        .unwrap_err();
    assert_eq!(e.exc_type(), Some("IncorrectSignature"));

    cluster.close().await;
}

/// A Python service's own exception is matched by type by a Rust caller that registered
/// `py_errors.NoAccount` ([`nameko_amqp::RemoteErrors`]); its other errors stay remote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_exception_is_matched_as_a_local_type() {
    #[derive(Debug, thiserror::Error)]
    #[error("no account {0}")]
    struct NoAccount(String);

    init_tracing();
    let vhost = TestVhost::create("interop-py-typed").unwrap();
    let _py =
        PythonServices::start(&vhost, &["interop_services:PyErrors"], &["py_errors"], "").await;
    let errors = nameko_amqp::RemoteErrors::new().register("py_errors", "NoAccount", |remote| {
        NoAccount(
            remote
                .exc_args
                .first()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        )
    });
    let cluster = cluster(&vhost).await.with_remote_errors(errors);
    let svc = cluster.service("py_errors");

    let err = svc.call::<Value>("balance", ("acc-3",)).await.unwrap_err();
    let typed = err
        .downcast_ref::<NoAccount>()
        .unwrap_or_else(|| panic!("not typed: {err:?}"));
    assert_eq!(typed.0, "acc-3");
    let remote = err.remote().unwrap();
    assert_eq!(remote.exc_path, "interop_services.NoAccount");
    assert_eq!(err.to_string(), "NoAccount acc-3");

    let err = svc.call::<Value>("value_error", ()).await.unwrap_err();
    assert!(
        matches!(&err, RpcError::Remote(r) if r.exc_type == "ValueError"),
        "{err}"
    );
    cluster.close().await;
}

/// Rust errors arrive in Python: ours as `RemoteError` with our `exc_type`, Nameko's
/// built-in ones as Python's own exception classes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_errors_arrive_in_python() {
    init_tracing();
    let vhost = TestVhost::create("interop-rs-errors").unwrap();
    let runner = rust_services(&vhost, false, true).await;

    let out = python_client(
        &vhost,
        None,
        &[
            PyCall::new("rust_errors", "invalid_widget", vec![]),
            PyCall::new("rust_errors", "broken_widget", vec![json!(7)]),
            PyCall::new("rust_errors", "no_such_method", vec![]),
            PyCall::new("rust_errors", "add", vec![json!(1)]),
            PyCall::new("rust_errors", "add", vec![json!(1), json!(2), json!(3)]),
            PyCall::new("rust_errors", "add", vec![json!(1)]).kwargs(json!({"c": 2})),
            PyCall::new("rust_errors", "add", vec![json!("x"), json!(2)]),
            PyCall::new("rust_errors", "add", vec![]).kwargs(json!({"a": 1, "b": 2})),
            PyCall::new("rust_errors", "invalid_widget", vec![]).call_async(),
            PyCall::new("rust_errors", "panics", vec![]),
            PyCall::new("rust_errors", "add", vec![json!(2), json!(3)]),
        ],
    )
    .await;

    let e = out[0].error();
    assert_eq!(e.class, "nameko.exceptions.RemoteError");
    assert_eq!(e.exc_type.as_deref(), Some("InvalidWidget"));
    assert_eq!(e.value.as_deref(), Some("widget 7 is broken"));
    assert_eq!(e.str, "InvalidWidget widget 7 is broken");

    let e = out[1].error();
    assert_eq!(e.class, "nameko.exceptions.RemoteError");
    assert_eq!(e.exc_type.as_deref(), Some("WidgetBroken"));
    assert_eq!(e.value.as_deref(), Some("widget 7 is broken"));
    assert_eq!(e.str, "WidgetBroken widget 7 is broken");

    let e = out[2].error();
    assert_eq!(e.class, "nameko.exceptions.MethodNotFound");
    assert_eq!(e.args, vec![json!("no_such_method")]);
    assert_eq!(e.str, "no_such_method");

    for (i, o) in out[3..7].iter().enumerate() {
        let e = o.error();
        assert_eq!(
            e.class,
            "nameko.exceptions.IncorrectSignature",
            "call {}: {e:?}",
            i + 3
        );
        assert!(e.str.starts_with("add() "), "{e:?}");
    }
    assert_eq!(
        out[3].error().str,
        "add() missing 1 required positional argument: 'b'"
    );
    assert_eq!(
        out[5].error().str,
        "add() got an unexpected keyword argument 'c'"
    );

    assert_eq!(out[7].result(), &json!(3));
    let e = out[8].error();
    assert_eq!(e.class, "nameko.exceptions.RemoteError");
    assert_eq!(e.exc_type.as_deref(), Some("InvalidWidget"));

    // A panicking Rust method: Python gets a RemoteError, and the service goes on.
    let e = out[9].error();
    assert_eq!(e.class, "nameko.exceptions.RemoteError");
    assert_eq!(e.exc_type.as_deref(), Some("WorkerPanic"));
    assert_eq!(e.value.as_deref(), Some("the widget press jammed"));
    assert_eq!(e.str, "WorkerPanic the widget press jammed");
    assert_eq!(out[10].result(), &json!(5));

    runner.stop().await;
}

/// Python client (context data fr/u1) -> Rust `service_x` -> Python `py_context`: the
/// call-id stack grows by one per hop and the context data crosses both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_crosses_python_to_rust_to_python() {
    init_tracing();
    let vhost = TestVhost::create("interop-ctx-py-rs-py").unwrap();
    let _py =
        PythonServices::start(&vhost, &["interop_services:PyContext"], &["py_context"], "").await;
    let runner = rust_services(&vhost, true, false).await;

    let out = python_client(
        &vhost,
        Some(json!({"language": "fr", "user_id": "u1"})),
        &[
            PyCall::new("service_x", "context_report", vec![]),
            PyCall::new("service_x", "context_chain", vec![]),
        ],
    )
    .await;
    let expected_data = data(json!({"language": "fr", "user_id": "u1"}));

    // What the Rust worker saw of the Python client's call.
    let rust = view(out[0].result());
    assert_eq!(rust.call_id_stack.len(), 2, "{rust:?}");
    assert_call_id(&rust.call_id_stack[0], "standalone_rpc_proxy.call.");
    assert_call_id(&rust.call_id, "service_x.context_report.");
    assert_eq!(rust.call_id_stack[1], rust.call_id);
    assert_eq!(rust.language.as_deref(), Some("fr"));
    assert_eq!(rust.user_id.as_deref(), Some("u1"));
    assert_eq!(rust.data, expected_data);
    // Python's ClusterRpcProxy sends no deadline: served as before, without one.
    assert_eq!(rust.deadline, None);

    // service_x.context_chain called py_context.report over its RpcProxy.
    let chain = out[1].result();
    let rust = view(&chain["rust"]);
    let python = view(&chain["python"]);
    assert_eq!(rust.call_id_stack.len(), 2, "{rust:?}");
    assert_call_id(&rust.call_id_stack[0], "standalone_rpc_proxy.call.");
    assert_call_id(&rust.call_id, "service_x.context_chain.");
    assert_eq!(python.call_id_stack.len(), 3, "{python:?}");
    assert_eq!(python.call_id_stack[..2], rust.call_id_stack[..]);
    assert_call_id(&python.call_id, "py_context.report.");
    assert_eq!(python.call_id_stack[2], python.call_id);
    assert_eq!(python.language.as_deref(), Some("fr"));
    assert_eq!(python.user_id.as_deref(), Some("u1"));
    // The RpcProxy's request carried `x-nameko-deadline` (its RPC_TIMEOUT), which
    // Python keeps as context data, as every header.
    let (python_data, tp) = without_trace(python.data.clone());
    assert_eq!(python_data, expected_data);
    let rust_trace = nameko_core::TraceParent::parse(rust.trace_parent.as_deref().unwrap());
    assert_eq!(tp.trace_id(), rust_trace.unwrap().trace_id());

    runner.stop().await;
}

/// Rust `ClusterRpc` (context data de) -> Python `py_context` -> Rust `service_x`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_crosses_rust_to_python_to_rust() {
    init_tracing();
    let vhost = TestVhost::create("interop-ctx-rs-py-rs").unwrap();
    let _py =
        PythonServices::start(&vhost, &["interop_services:PyContext"], &["py_context"], "").await;
    let runner = rust_services(&vhost, true, false).await;
    let cluster = cluster(&vhost)
        .await
        .with_context_data(data(json!({"language": "de", "custom_key": [1, "zwei"]})));

    let out: Value = cluster
        .service("py_context")
        .call("relay", ())
        .await
        .unwrap();
    let python = view(&out["python"]);
    let rust = view(&out["rust"]);
    let expected_data = data(json!({"language": "de", "custom_key": [1, "zwei"]}));

    assert_eq!(python.call_id_stack.len(), 2, "{python:?}");
    assert_call_id(&python.call_id_stack[0], "standalone_rpc_proxy.call.");
    assert_call_id(&python.call_id, "py_context.relay.");
    assert_eq!(python.call_id_stack[1], python.call_id);
    assert_eq!(python.language.as_deref(), Some("de"));
    assert_eq!(python.user_id, None);
    let (python_data, _) = without_trace(python.data.clone());
    assert_eq!(python_data, expected_data);

    assert_eq!(rust.call_id_stack.len(), 3, "{rust:?}");
    assert_eq!(rust.call_id_stack[..2], python.call_id_stack[..]);
    assert_call_id(&rust.call_id, "service_x.context_report.");
    assert_eq!(rust.call_id_stack[2], rust.call_id);
    assert_eq!(rust.language.as_deref(), Some("de"));
    assert_eq!(rust.data, expected_data);
    // Python sent the ClusterRpc's deadline header on as context data,
    // `nameko.x-nameko-deadline`: not a deadline to Rust (a Python 2 caller waits forever,
    // it must get its reply), and not kept as context data either.
    assert_eq!(rust.deadline, None);

    cluster.close().await;
    runner.stop().await;
}

/// One trace id from Rust through Python to Rust: `ClusterRpc` (given a `traceparent`)
/// -> Python `py_context.relay` -> Rust `service_x.context_report`. Python Nameko keeps the
/// `nameko.traceparent` header as context data and sends it on unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_crosses_rust_to_python_to_rust() {
    init_tracing();
    let vhost = TestVhost::create("interop-trace-rs-py-rs").unwrap();
    let _py =
        PythonServices::start(&vhost, &["interop_services:PyContext"], &["py_context"], "").await;
    let runner = rust_services(&vhost, true, false).await;
    let given = "00-5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0c-1a2b3c4d5e6f7081-01";
    let cluster = cluster(&vhost)
        .await
        .with_context_data(data(json!({"traceparent": given})));

    let out: Value = cluster
        .service("py_context")
        .call("relay", ())
        .await
        .unwrap();
    let python = view(&out["python"]);
    let rust = view(&out["rust"]);

    // Python received the ClusterRpc call's span: the given trace, a new span id.
    let (python_data, sent_to_python) = without_trace(python.data.clone());
    assert!(python_data.is_empty(), "{python_data:?}");
    assert_eq!(
        sent_to_python.trace_id_hex(),
        "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0c"
    );
    assert_ne!(sent_to_python.span_id_hex(), "1a2b3c4d5e6f7081");

    // Rust, called by Python, received exactly what Python received: one trace id.
    assert_eq!(
        rust.remote_parent.as_deref(),
        Some(sent_to_python.to_string().as_str()),
        "Python forwards nameko.traceparent unchanged"
    );
    let own = nameko_core::TraceParent::parse(rust.trace_parent.as_deref().unwrap()).unwrap();
    assert_eq!(own.trace_id_hex(), "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0c");
    eprintln!(
        "trace followed: sent {given}, python saw {sent_to_python}, rust saw {} and runs as {own}",
        rust.remote_parent.as_deref().unwrap_or_default()
    );

    cluster.close().await;
    runner.stop().await;
}

/// `parent_calls_tracked: 1` on both sides: Python keeps the parent's id plus its own
/// (`deque(maxlen=parent_calls_tracked + 1)` in `nameko.containers.WorkerContext`), so a
/// Rust worker called by a Python one must see `[python_call_id, own_call_id]`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_id_stack_truncation_matches_python() {
    init_tracing();
    let vhost = TestVhost::create("interop-ctx-truncate").unwrap();
    let _py = PythonServices::start(
        &vhost,
        &["interop_services:PyContext"],
        &["py_context"],
        "parent_calls_tracked: 1\n",
    )
    .await;
    let mut runner = ServiceRunner::new(vhost.config().with("parent_calls_tracked", 1));
    runner.add_service(ServiceX::default()).unwrap();
    runner.start().await.unwrap();
    let cluster = cluster(&vhost).await;

    let out: Value = cluster
        .service("py_context")
        .call("relay", ())
        .await
        .unwrap();
    let python = view(&out["python"]);
    let rust = view(&out["rust"]);
    // Python: one parent (the standalone client) plus its own id.
    assert_eq!(python.call_id_stack.len(), 2, "{python:?}");
    assert_eq!(
        rust.call_id_stack,
        [python.call_id.clone(), rust.call_id.clone()],
        "Rust must keep parent_calls_tracked parents plus its own id, as Python does"
    );

    cluster.close().await;
    runner.stop().await;
}

/// The seed's `service_x` as users write it (the `#[service]` macro, `examples/rpc`), called
/// by Python's `ClusterRpcProxy`, calling Python's `service_y`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_calls_the_example_service_x() {
    init_tracing();
    let vhost = TestVhost::create("interop-example-x").unwrap();
    let _py = PythonServices::start(&vhost, &["seed_services:ServiceY"], &["service_y"], "").await;
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(example_rpc::ServiceX::default())
        .unwrap();
    runner.start().await.unwrap();
    let out = python_client(
        &vhost,
        None,
        &[
            PyCall::new("service_x", "remote_method", vec![json!("hellø")]),
            PyCall::new("service_x", "remote_method", vec![json!("hello")]).call_async(),
            PyCall::new("service_x", "remote_method", vec![json!("world")]).call_async(),
            PyCall::new("service_x", "remote_method", vec![]),
        ],
    )
    .await;
    assert_eq!(out[0].result(), "hellø-x-y");
    assert_eq!(out[1].result(), "hello-x-y");
    assert_eq!(out[2].result(), "world-x-y");
    assert_eq!(
        out[3].error().class,
        "nameko.exceptions.IncorrectSignature",
        "{:?}",
        out[3]
    );
    runner.stop().await;
}
