//! The seed's routes, and every return convention of an `#[http]` method: bodies,
//! `(status, body)`, `(status, headers, body)`, responses, and `Result`s of them whose
//! errors map to responses in each of the four ways.
#![deny(warnings)]

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use nameko::web::http::{HeaderMap, StatusCode};
use nameko::web::{HttpError, Request, Response, ResponseFromError, py_json};
use nameko::{RemoteError, http, service};

/// The seed's `InvalidArgumentsError`: its own response, `400` with a JSON body.
#[derive(Debug)]
pub struct InvalidArgumentsError(String);

impl fmt::Display for InvalidArgumentsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ResponseFromError for InvalidArgumentsError {
    fn response_from_error(&self) -> Response {
        let body = py_json::dumps(&serde_json::json!({
            "error": "INVALID_ARGUMENTS",
            "message": self.0,
        }))
        .unwrap_or_default();
        Response::new(body)
            .with_status(StatusCode::BAD_REQUEST)
            .with_mimetype("application/json")
    }
}

/// An error that converts into a `RemoteError`: Nameko's default answer, `500`.
#[derive(Debug)]
pub struct NotFound;

impl From<NotFound> for RemoteError {
    fn from(_: NotFound) -> Self {
        RemoteError::new("NotFound", "no such widget")
    }
}

/// An error with only `Display`.
#[derive(Debug)]
pub struct Oops;

impl fmt::Display for Oops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oops")
    }
}

/// The seed's `http_service`, with `http_exceptions.py`'s route.
pub struct HttpService;

#[service(name = "http_service")]
impl HttpService {
    #[http("GET", "/get/<int:value>")]
    async fn get_method(&self, _request: Request, value: i64) -> String {
        py_json::dumps(&serde_json::json!({ "value": value })).unwrap_or_default()
    }

    #[http("POST", "/post")]
    async fn do_post(&self, request: Request) -> String {
        format!("received: {}", request.text_lossy())
    }

    #[http("GET,PUT,POST,DELETE", "/multi")]
    async fn do_multi(&self, request: Request) -> String {
        request.method().to_string()
    }

    #[http("GET", "/custom_exception")]
    async fn custom_exception(&self, _request: Request) -> Result<String, InvalidArgumentsError> {
        Err(InvalidArgumentsError("Argument `foo` is required.".into()))
    }
}

/// The seed's `advanced_http_service`, and the other return conventions.
pub struct AdvancedHttpService;

#[service(name = "advanced_http_service")]
impl AdvancedHttpService {
    #[http("GET", "/privileged")]
    async fn forbidden(&self, _request: Request) -> (u16, &'static str) {
        (403, "Forbidden")
    }

    #[http("GET", "/headers")]
    async fn redirect(
        &self,
        _request: Request,
    ) -> (u16, HashMap<&'static str, &'static str>, &'static str) {
        (
            201,
            HashMap::from([("Location", "https://www.example.com/widget/1")]),
            "",
        )
    }

    #[http("GET", "/custom")]
    async fn custom(&self, _request: Request) -> Response {
        Response::new("payload")
    }

    #[http("GET", "/static")]
    async fn static_str(&self) -> &'static str {
        "static"
    }

    #[http("GET", "/cow")]
    async fn cow(&self) -> Cow<'static, str> {
        Cow::Borrowed("cow")
    }

    #[http("GET", "/bytes")]
    async fn bytes(&self) -> Vec<u8> {
        b"bytes".to_vec()
    }

    #[http("DELETE", "/empty")]
    async fn empty(&self) {}

    #[http("GET", "/unit")]
    async fn unit(&self) -> () {}

    #[http("GET", "/status_code")]
    async fn status_code(&self) -> (StatusCode, String) {
        (StatusCode::ACCEPTED, "accepted".to_owned())
    }

    #[http("GET", "/header_list")]
    async fn header_list(&self) -> (u16, Vec<(String, String)>, String) {
        (200, vec![("X-A".into(), "1".into())], String::new())
    }

    #[http("GET", "/header_array")]
    async fn header_array(&self) -> (u16, [(&'static str, &'static str); 1], &'static str) {
        (200, [("Content-Type", "text/csv")], "a,b")
    }

    #[http("GET", "/header_btree")]
    async fn header_btree(&self) -> (u16, BTreeMap<String, String>, Vec<u8>) {
        (200, BTreeMap::new(), Vec::new())
    }

    #[http("GET", "/header_map")]
    async fn header_map(&self) -> (StatusCode, HeaderMap, &'static str) {
        (StatusCode::OK, HeaderMap::new(), "")
    }

    #[http("GET", "/http_response")]
    async fn http_response(&self) -> nameko::web::http::Response<String> {
        nameko::web::http::Response::new("raw".to_owned())
    }

    #[http("GET", "/remote")]
    async fn remote(&self) -> Result<String, RemoteError> {
        Err(RemoteError::new("ValueError", "bad"))
    }

    #[http("GET", "/into_remote")]
    async fn into_remote(&self) -> Result<(u16, String), NotFound> {
        Err(NotFound)
    }

    #[http("GET", "/display")]
    async fn display(&self) -> Result<Response, Oops> {
        Err(Oops)
    }

    #[http("GET", "/http_error")]
    async fn http_error(&self) -> Result<(), HttpError> {
        Ok(())
    }

    #[http("GET", "/std_result")]
    async fn std_result(&self) -> std::result::Result<&'static str, InvalidArgumentsError> {
        Ok("ok")
    }
}

fn main() {
    use nameko::Service;
    let service = std::sync::Arc::new(HttpService);
    let table: Vec<(String, &str)> = service
        .entrypoints()
        .iter()
        .map(|e| (e.method_name().to_owned(), e.kind()))
        .collect();
    assert_eq!(
        table,
        [
            ("get_method".to_owned(), "http"),
            ("do_post".to_owned(), "http"),
            ("do_multi".to_owned(), "http"),
            ("custom_exception".to_owned(), "http"),
        ]
    );
    let advanced = std::sync::Arc::new(AdvancedHttpService);
    assert_eq!(advanced.entrypoints().len(), 19);
}
