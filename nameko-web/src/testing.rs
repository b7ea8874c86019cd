//! Firing HTTP routes in unit tests, without a server (feature `testing`): the HTTP part of
//! the test kit of `nameko_core::testing` (gathered in `nameko::testing`).
//!
//! [`fire_http`] runs one request through an `#[http]` method's route as the server would
//! (rule match and path values, return conventions, error responses, `404` for a path the
//! rule does not match), as a worker of the service, and returns the [`TestResponse`].
//! Nothing listens on a port.
//!
//! ```
//! use std::sync::Arc;
//! use nameko_core::testing::worker_factory;
//! use nameko_core::{Entrypoint, Service};
//! use nameko_web::testing::fire_http;
//! use nameko_web::{Http, PathParams, Request, into_http_result};
//!
//! struct HttpService;
//!
//! impl Service for HttpService {
//!     fn name(&self) -> &str {
//!         "http_service"
//!     }
//!     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
//!         vec![Box::new(Http::new("get_method", "GET", "/get/<int:value>", |_req: Request, mut p: PathParams| {
//!             Box::pin(async move {
//!                 let value: i64 = p.take("value")?;
//!                 into_http_result(format!(r#"{{"value": {value}}}"#))
//!             }) as _
//!         }))]
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let svc = worker_factory(HttpService).await?;
//! let response = fire_http(&svc, "get_method", http::Request::get("/get/42").body(())?).await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.text(), r#"{"value": 42}"#);
//!
//! let response = fire_http(&svc, "get_method", http::Request::get("/get/abc").body(())?).await?;
//! assert_eq!(response.status(), 404);
//! # Ok(()) }
//! ```

use std::borrow::Cow;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use nameko_core::entrypoint::FireOutput;
use nameko_core::testing::{AsContainer, TestError, entrypoint_hook, find_entrypoint};
use serde::de::DeserializeOwned;

use crate::body::IntoBody;

/// The response to a fired request: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct TestResponse {
    inner: http::Response<Bytes>,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// One header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The body's bytes.
    pub fn body(&self) -> &Bytes {
        self.inner.body()
    }

    /// The body as text, invalid UTF-8 replaced by U+FFFD.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.inner.body())
    }

    /// The body decoded from JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(self.inner.body())
    }

    /// The `http` form.
    pub fn into_inner(self) -> http::Response<Bytes> {
        self.inner
    }
}

impl From<http::Response<Bytes>> for TestResponse {
    fn from(inner: http::Response<Bytes>) -> Self {
        TestResponse { inner }
    }
}

/// Fires `request` at the route of the `#[http]` method `method` of a container or a
/// `TestService`, as the server would answer it on that route, and returns the response.
///
/// The body is anything a response body can be (`()`, `&'static str`, `String`,
/// `Vec<u8>`, `Bytes`). The worker runs through the container's invocation path, with no
/// context data, as from the server; a handler's panic is a `500`. Use
/// `entrypoint_hook(..).input(request).context(..).fire()` for context data.
pub async fn fire_http<C, B>(
    target: &C,
    method: &str,
    request: http::Request<B>,
) -> Result<TestResponse, TestError>
where
    C: AsContainer + ?Sized,
    B: IntoBody,
{
    let kind = find_entrypoint(target, method)?.kind();
    if kind != "http" {
        return Err(TestError::WrongKind {
            method: method.to_owned(),
            kind,
            expected: "http",
        });
    }
    let request = request.map(IntoBody::into_body);
    match entrypoint_hook(target, method, ())
        .input(request)
        .fire()
        .await?
    {
        FireOutput::Response(response) => match response.downcast::<http::Response<Bytes>>() {
            Ok(response) => Ok(TestResponse { inner: *response }),
            Err(_) => Err(TestError::TransportResponse {
                method: method.to_owned(),
            }),
        },
        FireOutput::Result(Err(remote)) => Err(TestError::Remote(remote)),
        _ => Err(TestError::TransportResponse {
            method: method.to_owned(),
        }),
    }
}
