//! The built-in endpoints of the web server: `GET /health/live`, `GET /health/ready` and,
//! with the `metrics` feature, `GET /metrics`. A user route on the same path wins: these
//! answer only requests no route claims.

#[cfg(feature = "metrics")]
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, StatusCode};
use nameko_core::Resources;

use crate::response::Response;

/// The liveness path: `200 ok` while the process serves.
pub const LIVE_PATH: &str = "/health/live";
/// The readiness path: `200 ready` while every shared resource (the broker connection) is
/// ready, else `503` with a short reason.
pub const READY_PATH: &str = "/health/ready";
/// The metrics path (feature `metrics`): the process's metrics in the OpenMetrics text
/// format.
pub const METRICS_PATH: &str = "/metrics";

/// The answer of a built-in endpoint to `method` `path`, if it is one. `shared`: the
/// runner's shared resources, whose readiness `/health/ready` reports.
pub(crate) fn answer(method: &Method, path: &str, shared: Option<&Resources>) -> Option<Response> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    match path {
        LIVE_PATH => Some(Response::new("ok")),
        READY_PATH => Some(match shared {
            Some(shared) if shared.all_ready() => Response::new("ready"),
            Some(_) => Response::new("not ready: the broker connection is down")
                .with_status(StatusCode::SERVICE_UNAVAILABLE),
            None => {
                Response::new("not ready: not started").with_status(StatusCode::SERVICE_UNAVAILABLE)
            }
        }),
        #[cfg(feature = "metrics")]
        METRICS_PATH => Some(metrics_response()),
        _ => None,
    }
}

#[cfg(feature = "metrics")]
fn metrics_response() -> Response {
    let mut response = http::Response::new(crate::body::Body::from(nameko_core::metrics::encode()));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(nameko_core::metrics::CONTENT_TYPE),
    );
    Response::from_http(response)
}
