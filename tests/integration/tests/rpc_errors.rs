//! What callers get when something is wrong: unknown service, unknown method, wrong
//! arguments, a body that is not a Nameko request, a slow reply. The service keeps serving.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use nameko_amqp::{ClusterRpc, RpcError};
use nameko_core::{Arguments, ServiceRunner};
use nameko_integration_tests::{Echo, eventually, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

async fn setup(label: &str) -> (TestVhost, ServiceRunner, ClusterRpc) {
    init_tracing();
    let vhost = TestVhost::create(label).unwrap();
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(Echo::new("a")).unwrap();
    runner.start().await.unwrap();
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    (vhost, runner, cluster)
}

#[tokio::test]
async fn unknown_service_fails_at_once() {
    let (_vhost, runner, cluster) = setup("unknown-service").await;
    let started = Instant::now();
    let err = cluster
        .service("nobody_home")
        .call::<Value>("anything", ())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RpcError::UnknownService(s) if s == "nobody_home"),
        "{err}"
    );
    assert_eq!(err.to_string(), "Unknown service `nobody_home`");
    assert!(started.elapsed() < Duration::from_secs(5));
    cluster.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn unknown_method_and_bad_arguments() {
    let (_vhost, runner, cluster) = setup("bad-calls").await;
    let echo = cluster.service("echo");

    let err = echo.call::<Value>("no_such_method", ()).await.unwrap_err();
    let remote = err.remote().expect("remote error");
    assert_eq!(remote.exc_type, "MethodNotFound");
    assert_eq!(remote.exc_path, "nameko.exceptions.MethodNotFound");
    assert_eq!(remote.value, "no_such_method");

    let err = echo.call::<i64>("add", (1,)).await.unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"));
    assert_eq!(
        err.remote().unwrap().value,
        "add() missing 1 required positional argument: 'b'"
    );
    let err = echo.call::<i64>("add", (1, 2, 3)).await.unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"));
    let err = echo.call::<i64>("add", ("one", 2)).await.unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"));
    assert!(err.remote().unwrap().value.contains("'a'"), "{err}");
    let kwargs = Arguments {
        args: vec![json!(1)],
        kwargs: serde_json::from_value(json!({"c": 2})).unwrap(),
    };
    let err = echo.call::<i64>("add", kwargs).await.unwrap_err();
    assert_eq!(
        err.remote().unwrap().value,
        "add() got an unexpected keyword argument 'c'"
    );

    let err = echo.call::<()>("fail", ("boom",)).await.unwrap_err();
    assert_eq!(err.exc_type(), Some("ValueError"));
    assert_eq!(err.remote().unwrap().value, "boom");

    // A result of the wrong type for the caller is the caller's decode error.
    let err = echo.call::<i64>("whoami", ()).await.unwrap_err();
    assert!(matches!(err, RpcError::DecodeResult { .. }), "{err}");

    // Still serving.
    assert_eq!(echo.call::<i64>("add", (2, 3)).await.unwrap(), 5);
    cluster.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn client_timeout() {
    let (vhost, runner, cluster) = setup("timeout").await;
    let cluster = cluster.with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = cluster
        .service("echo")
        .call::<String>("sleep", (3.0,))
        .await
        .unwrap_err();
    assert!(matches!(err, RpcError::Timeout { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "RPC call to `echo.sleep` timed out after 300ms"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(vhost);
    cluster.close().await;
    runner.kill().await;
}

/// Publishes raw bodies to `echo.echo` and reads the replies.
#[tokio::test]
async fn malformed_requests_get_error_replies_or_are_rejected() {
    let (vhost, runner, cluster) = setup("malformed").await;
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

    let bodies: [&[u8]; 5] = [
        b"this is not json",
        b"[1, 2, 3]",
        b"\"a string\"",
        br#"{"args": ["x"]}"#,
        br#"{"kwargs": {}}"#,
    ];
    for (i, body) in bodies.iter().enumerate() {
        ch.basic_publish(
            "nameko-rpc".into(),
            "echo.echo".into(),
            BasicPublishOptions::default(),
            body,
            BasicProperties::default()
                .with_reply_to(reply_key.as_str().into())
                .with_correlation_id(format!("c{i}").into())
                .with_content_type("application/json".into()),
        )
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    for _ in 0..bodies.len() {
        let d = tokio::time::timeout(Duration::from_secs(10), replies.next())
            .await
            .expect("a reply for every malformed request")
            .unwrap()
            .unwrap();
        let reply: Value = serde_json::from_slice(&d.data).unwrap();
        assert_eq!(reply["result"], Value::Null);
        assert_eq!(reply["error"]["exc_type"], "MalformedRequest", "{reply}");
        assert_eq!(
            reply["error"]["exc_path"],
            "nameko.exceptions.MalformedRequest"
        );
        seen.push(d.properties.correlation_id().clone().unwrap().to_string());
    }
    seen.sort();
    assert_eq!(seen, ["c0", "c1", "c2", "c3", "c4"]);

    // Without reply_to: rejected (not requeued), logged, and the service keeps serving.
    ch.basic_publish(
        "nameko-rpc".into(),
        "echo.echo".into(),
        BasicPublishOptions::default(),
        b"garbage without reply_to",
        BasicProperties::default(),
    )
    .await
    .unwrap();
    let drained = eventually(Duration::from_secs(5), || async {
        let q = ch
            .queue_declare(
                "rpc-echo".into(),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        q.message_count() == 0
    })
    .await;
    assert!(drained, "the malformed request was not requeued");
    let out: Value = cluster
        .service("echo")
        .call("echo", (json!({"still": "serving"}),))
        .await
        .unwrap();
    assert_eq!(out, json!({"still": "serving"}));

    conn.close(200, "bye".into()).await.unwrap();
    cluster.close().await;
    runner.stop().await;
}
