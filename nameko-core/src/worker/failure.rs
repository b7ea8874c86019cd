//! How a worker fails: [`MethodError`] (a method returned `Err`), [`PanicError`] (it
//! panicked), both seen through [`WorkerFailure`].

use std::error::Error as StdError;
use std::fmt;

use crate::error::{BoxError, RemoteError};

/// The error a service method returned, in its two forms: the original Rust error, which
/// dependency providers can downcast ([`error`](Self::error)), and its wire form, the
/// [`RemoteError`] the caller receives.
///
/// `#[service]` builds it from the method's `Err(e)`:
///
/// | the method's error type | `remote_error()` | `error()` |
/// |---|---|---|
/// | implements [`ToRemoteError`] (as `RemoteError`, `nameko_amqp::RpcError` do) | `e.to_remote_error()` | `e` |
/// | implements `Into<RemoteError>` | `e.into()` | the `RemoteError` |
/// | implements `std::error::Error` | [`RemoteError::from_error`] | `e` |
/// | implements `Display` only | [`RemoteError::from_error`] | the `RemoteError` |
///
/// By hand:
///
/// ```
/// use nameko_core::{MethodError, RemoteError};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("no such order: {0}")]
/// struct NoSuchOrder(u64);
///
/// let err = MethodError::from_error(NoSuchOrder(7));
/// assert_eq!(err.remote_error().exc_type, "NoSuchOrder");
/// assert!(err.error().is::<NoSuchOrder>());
///
/// let err: MethodError = RemoteError::new("ValueError", "bad").into();
/// assert_eq!(err.remote_error().to_string(), "ValueError bad");
/// ```
pub struct MethodError {
    remote: RemoteError,
    source: Option<BoxError>,
}

impl fmt::Debug for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MethodError")
            .field("remote", &self.remote)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => fmt::Display::fmt(source, f),
            None => fmt::Display::fmt(&self.remote, f),
        }
    }
}

impl MethodError {
    /// An error known only by its wire form.
    pub fn new(remote: RemoteError) -> Self {
        MethodError {
            remote,
            source: None,
        }
    }

    /// An error with its wire form given explicitly.
    pub fn with_source<E>(remote: RemoteError, error: E) -> Self
    where
        E: StdError + Send + Sync + 'static,
    {
        MethodError {
            remote,
            source: Some(Box::new(error)),
        }
    }

    /// An error whose wire form is [`RemoteError::from_error`]: `exc_type` is the type's
    /// name, `value` its `Display`.
    pub fn from_error<E>(error: E) -> Self
    where
        E: StdError + Send + Sync + 'static,
    {
        let remote = RemoteError::from_error(&error);
        MethodError::with_source(remote, error)
    }

    /// The wire form the caller receives.
    pub fn remote_error(&self) -> &RemoteError {
        &self.remote
    }

    /// The original error, or the wire form when the original is not kept.
    pub fn error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        match &self.source {
            Some(source) => source.as_ref(),
            None => &self.remote,
        }
    }

    /// The wire form.
    pub fn into_remote_error(self) -> RemoteError {
        self.remote
    }
}

impl From<RemoteError> for MethodError {
    fn from(remote: RemoteError) -> Self {
        MethodError::new(remote)
    }
}

/// An error that knows its wire form without being consumed, so a failed worker keeps both
/// the original error (for dependency providers) and the [`RemoteError`] (for the caller).
///
/// Implement it for a service's error type to choose its `exc_type` (the Python caller
/// sees `RemoteError("<exc_type> <value>")`) and keep the error downcastable:
///
/// ```
/// use nameko_core::{RemoteError, ToRemoteError};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("insufficient funds")]
/// struct InsufficientFunds;
///
/// impl ToRemoteError for InsufficientFunds {
///     fn to_remote_error(&self) -> RemoteError {
///         RemoteError::new("InsufficientFunds", self.to_string()).with_path("bank.InsufficientFunds")
///     }
/// }
/// ```
pub trait ToRemoteError {
    /// The wire form of this error.
    fn to_remote_error(&self) -> RemoteError;
}

impl ToRemoteError for RemoteError {
    fn to_remote_error(&self) -> RemoteError {
        self.clone()
    }
}

/// A transport's error type that carries a [`MethodError`]: what a worker's future may fail
/// with. The core logs it and shows it to dependency providers through this trait.
pub trait AsMethodError: Send + 'static {
    /// The method's error.
    fn as_method_error(&self) -> &MethodError;

    /// Whether the caller is at fault (a malformed request, wrong arguments): logged at
    /// WARNING instead of ERROR. By default, Nameko's `BadRequest`s.
    fn is_caller_error(&self) -> bool {
        self.as_method_error().remote_error().is_bad_request()
    }
}

impl AsMethodError for MethodError {
    fn as_method_error(&self) -> &MethodError {
        self
    }
}

/// The `exc_type` of the [`RemoteError`] a panicking worker answers with.
pub const PANIC_EXC_TYPE: &str = "WorkerPanic";

/// A worker that panicked: the panic's message and where it happened.
///
/// The caller receives it as a [`RemoteError`] with `exc_type` [`PANIC_EXC_TYPE`]
/// (`"WorkerPanic"`) and the message as `value`; dependency providers see this type.
#[derive(Debug, Clone)]
pub struct PanicError {
    message: String,
    location: Option<String>,
    backtrace: Option<String>,
    remote: RemoteError,
}

impl PanicError {
    pub(crate) fn new(
        payload: &(dyn std::any::Any + Send),
        location: Option<String>,
        backtrace: Option<String>,
    ) -> Self {
        let message = payload
            .downcast_ref::<&'static str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "Box<dyn Any>".to_owned());
        PanicError {
            remote: RemoteError::new(PANIC_EXC_TYPE, message.clone())
                .with_path(format!("nameko_rs.{PANIC_EXC_TYPE}")),
            message,
            location,
            backtrace,
        }
    }

    /// The panic's message (`panic!("...")`'s text).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `file:line:column` of the panic, when the container's panic hook saw it.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The backtrace, when one was captured (`RUST_BACKTRACE=1`).
    pub fn backtrace(&self) -> Option<&str> {
        self.backtrace.as_deref()
    }

    /// The wire form the caller receives.
    pub fn remote_error(&self) -> &RemoteError {
        &self.remote
    }
}

impl fmt::Display for PanicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "worker panicked at {location}: {}", self.message),
            None => write!(f, "worker panicked: {}", self.message),
        }
    }
}

impl StdError for PanicError {}

/// Why a worker failed: its method returned an error `E`, or it panicked.
///
/// Both are answered (an error reply, an acknowledged or requeued event, a `500`), logged
/// (at ERROR, or at WARNING when the entrypoint expects the error or the caller is at
/// fault) and shown to dependency providers.
#[derive(Debug)]
pub struct WorkerFailure<E = MethodError> {
    kind: FailureKind<E>,
    expected: bool,
}

#[derive(Debug)]
enum FailureKind<E> {
    Error(E),
    Panic(PanicError),
    /// The method succeeded, a dependency's `worker_commit` failed.
    Dependency(MethodError),
}

impl<E: AsMethodError> WorkerFailure<E> {
    pub(crate) fn error(error: E) -> Self {
        WorkerFailure {
            kind: FailureKind::Error(error),
            expected: false,
        }
    }

    pub(crate) fn panic(panic: PanicError) -> Self {
        WorkerFailure {
            kind: FailureKind::Panic(panic),
            expected: false,
        }
    }

    pub(crate) fn dependency(error: MethodError) -> Self {
        WorkerFailure {
            kind: FailureKind::Dependency(error),
            expected: false,
        }
    }

    pub(crate) fn set_expected(&mut self, expected: bool) {
        self.expected = expected;
    }

    /// The wire form the caller receives.
    pub fn remote_error(&self) -> &RemoteError {
        match &self.kind {
            FailureKind::Error(e) => e.as_method_error().remote_error(),
            FailureKind::Panic(p) => p.remote_error(),
            FailureKind::Dependency(e) => e.remote_error(),
        }
    }

    /// The original error (the method's, a [`PanicError`], or the error of a
    /// dependency's `worker_commit`), for downcasting.
    pub fn source_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        match &self.kind {
            FailureKind::Error(e) => e.as_method_error().error(),
            FailureKind::Panic(p) => p,
            FailureKind::Dependency(e) => e.error(),
        }
    }

    /// The panic, if the worker panicked.
    pub fn panic_error(&self) -> Option<&PanicError> {
        match &self.kind {
            FailureKind::Panic(p) => Some(p),
            FailureKind::Error(_) | FailureKind::Dependency(_) => None,
        }
    }

    /// Whether the worker panicked.
    pub fn is_panic(&self) -> bool {
        self.panic_error().is_some()
    }

    /// Whether the error is one the entrypoint lists in `expected_exceptions`.
    pub fn is_expected(&self) -> bool {
        self.expected
    }

    /// Whether the caller is at fault ([`AsMethodError::is_caller_error`]).
    pub fn is_caller_error(&self) -> bool {
        match &self.kind {
            FailureKind::Error(e) => e.is_caller_error(),
            FailureKind::Panic(_) | FailureKind::Dependency(_) => false,
        }
    }

    /// The method's error, or the wire form of what failed instead: a panic
    /// ([`panic_error`](Self::panic_error) has it whole) or a dependency's
    /// `worker_commit`.
    #[allow(
        clippy::result_large_err,
        reason = "not an error path: both are failures"
    )]
    pub fn into_inner(self) -> Result<E, RemoteError> {
        match self.kind {
            FailureKind::Error(e) => Ok(e),
            FailureKind::Panic(p) => Err(p.remote),
            FailureKind::Dependency(e) => Err(e.into_remote_error()),
        }
    }

    /// The wire form the caller receives.
    pub fn into_remote_error(self) -> RemoteError {
        match self.kind {
            FailureKind::Error(e) => e.as_method_error().remote_error().clone(),
            FailureKind::Panic(p) => p.remote,
            FailureKind::Dependency(e) => e.into_remote_error(),
        }
    }

    /// A borrowed, type-erased view, as dependency providers get it.
    pub fn info(&self) -> FailureInfo<'_> {
        FailureInfo {
            remote: self.remote_error(),
            error: self.source_error(),
            panic: self.panic_error(),
            expected: self.expected,
        }
    }
}

/// A failed worker, as [`DependencyProvider::worker_result`](crate::DependencyProvider::worker_result)
/// sees it: the original error (downcastable), its wire form, and whether it was a panic
/// or an expected error.
#[derive(Clone, Copy, Debug)]
pub struct FailureInfo<'a> {
    remote: &'a RemoteError,
    error: &'a (dyn StdError + Send + Sync + 'static),
    panic: Option<&'a PanicError>,
    expected: bool,
}

impl<'a> FailureInfo<'a> {
    pub(crate) fn killed(remote: &'a RemoteError) -> Self {
        FailureInfo {
            remote,
            error: remote,
            panic: None,
            expected: false,
        }
    }

    /// The wire form the caller receives.
    pub fn remote_error(&self) -> &'a RemoteError {
        self.remote
    }

    /// The original error: the method's `Err` value, or a [`PanicError`].
    pub fn error(&self) -> &'a (dyn StdError + Send + Sync + 'static) {
        self.error
    }

    /// The first error of type `T` in the error's `source()` chain.
    ///
    /// ```
    /// # use nameko_core::{MethodError, worker::FailureInfo};
    /// # fn check(failure: FailureInfo<'_>) {
    /// if let Some(io) = failure.downcast_ref::<std::io::Error>() {
    ///     eprintln!("I/O error of kind {:?}", io.kind());
    /// }
    /// # }
    /// ```
    pub fn downcast_ref<T: StdError + 'static>(&self) -> Option<&'a T> {
        error_chain(self.error as &(dyn StdError + 'static)).find_map(|e| e.downcast_ref::<T>())
    }

    /// The panic, if the worker panicked.
    pub fn panic(&self) -> Option<&'a PanicError> {
        self.panic
    }

    /// Whether the error is listed in the entrypoint's `expected_exceptions`.
    pub fn is_expected(&self) -> bool {
        self.expected
    }
}

/// `error`, then each of its `source()`s.
pub(crate) fn error_chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    fn source<'a>(e: &&'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
        (*e).source()
    }
    std::iter::successors(Some(error), source)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn method_error_keeps_both_forms() {
        let err = MethodError::from_error(Outer(std::io::Error::other("disk")));
        assert_eq!(err.remote_error().exc_type, "Outer");
        assert_eq!(err.remote_error().value, "outer");
        assert!(err.error().is::<Outer>());
        let failure = WorkerFailure::error(err);
        let info = failure.info();
        assert!(info.downcast_ref::<std::io::Error>().is_some());
        assert!(info.panic().is_none());
        assert_eq!(failure.into_remote_error().exc_type, "Outer");
    }

    #[test]
    fn panic_error_shape() {
        let payload: Box<dyn std::any::Any + Send> = Box::new("boom");
        let p = PanicError::new(payload.as_ref(), Some("src/lib.rs:1:2".into()), None);
        assert_eq!(p.message(), "boom");
        assert_eq!(p.to_string(), "worker panicked at src/lib.rs:1:2: boom");
        assert_eq!(p.remote_error().exc_type, PANIC_EXC_TYPE);
        assert_eq!(p.remote_error().value, "boom");
        let payload: Box<dyn std::any::Any + Send> = Box::new(format!("n = {}", 3));
        let p = PanicError::new(payload.as_ref(), None, None);
        assert_eq!(p.message(), "n = 3");
        let failure: WorkerFailure = WorkerFailure::panic(p);
        assert!(failure.is_panic());
        assert!(failure.source_error().is::<PanicError>());
    }
}
