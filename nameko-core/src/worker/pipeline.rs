//! The worker pipeline: what [`ContainerHandle::invoke`](crate::ContainerHandle::invoke) runs for every worker of every
//! entrypoint kind (slot, context, span, dependency hooks, the method with its panics
//! caught, commit, logging, observers, watches).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tracing::Instrument;

use super::log::{log_failure, log_hook_panic};
use super::observe::WorkerEnd;
use super::span::worker_span;
use super::{AsMethodError, Call, CatchPanic, FailureInfo, Outcome, WorkerDone, WorkerFailure};
use crate::container::ContainerHandle;
use crate::context::WorkerContext;
use crate::dependency::{DependencyProvider, WorkerResult};
use crate::error::RemoteError;
use crate::trace::Hex;

/// A result a worker produced, as dependency providers see it.
pub trait WorkerOutput: Send {
    /// The JSON value of the result, when it has one.
    fn json(&self) -> Option<&Value> {
        None
    }
}

impl WorkerOutput for Value {
    fn json(&self) -> Option<&Value> {
        Some(self)
    }
}

impl WorkerOutput for () {}

/// The body of [`ContainerHandle::invoke`]: see there.
pub(crate) async fn invoke<T, E, F>(handle: ContainerHandle, call: Call, work: F) -> Outcome<T, E>
where
    T: WorkerOutput,
    E: AsMethodError,
    F: Future<Output = Result<T, E>> + Send,
{
    let inner = &*handle.inner;
    if inner.stopping.is_cancelled() {
        return Outcome::Rejected;
    }
    // A free slot is the common case: take it without waiting on `stopping` (waiting
    // registers on the token's shared waiter list, a lock every worker would take).
    // Borrowed permits: no reference count of the shared semaphore to bump per worker.
    let permit = match inner.workers.try_acquire() {
        Ok(p) => p,
        Err(_) => tokio::select! {
            biased;
            _ = inner.stopping.cancelled() => return Outcome::Rejected,
            permit = inner.workers.acquire() => match permit {
                Ok(p) => p,
                Err(_) => return Outcome::Rejected,
            },
        },
    };
    let Call {
        entrypoint,
        kind,
        options,
        context_data,
        arguments,
        messaging,
        deadline,
    } = call;
    let observers = inner.observers();
    let observed = (!observers.is_empty()).then(|| {
        let observed = observers.entrypoint(&entrypoint, kind);
        observed.started();
        (observed, Instant::now())
    });
    let mut ctx = WorkerContext::new(
        Arc::clone(&inner.name),
        entrypoint,
        context_data,
        inner.parent_calls_tracked,
    )
    .with_deadline(deadline);
    ctx.set_container(handle.clone());
    ctx.set_call(options, arguments);
    let span = worker_span(&ctx, kind, messaging.as_ref());
    #[cfg(feature = "otel")]
    if let Some(trace) = crate::trace::otel::link(&span, ctx.remote_parent().as_ref()) {
        ctx.set_trace_parent(trace);
    }
    if !span.is_disabled() {
        let trace = ctx.trace_parent();
        span.record("trace_id", tracing::field::display(Hex(trace.trace_id())));
        span.record("span_id", tracing::field::display(Hex(trace.span_id())));
    }
    let ctx = Arc::new(ctx);
    let run = async {
        let deps = inner.service.dependencies();
        let mut setup_panic = None;
        for dep in &deps {
            if let Err(panic) = CatchPanic::new(dep.worker_setup(&ctx)).await {
                setup_panic = Some(panic);
                break;
            }
        }
        let outcome = match setup_panic {
            Some(panic) => Outcome::Failed(WorkerFailure::panic(panic)),
            None => {
                // The method first: one that finishes in its first poll never
                // registers on the shared `killed` token. (A kill before the worker
                // started was caught by the `stopping` check: a kill cancels
                // `stopping` first.)
                let result = tokio::select! {
                    biased;
                    r = WorkerContext::scope(Arc::clone(&ctx), CatchPanic::new(work)) => Some(r),
                    _ = inner.killed.cancelled() => None,
                };
                match result {
                    Some(Ok(Ok(value))) => match commit(&deps, &ctx).await {
                        None => Outcome::Success(value),
                        Some(failure) => Outcome::Failed(failure),
                    },
                    Some(Ok(Err(error))) => {
                        let expected = ctx
                            .entrypoint_options()
                            .is_some_and(|o| o.is_expected(error.as_method_error().error()));
                        let mut failure = WorkerFailure::error(error);
                        failure.set_expected(expected);
                        Outcome::Failed(failure)
                    }
                    Some(Err(panic)) => Outcome::Failed(WorkerFailure::panic(panic)),
                    None => Outcome::Killed,
                }
            }
        };
        let result = match &outcome {
            Outcome::Success(value) => WorkerResult::Success(value.json()),
            Outcome::Failed(failure) => {
                log_failure(&ctx, kind, failure);
                WorkerResult::Failure(failure.info())
            }
            Outcome::Rejected | Outcome::Killed => {
                WorkerResult::Failure(FailureInfo::killed(&KILLED))
            }
        };
        for dep in &deps {
            if let Err(panic) = CatchPanic::new(dep.worker_result(&ctx, result)).await {
                log_hook_panic(&ctx, "worker_result", &panic);
            }
        }
        for dep in &deps {
            if let Err(panic) = CatchPanic::new(dep.worker_teardown(&ctx)).await {
                log_hook_panic(&ctx, "worker_teardown", &panic);
            }
        }
        if inner.watchers.active() {
            inner
                .watchers
                .notify(ctx.entrypoint_name(), || worker_done(&ctx, &outcome));
        }
        outcome
    };
    let outcome = run.instrument(span).await;
    drop(permit);
    if let Some((observed, started)) = observed {
        observed.finished(
            started.elapsed(),
            match &outcome {
                Outcome::Success(_) => WorkerEnd::Success,
                Outcome::Failed(failure) if failure.is_expected() => WorkerEnd::ExpectedFailure,
                Outcome::Failed(_) => WorkerEnd::Failure,
                Outcome::Rejected | Outcome::Killed => WorkerEnd::Abandoned,
            },
        );
    }
    outcome
}

/// Runs every dependency's `worker_commit` (a worker whose method succeeded); the first
/// failure (an error or a panic) fails the worker, and the hooks after it do not run.
async fn commit<E: AsMethodError>(
    deps: &[&dyn DependencyProvider],
    ctx: &WorkerContext,
) -> Option<WorkerFailure<E>> {
    for dep in deps {
        match CatchPanic::new(dep.worker_commit(ctx)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Some(WorkerFailure::dependency(error)),
            Err(panic) => return Some(WorkerFailure::panic(panic)),
        }
    }
    None
}

/// What watches of the container learn of a finished worker.
fn worker_done<T: WorkerOutput, E: AsMethodError>(
    ctx: &WorkerContext,
    outcome: &Outcome<T, E>,
) -> WorkerDone {
    let result = match outcome {
        Outcome::Success(value) => Ok(value.json().cloned().unwrap_or(Value::Null)),
        Outcome::Failed(failure) => Err(failure.remote_error().clone()),
        Outcome::Rejected | Outcome::Killed => Err(KILLED.clone()),
    };
    WorkerDone::new(
        Arc::from(ctx.entrypoint_name()),
        ctx.call_id().to_owned(),
        ctx.data(),
        result,
    )
}

static KILLED: std::sync::LazyLock<RemoteError> =
    std::sync::LazyLock::new(RemoteError::container_being_killed);
