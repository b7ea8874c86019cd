//! The seed's curl transcripts, against the example's services through a real socket:
//! status lines, headers and bodies as the seed shows them (reason phrases are hyper's
//! standard ones, `403 Forbidden` where werkzeug wrote `403 FORBIDDEN`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use example_http::{AdvancedHttpService, HttpService};
use nameko::{Config, ServiceRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as `curl -i` shows it.
#[derive(Debug)]
struct Curl {
    status_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Curl {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn header_names(&self) -> Vec<String> {
        self.headers.iter().map(|(n, _)| n.to_lowercase()).collect()
    }
}

/// `curl -i [-X METHOD] [-d BODY] http://addr/path`.
async fn curl(addr: SocketAddr, method: &str, path: &str, data: Option<&str>) -> Curl {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
    );
    if let Some(d) = data {
        req.push_str(&format!(
            "Content-Length: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n",
            d.len()
        ));
    }
    // like curl, no `Connection: close`: the response ends after Content-Length bytes
    req.push_str("\r\n");
    req.push_str(data.unwrap_or(""));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let read = async {
        loop {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            out.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&out);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(str::to_owned)
                    })
                    .map_or(0, |v| v.trim().parse().unwrap());
                if body.len() >= len {
                    break;
                }
            }
            assert!(n > 0, "connection closed before the end of the response");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap().to_owned();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(": ").unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect();
    Curl {
        status_line,
        headers,
        body: body.to_owned(),
    }
}

async fn start() -> (ServiceRunner, SocketAddr) {
    let mut runner = ServiceRunner::new(Config::new().with("WEB_SERVER_ADDRESS", "127.0.0.1:0"));
    runner.add_service(HttpService).unwrap();
    runner.add_service(AdvancedHttpService).unwrap();
    runner.start().await.unwrap();
    let addr = nameko::web::bound_address(runner.shared()).unwrap();
    (runner, addr)
}

#[tokio::test]
async fn http_service() {
    let (runner, addr) = start().await;

    // $ curl -i localhost:8000/get/42
    let r = curl(addr, "GET", "/get/42", None).await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("Content-Length"), Some("13"));
    assert!(r.header("Date").is_some_and(|d| d.ends_with(" GMT")));
    assert_eq!(r.header_names(), ["content-type", "content-length", "date"]);
    assert_eq!(r.body, r#"{"value": 42}"#);

    // $ curl -i -d "post body" localhost:8000/post
    let r = curl(addr, "POST", "/post", Some("post body")).await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("Content-Length"), Some("19"));
    assert_eq!(r.body, "received: post body");

    // UTF-8 text beyond ASCII, counted in bytes
    let r = curl(addr, "POST", "/post", Some("hellø wörld")).await;
    assert_eq!(r.body, "received: hellø wörld");
    assert_eq!(r.header("Content-Length"), Some("23"));

    // GET,PUT,POST,DELETE /multi
    for method in ["GET", "PUT", "POST", "DELETE"] {
        let data = (method != "GET").then_some("");
        let r = curl(addr, method, "/multi", data).await;
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{method}");
        assert_eq!(r.body, method);
    }
    let r = curl(addr, "PATCH", "/multi", Some("")).await;
    assert_eq!(r.status_line, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(r.header("Allow"), Some("DELETE, GET, HEAD, POST, PUT"));

    // werkzeug: 404 for a value the int converter rejects, and for negative ints
    assert_eq!(
        curl(addr, "GET", "/get/abc", None).await.status_line,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        curl(addr, "GET", "/get/-1", None).await.status_line,
        "HTTP/1.1 404 Not Found"
    );

    // $ curl -i http://localhost:8000/custom_exception
    let r = curl(addr, "GET", "/custom_exception", None).await;
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.header("Content-Length"), Some("72"));
    assert_eq!(
        r.body,
        r#"{"error": "INVALID_ARGUMENTS", "message": "Argument `foo` is required."}"#
    );
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["message"], "Argument `foo` is required.");
    runner.stop().await;
}

#[tokio::test]
async fn advanced_http_service() {
    let (runner, addr) = start().await;

    // $ curl -i localhost:8000/privileged
    let r = curl(addr, "GET", "/privileged", None).await;
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("Content-Length"), Some("9"));
    assert_eq!(r.body, "Forbidden");

    // $ curl -i localhost:8000/headers
    let r = curl(addr, "GET", "/headers", None).await;
    assert_eq!(r.status_line, "HTTP/1.1 201 Created");
    assert_eq!(
        r.header("Location"),
        Some("https://www.example.com/widget/1")
    );
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("Content-Length"), Some("0"));
    assert_eq!(
        r.header_names(),
        ["location", "content-type", "content-length", "date"]
    );
    assert_eq!(r.body, "");

    // Response("payload")
    let r = curl(addr, "GET", "/custom", None).await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("Content-Length"), Some("7"));
    assert_eq!(r.body, "payload");
    runner.stop().await;
}

/// `cargo run -p example-http -- --config config.yaml` serves the seed's routes on the
/// configured address and stops cleanly on SIGTERM.
#[tokio::test]
async fn the_binary_serves_the_configured_address() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config.yaml");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_example-http"))
        .args(["--config", config, "--log-level", "warn"])
        .env("WEB_SERVER_ADDRESS", &address)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let addr: SocketAddr = address.parse().unwrap();
    let mut up = false;
    for _ in 0..100 {
        if TcpStream::connect(addr).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "example-http did not listen on {address}");
    assert_eq!(
        curl(addr, "GET", "/get/42", None).await.body,
        r#"{"value": 42}"#
    );
    assert_eq!(
        curl(addr, "GET", "/privileged", None).await.body,
        "Forbidden"
    );
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        (status, err)
    })
    .await
    .unwrap();
    assert!(output.0.success(), "{output:?}");
    assert!(
        output
            .1
            .contains("started services: http_service, advanced_http_service"),
        "{}",
        output.1
    );
    assert!(output.1.contains("stopped"), "{}", output.1);
}
