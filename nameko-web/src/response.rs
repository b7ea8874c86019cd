//! Responses: [`Response`], the return conventions ([`IntoHttpResponse`]) and how errors
//! become responses ([`HttpError`], [`ResponseFromError`], [`Response::from_remote_error`]).
//!
//! A handler may return, as Nameko's `@http` methods do:
//!
//! | return value | response |
//! |---|---|
//! | a body: `String`, `&'static str`, `Cow<'static, str>`, `Vec<u8>`, `Bytes`, `()` | `200`, `text/plain; charset=utf-8` |
//! | `(status, body)`, status a `u16` or [`StatusCode`] | that status, `text/plain; charset=utf-8` |
//! | `(status, headers, body)`, headers a `HashMap`, `BTreeMap`, `Vec` or array of name/value pairs, or a [`HeaderMap`] | those headers, then `Content-Type: text/plain; charset=utf-8` unless given |
//! | a [`Response`] or any `http::Response<B>`, `B` an [`http_body::Body`] of [`Bytes`] | used as is |
//! | `Result<any of these, E>` | `Err` becomes a response through [`ResponseFromError`] or the default mapping |
//!
//! Status lines carry hyper's standard reason phrases (`403 Forbidden`), where werkzeug
//! wrote them upper-case (`403 FORBIDDEN`); HTTP clients do not read reason phrases.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};
use nameko_core::{AsMethodError, BoxError, MethodError, RemoteError};

use crate::body::Body;
pub use crate::body::IntoBody;

/// The default content type, as werkzeug's `Response`.
pub const TEXT_PLAIN_UTF8: &str = "text/plain; charset=utf-8";
const TEXT_HTML_UTF8: &str = "text/html; charset=utf-8";

/// An HTTP response, werkzeug's `Response` in Rust: `200 OK` and
/// `text/plain; charset=utf-8` unless told otherwise.
///
/// ```
/// use nameko_web::Response;
/// use http::StatusCode;
///
/// let r = Response::new("payload");
/// assert_eq!(r.status(), StatusCode::OK);
/// assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
///
/// let r = Response::new(r#"{"error": "INVALID_ARGUMENTS"}"#)
///     .with_status(StatusCode::BAD_REQUEST)
///     .with_mimetype("application/json");
/// assert_eq!(r.headers()["content-type"], "application/json");
/// ```
pub struct Response {
    inner: http::Response<Body>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.inner.status())
            .field("headers", self.inner.headers())
            .finish()
    }
}

impl nameko_core::WorkerOutput for Response {}

/// werkzeug's `get_content_type`: text types and XML types get `; charset=utf-8`.
fn content_type_for(mimetype: &str) -> String {
    let wants_charset = mimetype.starts_with("text/")
        || mimetype.ends_with("+xml")
        || matches!(
            mimetype,
            "application/ecmascript"
                | "application/javascript"
                | "application/sql"
                | "application/xml"
                | "application/xml-dtd"
                | "application/xml-external-parsed-entity"
        );
    if wants_charset && !mimetype.contains("charset") {
        format!("{mimetype}; charset=utf-8")
    } else {
        mimetype.to_owned()
    }
}

impl Response {
    /// `200 OK` with `body`, `Content-Type: text/plain; charset=utf-8`.
    pub fn new(body: impl IntoBody) -> Self {
        let mut inner = http::Response::new(Body::from(body.into_body()));
        inner
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(TEXT_PLAIN_UTF8));
        Response { inner }
    }

    /// `200 OK` with `value` as JSON (compact, as `serde_json` writes it),
    /// `Content-Type: application/json`. For Python's `json.dumps` spacing, see
    /// [`py_json::dumps`](crate::py_json::dumps).
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        Ok(Response::new(serde_json::to_vec(value)?).with_mimetype("application/json"))
    }

    /// A response used as is.
    pub fn from_http<B>(response: http::Response<B>) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Response {
            inner: response.map(Body::new),
        }
    }

    /// Sets the status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        *self.inner.status_mut() = status;
        self
    }

    /// Sets the content type from a mimetype, as werkzeug's `mimetype=`: text and XML
    /// types get `; charset=utf-8`, others (`application/json`) are used as they are.
    /// A mimetype that is not a valid header value is ignored.
    pub fn with_mimetype(mut self, mimetype: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(&content_type_for(mimetype)) {
            self.inner.headers_mut().insert(CONTENT_TYPE, value);
        }
        self
    }

    /// Adds a header (after those already set with the same name).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.inner.headers_mut().append(name, value);
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.inner.headers_mut()
    }

    /// The `http` response, its body a [`Body`] (an [`http_body::Body`]): an escape hatch
    /// for handing the response to hyper code, or any code built on `http-body`, of your
    /// own.
    pub fn into_inner(self) -> http::Response<Body> {
        self.inner
    }

    /// Nameko's default response to a failed handler (`HttpRequestHandler.
    /// response_from_exception`): `400 Bad Request` for Nameko's `BadRequest` errors
    /// ([`RemoteError::is_bad_request`]), `500 Internal Server Error` otherwise; the body
    /// is `Error: <exc_type>: <value>\n`, `text/plain; charset=utf-8`.
    ///
    /// ```
    /// use nameko_core::{AsMethodError, BoxError, MethodError, RemoteError};
    /// use nameko_web::Response;
    ///
    /// let r = Response::from_remote_error(&RemoteError::new("ValueError", "bad"));
    /// assert_eq!(r.status(), 500);
    /// let r = Response::from_remote_error(&RemoteError::malformed_request("no args"));
    /// assert_eq!(r.status(), 400);
    /// ```
    pub fn from_remote_error(err: &RemoteError) -> Self {
        Self::from_remote_error_expecting(err, &[])
    }

    /// [`from_remote_error`](Self::from_remote_error), also answering `400` for an
    /// `exc_type` in `expected_exceptions` (Nameko's `@http(..., expected_exceptions=...)`).
    ///
    /// ```
    /// use nameko_core::{AsMethodError, BoxError, MethodError, RemoteError};
    /// use nameko_web::Response;
    ///
    /// let expected = ["ValueError".to_owned()];
    /// let r = Response::from_remote_error_expecting(&RemoteError::new("ValueError", "bad"), &expected);
    /// assert_eq!(r.status(), 400);
    /// ```
    pub fn from_remote_error_expecting(err: &RemoteError, expected_exceptions: &[String]) -> Self {
        let expected = expected_exceptions.contains(&err.exc_type);
        let status = if expected || err.is_bad_request() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Response::new(format!("Error: {}: {}\n", err.exc_type, err.value)).with_status(status)
    }
}

impl From<Response> for http::Response<Body> {
    fn from(r: Response) -> Self {
        r.inner
    }
}

/// werkzeug's HTML error page for `status` (`<!doctype html>` ... `<h1>Not Found</h1>`
/// ...), `text/html; charset=utf-8`, as werkzeug's `HTTPException` answers routing errors.
pub fn error_page(status: StatusCode) -> Response {
    let (name, description) = match status.as_u16() {
        400 => (
            "Bad Request",
            "The browser (or proxy) sent a request that this server could not understand.",
        ),
        404 => (
            "Not Found",
            "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
        ),
        405 => (
            "Method Not Allowed",
            "The method is not allowed for the requested URL.",
        ),
        408 => (
            "Request Timeout",
            "The server closed the network connection because the browser didn&#x27;t finish the request within the specified time.",
        ),
        413 => (
            "Request Entity Too Large",
            "The data value transmitted exceeds the capacity limit.",
        ),
        431 => (
            "Request Header Fields Too Large",
            "One or more header fields exceeds the maximum size.",
        ),
        503 => (
            "Service Unavailable",
            "The server is temporarily overloaded or down for maintenance. Please try again later.",
        ),
        _ => (
            status.canonical_reason().unwrap_or("Error"),
            "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
        ),
    };
    let body = format!(
        "<!doctype html>\n<html lang=en>\n<title>{code} {name}</title>\n<h1>{name}</h1>\n<p>{description}</p>\n",
        code = status.as_u16()
    );
    let mut r = Response::new(body).with_status(status);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(TEXT_HTML_UTF8));
    r
}

/// A handler that failed: the error (its original, for dependency providers, and its
/// wire form, a [`RemoteError`]), and the response the client gets when it is not the
/// default one.
///
/// Without a response of its own, the client gets Nameko's: `400` for a `BadRequest`
/// (or an error the entrypoint expects), `500` otherwise, with the body
/// `Error: <exc_type>: <value>\n` (see [`Response::from_remote_error`]).
pub struct HttpError {
    error: MethodError,
    /// The response of its own, or (`.1`, an extraction error's JSON body) the answer
    /// when the service does not map the error. One box, so that results stay small.
    response: Option<Box<(Response, Answer)>>,
}

/// Whose a failure's response is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// The error's own: used as is.
    Own,
    /// A default: the service's mapping comes first.
    Default,
}

impl HttpError {
    /// A failure answered with the default response for `remote`.
    pub fn new(remote: RemoteError) -> Self {
        HttpError::from_method_error(MethodError::new(remote))
    }

    /// A failure of a method's error, answered with the default response.
    pub fn from_method_error(error: MethodError) -> Self {
        HttpError {
            error,
            response: None,
        }
    }

    /// A failure answered with `response`.
    pub fn with_response(remote: RemoteError, response: Response) -> Self {
        HttpError {
            error: MethodError::new(remote),
            response: Some(Box::new((response, Answer::Own))),
        }
    }

    /// A failure answered with `response` unless the service maps it: the entrypoint's
    /// [`error_response`](crate::Http::error_response) override is asked first (as for
    /// an error without a response of its own), and `response` replaces Nameko's default
    /// `Error: <exc_type>: <value>\n` page. What an [`ExtractError`](crate::ExtractError)
    /// becomes.
    pub fn with_default_response(remote: RemoteError, response: Response) -> Self {
        HttpError {
            error: MethodError::new(remote),
            response: Some(Box::new((response, Answer::Default))),
        }
    }

    /// A failure from an error that builds its own response
    /// ([`ResponseFromError`]).
    pub fn from_error<E: ResponseFromError>(err: &E) -> Self {
        HttpError::with_response(err.remote_error(), err.response_from_error())
    }

    /// Like [`from_error`](Self::from_error), keeping the error itself for dependency
    /// providers.
    pub fn from_std_error<E>(err: E) -> Self
    where
        E: ResponseFromError + std::error::Error + Send + Sync,
    {
        let response = err.response_from_error();
        HttpError {
            error: MethodError::with_source(err.remote_error(), err),
            response: Some(Box::new((response, Answer::Own))),
        }
    }

    /// The error, as dependency providers see it.
    pub fn remote_error(&self) -> &RemoteError {
        self.error.remote_error()
    }

    /// The response of its own, if any.
    pub fn response(&self) -> Option<&Response> {
        match self.response.as_deref() {
            Some((response, Answer::Own)) => Some(response),
            _ => None,
        }
    }

    /// The response used when the service does not map the error, if any
    /// ([`with_default_response`](Self::with_default_response)).
    pub fn default_response(&self) -> Option<&Response> {
        match self.response.as_deref() {
            Some((response, Answer::Default)) => Some(response),
            _ => None,
        }
    }

    /// The error and the response of its own.
    pub fn into_parts(self) -> (RemoteError, Option<Response>) {
        let (remote, own, _) = self.into_responses();
        (remote, own)
    }

    /// The error, the response of its own and the default response.
    pub(crate) fn into_responses(self) -> (RemoteError, Option<Response>, Option<Response>) {
        let remote = self.error.into_remote_error();
        match self.response.map(|r| *r) {
            Some((response, Answer::Own)) => (remote, Some(response), None),
            Some((response, Answer::Default)) => (remote, None, Some(response)),
            None => (remote, None, None),
        }
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpError")
            .field("error", &self.error)
            .field("status", &self.response.as_ref().map(|r| r.0.status()))
            .finish()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.error.remote_error(), f)
    }
}

impl std::error::Error for HttpError {}

impl AsMethodError for HttpError {
    fn as_method_error(&self) -> &MethodError {
        &self.error
    }

    /// A `BadRequest`, or an error whose own (or default) response is a `4xx`.
    fn is_caller_error(&self) -> bool {
        self.error.remote_error().is_bad_request()
            || self
                .response
                .as_ref()
                .is_some_and(|r| r.0.status().is_client_error())
    }
}

impl From<MethodError> for HttpError {
    fn from(error: MethodError) -> Self {
        HttpError::from_method_error(error)
    }
}

impl From<RemoteError> for HttpError {
    fn from(remote: RemoteError) -> Self {
        HttpError::new(remote)
    }
}

fn invalid_header(what: &str, detail: impl fmt::Display) -> HttpError {
    HttpError::new(RemoteError::new(
        "InvalidResponse",
        format!("invalid header {what}: {detail}"),
    ))
}

fn insert_pair(map: &mut HeaderMap, name: &str, value: &str) -> Result<(), HttpError> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| invalid_header("name", format!("{name:?}")))?;
    let value = HeaderValue::from_str(value)
        .map_err(|_| invalid_header("value", format!("{value:?} for {name}")))?;
    map.append(name, value);
    Ok(())
}

/// Response headers, Nameko's `headers_dict`: maps, lists and arrays of name/value
/// pairs, or a [`HeaderMap`].
pub trait IntoHeaders {
    /// The headers; a name or value that is not valid in HTTP is an error.
    fn into_headers(self) -> Result<HeaderMap, HttpError>;
}

impl IntoHeaders for HeaderMap {
    fn into_headers(self) -> Result<HeaderMap, HttpError> {
        Ok(self)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, S: BuildHasher> IntoHeaders for HashMap<K, V, S> {
    fn into_headers(self) -> Result<HeaderMap, HttpError> {
        let mut map = HeaderMap::with_capacity(self.len());
        for (k, v) in &self {
            insert_pair(&mut map, k.as_ref(), v.as_ref())?;
        }
        Ok(map)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> IntoHeaders for BTreeMap<K, V> {
    fn into_headers(self) -> Result<HeaderMap, HttpError> {
        let mut map = HeaderMap::with_capacity(self.len());
        for (k, v) in &self {
            insert_pair(&mut map, k.as_ref(), v.as_ref())?;
        }
        Ok(map)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> IntoHeaders for Vec<(K, V)> {
    fn into_headers(self) -> Result<HeaderMap, HttpError> {
        let mut map = HeaderMap::with_capacity(self.len());
        for (k, v) in &self {
            insert_pair(&mut map, k.as_ref(), v.as_ref())?;
        }
        Ok(map)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> IntoHeaders for [(K, V); N] {
    fn into_headers(self) -> Result<HeaderMap, HttpError> {
        let mut map = HeaderMap::with_capacity(N);
        for (k, v) in &self {
            insert_pair(&mut map, k.as_ref(), v.as_ref())?;
        }
        Ok(map)
    }
}

/// A status, as a number or a [`StatusCode`].
pub trait IntoStatus {
    /// The status; a number outside 100..=999 is an error.
    fn into_status(self) -> Result<StatusCode, HttpError>;
}

impl IntoStatus for StatusCode {
    fn into_status(self) -> Result<StatusCode, HttpError> {
        Ok(self)
    }
}

impl IntoStatus for u16 {
    fn into_status(self) -> Result<StatusCode, HttpError> {
        StatusCode::from_u16(self).map_err(|_| {
            HttpError::new(RemoteError::new(
                "InvalidResponse",
                format!("invalid HTTP status {self}"),
            ))
        })
    }
}

/// What a handler may return: see the [module docs](self).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an HTTP response",
    note = "return a body (String, &'static str, Vec<u8>, Bytes), (status, body), (status, headers, body), or a nameko_web::Response"
)]
pub trait IntoHttpResponse {
    /// The response; an invalid status or header is an error (answered `500`).
    fn into_http_response(self) -> Result<Response, HttpError>;
}

macro_rules! body_responses {
    ($($t:ty),*) => {$(
        impl IntoHttpResponse for $t {
            fn into_http_response(self) -> Result<Response, HttpError> {
                Ok(Response::new(self))
            }
        }
    )*};
}

body_responses!(
    String,
    &'static str,
    Cow<'static, str>,
    Vec<u8>,
    &'static [u8],
    Bytes,
    ()
);

impl<S: IntoStatus, B: IntoBody> IntoHttpResponse for (S, B) {
    fn into_http_response(self) -> Result<Response, HttpError> {
        Ok(Response::new(self.1).with_status(self.0.into_status()?))
    }
}

impl<S: IntoStatus, H: IntoHeaders, B: IntoBody> IntoHttpResponse for (S, H, B) {
    fn into_http_response(self) -> Result<Response, HttpError> {
        let (status, headers, body) = self;
        let status = status.into_status()?;
        let mut headers = headers.into_headers()?;
        if !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(TEXT_PLAIN_UTF8));
        }
        let mut inner = http::Response::new(Body::from(body.into_body()));
        *inner.status_mut() = status;
        *inner.headers_mut() = headers;
        Ok(Response { inner })
    }
}

impl IntoHttpResponse for Response {
    fn into_http_response(self) -> Result<Response, HttpError> {
        Ok(self)
    }
}

impl<B> IntoHttpResponse for http::Response<B>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn into_http_response(self) -> Result<Response, HttpError> {
        Ok(Response::from_http(self))
    }
}

/// Turns a handler's return value into its result: what hand-written handlers and the
/// `#[http]` expansion call on a value that is not a `Result`.
pub fn into_http_result<T: IntoHttpResponse>(value: T) -> Result<Response, HttpError> {
    value.into_http_response()
}

/// An error that knows its HTTP response: the per-error equivalent of overriding Nameko's
/// `HttpRequestHandler.response_from_exception`.
///
/// A handler returning `Result<_, E>` where `E` implements this trait answers its errors
/// with [`response_from_error`](Self::response_from_error); dependency providers and logs
/// still see the error as a [`RemoteError`] ([`remote_error`](Self::remote_error)).
/// Errors without it are answered by [`Response::from_remote_error`] (through their
/// `Into<RemoteError>`, else their `Display`).
///
/// The seed's example, `InvalidArgumentsError` answered `400` with a JSON body:
///
/// ```
/// use http::StatusCode;
/// use nameko_web::{Response, ResponseFromError, py_json};
///
/// #[derive(Debug)]
/// struct InvalidArgumentsError(String);
///
/// impl std::fmt::Display for InvalidArgumentsError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str(&self.0)
///     }
/// }
///
/// impl ResponseFromError for InvalidArgumentsError {
///     fn response_from_error(&self) -> Response {
///         let body = py_json::dumps(&serde_json::json!({
///             "error": "INVALID_ARGUMENTS",
///             "message": self.0,
///         }))
///         .unwrap_or_default();
///         Response::new(body)
///             .with_status(StatusCode::BAD_REQUEST)
///             .with_mimetype("application/json")
///     }
/// }
///
/// let r = InvalidArgumentsError("Argument `foo` is required.".into()).response_from_error();
/// assert_eq!(r.status(), 400);
/// ```
pub trait ResponseFromError: fmt::Display + 'static {
    /// The response the client gets.
    fn response_from_error(&self) -> Response;

    /// The error as dependency providers and logs see it; by default
    /// [`RemoteError::from_error`] (the type's name and its `Display`).
    fn remote_error(&self) -> RemoteError
    where
        Self: Sized,
    {
        RemoteError::from_error(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    async fn body(r: Response) -> String {
        let bytes = r.into_inner().into_body().to_bytes().await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn ct(r: &Response) -> &str {
        r.headers()[CONTENT_TYPE].to_str().unwrap()
    }

    #[tokio::test]
    async fn conventions() {
        let r = into_http_result("hello").unwrap();
        assert_eq!((r.status(), ct(&r)), (StatusCode::OK, TEXT_PLAIN_UTF8));
        assert_eq!(body(r).await, "hello");

        let r = into_http_result((403, "Forbidden")).unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(body(r).await, "Forbidden");

        let r = into_http_result((
            201,
            HashMap::from([("Location", "https://www.example.com/widget/1")]),
            "",
        ))
        .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()["location"], "https://www.example.com/widget/1");
        assert_eq!(ct(&r), TEXT_PLAIN_UTF8);
        let names: Vec<_> = r.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["location", "content-type"]);

        let r = into_http_result((StatusCode::OK, [("Content-Type", "text/csv")], "a,b")).unwrap();
        assert_eq!(ct(&r), "text/csv");
        let r = into_http_result((200, vec![("X-A", "1"), ("X-A", "2")], "")).unwrap();
        assert_eq!(r.headers().get_all("x-a").iter().count(), 2);

        let r = into_http_result(()).unwrap();
        assert_eq!(body(r).await, "");
        let r = into_http_result(http::Response::new(String::from("raw"))).unwrap();
        assert!(r.headers().get(CONTENT_TYPE).is_none());
        assert_eq!(body(r).await, "raw");
    }

    #[test]
    fn invalid_responses() {
        let e = into_http_result((1000u16, "x")).unwrap_err();
        assert_eq!(e.remote_error().exc_type, "InvalidResponse");
        let e = into_http_result((200, [("bad name", "v")], "x")).unwrap_err();
        assert!(e.to_string().contains("invalid header name"), "{e}");
        let e = into_http_result((200, [("X-Ok", "line\nbreak")], "x")).unwrap_err();
        assert!(e.to_string().contains("invalid header value"), "{e}");
    }

    #[tokio::test]
    async fn default_error_mapping() {
        let r = Response::from_remote_error(&RemoteError::new("ValueError", "bad thing"));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(ct(&r), TEXT_PLAIN_UTF8);
        assert_eq!(body(r).await, "Error: ValueError: bad thing\n");
        let r = Response::from_remote_error(&RemoteError::malformed_request("nope"));
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(body(r).await, "Error: MalformedRequest: nope\n");
    }

    #[tokio::test]
    async fn mimetypes_and_pages() {
        assert_eq!(content_type_for("text/html"), "text/html; charset=utf-8");
        assert_eq!(content_type_for("application/json"), "application/json");
        assert_eq!(
            content_type_for("image/svg+xml"),
            "image/svg+xml; charset=utf-8"
        );
        let r = Response::json(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(ct(&r), "application/json");
        assert_eq!(body(r).await, r#"{"a":1}"#);
        let r = error_page(StatusCode::NOT_FOUND);
        assert_eq!(ct(&r), "text/html; charset=utf-8");
        let text = body(r).await;
        assert!(text.starts_with("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found"), "{text}");
    }
}
