//! What callers get when something is wrong: unknown service, unknown method, wrong
//! arguments, a body that is not a Nameko request, a slow reply, a remote error matched
//! as a local type. The service keeps serving.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use nameko_amqp::{ClusterRpc, RemoteErrors, RpcError, RpcProxy};
use nameko_core::{Arguments, RemoteError, ServiceRunner, rpc, service};
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

/// What `accounts` fails with.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct NoAccount(String);

#[derive(Debug, Default)]
struct Accounts;

#[service(name = "accounts")]
impl Accounts {
    #[rpc]
    async fn balance(&self, id: String) -> Result<i64, NoAccount> {
        Err(NoAccount(id))
    }

    #[rpc]
    async fn other(&self) -> Result<(), RemoteError> {
        Err(RemoteError::new("ValueError", "nope"))
    }
}

/// The caller's own type for `accounts.NoAccount`.
#[derive(Debug, thiserror::Error)]
#[error("account {id} does not exist")]
struct UnknownAccount {
    id: String,
}

fn account_errors() -> RemoteErrors {
    RemoteErrors::new().register("accounts", "NoAccount", |remote| UnknownAccount {
        id: remote.value.clone(),
    })
}

/// Calls `accounts` from a worker, with the registry.
#[derive(Debug)]
struct Bank {
    accounts: RpcProxy,
}

#[service(name = "bank", dependencies(accounts))]
impl Bank {
    /// What the worker made of the error: the typed id, or `null`.
    #[rpc]
    async fn lookup(&self, id: String) -> Option<String> {
        match self.accounts.call::<i64>("balance", (id,)).await {
            Err(e) => e.downcast_ref::<UnknownAccount>().map(|u| u.id.clone()),
            Ok(_) => None,
        }
    }
}

/// A Rust service's `NoAccount` is matched by type by a Rust caller, standalone and from
/// a worker; other errors stay `RpcError::Remote`.
#[tokio::test]
async fn a_remote_error_is_matched_as_a_local_type() {
    init_tracing();
    let vhost = TestVhost::create("typed-errors").unwrap();
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(Accounts).unwrap();
    runner
        .add_service(Bank {
            accounts: RpcProxy::new("accounts").with_remote_errors(account_errors()),
        })
        .unwrap();
    runner.start().await.unwrap();
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10))
        .with_remote_errors(account_errors());
    let accounts = cluster.service("accounts");

    let err = accounts
        .call::<i64>("balance", ("acc-7",))
        .await
        .unwrap_err();
    let typed = err.downcast_ref::<UnknownAccount>().expect("typed");
    assert_eq!(typed.id, "acc-7");
    assert!(matches!(&err, RpcError::Typed(t) if t.service() == "accounts"));
    assert_eq!(err.exc_type(), Some("NoAccount"));
    assert_eq!(err.to_string(), "NoAccount acc-7");

    let err = accounts.call::<()>("other", ()).await.unwrap_err();
    assert!(
        matches!(&err, RpcError::Remote(r) if r.exc_type == "ValueError"),
        "{err}"
    );
    assert!(err.downcast_ref::<UnknownAccount>().is_none());

    let seen: Option<String> = cluster
        .service("bank")
        .call("lookup", ("acc-9",))
        .await
        .unwrap();
    assert_eq!(seen.as_deref(), Some("acc-9"));
    cluster.close().await;
    runner.stop().await;
}
