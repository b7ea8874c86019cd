//! Errors: the crate's local [`Error`] and the wire type [`RemoteError`].
//!
//! [`RemoteError`] is the serialised exception that travels in RPC replies, with exactly the
//! shape Python Nameko gives it (`nameko.exceptions.serialize`):
//! `{"exc_type", "exc_path", "exc_args", "value"}`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A boxed error, as returned by extension hooks.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of the nameko-core runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration could not be loaded.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// An extension (entrypoint or dependency provider) failed during its lifecycle.
    #[error("service `{service}`: {extension} failed to {stage}: {source}")]
    Extension {
        /// The service the extension belongs to.
        service: String,
        /// A description of the extension (kind and method name).
        extension: String,
        /// The lifecycle stage: `setup` or `start`.
        stage: &'static str,
        /// What went wrong.
        #[source]
        source: BoxError,
    },
    /// Two services with the same name were added to one runner.
    #[error("a service named `{0}` is already registered with this runner")]
    DuplicateService(String),
    /// A service can no longer work (an extension reported a fatal failure).
    #[error("{0}")]
    Fatal(String),
    /// The container or runner is not in a state that allows the operation.
    #[error("{0}")]
    InvalidState(&'static str),
}

/// Module path Nameko gives its own exceptions.
const NAMEKO_EXCEPTIONS: &str = "nameko.exceptions";

/// A serialised exception, as Python Nameko puts it on the wire.
///
/// Python's caller re-raises a registered exception (`MethodNotFound`, `IncorrectSignature`,
/// `MalformedRequest`) from `exc_path`, and any other one as
/// `RemoteError(exc_type, value)`, whose text is `"<exc_type> <value>"`; so does
/// this type's [`Display`](fmt::Display).
///
/// ```
/// use nameko_core::RemoteError;
///
/// let err = RemoteError::method_not_found("nope");
/// assert_eq!(err.exc_path, "nameko.exceptions.MethodNotFound");
/// assert_eq!(err.to_string(), "MethodNotFound nope");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemoteError {
    /// The exception's class name, e.g. `ValueError`.
    pub exc_type: String,
    /// The exception's full path, e.g. `nameko.exceptions.MethodNotFound`.
    #[serde(default)]
    pub exc_path: String,
    /// The exception's arguments, made JSON-safe.
    #[serde(default)]
    pub exc_args: Vec<Value>,
    /// `str(exc)`: the human-readable message.
    #[serde(default, deserialize_with = "string_or_repr")]
    pub value: String,
}

fn string_or_repr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

impl RemoteError {
    /// An error of type `exc_type` with message `value`, as a Rust service raises it.
    ///
    /// `exc_path` is `exc_type` itself and `exc_args` holds the message, so a Python caller
    /// sees `RemoteError("<exc_type> <value>")`.
    pub fn new(exc_type: impl Into<String>, value: impl Into<String>) -> Self {
        let exc_type = exc_type.into();
        let value = value.into();
        RemoteError {
            exc_path: exc_type.clone(),
            exc_args: vec![Value::String(value.clone())],
            exc_type,
            value,
        }
    }

    /// Sets `exc_path`, the full path of the exception type.
    pub fn with_path(mut self, exc_path: impl Into<String>) -> Self {
        self.exc_path = exc_path.into();
        self
    }

    fn nameko(exc_type: &str, value: String) -> Self {
        RemoteError {
            exc_type: exc_type.to_owned(),
            exc_path: format!("{NAMEKO_EXCEPTIONS}.{exc_type}"),
            exc_args: vec![Value::String(value.clone())],
            value,
        }
    }

    /// Nameko's `MethodNotFound`: the service has no entrypoint of that name.
    pub fn method_not_found(method: &str) -> Self {
        Self::nameko("MethodNotFound", method.to_owned())
    }

    /// Nameko's `MalformedRequest`: the request body is not what an RPC request must be.
    pub fn malformed_request(message: impl Into<String>) -> Self {
        Self::nameko("MalformedRequest", message.into())
    }

    /// Nameko's `IncorrectSignature`: the arguments do not fit the method.
    pub fn incorrect_signature(message: impl Into<String>) -> Self {
        Self::nameko("IncorrectSignature", message.into())
    }

    /// Nameko's `UnserializableValueError`: the result could not be encoded as JSON.
    pub fn unserializable_value(detail: impl fmt::Display) -> Self {
        Self::nameko(
            "UnserializableValueError",
            format!("Unserializable value: `{detail}`"),
        )
    }

    /// Nameko's `UnknownService`: no queue is bound for the service.
    pub fn unknown_service(service: &str) -> Self {
        Self::nameko("UnknownService", format!("Unknown service `{service}`"))
    }

    /// Nameko's `ContainerBeingKilled`: the worker was killed before it finished.
    pub fn container_being_killed() -> Self {
        Self::nameko("ContainerBeingKilled", String::new())
    }

    /// A `RemoteError` from any Rust error: `exc_type` is the last segment of the type's
    /// name, `exc_path` its full path with `.` separators, `value` its `Display`.
    ///
    /// A [`RemoteError`] passed in is returned unchanged, so errors from a called service
    /// propagate with their original `exc_type`.
    pub fn from_error<E: fmt::Display + 'static>(err: &E) -> Self {
        if let Some(remote) = (err as &dyn std::any::Any).downcast_ref::<RemoteError>() {
            return remote.clone();
        }
        let full = std::any::type_name::<E>();
        // Strip generic parameters before splitting the path.
        let base = full.split('<').next().unwrap_or(full);
        let exc_type = base.rsplit("::").next().unwrap_or(base);
        RemoteError::new(exc_type, err.to_string()).with_path(base.replace("::", "."))
    }

    /// Whether this is one of Nameko's `BadRequest` errors (the caller sent something wrong).
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self.exc_path.as_str(),
            "nameko.exceptions.MalformedRequest"
                | "nameko.exceptions.MethodNotFound"
                | "nameko.exceptions.IncorrectSignature"
                | "nameko.exceptions.BadRequest"
        )
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.exc_type, self.value)
    }
}

impl std::error::Error for RemoteError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialises_with_nameko_shape() {
        let err =
            RemoteError::incorrect_signature("f() missing 1 required positional argument: 'a'");
        let v = serde_json::to_value(&err).unwrap();
        assert_eq!(
            v,
            json!({
                "exc_type": "IncorrectSignature",
                "exc_path": "nameko.exceptions.IncorrectSignature",
                "exc_args": ["f() missing 1 required positional argument: 'a'"],
                "value": "f() missing 1 required positional argument: 'a'",
            })
        );
        let back: RemoteError = serde_json::from_value(v).unwrap();
        assert_eq!(back, err);
    }

    #[test]
    fn deserialises_python_exception() {
        let v = json!({"exc_type": "ValueError", "exc_path": "builtins.ValueError",
                       "exc_args": ["bad", 3], "value": "('bad', 3)"});
        let err: RemoteError = serde_json::from_value(v).unwrap();
        assert_eq!(err.exc_type, "ValueError");
        assert_eq!(err.exc_args, vec![json!("bad"), json!(3)]);
        assert_eq!(err.to_string(), "ValueError ('bad', 3)");
        assert!(!err.is_bad_request());
    }

    #[test]
    fn from_rust_error_uses_type_name() {
        #[derive(Debug, thiserror::Error)]
        #[error("widget {0} is broken")]
        struct WidgetBroken(u32);
        let err = RemoteError::from_error(&WidgetBroken(7));
        assert_eq!(err.exc_type, "WidgetBroken");
        assert!(err.exc_path.ends_with(".WidgetBroken"), "{}", err.exc_path);
        assert!(!err.exc_path.contains("::"));
        assert_eq!(err.value, "widget 7 is broken");
        assert_eq!(err.exc_args, vec![json!("widget 7 is broken")]);
    }

    #[test]
    fn remote_error_passes_through() {
        let inner = RemoteError::new("ValueError", "x");
        assert_eq!(RemoteError::from_error(&inner), inner);
    }

    #[test]
    fn builtins_are_bad_requests() {
        assert!(RemoteError::method_not_found("m").is_bad_request());
        assert!(RemoteError::malformed_request("m").is_bad_request());
        assert_eq!(
            RemoteError::unknown_service("svc").value,
            "Unknown service `svc`"
        );
    }
}
