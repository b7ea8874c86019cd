//! [`Request`]: what an HTTP handler receives (werkzeug's `Request`), and [`PathParams`],
//! the values of the rule's variables.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::str::FromStr;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri, Version};
use serde::de::DeserializeOwned;

use crate::error::{PathParamError, RequestError};

/// An HTTP request, read in full: method, path, query, headers and body.
///
/// The body was read before the worker started (at most `WEB_MAX_BODY_SIZE` bytes), so a
/// slow client never holds a worker.
///
/// ```
/// use nameko_web::Request;
///
/// let req = Request::new(
///     http::Request::post("/post?lang=fr&x=1&x=2").body(bytes::Bytes::from("hellø")).unwrap(),
/// );
/// assert_eq!(req.method(), "POST");
/// assert_eq!(req.path(), "/post");
/// assert_eq!(req.query_string(), "lang=fr&x=1&x=2");
/// assert_eq!(req.query_param("lang").as_deref(), Some("fr"));
/// assert_eq!(req.query_params("x"), ["1", "2"]);
/// assert_eq!(req.text().unwrap(), "hellø");
/// ```
#[derive(Debug)]
pub struct Request {
    parts: http::request::Parts,
    body: Bytes,
    path: String,
    path_values: Vec<(String, String)>,
    remote_addr: Option<SocketAddr>,
}

/// Decodes `%XX` escapes of a path, as a WSGI server does before werkzeug matches it;
/// bytes that are not UTF-8 become U+FFFD.
#[doc(hidden)]
pub fn decode_path(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

impl Request {
    /// A request from its `http` form (for tests and hand-written adapters).
    pub fn new(request: http::Request<Bytes>) -> Self {
        let (parts, body) = request.into_parts();
        Request::from_parts(parts, body)
    }

    /// A request from its parts and body.
    pub fn from_parts(parts: http::request::Parts, body: Bytes) -> Self {
        let path = decode_path(parts.uri.path());
        Request {
            parts,
            body,
            path,
            path_values: Vec::new(),
            remote_addr: None,
        }
    }

    pub(crate) fn with_route(
        mut self,
        path_values: Vec<(String, String)>,
        remote_addr: Option<SocketAddr>,
    ) -> Self {
        self.path_values = path_values;
        self.remote_addr = remote_addr;
        self
    }

    pub(crate) fn parts(&self) -> &http::request::Parts {
        &self.parts
    }

    /// The method (`GET`, `POST`, ...).
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request target as sent.
    pub fn uri(&self) -> &Uri {
        &self.parts.uri
    }

    /// The HTTP version.
    pub fn version(&self) -> Version {
        self.parts.version
    }

    /// The path, percent-decoded (werkzeug's `request.path`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path as sent, with its `%XX` escapes.
    pub fn raw_path(&self) -> &str {
        self.parts.uri.path()
    }

    /// The query string as sent, without `?`; empty if there is none.
    pub fn query_string(&self) -> &str {
        self.parts.uri.query().unwrap_or("")
    }

    /// The decoded query parameters, in order (werkzeug's `request.args` items).
    pub fn query(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query_string().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The first value of a query parameter (`request.args.get(name)`).
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query_string().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// Every value of a query parameter (`request.args.getlist(name)`).
    pub fn query_params(&self, name: &str) -> Vec<String> {
        form_urlencoded::parse(self.query_string().as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// One header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The body's bytes (`request.get_data()`).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body's bytes, owned.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The body as UTF-8 text; an error (answered `400` when returned) if it is not.
    pub fn text(&self) -> Result<&str, RequestError> {
        Ok(std::str::from_utf8(&self.body)?)
    }

    /// The body as text, invalid UTF-8 replaced by U+FFFD
    /// (`request.get_data(as_text=True)`).
    pub fn text_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body as JSON; an error (answered `400` when returned) if it is not `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, RequestError> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The rule variables' values, as matched (werkzeug's `request.path_values`).
    pub fn path_values(&self) -> &[(String, String)] {
        &self.path_values
    }

    /// The client's address, when the request came through the server.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// The request's extensions (set by middleware).
    pub fn extensions(&self) -> &http::Extensions {
        &self.parts.extensions
    }
}

/// The values of a rule's variables, to bind to handler parameters by name.
///
/// ```
/// use nameko_web::PathParams;
///
/// let mut params = PathParams::new(vec![("value".into(), "42".into())]);
/// let value: i64 = params.take("value").unwrap();
/// assert_eq!(value, 42);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathParams {
    values: Vec<(String, String)>,
}

impl PathParams {
    /// Values by name.
    pub fn new(values: Vec<(String, String)>) -> Self {
        PathParams { values }
    }

    /// The value of `name` as a string.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every name and value, in rule order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Removes the value of `name` and parses it into `T` with [`FromStr`].
    ///
    /// The rule's converter already matched the value, so parsing fails only when it does
    /// not fit `T` (`300` for a `u8`): [`PathParamError::Invalid`], answered `404` as
    /// werkzeug answers a value its converter rejects.
    pub fn take<T>(&mut self, name: &str) -> Result<T, PathParamError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let Some(i) = self.values.iter().position(|(n, _)| n == name) else {
            return Err(PathParamError::Missing(name.to_owned()));
        };
        let (name, value) = self.values.swap_remove(i);
        value.parse().map_err(|e: T::Err| PathParamError::Invalid {
            reason: e.to_string(),
            name,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn request_accessors() {
        let req = Request::new(
            http::Request::get("/a%20b/caf%C3%A9?q=a+b&q=%C3%A9&e=")
                .header("content-type", "application/json")
                .body(Bytes::from_static(br#"{"k": [1, 2]}"#))
                .unwrap(),
        );
        assert_eq!(req.path(), "/a b/café");
        assert_eq!(req.raw_path(), "/a%20b/caf%C3%A9");
        assert_eq!(req.query_params("q"), ["a b", "é"]);
        assert_eq!(req.query_param("e").as_deref(), Some(""));
        assert_eq!(req.query_param("missing"), None);
        assert_eq!(req.query().len(), 3);
        assert_eq!(req.content_type(), Some("application/json"));
        let v: serde_json::Value = req.json().unwrap();
        assert_eq!(v["k"][1], 2);
        assert!(req.json::<Vec<i32>>().is_err());
        assert_eq!(req.version(), Version::HTTP_11);
        assert!(req.remote_addr().is_none());

        let bad = Request::new(
            http::Request::post("/")
                .body(Bytes::from_static(b"\xff ok"))
                .unwrap(),
        );
        assert!(matches!(bad.text(), Err(RequestError::NotUtf8(_))));
        assert_eq!(bad.text_lossy(), "\u{fffd} ok");
        assert_eq!(decode_path("/%ff"), "/\u{fffd}");
    }

    #[test]
    fn params() {
        let mut p = PathParams::new(vec![
            ("n".into(), "300".into()),
            ("s".into(), "x".into()),
            ("f".into(), "1.5".into()),
        ]);
        assert_eq!(p.get("s"), Some("x"));
        assert_eq!(p.iter().count(), 3);
        assert!(matches!(
            p.take::<u8>("n"),
            Err(PathParamError::Invalid { .. })
        ));
        assert_eq!(p.take::<f64>("f").unwrap(), 1.5);
        assert_eq!(p.take::<String>("s").unwrap(), "x");
        assert_eq!(
            p.take::<String>("s"),
            Err(PathParamError::Missing("s".into()))
        );
        assert!(p.is_empty());
    }
}
