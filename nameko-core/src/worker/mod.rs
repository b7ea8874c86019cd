//! Running one worker: what a transport hands the core ([`Call`] and the method's future),
//! and what it gets back ([`Outcome`]), through
//! [`ContainerHandle::invoke`](crate::ContainerHandle::invoke).
//!
//! Every entrypoint (RPC, events, HTTP, timer, and any other transport) runs its workers
//! through that one function, which owns the invocation: it builds the [`WorkerContext`],
//! takes a slot of the `max_workers` pool, runs the dependency providers' hooks, runs the
//! method with panics caught, logs the outcome and returns it for the transport to settle.
//!
//! What a failure becomes:
//!
//! | the method | logged | the transport |
//! |---|---|---|
//! | returns `Ok` | — | replies, acknowledges, responds |
//! | returns `Err` | ERROR, with the error's `source()` chain | replies with the `RemoteError`; acknowledges (or requeues) the event; answers `500` |
//! | returns an `Err` listed in `expected_exceptions` | WARNING | the same (HTTP answers `400`) |
//! | returns a caller's mistake (`MalformedRequest`, `IncorrectSignature`, ...) | WARNING | the same |
//! | panics | ERROR, with the location (and backtrace with `RUST_BACKTRACE=1`) | as an `Err` whose `exc_type` is `WorkerPanic` |
//! | is killed (the container is killed) | — | hands the work back ([`Outcome::Killed`]) |
//!
//! Arguments named in `sensitive_arguments` are redacted in every log line and in
//! [`WorkerContext::arguments`].
//!
//! [`WorkerContext`]: crate::WorkerContext
//! [`WorkerContext::arguments`]: crate::WorkerContext::arguments

mod failure;
mod local;
mod log;
pub mod observe;
mod options;
mod panic;
pub(crate) mod pipeline;
mod span;
mod tracked;
mod watch;

use std::sync::Arc;

pub use failure::{
    AsMethodError, FailureInfo, MethodError, PANIC_EXC_TYPE, PanicError, ToRemoteError,
    WorkerFailure,
};
pub use local::{WorkerLocal, WorkerLocalError, WorkerValue};
pub use options::{CallArguments, EntrypointOptions, REDACTED, is_error};
pub use pipeline::WorkerOutput;
pub use tracked::Tracked;
pub use watch::{WorkerDone, WorkerWatch};

pub(crate) use failure::error_chain;
pub(crate) use panic::{CatchPanic, install_hook};
pub(crate) use watch::Watchers;

use crate::context::ContextData;

/// One call of an entrypoint, as its transport received it: which entrypoint, the context
/// data from the message headers, and the arguments (for logs and dependency providers).
///
/// ```
/// use std::sync::Arc;
/// use nameko_core::worker::{Call, CallArguments, EntrypointOptions};
/// use nameko_core::{Arguments, ContextData};
///
/// let options = Arc::new(EntrypointOptions::new().params(&["value"]));
/// let call = Call::new("remote_method", "rpc", &options)
///     .context_data(ContextData::new())
///     .arguments(CallArguments::Rpc(Arguments::positional(vec!["hellø".into()])));
/// ```
#[derive(Debug)]
pub struct Call {
    pub(crate) entrypoint: Arc<str>,
    pub(crate) kind: &'static str,
    pub(crate) options: Arc<EntrypointOptions>,
    pub(crate) context_data: ContextData,
    pub(crate) arguments: CallArguments,
    pub(crate) messaging: Option<crate::trace::Messaging>,
    pub(crate) deadline: Option<std::time::SystemTime>,
}

impl Call {
    /// A call of entrypoint `entrypoint` (the method's name) of kind `kind` (`"rpc"`,
    /// `"event_handler"`, ...), with the entrypoint's options.
    pub fn new(
        entrypoint: impl Into<Arc<str>>,
        kind: &'static str,
        options: &Arc<EntrypointOptions>,
    ) -> Self {
        Call {
            entrypoint: entrypoint.into(),
            kind,
            options: Arc::clone(options),
            context_data: ContextData::new(),
            arguments: CallArguments::None,
            messaging: None,
            deadline: None,
        }
    }

    /// When the caller stops waiting for the result, if it said: the worker's
    /// [`WorkerContext::deadline`](crate::WorkerContext::deadline), inherited by the calls
    /// it makes. The transport decides what to do with work already past it (the RPC
    /// entrypoint does not start it).
    pub fn deadline(mut self, deadline: Option<std::time::SystemTime>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Where the message came from (exchange, routing key, correlation id): the
    /// OpenTelemetry messaging attributes of the worker's span.
    pub fn messaging(mut self, source: crate::trace::Messaging) -> Self {
        self.messaging = Some(source);
        self
    }

    /// The incoming context data (`nameko.*` headers without the prefix, with the
    /// `call_id_stack`).
    pub fn context_data(mut self, data: ContextData) -> Self {
        self.context_data = data;
        self
    }

    /// The call's arguments, for logs and dependency providers (redacted there).
    pub fn arguments(mut self, arguments: CallArguments) -> Self {
        self.arguments = arguments;
        self
    }
}

/// How a worker ended, for the transport to settle. Every variant needs an answer:
/// reply and acknowledge, requeue, respond.
#[must_use = "settle the outcome: reply, acknowledge, requeue or respond"]
#[derive(Debug)]
pub enum Outcome<T, E = MethodError> {
    /// The method returned `Ok`.
    Success(T),
    /// The method returned `Err` or panicked; the core has logged it and told the
    /// dependency providers. Answer the caller with
    /// [`remote_error`](WorkerFailure::remote_error).
    Failed(WorkerFailure<E>),
    /// The container was stopping before a worker slot was free: the work was not started.
    /// Hand it back (requeue the message).
    Rejected,
    /// The container was killed while the method ran: hand the work back.
    Killed,
}

impl<T, E> Outcome<T, E> {
    /// Whether the method returned `Ok`.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success(_))
    }
}
