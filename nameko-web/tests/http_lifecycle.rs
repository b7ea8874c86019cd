//! Workers and lifecycle through a real socket: max_workers, graceful stop with requests
//! in flight, one server shared by services, 503 after a service stops, bind errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{TestService, config, get, route, start};
use nameko_core::{ServiceContainer, ServiceRunner};
use nameko_web::into_http_result;

fn slow(
    name: &'static str,
    delay: Duration,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
) -> TestService {
    TestService::new(name, move || {
        let running = Arc::clone(&running);
        let peak = Arc::clone(&peak);
        vec![route("slow", "GET", "/slow/<int:i>", move |_r, mut p| {
            let running = Arc::clone(&running);
            let peak = Arc::clone(&peak);
            async move {
                let i: u32 = p.take("i")?;
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                running.fetch_sub(1, Ordering::SeqCst);
                into_http_result(format!("done {i}"))
            }
        })]
    })
}

fn hello(name: &'static str, path: &'static str) -> TestService {
    TestService::new(name, move || {
        vec![route("hello", "GET", path, move |_r, _p| async move {
            into_http_result(format!("hello from {name}"))
        })]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_max_workers_wait_and_none_is_dropped() {
    common::init_tracing();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let delay = Duration::from_millis(300);
    let svc = slow("slow", delay, Arc::clone(&running), Arc::clone(&peak));
    let (runner, addr) = start(config().with("max_workers", 2), vec![svc]).await;
    let client = reqwest::Client::new();
    let started = Instant::now();
    let requests = (0..8).map(|i| {
        let client = client.clone();
        async move {
            let r = client
                .get(format!("http://{addr}/slow/{i}"))
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    });
    let results = futures_util::future::join_all(requests).await;
    let took = started.elapsed();
    for (i, (status, body)) in results.into_iter().enumerate() {
        assert_eq!(status, 200);
        assert_eq!(body, format!("done {i}"));
    }
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "max_workers bounds the concurrency"
    );
    assert!(took >= delay * 4, "8 requests, 2 at a time: {took:?}");
    runner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_stop_finishes_requests_in_flight() {
    common::init_tracing();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let svc = slow(
        "slow",
        Duration::from_millis(700),
        Arc::clone(&running),
        peak,
    );
    let (runner, addr) = start(config(), vec![svc]).await;
    let runner = Arc::new(runner);

    let in_flight = tokio::spawn(async move { get(addr, "/slow/1").await });
    while running.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stopping = {
        let runner = Arc::clone(&runner);
        tokio::spawn(async move { runner.stop().await })
    };
    // new requests are turned away while the one in flight finishes
    tokio::time::sleep(Duration::from_millis(100)).await;
    match tokio::net::TcpStream::connect(addr).await {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused),
        Ok(_) => panic!("the server still accepts connections while stopping"),
    }
    let r = in_flight.await.unwrap();
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.text(), "done 1");
    tokio::time::timeout(Duration::from_secs(5), stopping)
        .await
        .unwrap()
        .unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn one_server_for_every_service_and_503_after_a_service_stops() {
    common::init_tracing();
    let (runner, addr) = start(
        config(),
        vec![hello("first", "/first"), hello("second", "/second")],
    )
    .await;
    assert_eq!(get(addr, "/first").await.text(), "hello from first");
    assert_eq!(get(addr, "/second").await.text(), "hello from second");

    runner.containers()[0].stop().await;
    let r = get(addr, "/first").await;
    assert_eq!(r.status_line, "HTTP/1.1 503 Service Unavailable");
    assert!(r.text().contains("Service Unavailable"));
    assert_eq!(get(addr, "/second").await.text(), "hello from second");
    runner.stop().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn address_in_use_is_a_clear_start_error() {
    common::init_tracing();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let mut runner =
        ServiceRunner::new(nameko_core::Config::new().with("WEB_SERVER_ADDRESS", address.clone()));
    runner.add_service(hello("svc", "/")).unwrap();
    let err = runner.start().await.unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "service `svc`: http entrypoint `hello` failed to start: cannot bind WEB_SERVER_ADDRESS {address}: address in use"
        )
    );
    runner.stop().await;

    let mut runner =
        ServiceRunner::new(nameko_core::Config::new().with("WEB_SERVER_ADDRESS", "nonsense"));
    runner.add_service(hello("svc", "/")).unwrap();
    let err = runner.start().await.unwrap_err().to_string();
    assert!(
        err.contains("config key `WEB_SERVER_ADDRESS`: expected `[address:]port`, got `nonsense`"),
        "{err}"
    );
}

#[tokio::test]
async fn a_bad_rule_fails_setup_without_panicking() {
    common::init_tracing();
    let bad = TestService::new("bad", || {
        vec![route("x", "GET", "/x/<integer:n>", |_r, _p| async move {
            into_http_result("")
        })]
    });
    let mut runner = ServiceRunner::new(config());
    runner.add_service(bad).unwrap();
    let err = runner.start().await.unwrap_err().to_string();
    assert!(
        err.contains("invalid URL rule `/x/<integer:n>`: unknown converter `integer`"),
        "{err}"
    );
    let bad = TestService::new("bad", || {
        vec![route("x", "FETCH", "/x", |_r, _p| async move {
            into_http_result("")
        })]
    });
    let mut runner = ServiceRunner::new(config());
    runner.add_service(bad).unwrap();
    let err = runner.start().await.unwrap_err().to_string();
    assert!(
        err.contains("invalid HTTP methods `FETCH`: unknown HTTP method `FETCH`"),
        "{err}"
    );
}

#[tokio::test]
async fn a_standalone_container_releases_its_port_when_stopped() {
    common::init_tracing();
    let container = ServiceContainer::new(hello("alone", "/"), Arc::new(config()));
    container.start().await.unwrap();
    let addr = nameko_web::bound_address(container.handle().shared()).unwrap();
    assert_eq!(get(addr, "/").await.text(), "hello from alone");
    container.stop().await;
    let mut released = false;
    for _ in 0..50 {
        if std::net::TcpListener::bind(addr).is_ok() {
            released = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(released, "port {addr} still bound after stop");
}
