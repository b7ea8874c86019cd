//! Unit tests of the seed's RPC services, as a user writes them: `service_y` faked, no
//! broker. They pass with RabbitMQ stopped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use example_rpc::{ServiceX, ServiceY};
use nameko::testing::{
    FakeRpcProxy, TestError, entrypoint_hook, replace_dependencies, worker_factory,
};
use nameko::{Arguments, Config, RemoteError, RpcError, ServiceContainer, json};
use std::sync::Arc;

/// A broker address where nothing listens: any connection attempt would fail the test.
fn nowhere() -> Config {
    Config::new().with("AMQP_URI", "amqp://guest:guest@127.0.0.1:1/")
}

#[tokio::test]
async fn service_y_appends_its_identifier() {
    let svc = worker_factory(ServiceY).await.unwrap();
    // Through the entrypoint, as a caller would...
    let out: String = entrypoint_hook(&svc, "append_identifier", ("hellø",))
        .result()
        .await
        .unwrap();
    assert_eq!(out, "hellø-y");
    // ...or the method itself.
    assert_eq!(svc.append_identifier("a".to_owned()).await, "a-y");
}

#[tokio::test]
async fn service_x_calls_service_y_with_its_context_data() {
    let svc = worker_factory(ServiceX::default())
        .config(nowhere())
        .await
        .unwrap();
    let y: FakeRpcProxy = svc.double("y").unwrap();
    y.answer("append_identifier", |(value,): (String,)| {
        Ok::<_, RemoteError>(format!("{value}-y"))
    });

    let out: String = svc
        .entrypoint_hook("remote_method", ("hellø",))
        .context("language", "fr")
        .context("user_id", "u1")
        .result()
        .await
        .unwrap();
    assert_eq!(out, "hellø-x-y");

    let calls = y.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "append_identifier");
    assert_eq!(
        calls[0].args_as::<(String,)>().unwrap(),
        ("hellø-x".to_owned(),)
    );
    assert!(calls[0].kwargs.is_empty());
    assert_eq!(calls[0].context("language"), Some(&json!("fr")));
    assert_eq!(calls[0].context("user_id"), Some(&json!("u1")));
    // The call carries the calling worker's call id.
    let stack = calls[0].call_id_stack();
    assert_eq!(stack.len(), 1);
    assert!(
        stack[0].starts_with("service_x.remote_method."),
        "{stack:?}"
    );
    svc.stop().await;
}

#[tokio::test]
async fn keyword_arguments_bind_as_on_the_wire() {
    let svc = worker_factory(ServiceX::default()).await.unwrap();
    let y: FakeRpcProxy = svc.double("y").unwrap();
    y.returns("append_identifier", "fixed");
    let args: Arguments =
        serde_json::from_value(json!({"args": [], "kwargs": {"value": "k"}})).unwrap();
    assert_eq!(
        entrypoint_hook(&svc, "remote_method", args).await.unwrap(),
        json!("fixed")
    );
    assert_eq!(
        y.last_call().unwrap().args_as::<(String,)>().unwrap().0,
        "k-x"
    );
}

#[tokio::test]
async fn wrong_arguments_are_incorrect_signature() {
    let svc = worker_factory(ServiceX::default()).await.unwrap();
    let y: FakeRpcProxy = svc.double("y").unwrap();

    let err = entrypoint_hook(&svc, "remote_method", ("a", "b"))
        .await
        .unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"));
    assert_eq!(
        err.remote().unwrap().value,
        "remote_method() takes 2 positional arguments but 3 were given"
    );

    let err = entrypoint_hook(&svc, "remote_method", ())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "IncorrectSignature remote_method() missing 1 required positional argument: 'value'"
    );

    let err = entrypoint_hook(&svc, "remote_method", (42,))
        .await
        .unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"));
    assert!(
        err.remote()
            .unwrap()
            .value
            .starts_with("remote_method() argument 'value': invalid type"),
        "{err}"
    );

    // The method never ran: service_y was not called.
    assert!(y.calls().is_empty());
}

#[tokio::test]
async fn a_failing_service_y_is_the_remote_error() {
    let svc = worker_factory(ServiceX::default()).await.unwrap();
    let y: FakeRpcProxy = svc.double("y").unwrap();
    y.fails(
        "append_identifier",
        RemoteError::new("ValueError", "bad value"),
    );

    let err = entrypoint_hook(&svc, "remote_method", ("hellø",))
        .await
        .unwrap_err();
    let TestError::Remote(remote) = &err else {
        panic!("not a remote error: {err}");
    };
    // service_x passes service_y's error through, as it does over RabbitMQ.
    assert_eq!(remote, &RemoteError::new("ValueError", "bad value"));

    // Called directly, the method gets the RpcError itself.
    let err = svc.remote_method("a".to_owned()).await.unwrap_err();
    assert_eq!(err.exc_type(), Some("ValueError"));
}

#[tokio::test]
async fn an_inert_fake_says_how_to_answer() {
    let svc = worker_factory(ServiceX::default()).await.unwrap();
    let err = svc.remote_method("a".to_owned()).await.unwrap_err();
    assert!(
        matches!(&err, RpcError::NoFakeAnswer { service, method }
            if service == "service_y" && method == "append_identifier"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(r#"give one with `.answer("append_identifier", |args| ...)`"#),
        "{err}"
    );
    // The call was recorded all the same, from outside any worker.
    let y: FakeRpcProxy = svc.double("y").unwrap();
    let call = y.last_call().unwrap();
    assert!(call.call_id_stack()[0].starts_with("standalone_rpc_proxy."));
}

#[tokio::test]
async fn replace_dependencies_on_a_container() {
    let container = ServiceContainer::new(ServiceX::default(), Arc::new(nowhere()));
    let err = replace_dependencies::<FakeRpcProxy>(&container, "z").unwrap_err();
    assert_eq!(
        err.to_string(),
        "service `service_x` has no dependency named `z` (its dependencies: `y`)"
    );
    let y: FakeRpcProxy = replace_dependencies(&container, "y").unwrap();
    y.answer("append_identifier", |(value,): (String,)| {
        Ok::<_, RemoteError>(format!("{value}-fake"))
    });
    // Dependencies only: the RPC entrypoint does not consume the queue.
    container.start_dependencies().await.unwrap();
    let out: String = entrypoint_hook(&container, "remote_method", ("v",))
        .result()
        .await
        .unwrap();
    assert_eq!(out, "v-x-fake");

    let err = replace_dependencies::<FakeRpcProxy>(&container, "y").unwrap_err();
    assert!(matches!(err, TestError::AlreadyStarted { .. }), "{err}");
    container.stop().await;
}
