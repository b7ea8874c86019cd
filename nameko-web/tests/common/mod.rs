//! Helpers of the nameko-web integration tests: hand-written services, a runner on an
//! ephemeral port, and a raw HTTP/1.1 client that shows the bytes as curl -i would.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use nameko_core::{Config, DependencyProvider, Entrypoint, Service, ServiceRunner};
use nameko_web::{Http, HttpResult, PathParams, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

type Build = Box<dyn Fn() -> Vec<Box<dyn Entrypoint>> + Send + Sync>;

/// A service whose entrypoints are given as closures.
pub struct TestService {
    pub name: &'static str,
    build: Build,
    pub deps: Vec<Box<dyn DependencyProvider>>,
}

impl TestService {
    pub fn new(
        name: &'static str,
        build: impl Fn() -> Vec<Box<dyn Entrypoint>> + Send + Sync + 'static,
    ) -> Self {
        TestService {
            name,
            build: Box::new(build),
            deps: Vec::new(),
        }
    }

    pub fn with_dependency(mut self, dep: impl DependencyProvider) -> Self {
        self.deps.push(Box::new(dep));
        self
    }
}

impl Service for TestService {
    fn name(&self) -> &str {
        self.name
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        (self.build)()
    }

    fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        self.deps.iter().map(|d| d.as_ref()).collect()
    }
}

/// An `Http` entrypoint from an async closure.
pub fn route<F, Fut>(
    name: &'static str,
    methods: &'static str,
    rule: &'static str,
    f: F,
) -> Box<dyn Entrypoint>
where
    F: Fn(Request, PathParams) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HttpResult> + Send + 'static,
{
    Box::new(Http::new(name, methods, rule, move |req, params| {
        Box::pin(f(req, params))
    }))
}

/// A config listening on an ephemeral loopback port.
pub fn config() -> Config {
    Config::new().with("WEB_SERVER_ADDRESS", "127.0.0.1:0")
}

/// Starts a runner with `services` and returns it with the server's address.
pub async fn start(config: Config, services: Vec<TestService>) -> (ServiceRunner, SocketAddr) {
    let mut runner = ServiceRunner::new(config);
    for s in services {
        runner.add_service(s).unwrap();
    }
    runner.start().await.unwrap();
    let addr = nameko_web::bound_address(runner.shared()).expect("server bound");
    (runner, addr)
}

/// A response as read off the wire.
#[derive(Debug)]
pub struct Raw {
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn status(&self) -> u16 {
        self.status_line.split(' ').nth(1).unwrap().parse().unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// Parses one response from `bytes` (read to EOF).
pub fn parse(bytes: &[u8]) -> Raw {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
    let head = std::str::from_utf8(&bytes[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap().to_owned();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    Raw {
        status_line,
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}

/// Sends `request` bytes on a new connection and reads the answer to EOF.
pub async fn send_raw(addr: SocketAddr, request: &[u8]) -> Raw {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut out))
        .await
        .expect("response within 20 s")
        .unwrap();
    parse(&out)
}

/// What `curl -i -X METHOD [-d BODY] http://addr/path` sends, with `Connection: close`.
pub async fn curl(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Raw {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nConnection: close\r\n"
    );
    if let Some(body) = body {
        req.push_str(&format!(
            "Content-Length: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(body) = body {
        req.push_str(body);
    }
    send_raw(addr, req.as_bytes()).await
}

pub async fn get(addr: SocketAddr, path: &str) -> Raw {
    curl(addr, "GET", path, None).await
}
