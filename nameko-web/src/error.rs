//! Errors: [`Error`] for the server's lifecycle, [`HttpError`] for a handler that failed
//! (it carries its response, so it is defined with the responses and re-exported here),
//! [`RequestError`] for a request body a handler cannot read, [`PathParamError`] for a
//! rule variable that does not convert to its parameter's type.

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
