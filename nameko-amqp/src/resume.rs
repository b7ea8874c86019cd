//! Resuming a consumer after its channel or connection was lost: [`Resume`], the one
//! loop that the RPC, event and `consume` entrypoints and the RPC reply listener follow
//! the connection with, for entrypoint kinds of your own as well.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::connection::{AmqpConnection, Backoff, LiveConnection};
use crate::error::AmqpError;

/// Follows an [`AmqpConnection`] for a consumer of one's own: when the consumer's channel
/// or the connection is lost, [`resume`](Self::resume) waits for the broker to be back
/// and opens the consumer again (declare, prefetch, consume: whatever `open` does),
/// retrying with [`Backoff`] while that fails.
///
/// A lost connection is waited for (the [`AmqpConnection`] re-establishes it); a lost
/// channel on a live connection (its queue was deleted) is opened again after a pause.
///
/// ```no_run
/// use std::sync::Arc;
///
/// use futures_util::StreamExt;
/// use nameko_amqp::connection::LiveConnection;
/// use nameko_amqp::lapin::options::{BasicAckOptions, BasicConsumeOptions};
/// use nameko_amqp::lapin::types::FieldTable;
/// use nameko_amqp::{AmqpConnection, Resume};
/// use nameko_core::Config;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let config = Config::new().with("AMQP_URI", "pyamqp://guest:guest@localhost");
/// let connection = Arc::new(AmqpConnection::connect(&config).await?);
/// let backoff = connection.settings().backoff();
/// let mut resume = Resume::start(connection, backoff).await?;
/// // Opens the consumer on the connection it is given.
/// let mut open = |live: Arc<LiveConnection>| async move {
///     let channel = live.create_channel().await?;
///     let consumer = channel
///         .basic_consume(
///             "orders".into(),
///             "".into(),
///             BasicConsumeOptions::default(),
///             FieldTable::default(),
///         )
///         .await?;
///     Ok::<_, Box<dyn std::error::Error + Send + Sync>>((channel, consumer))
/// };
/// let (mut channel, mut consumer) = open(Arc::clone(resume.connection())).await?;
/// loop {
///     while let Some(Ok(delivery)) = consumer.next().await {
///         println!("{}", String::from_utf8_lossy(&delivery.data));
///         channel
///             .basic_ack(delivery.delivery_tag, BasicAckOptions::default())
///             .await?;
///     }
///     // The channel or the connection was lost: open again once the broker is back.
///     match resume.resume("orders", &mut open).await {
///         Some(opened) => (channel, consumer) = opened,
///         // The connection was closed for good.
///         None => return Ok(()),
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Resume {
    connection: Arc<AmqpConnection>,
    backoff: Backoff,
    /// The connection the consumer is open on now.
    live: Arc<LiveConnection>,
    stop: CancellationToken,
}

impl Resume {
    /// Follows `connection` from its current connection (waiting while it is being
    /// re-established), pausing per `backoff` between failed attempts to resume. An error
    /// once the connection is closed.
    pub async fn start(
        connection: Arc<AmqpConnection>,
        backoff: Backoff,
    ) -> Result<Self, AmqpError> {
        let live = connection.live().await?;
        Ok(Resume {
            connection,
            backoff,
            live,
            stop: CancellationToken::new(),
        })
    }

    /// Gives up resuming once `stop` is cancelled (the entrypoint stopped or was killed):
    /// [`resume`](Self::resume) then returns `None`.
    pub fn stop_on(mut self, stop: CancellationToken) -> Self {
        self.stop = stop;
        self
    }

    /// The connection followed now: the one to open the consumer on.
    pub fn connection(&self) -> &Arc<LiveConnection> {
        &self.live
    }

    /// After the consumer opened on [`connection`](Self::connection) was lost: waits for
    /// the broker, then calls `open` with the connection to open the consumer on, again
    /// (after a pause per the [`Backoff`]) for as long as it fails, each failure logged
    /// with `queue`. The connection it succeeded on is followed from then on.
    ///
    /// `None` when the connection was closed for good or the [`stop_on`](Self::stop_on)
    /// token was cancelled.
    pub async fn resume<T, E, F, Fut>(&mut self, queue: &str, mut open: F) -> Option<T>
    where
        F: FnMut(Arc<LiveConnection>) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: Display,
    {
        let mut attempt = 0u32;
        loop {
            let wait = async {
                // A lost connection: wait for the next one. A lost channel on a live
                // connection (the queue was deleted): open another after a pause.
                if self.live.is_connected() {
                    tokio::time::sleep(self.backoff.delay(attempt)).await;
                    self.connection.live().await
                } else {
                    self.connection.live_after(self.live.generation()).await
                }
            };
            let next = tokio::select! {
                _ = self.stop.cancelled() => return None,
                next = wait => next,
            };
            // Closed for good: the container or the client is stopping.
            let next = next.ok()?;
            if self.stop.is_cancelled() {
                return None;
            }
            let opened = open(Arc::clone(&next)).await;
            // A failure on a connection that stays up waits the back-off before the next
            // attempt; one that lost the connection waits for the next connection.
            self.live = next;
            match opened {
                Ok(opened) => return Some(opened),
                Err(e) => {
                    tracing::warn!(
                        target: "nameko_amqp::consumer",
                        %queue, error = %e, attempt = attempt + 1,
                        "cannot resume the consumer; retrying"
                    );
                    attempt = attempt.saturating_add(1);
                }
            }
        }
    }
}
