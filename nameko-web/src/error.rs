//! Errors: [`Error`] for the server's lifecycle, [`HttpError`] for a handler that failed,
//! [`RequestError`] for a request body a handler cannot read, [`PathParamError`] for a
//! rule variable that does not convert to its parameter's type.

use std::fmt;

use nameko_core::{AsMethodError, MethodError, RemoteError};

use crate::response::Response;

/// Errors of the HTTP server's lifecycle: bad config, a bad rule, an address that cannot
/// be bound.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A config key has a bad value.
    #[error("config key `{key}`: {message}")]
    Config {
        /// The key.
        key: &'static str,
        /// What is wrong with it.
        message: String,
    },
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
        source: nameko_rule::MethodError,
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

/// A handler that failed: the error (its original, for dependency providers, and its
/// wire form, a [`RemoteError`]), and the response the client gets when it is not the
/// default one.
///
/// Without a response of its own, the client gets Nameko's: `400` for a `BadRequest`
/// (or an error the entrypoint expects), `500` otherwise, with the body
/// `Error: <exc_type>: <value>\n` (see [`Response::from_remote_error`]).
pub struct HttpError {
    error: MethodError,
    response: Option<Box<Response>>,
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
            response: Some(Box::new(response)),
        }
    }

    /// A failure from an error that builds its own response
    /// ([`ResponseFromError`](crate::ResponseFromError)).
    pub fn from_error<E: crate::ResponseFromError>(err: &E) -> Self {
        HttpError::with_response(err.remote_error(), err.response_from_error())
    }

    /// Like [`from_error`](Self::from_error), keeping the error itself for dependency
    /// providers.
    pub fn from_std_error<E>(err: E) -> Self
    where
        E: crate::ResponseFromError + std::error::Error + Send + Sync,
    {
        let response = err.response_from_error();
        HttpError {
            error: MethodError::with_source(err.remote_error(), err),
            response: Some(Box::new(response)),
        }
    }

    /// The error, as dependency providers see it.
    pub fn remote_error(&self) -> &RemoteError {
        self.error.remote_error()
    }

    /// The response of its own, if any.
    pub fn response(&self) -> Option<&Response> {
        self.response.as_deref()
    }

    /// The error and the response of its own.
    pub fn into_parts(self) -> (RemoteError, Option<Response>) {
        (self.error.into_remote_error(), self.response.map(|r| *r))
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpError")
            .field("error", &self.error)
            .field("status", &self.response.as_ref().map(|r| r.status()))
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

    /// A `BadRequest`, or an error whose own response is a `4xx`.
    fn is_caller_error(&self) -> bool {
        self.error.remote_error().is_bad_request()
            || self
                .response
                .as_ref()
                .is_some_and(|r| r.status().is_client_error())
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
            PathParamError::Invalid { .. } => HttpError::with_response(
                err.into(),
                crate::response::error_page(http::StatusCode::NOT_FOUND),
            ),
            PathParamError::Missing(_) => HttpError::new(err.into()),
        }
    }
}
