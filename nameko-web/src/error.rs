//! Errors: [`Error`] for the server's lifecycle, [`HttpError`] for a handler that failed
//! (it carries its response, so it is defined with the responses and re-exported here),
//! [`RequestError`] for a request body a handler cannot read, [`PathParamError`] for a
//! rule variable that does not convert to its parameter's type, [`ExtractError`] for a
//! request a typed parameter cannot be read from.

use nameko_core::RemoteError;

pub use crate::response::HttpError;
use crate::response::error_page;

/// Errors of the HTTP server's lifecycle: bad config, a bad rule, an address that cannot
/// be bound.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// One of nameko-web's keys has a bad value ([`ServerConfig`](crate::config::ServerConfig)).
    #[error(transparent)]
    Config(#[from] nameko_core::ConfigError),
    /// The URL rule does not parse (the macros check this at compile time).
    #[error("invalid URL rule `{rule}`: {source}")]
    Rule {
        /// The rule as written.
        rule: String,
        /// Why.
        #[source]
        source: nameko_rule::RuleError,
    },
    /// The method list does not parse (the macros check this at compile time).
    #[error("invalid HTTP methods `{methods}`: {source}")]
    Methods {
        /// The list as written.
        methods: String,
        /// Why.
        #[source]
        source: nameko_rule::HttpMethodError,
    },
    /// `WEB_SERVER_ADDRESS` does not name an address the server can listen on.
    #[error("cannot bind WEB_SERVER_ADDRESS {address}: {reason}")]
    Bind {
        /// The address as configured.
        address: String,
        /// Why, in a few words (`address in use`).
        reason: String,
    },
    /// The server was shut down and cannot serve again.
    #[error("the HTTP server was shut down")]
    Closed,
}

impl Error {
    pub(crate) fn bind(address: &str, err: &std::io::Error) -> Self {
        let reason = match err.kind() {
            std::io::ErrorKind::AddrInUse => "address in use".to_owned(),
            std::io::ErrorKind::AddrNotAvailable => {
                "address not available on this machine".to_owned()
            }
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => err.to_string(),
        };
        Error::Bind {
            address: address.to_owned(),
            reason,
        }
    }
}

/// A request a handler cannot read as it asked: a body that is not UTF-8 or not the JSON
/// it expects. Returned from a handler, it answers `400` as Nameko's `BadRequest`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The body is not valid UTF-8.
    #[error("request body is not valid UTF-8: {0}")]
    NotUtf8(#[from] std::str::Utf8Error),
    /// The body is not the JSON expected.
    #[error("request body is not the JSON expected: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<RequestError> for RemoteError {
    fn from(err: RequestError) -> Self {
        RemoteError::new("BadRequest", err.to_string()).with_path("nameko.exceptions.BadRequest")
    }
}

impl From<RequestError> for HttpError {
    fn from(err: RequestError) -> Self {
        HttpError::new(err.into())
    }
}

/// A rule variable that cannot become its handler parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathParamError {
    /// The value has the converter's shape but does not fit the parameter's type (`300`
    /// for a `u8`). Answered `404 Not Found`, as werkzeug answers a value its converter
    /// rejects.
    #[error("path value `{value}` of `{name}` does not convert: {reason}")]
    Invalid {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// The parse error.
        reason: String,
    },
    /// The rule has no such variable (or it was taken already): a bug in the handler's
    /// binding, answered `500`.
    #[error("the URL rule has no variable `{0}`")]
    Missing(String),
}

impl From<PathParamError> for RemoteError {
    fn from(err: PathParamError) -> Self {
        match &err {
            PathParamError::Invalid { .. } => RemoteError::new("NotFound", err.to_string()),
            PathParamError::Missing(_) => RemoteError::new("MissingPathParameter", err.to_string()),
        }
    }
}

impl From<PathParamError> for HttpError {
    fn from(err: PathParamError) -> Self {
        match &err {
            PathParamError::Invalid { .. } => {
                HttpError::with_response(err.into(), error_page(http::StatusCode::NOT_FOUND))
            }
            PathParamError::Missing(_) => HttpError::new(err.into()),
        }
    }
}

/// A request that a typed parameter of a handler ([`Json`](crate::extract::Json),
/// [`Query`](crate::extract::Query), [`Form`](crate::extract::Form), or any
/// [`FromRequest`](crate::extract::FromRequest)) cannot be read from.
///
/// It is answered through the service's error mapping like any error of a handler (see
/// [`HttpError::with_default_response`]): the entrypoint's
/// [`error_response`](crate::Http::error_response) override, when it answers, else
/// [`response`](Self::response), a JSON body `{"error": <code>, "message": <message>}`
/// with [`status`](Self::status).
///
/// ```
/// use nameko_web::ExtractError;
///
/// let e = ExtractError::InvalidBody {
///     field: "body.age".into(),
///     message: "invalid type: string \"x\", expected u32".into(),
/// };
/// assert_eq!(e.status(), 400);
/// assert_eq!(e.error_code(), "BAD_REQUEST");
/// assert_eq!(e.to_string(), "body.age: invalid type: string \"x\", expected u32");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The body's `Content-Type` is not the one the parameter reads: `415 Unsupported
    /// Media Type`.
    #[error("expected a request with `Content-Type: {expected}`, {}", match found {
        Some(found) => format!("got `{found}`"),
        None => "got none".to_owned(),
    })]
    UnsupportedMediaType {
        /// The content type the parameter reads (`application/json`).
        expected: &'static str,
        /// The request's, if it had one.
        found: Option<String>,
    },
    /// The body does not decode into the parameter's type: `400 Bad Request`.
    #[error("{field}: {message}")]
    InvalidBody {
        /// Where in the body: `body`, `body.age`, `body.items[2].name`.
        field: String,
        /// What is wrong there, as serde says it.
        message: String,
    },
    /// The query string does not decode into the parameter's type: `400 Bad Request`.
    #[error("{field}: {message}")]
    InvalidQuery {
        /// Where in the query: `query`, `query.limit`.
        field: String,
        /// What is wrong there, as serde says it.
        message: String,
    },
    /// A hand-written extractor's refusal, with the status it answers.
    #[error("{message}")]
    Rejected {
        /// The status the client gets (a `4xx`).
        status: http::StatusCode,
        /// Why.
        message: String,
    },
}

impl ExtractError {
    /// The status of the default response: `415` for a wrong content type, `400` for a
    /// body or query that does not decode, a rejection's own.
    pub fn status(&self) -> http::StatusCode {
        match self {
            ExtractError::UnsupportedMediaType { .. } => http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ExtractError::InvalidBody { .. } | ExtractError::InvalidQuery { .. } => {
                http::StatusCode::BAD_REQUEST
            }
            ExtractError::Rejected { status, .. } => *status,
        }
    }

    /// The `error` of the default response's JSON body: the status's reason in upper
    /// snake case (`BAD_REQUEST`, `UNSUPPORTED_MEDIA_TYPE`).
    pub fn error_code(&self) -> String {
        self.status()
            .canonical_reason()
            .unwrap_or("BAD_REQUEST")
            .to_ascii_uppercase()
            .replace([' ', '-'], "_")
    }

    /// The default response: `{"error": <error_code>, "message": <Display>}` (written as
    /// Python's `json.dumps` writes it), `Content-Type: application/json`, with
    /// [`status`](Self::status).
    pub fn response(&self) -> crate::Response {
        let body = crate::py_json::dumps(&serde_json::json!({
            "error": self.error_code(),
            "message": self.to_string(),
        }))
        .unwrap_or_default();
        crate::Response::new(body)
            .with_status(self.status())
            .with_mimetype("application/json")
    }
}

impl From<ExtractError> for RemoteError {
    /// A `BadRequest` (Nameko's `nameko.exceptions.BadRequest`) for a body or query that
    /// does not decode; `UnsupportedMediaType` and `RequestRejected` otherwise.
    fn from(err: ExtractError) -> Self {
        match &err {
            ExtractError::InvalidBody { .. } | ExtractError::InvalidQuery { .. } => {
                RemoteError::new("BadRequest", err.to_string())
                    .with_path("nameko.exceptions.BadRequest")
            }
            ExtractError::UnsupportedMediaType { .. } => {
                RemoteError::new("UnsupportedMediaType", err.to_string())
            }
            ExtractError::Rejected { .. } => RemoteError::new("RequestRejected", err.to_string()),
        }
    }
}

impl From<ExtractError> for HttpError {
    /// The error answered by the service's override when it has one, else by
    /// [`ExtractError::response`].
    fn from(err: ExtractError) -> Self {
        let response = err.response();
        HttpError::with_default_response(err.into(), response)
    }
}
