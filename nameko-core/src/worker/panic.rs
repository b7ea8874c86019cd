//! Catching a worker's panic: [`CatchPanic`] polls a future inside `catch_unwind`, and a
//! process-wide panic hook records where a worker's panic happened (the payload does not
//! say), so the log line can show it.
//!
//! The hook only acts on threads that are polling a worker at that moment; every other
//! panic goes to the hook that was installed before (the default one prints to stderr). A
//! worker's panic is not printed by it: the container logs it once, at ERROR, with the
//! service, the entrypoint, the call id and the location.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

use super::failure::PanicError;

thread_local! {
    /// Whether this thread is polling a worker.
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
    /// What the hook saw of the last worker panic on this thread.
    static LAST: RefCell<Option<(Option<String>, Option<String>)>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs the panic hook (once per process), chaining to the one installed before.
pub(crate) fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_WORKER.with(Cell::get) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                let backtrace = std::backtrace::Backtrace::capture();
                let backtrace = (backtrace.status() == std::backtrace::BacktraceStatus::Captured)
                    .then(|| backtrace.to_string());
                LAST.with(|last| *last.borrow_mut() = Some((location, backtrace)));
            } else {
                previous(info);
            }
        }));
    });
}

pin_project_lite::pin_project! {
    /// A future whose panics become `Err(PanicError)`.
    pub(crate) struct CatchPanic<F> {
        #[pin]
        inner: F,
    }
}

impl<F> CatchPanic<F> {
    pub(crate) fn new(inner: F) -> Self {
        CatchPanic { inner }
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, PanicError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        let was = IN_WORKER.with(|w| w.replace(true));
        let polled = catch_unwind(AssertUnwindSafe(|| inner.poll(cx)));
        IN_WORKER.with(|w| w.set(was));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Err(payload) => {
                let (location, backtrace) = LAST.with(|last| last.borrow_mut().take()).unzip();
                Poll::Ready(Err(PanicError::new(
                    payload.as_ref(),
                    location.flatten(),
                    backtrace.flatten(),
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn catches_and_locates() {
        install_hook();
        let out = CatchPanic::new(async { 5 }).await;
        assert_eq!(out.unwrap(), 5);
        let err = CatchPanic::new(async {
            tokio::task::yield_now().await;
            if true {
                panic!("boom {}", 1);
            }
        })
        .await
        .unwrap_err();
        assert_eq!(err.message(), "boom 1");
        assert!(
            err.location().unwrap().contains("panic.rs"),
            "{:?}",
            err.location()
        );
        // A polled-again future after a panic is not reused; a new one works.
        let out = CatchPanic::new(async { "ok" }).await;
        assert_eq!(out.unwrap(), "ok");
    }
}
