//! [`Tracked`]: a future run in its caller's task and tracked by a container.

use std::future::Future;

use tokio_util::task::TaskTracker;

/// A future run in its caller's task and tracked by a container: see
/// [`ContainerHandle::run_tracked`](crate::ContainerHandle::run_tracked).
#[must_use = "futures do nothing unless polled"]
pub struct Tracked<'a, F: Future + Send + 'static> {
    pub(crate) fut: Option<std::pin::Pin<Box<F>>>,
    pub(crate) token: Option<tokio_util::task::task_tracker::TaskTrackerToken>,
    pub(crate) tracker: &'a TaskTracker,
}

impl<F: Future + Send + 'static> std::fmt::Debug for Tracked<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracked")
            .field("done", &self.fut.is_none())
            .finish()
    }
}

impl<F: Future + Send + 'static> Future for Tracked<'_, F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let Some(fut) = self.fut.as_mut() else {
            return std::task::Poll::Pending;
        };
        let out = std::task::ready!(fut.as_mut().poll(cx));
        self.fut = None;
        self.token = None;
        std::task::Poll::Ready(out)
    }
}

impl<F: Future + Send + 'static> Drop for Tracked<'_, F> {
    fn drop(&mut self) {
        // Outside a runtime (it is shutting down) there is nothing to go on with.
        if let Some(fut) = self.fut.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            // The token is released once the spawned task is tracked instead.
            self.tracker.spawn(async move {
                let _ = fut.await;
            });
        }
    }
}
