//! What a client can send: body and head size limits (413, 431), and slow or half-open
//! clients, which are cut off and never hold a worker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{TestService, config, get, route, send_raw, start};
use nameko_web::{Request, into_http_result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn echo() -> TestService {
    TestService::new("echo", || {
        vec![
            route("echo", "POST", "/echo", |r: Request, _p| async move {
                into_http_result(format!("{} bytes", r.body().len()))
            }),
            route("hello", "GET", "/hello", |_r, _p| async move {
                into_http_result("hello")
            }),
        ]
    })
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    common::init_tracing();
    let (runner, addr) = start(config().with("WEB_MAX_BODY_SIZE", 1024), vec![echo()]).await;
    let client = reqwest::Client::new();
    let ok = client
        .post(format!("http://{addr}/echo"))
        .body(vec![b'x'; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.text().await.unwrap(), "1024 bytes");

    // declared too large: answered without reading the body
    let head = format!("POST /echo HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1025\r\n\r\n");
    let mut req = head.into_bytes();
    req.extend(vec![b'x'; 1025]);
    let r = send_raw(addr, &req).await;
    assert_eq!(r.status_line, "HTTP/1.1 413 Payload Too Large");
    assert_eq!(r.header("connection"), Some("close"));
    assert!(
        r.text()
            .contains("<title>413 Request Entity Too Large</title>")
    );

    // chunked, no length: cut off once past the limit
    let mut req =
        format!("POST /echo HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\r\n")
            .into_bytes();
    for _ in 0..4 {
        req.extend(b"200\r\n");
        req.extend(vec![b'y'; 0x200]);
        req.extend(b"\r\n");
    }
    req.extend(b"0\r\n\r\n");
    let r = send_raw(addr, &req).await;
    assert_eq!(r.status(), 413);

    // a big body through a real client
    let r = client
        .post(format!("http://{addr}/echo"))
        .body(vec![b'z'; 5 * 1024 * 1024])
        .send()
        .await;
    // hyper may answer before the client finished sending; either way no crash
    if let Ok(r) = r {
        assert_eq!(r.status(), 413);
    }
    assert_eq!(get(addr, "/hello").await.text(), "hello");
    runner.stop().await;
}

#[tokio::test]
async fn oversized_heads_get_431() {
    common::init_tracing();
    let (runner, addr) = start(config(), vec![echo()]).await;
    // one header of 100 KiB, over the 64 KiB default
    let big = "a".repeat(100 * 1024);
    let req =
        format!("GET /hello HTTP/1.1\r\nHost: {addr}\r\nX-Big: {big}\r\nConnection: close\r\n\r\n");
    let r = send_raw(addr, req.as_bytes()).await;
    assert_eq!(
        r.status_line,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );

    // too many headers
    let mut req = format!("GET /hello HTTP/1.1\r\nHost: {addr}\r\n");
    for i in 0..200 {
        req.push_str(&format!("X-H{i}: v\r\n"));
    }
    req.push_str("Connection: close\r\n\r\n");
    let r = send_raw(addr, req.as_bytes()).await;
    assert_eq!(r.status(), 431);

    // a head within the limit is fine
    let ok = "b".repeat(30 * 1024);
    let req =
        format!("GET /hello HTTP/1.1\r\nHost: {addr}\r\nX-Ok: {ok}\r\nConnection: close\r\n\r\n");
    assert_eq!(send_raw(addr, req.as_bytes()).await.text(), "hello");
    runner.stop().await;
}

/// Reads until the server closes the connection; returns what it sent and how long it took.
async fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection");
    (out, start.elapsed())
}

#[tokio::test]
async fn half_open_and_slow_clients_are_cut_off() {
    common::init_tracing();
    let config = config()
        .with("WEB_HEADER_READ_TIMEOUT", 1)
        .with("WEB_BODY_READ_TIMEOUT", 1)
        .with("max_workers", 1);
    let (runner, addr) = start(config, vec![echo()]).await;

    // connects and sends nothing
    let mut silent = TcpStream::connect(addr).await.unwrap();
    // sends half a head
    let mut slow_head = TcpStream::connect(addr).await.unwrap();
    slow_head
        .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // sends a head and a tenth of its body
    let mut slow_body = TcpStream::connect(addr).await.unwrap();
    slow_body
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        .await
        .unwrap();

    // meanwhile the only worker is free for others
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(runner.containers()[0].handle().running_workers(), 0);
    assert_eq!(get(addr, "/hello").await.text(), "hello");

    let (out, took) = read_until_closed(&mut silent).await;
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        out.is_empty() || String::from_utf8_lossy(&out).starts_with("HTTP/1.1 408"),
        "{out:?}"
    );
    let (out, took) = read_until_closed(&mut slow_head).await;
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        out.is_empty() || String::from_utf8_lossy(&out).starts_with("HTTP/1.1 408"),
        "{out:?}"
    );
    let (out, took) = read_until_closed(&mut slow_body).await;
    assert!(took < Duration::from_secs(5), "{took:?}");
    let r = common::parse(&out);
    assert_eq!(r.status_line, "HTTP/1.1 408 Request Timeout");
    assert_eq!(r.header("connection"), Some("close"));

    assert_eq!(get(addr, "/hello").await.text(), "hello");
    runner.stop().await;
}

/// The header-read guard counts only the time spent waiting for a head: a handler slower
/// than `WEB_HEADER_READ_TIMEOUT` is answered on its keep-alive connection, and that
/// connection is closed once it has then idled past the timeout.
#[tokio::test]
async fn the_header_guard_spares_slow_handlers_and_closes_idle_keep_alive_connections() {
    common::init_tracing();
    let slow = TestService::new("slow", || {
        vec![route("slow", "GET", "/slow", |_r, _p| async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            into_http_result("slow")
        })]
    });
    let (runner, addr) = start(config().with("WEB_HEADER_READ_TIMEOUT", 1), vec![slow]).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for _ in 0..2 {
        stream
            .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
        assert!(text.ends_with("slow"), "{text}");
    }
    // Idle on the keep-alive connection: closed after about a second.
    let (out, took) = read_until_closed(&mut stream).await;
    assert!(out.is_empty(), "{out:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    runner.stop().await;
}
