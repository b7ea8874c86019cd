//! The probe listener of a runner: a minimal HTTP/1.1 server on `HEALTH_ADDRESS` and/or
//! `METRICS_ADDRESS` answering `GET /health/live`, `GET /health/ready` and (feature
//! `metrics`) `GET /metrics`, one request per connection. It needs no web crate, so that
//! every runner — one started by `cli::run` too — has it when the config asks.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::extension::Resources;

/// What a probe listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Serves {
    /// The health endpoints.
    Health,
    /// The health endpoints and `/metrics`.
    HealthAndMetrics,
}

/// Whether the runner is ready: started and every shared resource ready.
#[derive(Debug, Clone)]
pub(crate) struct Readiness {
    pub(crate) started: Arc<AtomicBool>,
    pub(crate) shared: Resources,
}

impl Readiness {
    fn check(&self) -> Result<(), &'static str> {
        if !self.started.load(Ordering::Acquire) {
            return Err("not ready: the services are not running");
        }
        if !self.shared.all_ready() {
            return Err("not ready: the broker connection is down");
        }
        Ok(())
    }
}

/// Binds `address` (`host:port`) for `key`.
pub(crate) async fn bind(key: &'static str, address: &str) -> Result<TcpListener, Error> {
    let err = |source| Error::ProbeListener {
        key,
        address: address.to_owned(),
        source,
    };
    TcpListener::bind(address).await.map_err(err)
}

/// Serves `listener` until `stop`.
pub(crate) async fn serve(
    listener: TcpListener,
    serves: Serves,
    readiness: Readiness,
    stop: CancellationToken,
) {
    loop {
        let stream = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::debug!(target: "nameko::probe", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let readiness = readiness.clone();
        tokio::spawn(async move {
            let _ =
                tokio::time::timeout(Duration::from_secs(10), answer(stream, serves, &readiness))
                    .await;
        });
    }
}

async fn answer(mut stream: TcpStream, serves: Serves, readiness: &Readiness) {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 512];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 16 * 1024 {
            return;
        }
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or_default();
    let path = parts
        .next()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default();
    let (status, content_type, body) = route(method, path, serves, readiness);
    let mut response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(body.as_bytes());
    }
    let _ = stream.write_all(&response).await;
    let _ = stream.shutdown().await;
}

const TEXT: &str = "text/plain; charset=utf-8";

fn route(
    method: &str,
    path: &str,
    serves: Serves,
    readiness: &Readiness,
) -> (&'static str, &'static str, String) {
    if method != "GET" && method != "HEAD" {
        return ("405 Method Not Allowed", TEXT, "method not allowed".into());
    }
    match path {
        "/health/live" => ("200 OK", TEXT, "ok".into()),
        "/health/ready" => match readiness.check() {
            Ok(()) => ("200 OK", TEXT, "ready".into()),
            Err(reason) => ("503 Service Unavailable", TEXT, reason.into()),
        },
        #[cfg(feature = "metrics")]
        "/metrics" if serves == Serves::HealthAndMetrics => (
            "200 OK",
            crate::metrics::CONTENT_TYPE,
            crate::metrics::encode(),
        ),
        _ => {
            let _ = serves;
            ("404 Not Found", TEXT, "not found".into())
        }
    }
}

/// The probe listeners of a runner.
#[derive(Debug, Default)]
pub(crate) struct Probes {
    pub(crate) addresses: std::sync::Mutex<Vec<(&'static str, SocketAddr)>>,
    pub(crate) stop: CancellationToken,
}
