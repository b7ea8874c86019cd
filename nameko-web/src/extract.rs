//! Typed parameters of a handler: [`Json<T>`] and [`Form<T>`] (the body), [`Query<T>`]
//! (the query string), and the [`FromRequest`] trait they implement, which any other
//! parameter type can implement too.
//!
//! In an `#[http]` method, a parameter that is neither the [`Request`] nor a variable of
//! the URL rule is read with [`FromRequest::from_request`] before the method runs; a
//! request it cannot be read from is answered with its [`ExtractError`] (`400` naming the
//! field, `415` for a wrong content type), through the service's error mapping. The
//! parameter may be a pattern:
//!
//! ```
//! use nameko::web::{Json, Query};
//! use nameko::{http, service};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! pub struct NewWidget {
//!     name: String,
//!     size: u32,
//! }
//!
//! #[derive(Serialize)]
//! pub struct Widget {
//!     id: u64,
//!     name: String,
//!     size: u32,
//! }
//!
//! #[derive(Deserialize)]
//! pub struct Page {
//!     limit: Option<u32>,
//! }
//!
//! pub struct Widgets;
//!
//! #[service(name = "widgets")]
//! impl Widgets {
//!     #[http("POST", "/widgets")]
//!     async fn create(&self, Json(new): Json<NewWidget>) -> Json<Widget> {
//!         Json(Widget { id: 1, name: new.name, size: new.size })
//!     }
//!
//!     #[http("GET", "/widgets")]
//!     async fn list(&self, Query(page): Query<Page>) -> String {
//!         format!("limit {}", page.limit.unwrap_or(10))
//!     }
//! }
//! ```
//!
//! By hand, a handler calls the same trait:
//!
//! ```
//! use nameko_web::extract::{FromRequest, Json};
//! use nameko_web::{Http, PathParams, Request, into_http_result};
//!
//! let entrypoint = Http::new("create", "POST", "/widgets", |req: Request, _p: PathParams| {
//!     Box::pin(async move {
//!         let Json(body) = Json::<serde_json::Value>::from_request(&req)?;
//!         into_http_result(Json(body))
//!     }) as _
//! });
//! ```

use std::ops::{Deref, DerefMut};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ExtractError, HttpError};
use crate::request::Request;
use crate::response::{IntoHttpResponse, Response};

/// The content type [`Json`] reads and writes.
pub const APPLICATION_JSON: &str = "application/json";
/// The content type [`Form`] reads.
pub const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";

/// The part of a request an extractor reads, for descriptions (`--describe`, OpenAPI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reads {
    /// The body, of this content type.
    Body {
        /// The content type (`application/json`).
        content_type: &'static str,
    },
    /// The query string.
    Query,
    /// Something else (headers, the client's address): not described.
    Other,
}

/// A handler parameter read from the request: what an `#[http]` method's parameters that
/// are neither the [`Request`] nor a rule variable implement.
///
/// ```
/// use nameko_web::extract::FromRequest;
/// use nameko_web::{ExtractError, Request};
///
/// /// The caller's `X-Api-Key`.
/// pub struct ApiKey(pub String);
///
/// impl FromRequest for ApiKey {
///     fn from_request(request: &Request) -> Result<Self, ExtractError> {
///         match request.header("x-api-key") {
///             Some(key) => Ok(ApiKey(key.to_owned())),
///             None => Err(ExtractError::Rejected {
///                 status: http::StatusCode::UNAUTHORIZED,
///                 message: "missing header X-Api-Key".into(),
///             }),
///         }
///     }
/// }
///
/// let req = Request::new(http::Request::get("/").header("x-api-key", "k1").body(bytes::Bytes::new()).unwrap());
/// assert_eq!(ApiKey::from_request(&req).unwrap().0, "k1");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from an HTTP request",
    label = "not the request, a rule variable, nor an extractor",
    note = "an `#[http]` parameter that is not a variable of the URL rule is read from the request: use `Json<T>` or `Form<T>` (the body), `Query<T>` (the query string), or implement `nameko_web::extract::FromRequest`; if it is meant to be a rule variable, name it as the rule does"
)]
pub trait FromRequest: Sized {
    /// Reads the parameter; an error is the response (see [`ExtractError`]).
    fn from_request(request: &Request) -> Result<Self, ExtractError>;

    /// The part of the request it reads, for descriptions; by default [`Reads::Other`].
    fn reads() -> Reads {
        Reads::Other
    }

    /// The JSON Schema of what it reads, for descriptions; by default none. (For
    /// [`Json`], [`Query`] and [`Form`], the `#[http]` macro adds the schema of `T` when
    /// `T: JsonSchema`.)
    fn schema() -> Option<serde_json::Value> {
        None
    }
}

/// The essence of a content type (`application/json` of
/// `Application/JSON; charset=utf-8`), lower case.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Checks that the request's content type is `expected` (or, for JSON, any `+json`).
fn expect_content_type(request: &Request, expected: &'static str) -> Result<(), ExtractError> {
    let found = request.content_type();
    let fits = found.map(essence).is_some_and(|e| {
        e == expected
            || (expected == APPLICATION_JSON
                && e.starts_with("application/")
                && e.ends_with("+json"))
    });
    if fits {
        Ok(())
    } else {
        Err(ExtractError::UnsupportedMediaType {
            expected,
            found: request
                .headers()
                .get(http::header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        })
    }
}

/// `prefix` followed by the path serde went through: `body.items[2].name`.
fn field_path(prefix: &str, path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = prefix.to_owned();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                out.push('.');
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                out.push('.');
                out.push_str(variant);
            }
            // A key serde had not read yet (a syntax error inside a map): the position
            // in the message says where.
            Segment::Unknown => {}
        }
    }
    out
}

/// serde_json's message; the position dropped for a value of the wrong shape, where the
/// field says where, kept for a syntax error.
fn json_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    if error.is_data() {
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            return stripped.to_owned();
        }
    }
    message
}

/// Decodes a JSON body into `T`, naming the field that does not fit.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ExtractError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        ExtractError::InvalidBody {
            field: field_path("body", e.path()),
            message: json_message(e.inner()),
        }
    })?;
    deserializer.end().map_err(|e| ExtractError::InvalidBody {
        field: "body".to_owned(),
        message: json_message(&e),
    })?;
    Ok(value)
}

/// Decodes `application/x-www-form-urlencoded` text (a query string or a form body) into
/// `T`; `prefix` (`query`, `body`) starts the field named in an error.
fn decode_urlencoded<T: DeserializeOwned>(
    input: &[u8],
    prefix: &str,
) -> Result<T, (String, String)> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(input));
    serde_path_to_error::deserialize(deserializer)
        .map_err(|e| (field_path(prefix, e.path()), e.inner().to_string()))
}

/// Decodes a query string (without `?`) into `T`, naming the parameter that does not fit.
pub fn decode_query<T: DeserializeOwned>(query: &str) -> Result<T, ExtractError> {
    decode_urlencoded(query.as_bytes(), "query")
        .map_err(|(field, message)| ExtractError::InvalidQuery { field, message })
}

/// A JSON body: as a parameter, the request's body decoded into `T` (the request's
/// `Content-Type` must be `application/json` or `application/*+json`, else `415`); as a
/// return value, `T` encoded with `Content-Type: application/json`.
///
/// ```
/// use nameko_web::extract::{FromRequest, Json};
/// use nameko_web::{IntoHttpResponse, Request};
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// struct Person { name: String, age: u32 }
///
/// let req = Request::new(
///     http::Request::post("/people")
///         .header("content-type", "application/json")
///         .body(bytes::Bytes::from_static(br#"{"name": "Ada", "age": "x"}"#))
///         .unwrap(),
/// );
/// let err = Json::<Person>::from_request(&req).err().unwrap();
/// assert_eq!(err.to_string(), r#"body.age: invalid type: string "x", expected u32"#);
///
/// let r = Json(Person { name: "Ada".into(), age: 36 }).into_http_response().unwrap();
/// assert_eq!(r.headers()["content-type"], "application/json");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Json<T>(pub T);

/// A query string decoded into `T` (`?limit=10&name=a`) with `serde_urlencoded`: fields
/// are strings, numbers and booleans parsed from the text, `Option`s for parameters that
/// may be missing (a repeated parameter is not a list: use
/// [`Request::query_params`] for those).
///
/// ```
/// use nameko_web::extract::{FromRequest, Query};
/// use nameko_web::Request;
///
/// #[derive(serde::Deserialize)]
/// struct Page { limit: u32, name: Option<String> }
///
/// let req = Request::new(http::Request::get("/w?limit=5").body(bytes::Bytes::new()).unwrap());
/// let Query(page) = Query::<Page>::from_request(&req).unwrap();
/// assert_eq!((page.limit, page.name), (5, None));
///
/// let req = Request::new(http::Request::get("/w?limit=many").body(bytes::Bytes::new()).unwrap());
/// let err = Query::<Page>::from_request(&req).err().unwrap();
/// assert_eq!(err.to_string(), "query.limit: invalid digit found in string");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Query<T>(pub T);

/// A form body (`Content-Type: application/x-www-form-urlencoded`, else `415`) decoded
/// into `T`, as [`Query`] decodes a query string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Form<T>(pub T);

macro_rules! wrapper {
    ($($name:ident),*) => {$(
        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }

        impl<T> $name<T> {
            /// The value.
            pub fn into_inner(self) -> T {
                self.0
            }
        }
    )*};
}

wrapper!(Json, Query, Form);

impl<T: DeserializeOwned> FromRequest for Json<T> {
    fn from_request(request: &Request) -> Result<Self, ExtractError> {
        expect_content_type(request, APPLICATION_JSON)?;
        decode_json(request.body()).map(Json)
    }

    fn reads() -> Reads {
        Reads::Body {
            content_type: APPLICATION_JSON,
        }
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    fn from_request(request: &Request) -> Result<Self, ExtractError> {
        decode_query(request.query_string()).map(Query)
    }

    fn reads() -> Reads {
        Reads::Query
    }
}

impl<T: DeserializeOwned> FromRequest for Form<T> {
    fn from_request(request: &Request) -> Result<Self, ExtractError> {
        expect_content_type(request, FORM_URLENCODED)?;
        decode_urlencoded(request.body(), "body")
            .map(Form)
            .map_err(|(field, message)| ExtractError::InvalidBody { field, message })
    }

    fn reads() -> Reads {
        Reads::Body {
            content_type: FORM_URLENCODED,
        }
    }
}

impl<T: Serialize> IntoHttpResponse for Json<T> {
    /// `200`, `T` as compact JSON, `Content-Type: application/json`; a value that cannot
    /// be encoded (a map with non-string keys) is an error, answered `500`.
    fn into_http_response(self) -> Result<Response, HttpError> {
        Response::json(&self.0).map_err(|e| {
            HttpError::new(nameko_core::RemoteError::new(
                "InvalidResponse",
                format!("the response cannot be encoded as JSON: {e}"),
            ))
        })
    }
}

/// The type whose JSON Schema documents an extractor or a response: the `T` of
/// [`Json<T>`], [`Query<T>`], [`Form<T>`].
pub trait Schematic {
    /// The documented type.
    type Documented;
}

impl<T> Schematic for Json<T> {
    type Documented = T;
}

impl<T> Schematic for Query<T> {
    type Documented = T;
}

impl<T> Schematic for Form<T> {
    type Documented = T;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use bytes::Bytes;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        name: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Order {
        id: u64,
        items: Vec<Item>,
    }

    fn post(content_type: Option<&str>, body: &'static str) -> Request {
        let mut b = http::Request::post("/o?limit=3&flag=true");
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        Request::new(b.body(Bytes::from_static(body.as_bytes())).unwrap())
    }

    #[test]
    fn json_bodies() {
        let req = post(
            Some("application/json; charset=utf-8"),
            r#"{"id": 7, "items": [{"name": "a"}]}"#,
        );
        let Json(order) = Json::<Order>::from_request(&req).unwrap();
        assert_eq!(order.items[0].name, "a");
        let req = post(
            Some("application/problem+json"),
            r#"{"id": 7, "items": []}"#,
        );
        assert!(Json::<Order>::from_request(&req).is_ok());

        let nested = |body| {
            Json::<Order>::from_request(&post(Some("application/json"), body))
                .err()
                .unwrap()
        };
        let e = nested(r#"{"id": 7, "items": [{"name": "a"}, {"name": 3}]}"#);
        assert_eq!(
            e,
            ExtractError::InvalidBody {
                field: "body.items[1].name".into(),
                message: "invalid type: integer `3`, expected a string".into()
            }
        );
        assert_eq!(e.status(), 400);
        let e = nested(r#"{"items": []}"#);
        assert_eq!(e.to_string(), "body: missing field `id`");
        let e = nested(r#"{"id": 1, "items": [] "#);
        assert!(e.to_string().starts_with("body: "), "{e}");
        assert!(e.to_string().contains("line 1"), "{e}");
        let e = nested(r#"{"id": 1, "items": []} x"#);
        assert!(e.to_string().contains("trailing characters"), "{e}");
        let e = nested("");
        assert!(e.to_string().contains("EOF"), "{e}");
    }

    #[test]
    fn content_types() {
        let e = Json::<Order>::from_request(&post(Some("text/plain"), "{}"))
            .err()
            .unwrap();
        assert_eq!(e.status(), 415);
        assert_eq!(e.error_code(), "UNSUPPORTED_MEDIA_TYPE");
        assert_eq!(
            e.to_string(),
            "expected a request with `Content-Type: application/json`, got `text/plain`"
        );
        let e = Json::<Order>::from_request(&post(None, "{}"))
            .err()
            .unwrap();
        assert!(e.to_string().ends_with("got none"), "{e}");
        let e = Form::<Item>::from_request(&post(Some("application/json"), "name=a"))
            .err()
            .unwrap();
        assert_eq!(e.status(), 415);
    }

    #[test]
    fn queries_and_forms() {
        #[derive(Deserialize)]
        struct Page {
            limit: u8,
            flag: bool,
            missing: Option<String>,
        }
        let Query(page) = Query::<Page>::from_request(&post(None, "")).unwrap();
        assert_eq!((page.limit, page.flag, page.missing), (3, true, None));
        #[derive(Debug, Deserialize)]
        struct Strict {
            #[allow(dead_code)]
            limit: u8,
            #[allow(dead_code)]
            other: String,
        }
        let e = Query::<Strict>::from_request(&post(None, ""))
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "query: missing field `other`");
        let e = decode_query::<Page>("limit=300&flag=true").err().unwrap();
        assert_eq!(
            e,
            ExtractError::InvalidQuery {
                field: "query.limit".into(),
                message: "number too large to fit in target type".into()
            }
        );

        let req = post(
            Some("application/x-www-form-urlencoded"),
            "name=caf%C3%A9+au+lait",
        );
        let Form(item) = Form::<Item>::from_request(&req).unwrap();
        assert_eq!(item.name, "café au lait");
        let req = post(Some("application/x-www-form-urlencoded"), "nom=x");
        let e = Form::<Item>::from_request(&req).err().unwrap();
        assert_eq!(e.to_string(), "body: missing field `name`");
    }

    #[tokio::test]
    async fn responses() {
        let e = ExtractError::InvalidBody {
            field: "body.age".into(),
            message: "invalid type: string \"x\", expected u32".into(),
        };
        let r = e.response();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/json");
        let body = r.into_inner().into_body().to_bytes().await.unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"error": "BAD_REQUEST", "message": "body.age: invalid type: string \"x\", expected u32"}"#
        );
        let remote = nameko_core::RemoteError::from(e.clone());
        assert!(remote.is_bad_request());
        let http_error = HttpError::from(e);
        assert!(http_error.response().is_none());
        assert_eq!(http_error.default_response().unwrap().status(), 400);
        use nameko_core::AsMethodError;
        assert!(http_error.is_caller_error());

        let r = Json(serde_json::json!({"a": [1]}))
            .into_http_response()
            .unwrap();
        assert_eq!(r.headers()["content-type"], "application/json");
        let body = r.into_inner().into_body().to_bytes().await.unwrap();
        assert_eq!(&body[..], br#"{"a":[1]}"#);
        let bad = std::collections::HashMap::from([((1, 2), 3)]);
        let e = Json(bad).into_http_response().unwrap_err();
        assert_eq!(e.remote_error().exc_type, "InvalidResponse");
    }
}
