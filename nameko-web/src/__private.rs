//! Items used by code that `#[service]` generates for `#[http]` methods. Not a public API:
//! no stability promise. This doc is the contract between the macro and this crate.
//!
//! # What `#[http(METHODS, RULE)]` expands to
//!
//! For each `#[http("GET", "/get/<int:value>")]` method, one element of the service's
//! `entrypoints()` vector:
//!
//! ```text
//! ::nameko_web::__private::http(
//!     "<wire name of the method>",          // e.g. "get_method"
//!     "<METHODS literal, verbatim>",          // e.g. "GET" or "GET,PUT,POST,DELETE"
//!     "<RULE literal, verbatim>",             // e.g. "/get/<int:value>"
//!     <options>,                              // ::nameko_core::__private::EntrypointOptions
//!     <handler>,
//! )
//! ```
//!
//! where `<handler>` is a closure
//! `Fn(Request, PathParams) -> BoxFuture<HttpResult> + Send + Sync + 'static`:
//!
//! ```text
//! {
//!     let __nameko_service = ::std::sync::Arc::clone(self);
//!     move |__nameko_request: ::nameko_web::__private::Request,
//!           mut __nameko_params: ::nameko_web::__private::PathParams|
//!           -> ::nameko_web::__private::BoxFuture<::nameko_web::__private::HttpResult> {
//!         let __nameko_service = ::std::sync::Arc::clone(&__nameko_service);
//!         ::std::boxed::Box::pin(async move {
//!             // one `take` per rule variable, by name, with the parameter's type:
//!             let __nameko_arg1: i64 = __nameko_params.take("value")?;
//!             let __nameko_out = Self::get_method(&*__nameko_service, __nameko_request, __nameko_arg1).await;
//!             // the method's output, converted (below)
//!             ::nameko_web::__private::into_http_result(__nameko_out)
//!         })
//!     }
//! }
//! ```
//!
//! **Parameters.** A parameter whose type's last path segment is `Request` receives the
//! request (at most one; it may be omitted). A parameter named like a rule variable is
//! bound with `__nameko_params.take::<T>("name")?` (the `?` turns a value that does not
//! fit `T`, such as `300` for a `u8`, into a `404`). Any other parameter whose type is a
//! path other than a path value's (`i64`, `String`, `Uuid`, ...) is an extractor, bound
//! with `let __nameko_argN: T = ::nameko_web::__private::extract::<T>(&__nameko_request)?;`
//! (spanned at `T`; the `?` turns an [`ExtractError`] into an [`HttpError`] with a default
//! response), before the request moves into its own parameter; at most one extractor
//! whose last segment is `Json` or `Form` (a spanned error at the second). Every rule
//! variable must have a parameter. Parameters are passed in the method's order.
//!
//! **Documentation.** With an extractor, or a `Json<T>` output (`Result<Json<T>, E>`'s
//! `Ok`), the element is instead
//!
//! ```text
//! {
//!     #[allow(unused_imports)] use ::nameko_web::__private::ViaInputSchema as _;  // and the 3 others
//!     let mut __nameko_doc = ::nameko_web::__private::RouteDoc::new();
//!     // per extractor type T:
//!     __nameko_doc.add_extractor(<T as FromRequest>::reads(),
//!         (&&SchemaProbe::<T>::new()).__nameko_input_schema().or_else(<T as FromRequest>::schema));
//!     // for a `Json<U>` output:
//!     __nameko_doc.set_response(APPLICATION_JSON, (&&SchemaProbe::<Json<U>>::new()).__nameko_output_schema());
//!     ::nameko_web::__private::http_documented(name, methods, rule, options, __nameko_doc, handler)
//! }
//! ```
//!
//! where the probe finds the `JsonSchema` of a [`Schematic`]'s documented type when it has
//! one (see [`SchemaProbe`]).
//!
//! **Compile-time checks** (with `nameko_rule`, each a spanned error on the literal or
//! the parameter): `nameko_rule::parse_methods(METHODS)`; `nameko_rule::Rule::parse(RULE)`;
//! a rule variable without a parameter; a parameter (other than the `Request`) that is
//! no rule variable; a parameter's type against its converter with
//! `Converter::check_rust_type(<last path segment of the type>)`, whose message says
//! what fits. Also useful at the parameter's span, so the type error points at it:
//! `::nameko_web::__private::assert_path_param::<T>()`.
//!
//! **Output conversion** (`__nameko_out` to `HttpResult`):
//!
//! - no `->` or any type that is not syntactically a `Result`:
//!   `::nameko_web::__private::into_http_result(__nameko_out)` (the type must implement
//!   [`IntoHttpResponse`]; its `on_unimplemented` note says what fits);
//! - a `Result<T, E>` (last path segment `Result`):
//!
//! ```text
//! match __nameko_out {
//!     ::core::result::Result::Ok(__nameko_value) =>
//!         ::nameko_web::__private::into_http_result(__nameko_value),
//!     ::core::result::Result::Err(__nameko_error) =>
//!         ::core::result::Result::Err(::nameko_web::__private::http_error!(__nameko_error)),
//! }
//! ```
//!
//! [`http_error!`](crate::__private::http_error) picks, by autoref specialisation on the
//! concrete `E`, the first that applies:
//! 1. `E: Into<HttpError>` — nameko-web's own errors (`HttpError`, `RemoteError`,
//!    `RequestError` → 400, `PathParamError` → 404);
//! 2. `E: ResponseFromError + Error` — the error's own response (Nameko's overridden
//!    `response_from_exception`), the error kept for dependency providers;
//! 3. `E: ResponseFromError` — the same, for an error that is only `Display`;
//! 4. to 7. as `nameko_core`'s `method_error!` (`ToRemoteError + Error`,
//!    `Into<RemoteError>`, `Error`, `Display`), then Nameko's default mapping (400 for
//!    `BadRequest`s and expected errors, 500 otherwise, body `Error: <exc_type>: <value>\n`).
//!
//! Written out, the macro is: a wrapper of a reference to the error, probed with six
//! `&` so that the most specific impl is found first, giving a zero-sized "kind" whose
//! method consumes the error:
//!
//! ```text
//! {
//!     #[allow(unused_imports)]
//!     use ::nameko_web::__private::{ViaDisplay as _, ViaHttpError as _, /* ... the seven */};
//!     let __nameko_kind = (&&&&&&::nameko_web::__private::HttpErrorWrap(&__nameko_error)).__nameko_http_error_kind();
//!     ::nameko_web::__private::HttpError::from(__nameko_kind.__nameko_into_method_error(__nameko_error))
//! }
//! ```
//!
//! # Complete example expansion
//!
//! The seed's `http_service` by hand, exactly as the macro would write it:
//!
//! ```
//! use std::sync::Arc;
//! use nameko_core::{Entrypoint, Service};
//!
//! pub struct HttpService;
//!
//! impl HttpService {
//!     async fn get_method(&self, _request: nameko_web::Request, value: i64) -> String {
//!         format!(r#"{{"value": {value}}}"#)
//!     }
//! }
//!
//! impl Service for HttpService {
//!     fn name(&self) -> &str {
//!         "http_service"
//!     }
//!     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
//!         let options = ::nameko_core::__private::EntrypointOptions::new();
//!         vec![::nameko_web::__private::http("get_method", "GET", "/get/<int:value>", options, {
//!             let __nameko_service = ::std::sync::Arc::clone(self);
//!             move |__nameko_request: ::nameko_web::__private::Request,
//!                   mut __nameko_params: ::nameko_web::__private::PathParams|
//!                   -> ::nameko_web::__private::BoxFuture<::nameko_web::__private::HttpResult> {
//!                 let __nameko_service = ::std::sync::Arc::clone(&__nameko_service);
//!                 ::std::boxed::Box::pin(async move {
//!                     let __nameko_arg1: i64 = __nameko_params.take("value")?;
//!                     let __nameko_out =
//!                         Self::get_method(&*__nameko_service, __nameko_request, __nameko_arg1).await;
//!                     ::nameko_web::__private::into_http_result(__nameko_out)
//!                 })
//!             }
//!         })]
//!     }
//! }
//! ```

use std::fmt::Display;
use std::marker::PhantomData;

use nameko_core::{Entrypoint, EntrypointOptions, RemoteError};
use schemars::JsonSchema;
use serde_json::Value;

pub use crate::error::ExtractError;
pub use crate::extract::{APPLICATION_JSON, FromRequest, Schematic};
pub use crate::schema::RouteDoc;

pub use crate::error::HttpError;
pub use crate::request::{PathParams, Request};
pub use crate::response::{IntoHttpResponse, Response, ResponseFromError, into_http_result};
pub use crate::server::HttpResult;
pub use nameko_core::__private::BoxFuture;

/// Builds the entrypoint of an `#[http]` method. `methods` and `rule` were checked at
/// compile time; should they not parse, the entrypoint's `setup` fails with the reason
/// (no panic).
pub fn http<F>(
    method_name: &'static str,
    methods: &'static str,
    rule: &'static str,
    options: EntrypointOptions,
    handler: F,
) -> Box<dyn Entrypoint>
where
    F: Fn(Request, PathParams) -> BoxFuture<HttpResult> + Send + Sync + 'static,
{
    Box::new(crate::entrypoint::Http::new(method_name, methods, rule, handler).options(options))
}

/// Builds the entrypoint of an `#[http]` method with typed parameters or a typed
/// response: as [`http`], documented by `doc`.
pub fn http_documented<F>(
    method_name: &'static str,
    methods: &'static str,
    rule: &'static str,
    options: EntrypointOptions,
    doc: RouteDoc,
    handler: F,
) -> Box<dyn Entrypoint>
where
    F: Fn(Request, PathParams) -> BoxFuture<HttpResult> + Send + Sync + 'static,
{
    Box::new(
        crate::entrypoint::Http::new(method_name, methods, rule, handler)
            .options(options)
            .doc(doc),
    )
}

/// Reads an extractor parameter from the request (spanned at the parameter's type, so
/// that a type that is no [`FromRequest`] is reported there).
pub fn extract<T: FromRequest>(request: &Request) -> Result<T, ExtractError> {
    T::from_request(request)
}

/// A type whose JSON Schema is looked for, by autoref specialisation: with
/// `(&&SchemaProbe::<P>::new())`, [`ViaInputSchema`] and [`ViaOutputSchema`] apply when
/// `P` is a [`Schematic`] (`Json<T>`, `Query<T>`, `Form<T>`) whose `T: JsonSchema`,
/// [`NoInputSchema`] and [`NoOutputSchema`] (no schema) otherwise.
pub struct SchemaProbe<P: ?Sized>(PhantomData<fn() -> PhantomData<P>>);

impl<P: ?Sized> std::fmt::Debug for SchemaProbe<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SchemaProbe")
    }
}

impl<P: ?Sized> SchemaProbe<P> {
    /// The probe.
    #[allow(clippy::new_without_default, reason = "only the macro makes one")]
    pub fn new() -> Self {
        SchemaProbe(PhantomData)
    }
}

/// Priority 1: the schema of a parameter's `T`, as deserialized.
pub trait ViaInputSchema {
    /// The schema.
    fn __nameko_input_schema(&self) -> Option<Value>;
}
impl<P: Schematic> ViaInputSchema for &SchemaProbe<P>
where
    P::Documented: JsonSchema,
{
    fn __nameko_input_schema(&self) -> Option<Value> {
        Some(crate::schema::input_schema::<P::Documented>())
    }
}

/// Priority 2: no schema.
pub trait NoInputSchema {
    /// None.
    fn __nameko_input_schema(&self) -> Option<Value> {
        None
    }
}
impl<P: ?Sized> NoInputSchema for SchemaProbe<P> {}

/// Priority 1: the schema of a response's `T`, as serialized.
pub trait ViaOutputSchema {
    /// The schema.
    fn __nameko_output_schema(&self) -> Option<Value>;
}
impl<P: Schematic> ViaOutputSchema for &SchemaProbe<P>
where
    P::Documented: JsonSchema,
{
    fn __nameko_output_schema(&self) -> Option<Value> {
        Some(crate::schema::output_schema::<P::Documented>())
    }
}

/// Priority 2: no schema.
pub trait NoOutputSchema {
    /// None.
    fn __nameko_output_schema(&self) -> Option<Value> {
        None
    }
}
impl<P: ?Sized> NoOutputSchema for SchemaProbe<P> {}

/// Compile-time check that a path parameter's type can be parsed from the path.
pub fn assert_path_param<T>()
where
    T: std::str::FromStr,
    T::Err: Display,
{
}

/// A reference to a handler's error, probed by [`http_error!`](crate::__private::http_error).
#[derive(Debug)]
pub struct HttpErrorWrap<'a, E>(pub &'a E);

pub use nameko_core::__private::{DisplayKind, IntoRemoteKind, StdErrorKind, ToRemoteKind};

/// Kind: the error converts into an [`HttpError`].
#[derive(Debug, Clone, Copy)]
pub struct HttpErrorKind;
/// Kind: the error builds its own response, and is kept for dependency providers.
#[derive(Debug, Clone, Copy)]
pub struct ResponseStdKind;
/// Kind: the error builds its own response.
#[derive(Debug, Clone, Copy)]
pub struct ResponseKind;

/// Priority 1: `E: Into<HttpError>`.
pub trait ViaHttpError {
    /// The kind.
    fn __nameko_http_error_kind(&self) -> HttpErrorKind {
        HttpErrorKind
    }
}
impl<E: Into<HttpError>> ViaHttpError for &&&&&&HttpErrorWrap<'_, E> {}

/// Priority 2: `E: ResponseFromError + Error`.
pub trait ViaResponseStd {
    /// The kind.
    fn __nameko_http_error_kind(&self) -> ResponseStdKind {
        ResponseStdKind
    }
}
impl<E> ViaResponseStd for &&&&&HttpErrorWrap<'_, E> where
    E: ResponseFromError + std::error::Error + Send + Sync
{
}

/// Priority 3: `E: ResponseFromError`.
pub trait ViaResponse {
    /// The kind.
    fn __nameko_http_error_kind(&self) -> ResponseKind {
        ResponseKind
    }
}
impl<E: ResponseFromError> ViaResponse for &&&&HttpErrorWrap<'_, E> {}

/// Priority 4: `E: ToRemoteError + Error`.
pub trait ViaToRemote {
    /// The kind.
    fn __nameko_http_error_kind(&self) -> ToRemoteKind {
        ToRemoteKind
    }
}
impl<E> ViaToRemote for &&&HttpErrorWrap<'_, E> where
    E: nameko_core::ToRemoteError + std::error::Error + Send + Sync + 'static
{
}

/// Priority 5: `E: Into<RemoteError>`.
pub trait ViaRemote {
    /// The kind.
    fn __nameko_http_error_kind(&self) -> IntoRemoteKind {
        IntoRemoteKind
    }
}
impl<E: Into<RemoteError>> ViaRemote for &&HttpErrorWrap<'_, E> {}

/// Priority 6: `E: Error`.
pub trait ViaStdError {
    /// The kind.
    fn __nameko_http_error_kind(&self) -> StdErrorKind {
        StdErrorKind
    }
}
impl<E: std::error::Error + Send + Sync + 'static> ViaStdError for &HttpErrorWrap<'_, E> {}

/// Priority 7: `E: Display`.
pub trait ViaDisplay {
    /// The kind.
    fn __nameko_http_error_kind(&self) -> DisplayKind {
        DisplayKind
    }
}
impl<E: Display + 'static> ViaDisplay for HttpErrorWrap<'_, E> {}

impl HttpErrorKind {
    /// Converts.
    pub fn __nameko_into_method_error<E: Into<HttpError>>(self, err: E) -> HttpError {
        err.into()
    }
}

impl ResponseStdKind {
    /// Converts.
    pub fn __nameko_into_method_error<E>(self, err: E) -> HttpError
    where
        E: ResponseFromError + std::error::Error + Send + Sync,
    {
        HttpError::from_std_error(err)
    }
}

impl ResponseKind {
    /// Converts.
    pub fn __nameko_into_method_error<E: ResponseFromError>(self, err: E) -> HttpError {
        HttpError::from_error(&err)
    }
}

/// Converts a handler's error into an [`HttpError`], by the priorities in the
/// [module docs](self).
#[doc(hidden)]
#[macro_export]
macro_rules! __nameko_web_http_error {
    ($err:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{
            ViaDisplay as _, ViaHttpError as _, ViaRemote as _, ViaResponse as _,
            ViaResponseStd as _, ViaStdError as _, ViaToRemote as _,
        };
        let __nameko_error = $err;
        let __nameko_kind =
            (&&&&&&$crate::__private::HttpErrorWrap(&__nameko_error)).__nameko_http_error_kind();
        $crate::__private::HttpError::from(__nameko_kind.__nameko_into_method_error(__nameko_error))
    }};
}

pub use crate::__nameko_web_http_error as http_error;

/// The decoders of what arrives from the network, for the fuzz targets (`fuzz/`): the
/// request path's percent-decoding and the WebSocket protocol's frames.
#[doc(hidden)]
pub mod decode {
    pub use crate::request::decode_path;
    pub use crate::websocket::frames::{event_frame, parse_call, result_frame};
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http::StatusCode;

    #[derive(Debug)]
    struct Own;
    impl std::fmt::Display for Own {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("own")
        }
    }
    impl ResponseFromError for Own {
        fn response_from_error(&self) -> Response {
            Response::new("teapot").with_status(StatusCode::IM_A_TEAPOT)
        }
    }

    #[derive(Debug)]
    struct Convertible;
    impl From<Convertible> for RemoteError {
        fn from(_: Convertible) -> Self {
            RemoteError::new("Converted", "c")
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("plain {0}")]
    struct Plain(u8);

    #[test]
    fn priorities() {
        let e = http_error!(Own);
        assert_eq!(e.response().unwrap().status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(e.remote_error().exc_type, "Own");

        let e = http_error!(Convertible);
        assert!(e.response().is_none());
        assert_eq!(e.remote_error().exc_type, "Converted");

        let e = http_error!(Plain(3));
        assert!(e.response().is_none());
        assert_eq!(e.remote_error().exc_type, "Plain");
        assert_eq!(e.remote_error().value, "plain 3");

        let e = http_error!(RemoteError::malformed_request("m"));
        assert_eq!(e.remote_error().exc_type, "MalformedRequest");

        let e = http_error!(HttpError::with_response(
            RemoteError::new("X", "y"),
            Response::new("z").with_status(StatusCode::CONFLICT)
        ));
        assert_eq!(e.response().unwrap().status(), StatusCode::CONFLICT);

        let e = http_error!(crate::PathParamError::Invalid {
            name: "n".into(),
            value: "300".into(),
            reason: "too large".into()
        });
        assert_eq!(e.response().unwrap().status(), StatusCode::NOT_FOUND);

        let bad_json = serde_json::from_str::<u8>("x").unwrap_err();
        let e = http_error!(crate::RequestError::Json(bad_json));
        assert!(e.remote_error().is_bad_request());
    }
}
