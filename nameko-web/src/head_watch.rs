//! The header-read guard (`WEB_HEADER_READ_TIMEOUT`): a connection that has been waiting
//! longer than the timeout for a request's head is closed.
//!
//! hyper's own guard arms a new timer for every request head and drops it once the head
//! is parsed: two trips through the runtime's timer lock per request, which cost up to
//! ~15% of a hello world's throughput on two cores. This one costs two atomic stores and a
//! clock read per request: each connection records since when it has waited for a head
//! ([`HeadWatch`]), and one coarse timer per connection ([`HeadWatch::expired`]) looks
//! at that a few times per timeout.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::body::{Body, BodyError};

/// `since` of a connection that is not waiting for a head (a request is being answered).
const NOT_WAITING: u64 = u64::MAX;

/// How often [`HeadWatch::expired`] looks, as a fraction of the timeout: a connection is
/// closed between `timeout` and `timeout * 5 / 4` after it began to wait.
const CHECKS_PER_TIMEOUT: u32 = 4;

/// Since when one connection has waited for a request's head, in milliseconds of the
/// server's clock.
#[derive(Debug)]
pub(crate) struct HeadWatch {
    clock: Instant,
    since: AtomicU64,
}

impl HeadWatch {
    /// A new connection: it waits for its first head from now on.
    pub(crate) fn new(clock: Instant) -> Arc<Self> {
        let watch = HeadWatch {
            clock,
            since: AtomicU64::new(0),
        };
        watch.waiting();
        Arc::new(watch)
    }

    fn now(&self) -> u64 {
        u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(NOT_WAITING - 1)
    }

    /// A head has arrived: the connection is busy with its request until
    /// [`waiting`](Self::waiting).
    pub(crate) fn head_read(&self) {
        self.since.store(NOT_WAITING, Ordering::Relaxed);
    }

    /// The response has been sent: the connection waits for the next head.
    pub(crate) fn waiting(&self) {
        self.since.store(self.now(), Ordering::Relaxed);
    }

    /// Resolves once the connection has waited for a head longer than `timeout`; never
    /// with `None`.
    pub(crate) async fn expired(&self, timeout: Option<Duration>) {
        let Some(timeout) = timeout else {
            return std::future::pending().await;
        };
        let limit = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let check = (timeout / CHECKS_PER_TIMEOUT).max(Duration::from_millis(1));
        loop {
            tokio::time::sleep(check).await;
            let since = self.since.load(Ordering::Relaxed);
            if since != NOT_WAITING && self.now().saturating_sub(since) >= limit {
                return;
            }
        }
    }
}

/// A response body that tells its connection's [`HeadWatch`] when it is done with (hyper
/// drops it once it has written it, or given up on it): from then on, the connection
/// waits for its next head.
pub(crate) struct WatchedBody {
    body: Body,
    watch: Arc<HeadWatch>,
}

impl WatchedBody {
    pub(crate) fn new(body: Body, watch: Arc<HeadWatch>) -> Self {
        WatchedBody { body, watch }
    }
}

impl Drop for WatchedBody {
    fn drop(&mut self) {
        self.watch.waiting();
    }
}

impl http_body::Body for WatchedBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_connection_waiting_too_long_for_a_head_expires() {
        let watch = HeadWatch::new(Instant::now());
        let timeout = Some(Duration::from_secs(1));
        // Paused time: the watch's sleeps advance the clock, `Instant` does not; the
        // waiting time is read from the real clock, so wait for it for real.
        std::thread::sleep(Duration::from_millis(1100));
        tokio::time::timeout(Duration::from_secs(5), watch.expired(timeout))
            .await
            .expect("expired");
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_answering_a_request_does_not_expire() {
        let watch = HeadWatch::new(Instant::now());
        watch.head_read();
        std::thread::sleep(Duration::from_millis(30));
        let expired = tokio::time::timeout(
            Duration::from_secs(60),
            watch.expired(Some(Duration::from_millis(10))),
        )
        .await;
        assert!(expired.is_err(), "a busy connection expired");
        watch.waiting();
        std::thread::sleep(Duration::from_millis(30));
        tokio::time::timeout(
            Duration::from_secs(60),
            watch.expired(Some(Duration::from_millis(10))),
        )
        .await
        .expect("expired once waiting again");
    }

    #[tokio::test(start_paused = true)]
    async fn no_timeout_never_expires() {
        let watch = HeadWatch::new(Instant::now());
        let expired = tokio::time::timeout(Duration::from_secs(3600), watch.expired(None)).await;
        assert!(expired.is_err());
    }
}
