//! How a failed worker is logged.

use super::{AsMethodError, PanicError, WorkerFailure, error_chain};
use crate::context::WorkerContext;

/// Logs a failed worker as Nameko does: ERROR for an unexpected error or a panic, WARNING
/// for an expected one or a caller's mistake.
pub(crate) fn log_failure<E: AsMethodError>(
    ctx: &WorkerContext,
    kind: &str,
    failure: &WorkerFailure<E>,
) {
    let service = ctx.service_name();
    let entrypoint = ctx.entrypoint_name();
    let call_id = ctx.call_id();
    let args = ctx.arguments();
    let exc_type = &failure.remote_error().exc_type;
    if let Some(panic) = failure.panic_error() {
        tracing::error!(
            target: "nameko::worker",
            service, entrypoint, kind, call_id, %args, exc_type,
            location = panic.location().unwrap_or("unknown"),
            backtrace = panic.backtrace().unwrap_or("(set RUST_BACKTRACE=1 to capture)"),
            "worker panicked: {}", panic.message()
        );
        return;
    }
    let error = failure.source_error();
    let mut causes = String::new();
    for cause in error_chain(error).skip(1) {
        causes.push_str(": ");
        causes.push_str(&cause.to_string());
    }
    if failure.is_expected() {
        tracing::warn!(
            target: "nameko::worker",
            service, entrypoint, kind, call_id, %args, exc_type,
            "(expected) error handling worker: {error}{causes}"
        );
    } else if failure.is_caller_error() {
        tracing::warn!(
            target: "nameko::worker",
            service, entrypoint, kind, call_id, %args, exc_type,
            "bad request: {error}{causes}"
        );
    } else {
        tracing::error!(
            target: "nameko::worker",
            service, entrypoint, kind, call_id, %args, exc_type,
            "error handling worker: {error}{causes}"
        );
    }
}

pub(crate) fn log_hook_panic(ctx: &WorkerContext, hook: &str, panic: &PanicError) {
    tracing::error!(
        target: "nameko::worker",
        service = ctx.service_name(),
        entrypoint = ctx.entrypoint_name(),
        call_id = ctx.call_id(),
        hook,
        location = panic.location().unwrap_or("unknown"),
        "dependency provider hook panicked: {}", panic.message()
    );
}
