//! Errors of the AMQP transport ([`AmqpError`]) and of RPC calls ([`RpcError`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use nameko_core::RemoteError;

/// Errors talking to the broker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AmqpError {
    /// `AMQP_URI` could not be parsed.
    #[error("invalid AMQP_URI `{uri}`: {reason}")]
    InvalidUri {
        /// The URI, password hidden.
        uri: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The TLS settings (`AMQP_SSL`) cannot be used: a file that cannot be read, an
    /// option that is not supported.
    #[error("AMQP_SSL: {0}")]
    Tls(String),
    /// One of nameko-amqp's keys has a bad value ([`AmqpSettings`](crate::AmqpSettings)).
    #[error(transparent)]
    Config(#[from] nameko_core::ConfigError),
    /// The broker could not be reached or refused the connection.
    #[error("cannot connect to the broker at {uri}: {source}")]
    Connect {
        /// The URI, password hidden.
        uri: String,
        /// lapin's error.
        #[source]
        source: lapin::Error,
    },
    /// An AMQP operation failed.
    #[error("AMQP {operation} failed: {source}")]
    Protocol {
        /// What was being done (`queue.declare rpc-service_x`).
        operation: String,
        /// lapin's error.
        #[source]
        source: lapin::Error,
    },
    /// A publish could not be made while the connection to the broker was down, within
    /// the publisher's retry policy (`PUBLISH_RETRY_POLICY`).
    #[error(
        "cannot publish to `{exchange}` with routing key `{routing_key}` after {attempts} attempt(s): {reason}"
    )]
    PublishFailed {
        /// Exchange.
        exchange: String,
        /// Routing key.
        routing_key: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        reason: String,
    },
    /// The connection was closed (the service or client is stopping).
    #[error("the connection to the broker was closed")]
    Closed,
    /// The broker refused a published message (publisher confirm nack).
    #[error(
        "the broker did not accept the message published to `{exchange}` with routing key `{routing_key}`"
    )]
    Nacked {
        /// Exchange.
        exchange: String,
        /// Routing key.
        routing_key: String,
    },
}

impl AmqpError {
    pub(crate) fn op(operation: impl Into<String>) -> impl FnOnce(lapin::Error) -> AmqpError {
        let operation = operation.into();
        move |source| AmqpError::Protocol { operation, source }
    }
}

/// Why an RPC call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RpcError {
    /// The remote method raised an error; it carries Nameko's `exc_type`, `exc_path`,
    /// `exc_args` and `value`. Nameko's own `MethodNotFound`, `IncorrectSignature` and
    /// `MalformedRequest` arrive this way too.
    #[error(transparent)]
    Remote(RemoteError),
    /// The remote method raised an error that the client's [`RemoteErrors`] registry maps
    /// to a type of yours: match it with [`RpcError::downcast_ref`]. Its text is the
    /// remote error's.
    #[error(transparent)]
    Typed(Box<TypedRemoteError>),
    /// No service of that name is listening (the broker returned the request).
    #[error("Unknown service `{0}`")]
    UnknownService(String),
    /// No reply came within the client's timeout.
    #[error("RPC call to `{service}.{method}` timed out after {timeout:?}")]
    Timeout {
        /// Target service.
        service: String,
        /// Target method.
        method: String,
        /// The timeout.
        timeout: Duration,
    },
    /// The arguments could not be encoded as JSON.
    #[error("cannot encode the arguments of `{method}` as JSON: {source}")]
    EncodeArguments {
        /// Target method.
        method: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// The arguments could not be encoded with the configured serializer.
    #[error("cannot encode the request to `{method}`: {source}")]
    EncodeRequest {
        /// Target method.
        method: String,
        /// The serializer's error.
        #[source]
        source: nameko_core::serialization::SerializationError,
    },
    /// The reply's result does not decode into the type asked for.
    #[error("cannot decode the result of `{method}`: {source}")]
    DecodeResult {
        /// Target method.
        method: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// A reply arrived that is not a Nameko reply body.
    #[error("malformed RPC reply: {0}")]
    MalformedReply(String),
    /// The caller's reply queue expired while the connection to the broker was down, so
    /// the reply to this call cannot arrive (Nameko 3's
    /// `ReplyQueueExpiredWithPendingReplies`).
    #[error("the reply queue `{0}` expired while the broker was unreachable; the reply is lost")]
    ReplyQueueLost(String),
    /// The connection to the broker was lost before the reply arrived.
    #[error("connection to the broker lost before the reply arrived")]
    Disconnected,
    /// The proxy was used where no connection is available (outside a worker, before its
    /// container started).
    #[error("RpcProxy to `{0}` is not connected: use it inside a worker of a started service")]
    NotConnected(String),
    /// The transport failed.
    #[error(transparent)]
    Amqp(#[from] AmqpError),
    /// A test double of the proxy (`nameko_amqp::testing::FakeRpcProxy`) was called for a
    /// method it was told no answer for.
    #[error(
        "FakeRpcProxy of `{service}` has no answer for `{method}`: give one with `.answer(\"{method}\", |args| ...)`, `.returns(\"{method}\", value)` or `.fails(\"{method}\", error)`"
    )]
    NoFakeAnswer {
        /// The service the proxy calls.
        service: String,
        /// The method called.
        method: String,
    },
}

impl RpcError {
    /// The remote error, when the remote method raised one (mapped to a type of yours or
    /// not).
    pub fn remote(&self) -> Option<&RemoteError> {
        match self {
            RpcError::Remote(r) => Some(r),
            RpcError::Typed(t) => Some(&t.remote),
            _ => None,
        }
    }

    /// The error of type `E` a [`RemoteErrors`] registry made of the remote error, when
    /// it did: `Some` only for [`RpcError::Typed`] holding an `E`.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            RpcError::Typed(t) => t.downcast_ref(),
            _ => None,
        }
    }

    /// The remote error's `exc_type`, when the remote method raised one.
    pub fn exc_type(&self) -> Option<&str> {
        self.remote().map(|r| r.exc_type.as_str())
    }
}

impl nameko_core::ToRemoteError for RpcError {
    /// A failed call inside a worker becomes the worker's own error: a remote error passes
    /// through unchanged (the Python caller sees the original `exc_type`); an unknown
    /// service is Nameko's `UnknownService`; a timeout Nameko's `RpcTimeout`; other
    /// failures are `RpcError`s.
    fn to_remote_error(&self) -> RemoteError {
        match self {
            RpcError::Remote(r) => r.clone(),
            RpcError::Typed(t) => t.remote.clone(),
            RpcError::UnknownService(s) => RemoteError::unknown_service(s),
            RpcError::Timeout { .. } => RemoteError::new("RpcTimeout", self.to_string())
                .with_path("nameko.exceptions.RpcTimeout"),
            other => RemoteError::new("RpcError", other.to_string())
                .with_path("nameko_amqp.error.RpcError"),
        }
    }
}

impl From<RpcError> for RemoteError {
    /// As [`ToRemoteError`](nameko_core::ToRemoteError).
    fn from(err: RpcError) -> RemoteError {
        match err {
            RpcError::Remote(r) => r,
            RpcError::Typed(t) => t.remote,
            other => nameko_core::ToRemoteError::to_remote_error(&other),
        }
    }
}

/// Builds the local error of one remote error.
type Builder = Arc<dyn Fn(&RemoteError) -> TypedError + Send + Sync>;
type TypedError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An opt-in registry mapping remote errors back to local types: `(service, exc_type)`
/// to a constructor of an error type of yours (the `<service>.<ExcType>` of Nameko PR
/// #463). A client given one ([`ClusterRpc::with_remote_errors`](crate::ClusterRpc::with_remote_errors),
/// [`RpcProxy::with_remote_errors`](crate::RpcProxy::with_remote_errors)) turns an error
/// of a registered `exc_type` from a call to that service into [`RpcError::Typed`], which
/// [`RpcError::downcast_ref`] matches by type. Other errors stay [`RpcError::Remote`].
///
/// `service` is the service called; `exc_type` is the class name a Python service raised
/// (`class NoAccount(Exception)`) or the name of the Rust error type a Rust service
/// returned (see [`RemoteError::from_error`]). Each has its own `exc_path`, which is not
/// looked at. The original [`RemoteError`] stays available ([`RpcError::remote`]), and
/// when a worker returns the error on, its caller sees the original `exc_type`.
///
/// ```
/// use nameko_amqp::{RemoteErrors, RpcError};
/// use nameko_core::RemoteError;
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("no account {0}")]
/// struct NoAccount(String);
///
/// let errors = RemoteErrors::new()
///     .register("accounts", "NoAccount", |remote| NoAccount(remote.value.clone()));
///
/// // What a call to `accounts` failed with, as the reply listener decodes it.
/// let err = RpcError::Remote(RemoteError::new("NoAccount", "acc-42"));
/// let err = errors.resolve("accounts", err);
/// match err.downcast_ref::<NoAccount>() {
///     Some(NoAccount(id)) => assert_eq!(id, "acc-42"),
///     None => panic!("not mapped: {err}"),
/// }
/// assert_eq!(err.exc_type(), Some("NoAccount"));
/// assert_eq!(err.to_string(), "NoAccount acc-42");
///
/// // The same exc_type from another service, or another exc_type, is left alone.
/// let other = errors.resolve("billing", RpcError::Remote(RemoteError::new("NoAccount", "x")));
/// assert!(matches!(other, RpcError::Remote(_)));
/// assert!(other.downcast_ref::<NoAccount>().is_none());
/// ```
#[derive(Clone, Default)]
pub struct RemoteErrors {
    builders: HashMap<(String, String), Builder>,
}

impl std::fmt::Debug for RemoteErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<String> = self
            .builders
            .keys()
            .map(|(service, exc_type)| format!("{service}.{exc_type}"))
            .collect();
        keys.sort();
        f.debug_struct("RemoteErrors")
            .field("types", &keys)
            .finish()
    }
}

impl RemoteErrors {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps errors of type `exc_type` from calls to `service` to the error `build` makes
    /// of them (replacing an earlier registration of the same pair).
    pub fn register<E, F>(
        mut self,
        service: impl Into<String>,
        exc_type: impl Into<String>,
        build: F,
    ) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
        F: Fn(&RemoteError) -> E + Send + Sync + 'static,
    {
        let builder: Builder = Arc::new(move |remote| Box::new(build(remote)));
        self.builders
            .insert((service.into(), exc_type.into()), builder);
        self
    }

    /// `error`, from a call to `service`, as [`RpcError::Typed`] when it is a remote error
    /// whose `exc_type` is registered for `service`; unchanged otherwise.
    pub fn resolve(&self, service: &str, error: RpcError) -> RpcError {
        let RpcError::Remote(remote) = error else {
            return error;
        };
        let key = (service.to_owned(), remote.exc_type.clone());
        match self.builders.get(&key) {
            Some(build) => RpcError::Typed(Box::new(TypedRemoteError {
                service: key.0,
                error: build(&remote),
                remote,
            })),
            None => RpcError::Remote(remote),
        }
    }
}

/// A remote error mapped to a local type by a [`RemoteErrors`] registry: the local error,
/// the service that was called and the remote error as received. Displays as the remote
/// error; its [`source`](std::error::Error::source) is the local one.
#[derive(Debug)]
pub struct TypedRemoteError {
    service: String,
    remote: RemoteError,
    error: TypedError,
}

impl TypedRemoteError {
    /// The service that was called.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The remote error as received.
    pub fn remote(&self) -> &RemoteError {
        &self.remote
    }

    /// The local error, if it is an `E`.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.error.downcast_ref()
    }

    /// The local error, boxed (downcast it with `Box::downcast`).
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self.error
    }
}

impl std::fmt::Display for TypedRemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.remote, f)
    }
}

impl std::error::Error for TypedRemoteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.error)
    }
}

/// Every error of this crate: what a function that uses several parts of nameko-amqp can
/// return with `?`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection or a broker operation failed.
    #[error(transparent)]
    Amqp(#[from] AmqpError),
    /// An RPC call failed.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// Dispatching an event failed.
    #[error(transparent)]
    Dispatch(#[from] crate::events::DispatchError),
}

impl nameko_core::ToRemoteError for Error {
    /// As the wrapped error's.
    fn to_remote_error(&self) -> RemoteError {
        match self {
            Error::Amqp(e) => RemoteError::from_error(e),
            Error::Rpc(e) => e.to_remote_error(),
            Error::Dispatch(e) => e.to_remote_error(),
        }
    }
}
