//! Metrics and health endpoints against the real broker: known traffic, then a scrape of
//! `/metrics` (on the web server and on `METRICS_ADDRESS`) whose numbers must match; the
//! health endpoints follow the broker connection of a RabbitMQ node of the test's own.
//!
//! The metrics registry is the process's: every service, target and vhost name here is
//! unique to its test, so the counts are exact.

use std::net::SocketAddr;
use std::time::Duration;

use nameko_amqp::{ClusterRpc, EventDispatcher, RpcError};
use nameko_core::{Config, ServiceRunner, event_handler, http, rpc, service};
use nameko_integration_tests::{eventually, init_tracing};
use nameko_run::probe::ProbeListeners;
use nameko_run::probe::{HEALTH_ADDRESS, METRICS_ADDRESS};
use nameko_test_support::{NodeOptions, TestNode, TestVhost};
use nameko_web::Request;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
#[error("not found: {0}")]
struct NotFound(String);

#[derive(Debug, Default)]
struct MetricsY;

#[service(name = "metrics_y")]
impl MetricsY {
    #[rpc]
    async fn ok(&self, value: String) -> String {
        format!("{value}-y")
    }

    #[rpc]
    async fn fails(&self) -> Result<(), std::io::Error> {
        Err(std::io::Error::other("boom"))
    }

    #[rpc(expected_exceptions(NotFound))]
    async fn lookup(&self, key: String) -> Result<(), NotFound> {
        Err(NotFound(key))
    }

    #[rpc]
    async fn slow(&self, seconds: f64) -> String {
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        "slow".to_owned()
    }

    #[http("GET", "/hello")]
    async fn hello(&self, _request: Request) -> String {
        "hello".to_owned()
    }
}

#[derive(Debug, Default)]
struct MetricsX {
    dispatch: EventDispatcher,
}

#[service(name = "metrics_x", dependencies(dispatch))]
impl MetricsX {
    #[rpc]
    async fn emit(&self, payload: Value) -> Result<(), nameko_amqp::DispatchError> {
        self.dispatch.dispatch("ping", &payload).await
    }
}

#[derive(Debug, Default)]
struct MetricsListener;

#[service(name = "metrics_listener")]
impl MetricsListener {
    #[event_handler("metrics_x", "ping")]
    async fn on_ping(&self, _payload: Value) {}
}

/// `GET http://addr/path`: status and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// The value of sample `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = match series.split_once('{') {
                Some((m, rest)) => (m, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            if metric != name {
                return None;
            }
            let all = labels
                .iter()
                .all(|(k, v)| rest.split(',').any(|pair| pair == format!("{k}=\"{v}\"")));
            all.then(|| value.parse().unwrap())
        })
        .next()
}

fn worker(ep: &str) -> Vec<(&'static str, String)> {
    vec![
        ("service", "metrics_y".to_owned()),
        ("entrypoint", ep.to_owned()),
    ]
}

fn get_sample(text: &str, name: &str, labels: &[(&str, String)]) -> f64 {
    let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sample(text, name, &labels).unwrap_or_else(|| panic!("no {name}{labels:?} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_known_traffic() {
    init_tracing();
    let vhost = TestVhost::create("metrics").unwrap();
    let config = vhost
        .config()
        .with("WEB_SERVER_ADDRESS", "127.0.0.1:0")
        .with(METRICS_ADDRESS, "127.0.0.1:0");
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(MetricsY).unwrap();
    runner.add_service(MetricsX::default()).unwrap();
    runner.add_service(MetricsListener).unwrap();
    let probes = ProbeListeners::start(&runner).await.unwrap();
    runner.start().await.unwrap();
    let web = nameko_web::bound_address(runner.shared()).unwrap();
    let probe = probes.address(METRICS_ADDRESS).unwrap();

    let cluster = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let y = cluster.service("metrics_y");
    const N: usize = 5;
    const M: usize = 3;
    for i in 0..N {
        let out: String = y.call("ok", (format!("v{i}"),)).await.unwrap();
        assert_eq!(out, format!("v{i}-y"));
    }
    for _ in 0..M {
        let err = y.call::<Value>("fails", ()).await.unwrap_err();
        assert!(matches!(err, RpcError::Remote(_)), "{err:?}");
    }
    let err = y.call::<Value>("lookup", ("k",)).await.unwrap_err();
    assert!(matches!(err, RpcError::Remote(_)), "{err:?}");
    let impatient = ClusterRpc::connect(&config)
        .await
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    let err = impatient
        .service("metrics_y")
        .call::<String>("slow", (1.0,))
        .await
        .unwrap_err();
    assert!(matches!(err, RpcError::Timeout { .. }), "{err:?}");
    cluster
        .service("metrics_x")
        .call::<Value>("emit", (json!({"n": 1}),))
        .await
        .unwrap();
    let (status, _, body) = get(web, "/hello").await;
    assert_eq!((status, body.as_str()), (200, "hello"));

    // The slow worker and the event handler finish on their own time.
    let done = eventually(Duration::from_secs(10), || async {
        let (_, _, text) = get(probe, "/metrics").await;
        sample(
            &text,
            "nameko_worker_duration_seconds_count",
            &[("service", "metrics_y"), ("entrypoint", "slow")],
        ) == Some(1.0)
            && sample(
                &text,
                "nameko_worker_calls_total",
                &[("service", "metrics_listener"), ("entrypoint", "on_ping")],
            ) == Some(1.0)
            && sample(
                &text,
                "nameko_workers_in_use",
                &[("service", "metrics_y"), ("entrypoint", "slow")],
            ) == Some(0.0)
            // The delivery is settled (replied and acked) just after its worker finished.
            && sample(
                &text,
                "nameko_messages_in_flight",
                &[("service", "metrics_y"), ("queue", "rpc-metrics_y")],
            ) == Some(0.0)
    })
    .await;
    assert!(done, "the slow worker and the event handler finished");

    let (status, content_type, text) = get(web, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let (status, _, from_probe) = get(probe, "/metrics").await;
    assert_eq!(status, 200);
    assert!(from_probe.contains("nameko_worker_calls_total"));
    println!("{text}");

    let calls = "nameko_worker_calls_total";
    let failures = "nameko_worker_failures_total";
    for (ep, n) in [("ok", N), ("fails", M), ("lookup", 1), ("slow", 1)] {
        let mut l = worker(ep);
        l.push(("kind", "rpc".to_owned()));
        assert_eq!(get_sample(&text, calls, &l), n as f64, "{ep}");
        assert_eq!(
            get_sample(&text, "nameko_worker_duration_seconds_count", &l),
            n as f64,
            "the histogram counts every call of {ep}"
        );
        assert_eq!(get_sample(&text, "nameko_workers_in_use", &l), 0.0, "{ep}");
    }
    let mut hello = vec![
        ("service", "metrics_y".to_owned()),
        ("entrypoint", "hello".to_owned()),
    ];
    hello.push(("kind", "http".to_owned()));
    assert_eq!(get_sample(&text, calls, &hello), 1.0);
    let failed = |ep: &str, expected: &str| {
        let mut l = worker(ep);
        l.push(("expected", expected.to_owned()));
        get_sample(&text, failures, &l)
    };
    assert_eq!(failed("fails", "false"), M as f64);
    assert_eq!(failed("fails", "true"), 0.0);
    assert_eq!(failed("lookup", "true"), 1.0);
    assert_eq!(failed("lookup", "false"), 0.0);
    assert_eq!(failed("ok", "false"), 0.0);
    let slow_sum = get_sample(&text, "nameko_worker_duration_seconds_sum", &worker("slow"));
    assert!((1.0..5.0).contains(&slow_sum), "{slow_sum}");

    let target = |name: &str| vec![("target_service", name.to_owned())];
    assert_eq!(
        get_sample(&text, "nameko_rpc_client_calls_total", &target("metrics_y")),
        (N + M + 2) as f64
    );
    assert_eq!(
        get_sample(
            &text,
            "nameko_rpc_client_timeouts_total",
            &target("metrics_y")
        ),
        1.0
    );
    assert_eq!(
        get_sample(&text, "nameko_rpc_client_calls_total", &target("metrics_x")),
        1.0
    );
    let events = vec![("exchange", "metrics_x.events".to_owned())];
    assert_eq!(get_sample(&text, "nameko_publishes_total", &events), 1.0);
    assert_eq!(
        sample(
            &text,
            "nameko_publish_failures_total",
            &[("exchange", "metrics_x.events")]
        ),
        None
    );
    let listener = vec![
        ("service", "metrics_listener".to_owned()),
        ("entrypoint", "on_ping".to_owned()),
        ("kind", "event_handler".to_owned()),
    ];
    assert_eq!(get_sample(&text, calls, &listener), 1.0);
    let in_flight = vec![
        ("service", "metrics_y".to_owned()),
        ("queue", "rpc-metrics_y".to_owned()),
    ];
    assert_eq!(
        get_sample(&text, "nameko_messages_in_flight", &in_flight),
        0.0
    );
    let vhost_label = vec![("vhost", vhost.name().to_owned())];
    // The runner's connection and the two clients'.
    assert_eq!(
        get_sample(&text, "nameko_broker_connected", &vhost_label),
        3.0
    );
    assert_eq!(
        sample(
            &text,
            "nameko_broker_reconnects_total",
            &[("vhost", vhost.name())]
        ),
        None,
        "no reconnection"
    );

    impatient.close().await;
    cluster.close().await;
    runner.stop().await;
}

#[derive(Debug, Default)]
struct Probed;

#[service(name = "metrics_probed")]
impl Probed {
    #[rpc]
    async fn ping(&self) -> String {
        "pong".to_owned()
    }

    #[http("GET", "/ping")]
    async fn http_ping(&self, _request: Request) -> String {
        "pong".to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_the_broker_connection() {
    init_tracing();
    let node = TestNode::start("health", NodeOptions::default())
        .unwrap_or_else(|e| panic!("cannot start a RabbitMQ node: {e}"));
    let config = Config::new()
        .with("AMQP_URI", node.amqp_uri())
        .with("RECONNECT_INTERVAL_START", 0.1)
        .with("RECONNECT_INTERVAL_MAX", 0.5)
        .with("WEB_SERVER_ADDRESS", "127.0.0.1:0")
        .with(HEALTH_ADDRESS, "127.0.0.1:0")
        .with(METRICS_ADDRESS, "127.0.0.1:0");
    let mut runner = ServiceRunner::new(config.clone());
    runner.add_service(Probed).unwrap();
    let probes = ProbeListeners::start(&runner).await.unwrap();
    runner.start().await.unwrap();
    let web = nameko_web::bound_address(runner.shared()).unwrap();
    let health = probes.address(HEALTH_ADDRESS).unwrap();
    let metrics = probes.address(METRICS_ADDRESS).unwrap();
    assert_ne!(health, metrics);

    for addr in [web, health, metrics] {
        assert_eq!(get(addr, "/health/live").await.2, "ok");
        let (status, _, body) = get(addr, "/health/ready").await;
        assert_eq!((status, body.as_str()), (200, "ready"), "{addr}");
    }
    assert_eq!(
        get(health, "/metrics").await.0,
        404,
        "metrics on METRICS_ADDRESS only"
    );
    let vhost = [("vhost", "/")];
    let scrape = || async move { get(metrics, "/metrics").await.2 };
    let text = scrape().await;
    assert_eq!(sample(&text, "nameko_broker_connected", &vhost), Some(1.0));
    let reconnects_before = sample(&text, "nameko_broker_reconnects_total", &vhost).unwrap_or(0.0);

    node.stop_app().unwrap();
    for addr in [web, health] {
        let not_ready = eventually(Duration::from_secs(15), || async {
            get(addr, "/health/ready").await.0 == 503
        })
        .await;
        assert!(not_ready, "{addr}: 503 while the broker is away");
    }
    let (status, _, body) = get(health, "/health/ready").await;
    assert_eq!(status, 503);
    assert!(body.contains("broker"), "{body}");
    assert_eq!(get(web, "/health/live").await.0, 200, "alive all the same");
    assert_eq!(
        sample(&scrape().await, "nameko_broker_connected", &vhost),
        Some(0.0)
    );

    node.start_app().unwrap();
    for addr in [web, health, metrics] {
        let ready = eventually(Duration::from_secs(30), || async {
            get(addr, "/health/ready").await.0 == 200
        })
        .await;
        assert!(ready, "{addr}: ready again");
    }
    let text = scrape().await;
    assert_eq!(sample(&text, "nameko_broker_connected", &vhost), Some(1.0));
    let reconnects = sample(&text, "nameko_broker_reconnects_total", &vhost).unwrap_or(0.0);
    assert!(
        reconnects > reconnects_before,
        "{reconnects_before} -> {reconnects}"
    );

    runner.stop().await;
    drop(node);
}
