//! Typed bodies and queries through a real socket: `widget_service`'s JSON routes, the
//! `400` that names the field, the `415` for a wrong content type, and a service whose
//! error mapping (`Http::error_response`) answers extraction errors itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use example_http::WidgetService;
use nameko::web::http::StatusCode;
use nameko::web::{FromRequest, Http, Json, PathParams, Request, Response, into_http_result};
use nameko::{Config, Entrypoint, Service, ServiceRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `(status line, content type, body)` of one request, `Connection: close`.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
) -> (String, Option<String>, String) {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some((content_type, data)) = body {
        req.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            data.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body.map_or("", |(_, d)| d));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_owned();
    let content_type = lines
        .filter_map(|l| l.split_once(": "))
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_owned());
    (status, content_type, body.to_owned())
}

/// A hand-written service whose error mapping (Nameko's overridden
/// `response_from_exception`, for every error of the entrypoint) answers a body that does
/// not decode with its own shape.
struct Mapped;

#[derive(serde::Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

impl Service for Mapped {
    fn name(&self) -> &str {
        "typed_mapped_service"
    }
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![Box::new(
            Http::new(
                "sum",
                "POST",
                "/mapped/sum",
                |req: Request, _p: PathParams| {
                    Box::pin(async move {
                        let Json(p) = Json::<Point>::from_request(&req)?;
                        into_http_result(format!("{}", p.x + p.y))
                    }) as _
                },
            )
            .error_response(|remote| {
                Some(
                    Response::new(format!("mapped {}: {}", remote.exc_type, remote.value))
                        .with_status(StatusCode::UNPROCESSABLE_ENTITY),
                )
            }),
        )]
    }
}

async fn start() -> (ServiceRunner, SocketAddr) {
    let mut runner = ServiceRunner::new(Config::new().with("WEB_SERVER_ADDRESS", "127.0.0.1:0"));
    runner.add_service(WidgetService::default()).unwrap();
    runner.add_service(Mapped).unwrap();
    runner.start().await.unwrap();
    let addr = nameko::web::bound_address(runner.shared()).unwrap();
    (runner, addr)
}

const JSON: &str = "application/json";

#[tokio::test]
async fn typed_routes() {
    let (runner, addr) = start().await;

    // A typed POST: the body decoded, the answer JSON.
    let r = send(
        addr,
        "POST",
        "/widgets",
        Some((JSON, r#"{"name": "gear", "size": 12}"#)),
    )
    .await;
    assert_eq!(r.0, "HTTP/1.1 200 OK");
    assert_eq!(r.1.as_deref(), Some("application/json"));
    assert_eq!(r.2, r#"{"id":1,"name":"gear","size":12}"#);
    let r = send(
        addr,
        "POST",
        "/widgets",
        Some((JSON, r#"{"name": "cog", "size": 3}"#)),
    )
    .await;
    assert_eq!(r.2, r#"{"id":2,"name":"cog","size":3}"#);

    // A bad body: 400 naming the field, as JSON.
    let r = send(
        addr,
        "POST",
        "/widgets",
        Some((JSON, r#"{"name": "gear", "size": "x"}"#)),
    )
    .await;
    println!("bad body: {} / {:?} / {}", r.0, r.1, r.2);
    assert_eq!(r.0, "HTTP/1.1 400 Bad Request");
    assert_eq!(r.1.as_deref(), Some("application/json"));
    assert_eq!(
        r.2,
        r#"{"error": "BAD_REQUEST", "message": "body.size: invalid type: string \"x\", expected u32"}"#
    );
    let r = send(addr, "POST", "/widgets", Some((JSON, r#"{"size": 1}"#))).await;
    assert_eq!(
        r.2,
        r#"{"error": "BAD_REQUEST", "message": "body: missing field `name`"}"#
    );

    // The wrong content type: 415.
    let r = send(addr, "POST", "/widgets", Some(("text/plain", "name=gear"))).await;
    println!("wrong content type: {} / {:?} / {}", r.0, r.1, r.2);
    assert_eq!(r.0, "HTTP/1.1 415 Unsupported Media Type");
    assert_eq!(
        r.2,
        r#"{"error": "UNSUPPORTED_MEDIA_TYPE", "message": "expected a request with `Content-Type: application/json`, got `text/plain`"}"#
    );

    // A query decoded, and one that does not decode.
    let r = send(addr, "GET", "/widgets?min_size=5", None).await;
    assert_eq!(r.0, "HTTP/1.1 200 OK");
    assert_eq!(r.1.as_deref(), Some("application/json"));
    assert_eq!(r.2, r#"[{"id":1,"name":"gear","size":12}]"#);
    let r = send(addr, "GET", "/widgets?limit=1", None).await;
    assert_eq!(r.2, r#"[{"id":1,"name":"gear","size":12}]"#);
    let r = send(addr, "GET", "/widgets?limit=lots", None).await;
    assert_eq!(r.0, "HTTP/1.1 400 Bad Request");
    assert_eq!(
        r.2,
        r#"{"error": "BAD_REQUEST", "message": "query.limit: invalid digit found in string"}"#
    );

    // `Result<Json<T>, E>`: the Ok as JSON, the Err through its own response.
    let r = send(addr, "GET", "/widgets/2", None).await;
    assert_eq!(
        (r.1.as_deref(), r.2.as_str()),
        (Some(JSON), r#"{"id":2,"name":"cog","size":3}"#)
    );
    let r = send(addr, "GET", "/widgets/9", None).await;
    assert_eq!(r.0, "HTTP/1.1 404 Not Found");
    assert_eq!(r.2, r#"{"error": "NOT_FOUND", "message": "no widget 9"}"#);

    // The service's error mapping answers extraction errors itself.
    let r = send(
        addr,
        "POST",
        "/mapped/sum",
        Some((JSON, r#"{"x": 1, "y": 2}"#)),
    )
    .await;
    assert_eq!((r.0.as_str(), r.2.as_str()), ("HTTP/1.1 200 OK", "3"));
    let r = send(
        addr,
        "POST",
        "/mapped/sum",
        Some((JSON, r#"{"x": 1, "y": true}"#)),
    )
    .await;
    println!("mapped: {} / {:?} / {}", r.0, r.1, r.2);
    assert_eq!(r.0, "HTTP/1.1 422 Unprocessable Entity");
    assert_eq!(
        r.2,
        "mapped BadRequest: body.y: invalid type: boolean `true`, expected i32"
    );

    // Nothing was lost: the server still serves.
    let r = send(addr, "GET", "/widgets?limit=5", None).await;
    assert_eq!(r.0, "HTTP/1.1 200 OK");
    runner.stop().await;
}
