//! The seed's HTTP examples, served by one HTTP server:
//!
//! - `http_service`: `GET /get/<int:value>`, `POST /post`, `GET,PUT,POST,DELETE /multi`
//!   (the seed's `http.py`) and `GET /custom_exception` (the seed's `http_exceptions.py`,
//!   whose service has the same name, so it is merged here);
//! - `advanced_http_service`: `GET /privileged`, `GET /headers`, `GET /custom` (the seed's
//!   `advanced_http.py`);
//! - `widget_service`, beyond the seed: typed bodies and queries, `POST /widgets`,
//!   `GET /widgets`, `GET /widgets/<int:id>`, whose OpenAPI 3.1 document
//!   `cargo run -p example-http -- --describe --openapi` prints.
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
//! Each route is an `#[http(method, rule)]` method of a `#[service]` impl block, as in
//! the seed: the method takes the request (optional) and the rule's variables by name, and
//! returns a body, `(status, body)`, `(status, headers, body)`, a [`Response`], or a
//! `Result` of one whose error picks its response ([`ResponseFromError`]).

use nameko::web::http::StatusCode;
use nameko::web::{Json, Query, Request, Response, ResponseFromError, py_json};
use nameko::{JsonSchema, http, service};
use serde::{Deserialize, Serialize};
use serde_json::json;

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

#[service(name = "http_service")]
impl HttpService {
    /// `GET /get/<int:value>`: `{"value": <value>}`.
    #[http("GET", "/get/<int:value>")]
    pub async fn get_method(&self, _request: Request, value: i64) -> String {
        py_json::dumps(&json!({ "value": value })).unwrap_or_default()
    }

    /// `POST /post`: `received: <body>`.
    #[http("POST", "/post")]
    pub async fn do_post(&self, request: Request) -> String {
        format!("received: {}", request.text_lossy())
    }

    /// `GET,PUT,POST,DELETE /multi`: the method.
    #[http("GET,PUT,POST,DELETE", "/multi")]
    pub async fn do_multi(&self, request: Request) -> String {
        request.method().to_string()
    }

    /// `GET /custom_exception`: always fails with `InvalidArgumentsError`, answered `400`
    /// with a JSON body.
    #[http("GET", "/custom_exception")]
    pub async fn custom_exception(
        &self,
        _request: Request,
    ) -> Result<String, InvalidArgumentsError> {
        Err(InvalidArgumentsError("Argument `foo` is required.".into()))
    }
}

/// The seed's `advanced_http_service`.
#[derive(Debug, Default)]
pub struct AdvancedHttpService;

#[service(name = "advanced_http_service")]
impl AdvancedHttpService {
    /// `GET /privileged`: `403`.
    #[http("GET", "/privileged")]
    pub async fn forbidden(&self, _request: Request) -> (u16, &'static str) {
        (403, "Forbidden")
    }

    /// `GET /headers`: `201` with a `Location` header and an empty body.
    #[http("GET", "/headers")]
    pub async fn redirect(
        &self,
        _request: Request,
    ) -> (u16, [(&'static str, &'static str); 1], &'static str) {
        (201, [("Location", "https://www.example.com/widget/1")], "")
    }

    /// `GET /custom`: a full response.
    #[http("GET", "/custom")]
    pub async fn custom(&self, _request: Request) -> Response {
        Response::new("payload")
    }
}

/// The body of `POST /widgets`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[schemars(crate = "nameko::schemars")]
pub struct NewWidget {
    /// What the widget is called.
    pub name: String,
    /// Its size, in millimetres.
    pub size: u32,
}

/// A widget, as `POST /widgets` and `GET /widgets` answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(crate = "nameko::schemars")]
pub struct Widget {
    /// Its id, from 1.
    pub id: u64,
    /// What the widget is called.
    pub name: String,
    /// Its size, in millimetres.
    pub size: u32,
}

/// The query of `GET /widgets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[schemars(crate = "nameko::schemars")]
pub struct WidgetQuery {
    /// Only widgets at least this large.
    pub min_size: Option<u32>,
    /// At most this many (default 10).
    pub limit: Option<usize>,
}

/// Typed HTTP bodies, beyond the seed: a JSON body decoded into [`NewWidget`], a query
/// into [`WidgetQuery`], JSON answers; their schemas are in the binary's OpenAPI document
/// (`example-http --describe --openapi`).
#[derive(Debug, Default)]
pub struct WidgetService {
    widgets: std::sync::Mutex<Vec<Widget>>,
}

impl WidgetService {
    fn widgets(&self) -> std::sync::MutexGuard<'_, Vec<Widget>> {
        self.widgets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[service(name = "widget_service")]
impl WidgetService {
    /// `POST /widgets` with `{"name": ..., "size": ...}`: the widget, with its id. A body
    /// that does not decode is a `400` naming the field.
    #[http("POST", "/widgets")]
    pub async fn create_widget(&self, Json(new): Json<NewWidget>) -> Json<Widget> {
        let mut widgets = self.widgets();
        let widget = Widget {
            id: widgets.len() as u64 + 1,
            name: new.name,
            size: new.size,
        };
        widgets.push(widget.clone());
        Json(widget)
    }

    /// `GET /widgets?min_size=..&limit=..`: the widgets, in order of creation.
    #[http("GET", "/widgets")]
    pub async fn list_widgets(&self, Query(query): Query<WidgetQuery>) -> Json<Vec<Widget>> {
        let min = query.min_size.unwrap_or(0);
        Json(
            self.widgets()
                .iter()
                .filter(|w| w.size >= min)
                .take(query.limit.unwrap_or(10))
                .cloned()
                .collect(),
        )
    }

    /// `GET /widgets/<int:id>`: one widget, or `404` with a JSON body.
    #[http("GET", "/widgets/<int:id>")]
    pub async fn get_widget(&self, id: u64) -> Result<Json<Widget>, WidgetNotFound> {
        self.widgets()
            .iter()
            .find(|w| w.id == id)
            .cloned()
            .map(Json)
            .ok_or(WidgetNotFound(id))
    }
}

/// No widget has this id: `404` with `{"error": "NOT_FOUND", "message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetNotFound(pub u64);

impl std::fmt::Display for WidgetNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no widget {}", self.0)
    }
}

impl std::error::Error for WidgetNotFound {}

impl ResponseFromError for WidgetNotFound {
    fn response_from_error(&self) -> Response {
        http_error_response("NOT_FOUND", StatusCode::NOT_FOUND, &self.to_string())
    }
}
