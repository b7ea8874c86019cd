//! The seed's HTTP examples, served by one HTTP server:
//!
//! - `http_service`: `GET /get/<int:value>`, `POST /post`, `GET,PUT,POST,DELETE /multi`
//!   (the seed's `http.py`) and `GET /custom_exception` (the seed's `http_exceptions.py`,
//!   whose service has the same name, so it is merged here);
//! - `advanced_http_service`: `GET /privileged`, `GET /headers`, `GET /custom` (the seed's
//!   `advanced_http.py`).
//!
//! Run with `cargo run -p example-http -- --config examples/http/config.yaml`, then:
//!
//! ```text
//! $ curl -i localhost:8000/get/42
//! HTTP/1.1 200 OK
//! content-type: text/plain; charset=utf-8
//! content-length: 13
//! date: ...
//!
//! {"value": 42}
//! ```
//!
//! With the `#[service]` macro, the services read as follows (the macro's `#[http]`
//! support is being written; until then this crate implements the same services by hand
//! below, exactly as the macro will generate them):
//!
//! ```ignore
//! use nameko_core::{http, service};
//! use nameko_web::{Request, Response};
//!
//! pub struct HttpService;
//!
//! #[service(name = "http_service")]
//! impl HttpService {
//!     #[http("GET", "/get/<int:value>")]
//!     async fn get_method(&self, _request: Request, value: i64) -> String {
//!         py_json::dumps(&json!({ "value": value })).unwrap_or_default()
//!     }
//!
//!     #[http("POST", "/post")]
//!     async fn do_post(&self, request: Request) -> String {
//!         format!("received: {}", request.text_lossy())
//!     }
//!
//!     #[http("GET,PUT,POST,DELETE", "/multi")]
//!     async fn do_multi(&self, request: Request) -> String {
//!         request.method().to_string()
//!     }
//!
//!     #[http("GET", "/custom_exception")]
//!     async fn custom_exception(&self, _request: Request) -> Result<String, InvalidArgumentsError> {
//!         Err(InvalidArgumentsError("Argument `foo` is required.".into()))
//!     }
//! }
//!
//! pub struct AdvancedHttpService;
//!
//! #[service(name = "advanced_http_service")]
//! impl AdvancedHttpService {
//!     #[http("GET", "/privileged")]
//!     async fn forbidden(&self, _request: Request) -> (u16, &'static str) {
//!         (403, "Forbidden")
//!     }
//!
//!     #[http("GET", "/headers")]
//!     async fn redirect(&self, _request: Request) -> (u16, [(&'static str, &'static str); 1], &'static str) {
//!         (201, [("Location", "https://www.example.com/widget/1")], "")
//!     }
//!
//!     #[http("GET", "/custom")]
//!     async fn custom(&self, _request: Request) -> Response {
//!         Response::new("payload")
//!     }
//! }
//! ```

use std::future::Future;
use std::sync::Arc;

use nameko_core::{Entrypoint, Service};
use nameko_web::http::StatusCode;
use nameko_web::{
    Http, HttpError, HttpResult, PathParams, Request, Response, ResponseFromError,
    into_http_result, py_json,
};
use serde_json::json;

/// One `#[http]` row of a service's dispatch table, as the macro writes it: the handler
/// gets the service, the request and the path values.
fn route<S, F, Fut>(
    service: &Arc<S>,
    method_name: &'static str,
    methods: &'static str,
    rule: &'static str,
    handler: F,
) -> Box<dyn Entrypoint>
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request, PathParams) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HttpResult> + Send + 'static,
{
    let service = Arc::clone(service);
    Box::new(Http::new(
        method_name,
        methods,
        rule,
        move |request, params| Box::pin(handler(Arc::clone(&service), request, params)),
    ))
}

/// The answer to a service's HTTP errors, the seed's overridden `response_from_exception`:
/// a JSON body `{"error": <error_code>, "message": <message>}` with the error's status.
pub fn http_error_response(error_code: &str, status: StatusCode, message: &str) -> Response {
    // `json.dumps` of the dict, byte for byte
    let body =
        py_json::dumps(&json!({ "error": error_code, "message": message })).unwrap_or_default();
    Response::new(body)
        .with_status(status)
        .with_mimetype("application/json")
}

/// The seed's `InvalidArgumentsError(HttpError)`: `error_code = 'INVALID_ARGUMENTS'`,
/// `status_code = 400`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidArgumentsError(pub String);

impl InvalidArgumentsError {
    /// The `error` of the JSON body.
    pub const ERROR_CODE: &'static str = "INVALID_ARGUMENTS";
    /// The response status.
    pub const STATUS_CODE: StatusCode = StatusCode::BAD_REQUEST;
}

impl std::fmt::Display for InvalidArgumentsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidArgumentsError {}

impl ResponseFromError for InvalidArgumentsError {
    fn response_from_error(&self) -> Response {
        http_error_response(Self::ERROR_CODE, Self::STATUS_CODE, &self.0)
    }
}

/// The seed's `http_service`.
#[derive(Debug, Default)]
pub struct HttpService;

impl HttpService {
    /// `GET /get/<int:value>`: `{"value": <value>}`.
    pub async fn get_method(&self, _request: Request, value: i64) -> String {
        py_json::dumps(&json!({ "value": value })).unwrap_or_default()
    }

    /// `POST /post`: `received: <body>`.
    pub async fn do_post(&self, request: Request) -> String {
        format!("received: {}", request.text_lossy())
    }

    /// `GET,PUT,POST,DELETE /multi`: the method.
    pub async fn do_multi(&self, request: Request) -> String {
        request.method().to_string()
    }

    /// `GET /custom_exception`: always fails with `InvalidArgumentsError`, answered `400`
    /// with a JSON body.
    pub async fn custom_exception(
        &self,
        _request: Request,
    ) -> Result<String, InvalidArgumentsError> {
        Err(InvalidArgumentsError("Argument `foo` is required.".into()))
    }
}

impl Service for HttpService {
    fn name(&self) -> &str {
        "http_service"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![
            route(
                self,
                "get_method",
                "GET",
                "/get/<int:value>",
                |this, request, mut params| async move {
                    let value: i64 = params.take("value")?;
                    into_http_result(this.get_method(request, value).await)
                },
            ),
            route(
                self,
                "do_post",
                "POST",
                "/post",
                |this, request, _params| async move { into_http_result(this.do_post(request).await) },
            ),
            route(
                self,
                "do_multi",
                "GET,PUT,POST,DELETE",
                "/multi",
                |this, request, _params| async move { into_http_result(this.do_multi(request).await) },
            ),
            route(
                self,
                "custom_exception",
                "GET",
                "/custom_exception",
                |this, request, _params| async move {
                    match this.custom_exception(request).await {
                        Ok(value) => into_http_result(value),
                        Err(error) => Err(HttpError::from_error(&error)),
                    }
                },
            ),
        ]
    }
}

/// The seed's `advanced_http_service`.
#[derive(Debug, Default)]
pub struct AdvancedHttpService;

impl AdvancedHttpService {
    /// `GET /privileged`: `403`.
    pub async fn forbidden(&self, _request: Request) -> (u16, &'static str) {
        (403, "Forbidden")
    }

    /// `GET /headers`: `201` with a `Location` header and an empty body.
    pub async fn redirect(
        &self,
        _request: Request,
    ) -> (u16, [(&'static str, &'static str); 1], &'static str) {
        (201, [("Location", "https://www.example.com/widget/1")], "")
    }

    /// `GET /custom`: a full response.
    pub async fn custom(&self, _request: Request) -> Response {
        Response::new("payload")
    }
}

impl Service for AdvancedHttpService {
    fn name(&self) -> &str {
        "advanced_http_service"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![
            route(
                self,
                "forbidden",
                "GET",
                "/privileged",
                |this, request, _params| async move { into_http_result(this.forbidden(request).await) },
            ),
            route(
                self,
                "redirect",
                "GET",
                "/headers",
                |this, request, _params| async move { into_http_result(this.redirect(request).await) },
            ),
            route(
                self,
                "custom",
                "GET",
                "/custom",
                |this, request, _params| async move { into_http_result(this.custom(request).await) },
            ),
        ]
    }
}
