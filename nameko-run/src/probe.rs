//! Health and metrics probes: [`answer`], the one function that answers
//! `GET /health/live`, `GET /health/ready` and (feature `metrics`) `GET /metrics`, and
//! [`ProbeListeners`], the HTTP/1.1 listeners (on hyper) of `HEALTH_ADDRESS` and
//! `METRICS_ADDRESS` that serve it.
//!
//! [`answer`] knows no transport: the listeners here call it, and so does nameko-web for
//! the same paths on the web server, so that both say the same.
//!
//! ```
//! use nameko_run::probe::{Probe, answer};
//!
//! let live = answer("GET", "/health/live", None).unwrap();
//! assert_eq!((live.status, live.body.as_str()), (200, "ok"));
//! let ready = answer("GET", "/health/ready", None).unwrap();
//! assert_eq!((ready.status, ready.body.as_str()), (503, "not ready: the services are not running"));
//! assert!(answer("GET", "/elsewhere", None).is_none());
//! # let _ = Probe::Health;
//! ```

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use nameko_core::config::{Config, ConfigError};
use nameko_core::{Readiness, ServiceRunner};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The liveness path: `200 ok` while the process serves.
pub const LIVE_PATH: &str = "/health/live";
/// The readiness path: `200 ready` while the services run and every shared resource (the
/// broker connection) is ready, else `503` with a short reason.
pub const READY_PATH: &str = "/health/ready";
/// The metrics path (feature `metrics`): the process's metrics in the OpenMetrics text
/// format.
pub const METRICS_PATH: &str = "/metrics";

const TEXT: &str = "text/plain; charset=utf-8";

/// What a probe listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// `/health/live` and `/health/ready`.
    Health,
    /// The health paths and `/metrics`.
    HealthAndMetrics,
}

/// The answer to a probe request: status, `content-type` and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeAnswer {
    /// The HTTP status code.
    pub status: u16,
    /// The `content-type` of `body`.
    pub content_type: &'static str,
    /// The body (sent for `GET`, left off for `HEAD`).
    pub body: String,
}

impl ProbeAnswer {
    fn text(status: u16, body: impl Into<String>) -> Self {
        ProbeAnswer {
            status,
            content_type: TEXT,
            body: body.into(),
        }
    }
}

/// The answer to `method` `path` when it is a probe path ([`LIVE_PATH`], [`READY_PATH`],
/// and with feature `metrics` [`METRICS_PATH`]), else `None`. Only `GET` and `HEAD` are
/// answered. `readiness`: the services' ([`ServiceRunner::readiness`]); `None` before
/// there are services (not ready).
pub fn answer(method: &str, path: &str, readiness: Option<&Readiness>) -> Option<ProbeAnswer> {
    answer_for(Probe::HealthAndMetrics, method, path, readiness)
}

/// [`answer`] for a listener that serves `probe`.
fn answer_for(
    probe: Probe,
    method: &str,
    path: &str,
    readiness: Option<&Readiness>,
) -> Option<ProbeAnswer> {
    if method != "GET" && method != "HEAD" {
        return None;
    }
    match path {
        LIVE_PATH => Some(ProbeAnswer::text(200, "ok")),
        READY_PATH => Some(match readiness.map(Readiness::check) {
            Some(Ok(())) => ProbeAnswer::text(200, "ready"),
            Some(Err(reason)) => ProbeAnswer::text(503, reason.to_string()),
            None => ProbeAnswer::text(503, nameko_core::NotReady::NotRunning.to_string()),
        }),
        #[cfg(feature = "metrics")]
        METRICS_PATH if probe == Probe::HealthAndMetrics => Some(ProbeAnswer {
            status: 200,
            content_type: crate::metrics::CONTENT_TYPE,
            body: crate::metrics::encode(),
        }),
        _ => {
            let _ = probe;
            None
        }
    }
}

/// Config key of the address of the probe listener serving `/health/live` and
/// `/health/ready` (optional; e.g. `0.0.0.0:8081`).
pub const HEALTH_ADDRESS: &str = "HEALTH_ADDRESS";
/// Config key of the address of the probe listener serving `/metrics` (feature
/// `metrics`) and the health endpoints (optional; e.g. `0.0.0.0:9100`).
pub const METRICS_ADDRESS: &str = "METRICS_ADDRESS";

/// The probe listeners' keys, read as [`Config::settings`] reads a crate's keys (and
/// checked whenever a config is loaded).
///
/// ```
/// use nameko_core::Config;
/// use nameko_run::probe::ProbeSettings;
///
/// let config = Config::from_yaml_str("HEALTH_ADDRESS: 0.0.0.0:8081\n")?;
/// let probes = ProbeSettings::from_config(&config)?;
/// assert_eq!(probes.health_address.as_deref(), Some("0.0.0.0:8081"));
/// assert_eq!(probes.metrics_address, None);
/// assert!(Config::from_yaml_str("METRICS_ADDRESS: 9100\n").is_err());
/// # Ok::<(), nameko_core::ConfigError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ProbeSettings {
    /// `HEALTH_ADDRESS`; `None` (absent or `null`): no health listener of its own.
    #[serde(rename = "HEALTH_ADDRESS")]
    pub health_address: Option<String>,
    /// `METRICS_ADDRESS`; `None` (absent or `null`): no metrics listener.
    #[serde(rename = "METRICS_ADDRESS")]
    pub metrics_address: Option<String>,
}

nameko_core::config::inventory::submit!(nameko_core::config::SettingsCheck::of::<ProbeSettings>(
    "nameko-run"
));

impl ProbeSettings {
    /// Reads `HEALTH_ADDRESS` and `METRICS_ADDRESS` of `config`.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        config.settings()
    }
}

/// A probe listener could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// `HEALTH_ADDRESS` or `METRICS_ADDRESS` is not an address (a value set in code;
    /// a loaded config is checked when it is loaded).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address could not be listened on.
    #[error("cannot listen on {key} `{address}`: {source}")]
    Listen {
        /// The config key (`HEALTH_ADDRESS` or `METRICS_ADDRESS`).
        key: &'static str,
        /// The address configured.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The probe listeners of a runner: `HEALTH_ADDRESS` serves the health paths,
/// `METRICS_ADDRESS` the health paths and `/metrics` (one listener when both name the same
/// fixed address). They serve until [`stop`](Self::stop) or until dropped.
///
/// [`cli::run`](crate::cli::run) starts them for a service binary; by hand:
///
/// ```no_run
/// # async fn run(runner: nameko_core::ServiceRunner) -> Result<(), Box<dyn std::error::Error>> {
/// use nameko_run::probe::ProbeListeners;
///
/// let probes = ProbeListeners::start(&runner).await?;
/// runner.start().await?;
/// println!("health on {:?}", probes.address(nameko_run::probe::HEALTH_ADDRESS));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ProbeListeners {
    addresses: Vec<(&'static str, SocketAddr)>,
    stop: CancellationToken,
}

impl ProbeListeners {
    /// Binds the addresses `runner`'s config names and serves them, answering readiness
    /// from [`ServiceRunner::readiness`]. No key set: no listener.
    pub async fn start(runner: &ServiceRunner) -> Result<Self, ProbeError> {
        Self::bind(runner.config(), runner.readiness()).await
    }

    /// Binds the addresses `config` names (`HEALTH_ADDRESS`, `METRICS_ADDRESS`) and serves
    /// them, answering readiness from `readiness`.
    pub async fn bind(config: &Config, readiness: Readiness) -> Result<Self, ProbeError> {
        let metrics_probe = if cfg!(feature = "metrics") {
            Probe::HealthAndMetrics
        } else {
            Probe::Health
        };
        let settings = ProbeSettings::from_config(config)?;
        let (health, metrics) = (
            settings.health_address.as_deref(),
            settings.metrics_address.as_deref(),
        );
        let mut wanted: Vec<(&'static str, &str, Probe)> = Vec::new();
        if let Some(address) = metrics {
            if !cfg!(feature = "metrics") {
                tracing::warn!(
                    target: "nameko::runner",
                    "METRICS_ADDRESS is set but nameko is built without the `metrics` \
                     feature: serving the health endpoints only"
                );
            }
            wanted.push((METRICS_ADDRESS, address, metrics_probe));
        }
        // The same fixed address: one listener. (`:0` asks for a free port each.)
        if let Some(address) = health
            && (metrics != Some(address) || address.ends_with(":0"))
        {
            wanted.push((HEALTH_ADDRESS, address, Probe::Health));
        }
        let stop = CancellationToken::new();
        let mut listeners = Vec::new();
        for (key, address, probe) in wanted {
            let err = |source| ProbeError::Listen {
                key,
                address: address.to_owned(),
                source,
            };
            let listener = TcpListener::bind(address).await.map_err(err)?;
            let local = listener.local_addr().map_err(err)?;
            tracing::info!(target: "nameko::runner", %key, address = %local, "probe listener");
            listeners.push((key, local, listener, probe));
        }
        let mut addresses = Vec::new();
        for (key, local, listener, probe) in listeners {
            addresses.push((key, local));
            tokio::spawn(serve(listener, probe, readiness.clone(), stop.clone()));
        }
        Ok(ProbeListeners { addresses, stop })
    }

    /// The address the listener of config key `key` (`HEALTH_ADDRESS` or
    /// `METRICS_ADDRESS`) listens on: the way to find the port when the address ends with
    /// `:0`. When both keys name the same address (not `:0`), one listener serves both and
    /// is found under `METRICS_ADDRESS`.
    pub fn address(&self, key: &str) -> Option<SocketAddr> {
        self.addresses
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| *a)
    }

    /// Stops listening.
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

impl Drop for ProbeListeners {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Serves `listener` until `stop`: one connection per task, 10 s at most each.
async fn serve(listener: TcpListener, probe: Probe, readiness: Readiness, stop: CancellationToken) {
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
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let response = respond(probe, &request, &readiness);
            async move { Ok::<_, Infallible>(response) }
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .keep_alive(false);
        tokio::spawn(async move {
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(Duration::from_secs(10), connection).await;
        });
    }
}

fn respond(
    probe: Probe,
    request: &Request<Incoming>,
    readiness: &Readiness,
) -> Response<Full<Bytes>> {
    let method = request.method().as_str();
    let answer = match answer_for(probe, method, request.uri().path(), Some(readiness)) {
        Some(answer) => answer,
        None if method != "GET" && method != "HEAD" => ProbeAnswer::text(405, "method not allowed"),
        None => ProbeAnswer::text(404, "not found"),
    };
    let length = answer.body.len();
    let body = if method == "HEAD" {
        Bytes::new()
    } else {
        Bytes::from(answer.body)
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    response
}
