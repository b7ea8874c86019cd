//! No password and no key material in logs or error messages: connection failures,
//! refused logins, malformed URIs, reconnection attempts and TLS settings errors, all
//! with a recognisable secret, and the captured output searched for it.

use std::time::Duration;

use nameko_amqp::{AmqpConnection, ClusterRpc};
use nameko_core::Config;
use nameko_integration_tests::capture_logs;
use nameko_test_support::TestVhost;

const SECRET: &str = "s3cr3t-Pa55w0rd";

#[tokio::test]
async fn secrets_stay_out_of_logs_and_errors() {
    let (captured, _guard) = capture_logs(tracing::Level::TRACE);
    let mut errors = Vec::new();

    // Nothing listens there.
    let config = Config::new().with("AMQP_URI", format!("amqp://guest:{SECRET}@127.0.0.1:1/"));
    errors.push(
        AmqpConnection::connect(&config)
            .await
            .unwrap_err()
            .to_string(),
    );
    // A refused login on the real broker.
    let vhost = TestVhost::create("secrets").unwrap();
    let base = nameko_test_support::base_uri();
    let wrong = base.replacen("guest:guest", &format!("guest:{SECRET}"), 1);
    assert_ne!(wrong, base, "the test broker URI carries guest:guest");
    let config = Config::new().with("AMQP_URI", format!("{wrong}/{}", vhost.name()));
    errors.push(ClusterRpc::connect(&config).await.unwrap_err().to_string());
    // Malformed URIs.
    for bad in [
        format!("amqp://guest:{SECRET}@host:notaport/"),
        format!("amqp://guest:{SECRET}@host:99999999/"),
        format!("ftp://guest:{SECRET}@host/"),
        format!("amqp://guest:{SECRET}@a/;amqp://guest:{SECRET}@b:x/"),
    ] {
        let config = Config::new().with("AMQP_URI", bad);
        errors.push(
            AmqpConnection::connect(&config)
                .await
                .unwrap_err()
                .to_string(),
        );
    }
    // Retries at start-up, logged at each attempt.
    let config = Config::new()
        .with("AMQP_URI", format!("amqp://guest:{SECRET}@127.0.0.1:1/"))
        .with("RECONNECT_INTERVAL_START", 0.05);
    let retrying = tokio::time::timeout(
        Duration::from_secs(1),
        AmqpConnection::connect_retrying(&config),
    )
    .await;
    assert!(retrying.is_err(), "still retrying");
    // TLS settings that cannot be used name the file, never its content.
    let dir = std::env::temp_dir().join(format!("nameko-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("client.key");
    std::fs::write(&key, format!("-----BEGIN PRIVATE KEY-----\n{SECRET}\n")).unwrap();
    let config = Config::new()
        .with("AMQP_URI", "amqps://guest:guest@127.0.0.1:1/")
        .with(
            "AMQP_SSL",
            serde_json::json!({"certfile": "/nonexistent/cert.pem", "keyfile": key}),
        );
    errors.push(
        AmqpConnection::connect(&config)
            .await
            .unwrap_err()
            .to_string(),
    );
    let config = Config::new()
        .with("AMQP_URI", "amqps://guest:guest@127.0.0.1:1/")
        .with(
            "AMQP_SSL",
            serde_json::json!({"keyfile": key, "certfile": key}),
        );
    errors.push(
        AmqpConnection::connect(&config)
            .await
            .unwrap_err()
            .to_string(),
    );
    let _ = std::fs::remove_dir_all(&dir);

    let log = captured.text();
    assert!(
        log.contains("cannot reach the broker; retrying"),
        "the retries were logged: {log}"
    );
    for e in &errors {
        assert!(!e.contains(SECRET), "secret in an error: {e}");
    }
    assert!(!log.contains(SECRET), "secret in the logs: {log}");
    assert!(errors[0].contains("guest:***@127.0.0.1:1"), "{errors:?}");
}
