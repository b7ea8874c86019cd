//! The [`DependencyProvider`] trait: an extension that gives workers something to use (an
//! RPC proxy, an event dispatcher, a database pool, a config value) and sees every worker
//! come and go.

use async_trait::async_trait;
use serde_json::Value;

use crate::context::WorkerContext;
use crate::extension::Extension;
use crate::worker::FailureInfo;

/// How a worker ended, as the [`DependencyProvider::worker_result`] hook sees it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum WorkerResult<'a> {
    /// The method returned; the JSON value of its result when it has one.
    Success(Option<&'a Value>),
    /// The method failed: it returned `Err`, panicked, or was killed. The original error
    /// is there to downcast ([`FailureInfo::error`], [`FailureInfo::downcast_ref`]), next
    /// to its wire form ([`FailureInfo::remote_error`]).
    Failure(FailureInfo<'a>),
}

impl<'a> WorkerResult<'a> {
    /// Whether the worker succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, WorkerResult::Success(_))
    }

    /// The failure, if the worker failed.
    pub fn failure(&self) -> Option<FailureInfo<'a>> {
        match self {
            WorkerResult::Failure(info) => Some(*info),
            WorkerResult::Success(_) => None,
        }
    }
}

/// A dependency of a service: a field of the service struct that the container sets up,
/// starts and stops with the service, and tells about every worker.
///
/// Nameko's `DependencyProvider` hands each worker a fresh injection; in nameko-rs the field
/// itself is shared by all workers (they get `&self`), and per-worker state lives in the
/// [`WorkerContext`], which [`WorkerContext::current`] returns inside a worker: a
/// [`WorkerLocal`](crate::WorkerLocal) in the provider holds a value for each worker.
///
/// List the fields that are dependency providers in `#[service(dependencies(field, ...))]`
/// (or return them from [`Service::dependencies`](crate::Service::dependencies)) so their
/// hooks run. The hooks run in order for every worker: `worker_setup` before the method,
/// `worker_commit` when it succeeded (before the caller is answered; an `Err` fails the
/// worker), `worker_result` with its outcome, `worker_teardown` last.
///
/// ```
/// use nameko_core::{DependencyProvider, Extension, WorkerContext, WorkerResult};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// /// Counts the calls that failed.
/// #[derive(Default)]
/// struct FailureCounter(AtomicUsize);
///
/// impl Extension for FailureCounter {}
///
/// #[nameko_core::async_trait]
/// impl DependencyProvider for FailureCounter {
///     async fn worker_result(&self, _ctx: &WorkerContext, result: WorkerResult<'_>) {
///         if !result.is_success() {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dependency provider",
    label = "listed in `dependencies(...)`, so it must implement `nameko_core::DependencyProvider`",
    note = "implement `nameko_core::Extension` and `nameko_core::DependencyProvider` for it, or remove it from `dependencies(...)`"
)]
#[async_trait]
pub trait DependencyProvider: Extension {
    /// Called before the worker runs the method.
    async fn worker_setup(&self, ctx: &WorkerContext) {
        let _ = ctx;
    }

    /// Called when the method succeeded, before its result is final (before the caller
    /// gets an answer, and before `worker_result`): where a per-worker transaction is
    /// committed. An `Err` fails the worker: the caller gets the error's wire form
    /// ([`MethodError::from_error`](crate::MethodError::from_error) makes one whose
    /// `exc_type` is the error type's name), it is logged, and every `worker_result` sees
    /// the failure (so the other dependencies roll back). Not called for a failed worker;
    /// the first failure skips the commits after it.
    async fn worker_commit(&self, ctx: &WorkerContext) -> Result<(), crate::MethodError> {
        let _ = ctx;
        Ok(())
    }

    /// Called after the method, with its outcome.
    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        let _ = (ctx, result);
    }

    /// Called last, whatever happened.
    async fn worker_teardown(&self, ctx: &WorkerContext) {
        let _ = ctx;
    }

    /// Turns this dependency into a test double and returns the double's handle, or
    /// `None` (the default) when the dependency has no double and stays as it is.
    ///
    /// The test kit (`nameko::testing`: `worker_factory`, `replace_dependencies`) calls
    /// it before the container sets the dependency up, so a replaced dependency never
    /// reaches the network. `RpcProxy` answers with a `FakeRpcProxy`, `EventDispatcher`
    /// with a `FakeEventDispatcher`; the handle is downcast by the caller to the double's
    /// type.
    fn replace_with_double(&self) -> Option<Box<dyn std::any::Any + Send>> {
        None
    }
}
