use super::*;
use serde_json::json;

fn read(config: serde_json::Value) -> Result<AmqpSettings, ConfigError> {
    let mut c = Config::new();
    if let Value::Object(map) = config {
        for (k, v) in map {
            c.set(k, v);
        }
    }
    AmqpSettings::from_config(&c)
}

#[test]
fn defaults_are_nameko_s() {
    let s = read(json!({})).unwrap();
    assert_eq!(s, AmqpSettings::default());
    assert_eq!(s.amqp_uri, "pyamqp://guest:guest@localhost");
    assert_eq!(s.rpc_exchange, "nameko-rpc");
    assert_eq!(s.heartbeat, 60);
    assert_eq!(s.rpc_timeout, Some(DEFAULT_RPC_TIMEOUT));
    assert_eq!(s.prefetch_count(10), 10);
    assert_eq!(s.queue_type, QueueType::Classic);
    assert!(s.ssl.is_none() && s.login_method.is_none());
    assert_eq!(s.backoff(), Backoff::default());
}

#[test]
fn values_are_read() {
    let s = read(json!({
        "AMQP_URI": "amqp://u:p@a/; amqp://u:p@b/",
        "rpc_exchange": "custom-rpc",
        "HEARTBEAT": 0,
        "RPC_TIMEOUT": 2.5,
        "PREFETCH_COUNT": 3,
        "QUEUE_TYPE": "quorum",
        "AUTO_DELETE_EVENT_EXCHANGES": true,
        "RECONNECT_INTERVAL_MAX": 5,
        "AMQP_CONNECT_FAIL_FAST": true,
        "LOGIN_METHOD": "EXTERNAL",
        "AMQP_SSL": true,
        "PUBLISH_RETRY_POLICY": {"max_retries": 1, "interval_start": 0.5},
    }))
    .unwrap();
    assert_eq!(
        s.uris().collect::<Vec<_>>(),
        ["amqp://u:p@a/", "amqp://u:p@b/"]
    );
    assert_eq!(s.rpc_exchange, "custom-rpc");
    assert_eq!(s.heartbeat, 0);
    assert_eq!(s.rpc_timeout, Some(Duration::from_millis(2500)));
    assert_eq!(s.prefetch_count(10), 3);
    assert_eq!(s.queue_type, QueueType::Quorum);
    assert!(s.auto_delete_event_exchanges && s.connect_fail_fast);
    assert_eq!(s.backoff().max, Duration::from_secs(5));
    assert_eq!(s.login_method, Some(LoginMethod::External));
    assert_eq!(s.ssl, Some(SslOptions::default()));
    assert_eq!(s.publish_retry_policy.max_retries, 1);
    assert_eq!(
        s.publish_retry_policy.interval_start,
        Duration::from_millis(500)
    );
    assert_eq!(s.publish_retry_policy.interval_max, Duration::from_secs(30));
    assert_eq!(
        read(json!({"RPC_TIMEOUT": null})).unwrap().rpc_timeout,
        None
    );
    assert_eq!(read(json!({"AMQP_SSL": false})).unwrap().ssl, None);
}

#[test]
fn every_key_is_read_under_its_constant() {
    for (key, bad) in [
        (AMQP_URI, json!(5)),
        (RPC_EXCHANGE, json!(5)),
        (HEARTBEAT, json!(70000)),
        (HEARTBEAT, json!("soon")),
        (PREFETCH_COUNT, json!(null)),
        (PREFETCH_COUNT, json!(0)),
        (RPC_TIMEOUT, json!("30")),
        (RPC_TIMEOUT, json!(0)),
        (QUEUE_TYPE, json!("quorom")),
        (AUTO_DELETE_EVENT_EXCHANGES, json!("yes")),
        (RECONNECT_INTERVAL_MAX, json!("10s")),
        (RECONNECT_INTERVAL_START, json!(0)),
        (AMQP_CONNECT_FAIL_FAST, json!("yes")),
        (LOGIN_METHOD, json!("KERBEROS")),
        (AMQP_SSL, json!("yes")),
        (PUBLISH_RETRY_POLICY, json!(3)),
        (PUBLISH_RETRY_POLICY, json!({"max_retry": 3})),
    ] {
        let err = read(json!({ key: bad.clone() })).unwrap_err();
        assert_eq!(err.key(), Some(key), "{key}: {bad} -> {err}");
        assert!(
            err.to_string()
                .starts_with(&format!("config key `{key}`: ")),
            "{err}"
        );
    }
    // A nested bad value names its path.
    let err = read(json!({"PUBLISH_RETRY_POLICY": {"interval_max": -1}})).unwrap_err();
    assert_eq!(err.key(), Some("PUBLISH_RETRY_POLICY.interval_max"));
    let err = read(json!({"AMQP_SSL": {"cert_reqs": 0}})).unwrap_err();
    assert!(err.to_string().contains("always verifies"), "{err}");
    let err = read(json!({"AMQP_SSL": {"certfile": "/c.pem"}})).unwrap_err();
    assert!(
        err.to_string().contains("certfile and keyfile go together"),
        "{err}"
    );
    let err = read(json!({"AMQP_SSL": {"ca_certs": 5}})).unwrap_err();
    assert!(err.to_string().contains("path of a PEM file"), "{err}");
}

#[test]
fn a_bad_value_fails_the_load_of_the_config() {
    // Registered as a SettingsCheck: every loader checks nameko-amqp's keys.
    let err = Config::from_yaml_str("RPC_TIMEOUT: soon\n").unwrap_err();
    assert_eq!(err.key(), Some(RPC_TIMEOUT));
    let err = Config::from_json(json!({"QUEUE_TYPE": "quorom"})).unwrap_err();
    assert_eq!(err.key(), Some(QUEUE_TYPE));
    let set = Config::new().with(AMQP_URI, 5);
    assert_eq!(set.validate().unwrap_err().key(), Some(AMQP_URI));
}

#[test]
fn ssl_options() {
    let s = read(json!({"AMQP_SSL": {
        "ca_certs": "/ca.pem", "certfile": "/c.pem", "keyfile": "/k.pem",
        "cert_reqs": "CERT_REQUIRED", "ssl_version": "PROTOCOL_TLS",
    }}))
    .unwrap();
    let ssl = s.ssl.unwrap();
    assert_eq!(
        ssl.ca_certs.as_deref(),
        Some(std::path::Path::new("/ca.pem"))
    );
    assert_eq!(
        ssl.certfile.as_deref(),
        Some(std::path::Path::new("/c.pem"))
    );
    assert_eq!(ssl.keyfile.as_deref(), Some(std::path::Path::new("/k.pem")));
    for reqs in [json!(1), json!(2), json!("CERT_OPTIONAL"), json!(null)] {
        read(json!({"AMQP_SSL": {"cert_reqs": reqs}})).unwrap();
    }
}

#[test]
fn backoff_and_retry_policy() {
    let b = Backoff::from_config(&Config::new()).unwrap();
    assert_eq!(b.delay(0), Duration::from_millis(200));
    assert_eq!(b.delay(1), Duration::from_millis(400));
    assert_eq!(b.delay(40), Duration::from_secs(30));
    let p = RetryPolicy::from_config(&Config::new().with(
        PUBLISH_RETRY_POLICY,
        json!({"max_retries": 5, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.4}),
    ))
    .unwrap();
    assert_eq!(p.max_retries, 5);
    assert_eq!(p.interval(0), Duration::from_millis(100));
    assert_eq!(p.interval(1), Duration::from_millis(300));
    assert_eq!(p.interval(9), Duration::from_millis(400));
    assert_eq!(
        RetryPolicy::from_config(&Config::new()).unwrap(),
        RetryPolicy::default()
    );
    assert!(Backoff::from_config(&Config::new().with(RECONNECT_INTERVAL_START, -1)).is_err());
    assert!(RetryPolicy::from_config(&Config::new().with(PUBLISH_RETRY_POLICY, "x")).is_err());
}
