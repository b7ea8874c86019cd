//! TLS against a RabbitMQ node of the test's own with certificates it generated: a
//! service and a client over `amqps://` with `AMQP_SSL: {ca_certs}`, login by client
//! certificate (`LOGIN_METHOD: EXTERNAL`), Nameko's `AMQP_SSL` with an `amqp://` URI, and
//! a broker certificate that does not verify refused with a clear error.

use std::time::Duration;

use nameko_amqp::{AmqpConnection, ClusterRpc};
use nameko_core::{Config, ServiceRunner};
use nameko_integration_tests::{Echo, init_tracing};
use nameko_test_support::{NodeOptions, TestNode};
use serde_json::json;

/// Calls `echo.whoami` with a client made from `config`.
async fn whoami(config: &Config) -> String {
    let cluster = ClusterRpc::connect(config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    cluster.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_and_clients_over_tls() {
    init_tracing();
    let node = TestNode::start(
        "tls",
        NodeOptions {
            tls: true,
            ..NodeOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("cannot start a TLS RabbitMQ node: {e}"));
    let amqps = node.amqps_uri().expect("a TLS listener");
    let ca = node.ca_cert().expect("a CA").to_owned();
    let cert = node.client_cert().expect("a client certificate").to_owned();
    let key = node.client_key().expect("a client key").to_owned();
    let tls_port = node.amqps_port().expect("a TLS port");

    // amqps:// with the test CA: a service and a client talk over TLS.
    let config = Config::new()
        .with("AMQP_URI", amqps.clone())
        .with("AMQP_SSL", json!({ "ca_certs": ca }));
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(Echo::new("tls")).unwrap();
    runner.start().await.unwrap();
    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    assert_eq!(out, "tls");
    let connections = node
        .ctl(&[
            "list_connections",
            "ssl",
            "auth_mechanism",
            "--quiet",
            "--no-table-headers",
        ])
        .unwrap();
    assert!(
        connections
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| l.starts_with("true")),
        "every connection is TLS: {connections}"
    );
    cluster.close().await;

    // Login by client certificate: no password at all.
    let user_less = amqps.replacen("guest:guest@", "", 1);
    let config = Config::new()
        .with("AMQP_URI", user_less)
        .with("LOGIN_METHOD", "EXTERNAL")
        .with(
            "AMQP_SSL",
            json!({ "ca_certs": ca, "certfile": cert, "keyfile": key, "cert_reqs": 2 }),
        );
    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let out: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    assert_eq!(out, "tls");
    let connections = node
        .ctl(&[
            "list_connections",
            "auth_mechanism",
            "--quiet",
            "--no-table-headers",
        ])
        .unwrap();
    assert!(connections.contains("EXTERNAL"), "{connections}");
    cluster.close().await;

    // Nameko's way: a pyamqp:// URI and AMQP_SSL.
    let config = Config::new()
        .with(
            "AMQP_URI",
            format!("pyamqp://guest:guest@127.0.0.1:{tls_port}/"),
        )
        .with("AMQP_SSL", json!({ "ca_certs": ca }));
    assert_eq!(whoami(&config).await, "tls");

    // Without the test CA, the broker's certificate does not verify.
    let config = Config::new().with("AMQP_URI", amqps.clone());
    let err = AmqpConnection::connect(&config)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot connect to the broker at amqps://guest:***@"),
        "{err}"
    );
    assert!(
        err.to_lowercase().contains("certificate") || err.to_lowercase().contains("unknownissuer"),
        "the reason names the certificate: {err}"
    );

    runner.stop().await;
    drop(node);
}
