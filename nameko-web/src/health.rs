//! The built-in endpoints of the web server: `GET /health/live`, `GET /health/ready` and,
//! with the `metrics` feature, `GET /metrics`, answered by the same function as the probe
//! listeners of `HEALTH_ADDRESS` and `METRICS_ADDRESS` ([`nameko_run::probe::answer`]). A
//! user route on the same path wins: these answer only requests no route claims.

use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, StatusCode};
use nameko_core::Readiness;

use crate::response::Response;

pub use nameko_run::probe::{LIVE_PATH, METRICS_PATH, READY_PATH};

/// The answer of a built-in endpoint to `method` `path`, if it is one. `readiness`: the
/// runner's, whose answer `/health/ready` gives (`None` before the server serves
/// services).
pub(crate) fn answer(
    method: &Method,
    path: &str,
    readiness: Option<&Readiness>,
) -> Option<Response> {
    let answer = nameko_run::probe::answer(method.as_str(), path, readiness)?;
    let mut response = Response::new(answer.body).with_status(
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    Some(response)
}
