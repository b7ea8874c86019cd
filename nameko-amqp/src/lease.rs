//! [`AmqpLease`]: nameko-core's cluster-wide [`Lease`] on the broker, the lease of
//! `#[timer(interval = 1, singleton)]`.
//!
//! The lease `name` is an *exclusive* queue, [`wire::lease_queue`]`(name)`
//! (`timer-singleton.<service>.<method>`), declared on the runner's shared connection: the
//! broker lets one connection at a time hold an exclusive queue, refuses the others with
//! `RESOURCE_LOCKED` (405, which closes the channel: each attempt opens a channel of its
//! own), and deletes the queue when the connection that holds it closes, whether the
//! process stopped, was killed or lost the network (once the broker deems the connection
//! dead, per `HEARTBEAT`). The holder consumes its queue (nothing is ever published to
//! it), so that the end of the consumer (the connection or the channel lost, the queue
//! deleted by an operator) is the end of the lease.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
use lapin::types::FieldTable;
use lapin::{Channel, Consumer, ErrorKind};
use nameko_core::lease::{Lease, LeaseGuard, LeaseName};
use nameko_core::{BoxError, ContainerHandle, async_trait};

use crate::connection::{AmqpConnection, CLOSE_TIMEOUT, LiveConnection, close_channel};
use crate::error::AmqpError;
use crate::wire;

/// How often a held lease checks its connection besides watching its consumer.
const CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// nameko-core's [`Lease`] on the broker: an exclusive queue per lease (see the
/// [module docs](self)). What `#[timer(interval = 1, singleton)]` uses; by hand, give
/// it to nameko-timer's `Timer::singleton`:
///
/// ```
/// use std::sync::Arc;
///
/// use nameko_amqp::AmqpLease;
/// use nameko_core::lease::Lease;
///
/// let lease: Arc<dyn Lease> = Arc::new(AmqpLease::new());
/// // Timer::new("report", Duration::from_secs(60), tick).singleton(lease)
/// # drop(lease);
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct AmqpLease;

impl AmqpLease {
    /// The lease on the runner's shared connection ([`AmqpConnection::shared`]).
    pub fn new() -> Self {
        AmqpLease
    }
}

/// Whether `error` is the broker's `RESOURCE_LOCKED`: another connection holds the
/// exclusive queue.
fn is_resource_locked(error: &lapin::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::ProtocolError(e)
            if matches!(e.kind(), AMQPErrorKind::Soft(AMQPSoftError::RESOURCELOCKED))
    )
}

#[async_trait]
impl Lease for AmqpLease {
    /// Declares the lease's exclusive queue on a channel of its own and consumes it;
    /// `Ok(None)` when the broker answers `RESOURCE_LOCKED`. While the broker cannot be
    /// reached, waits for the connection (the shared connection retries, unless
    /// `AMQP_CONNECT_FAIL_FAST`, then this is an error).
    async fn try_acquire(
        &self,
        container: &ContainerHandle,
        name: &LeaseName,
    ) -> Result<Option<Box<dyn LeaseGuard>>, BoxError> {
        let connection = AmqpConnection::shared(container).await?;
        let live = connection.live().await?;
        let queue = wire::lease_queue(name);
        let channel = live.create_channel().await?;
        let options = QueueDeclareOptions {
            exclusive: true,
            // Deleted with its consumer too: a closed channel gives the lease up even
            // when the connection stays.
            auto_delete: true,
            durable: false,
            ..QueueDeclareOptions::default()
        };
        match channel
            .queue_declare(queue.as_str().into(), options, FieldTable::default())
            .await
        {
            Ok(_) => {}
            // The channel is closed by the broker.
            Err(e) if is_resource_locked(&e) => return Ok(None),
            Err(e) => {
                close_channel(&channel, "lease not taken").await;
                return Err(AmqpError::op(format!("queue.declare {queue}"))(e).into());
            }
        }
        let consumer = match channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    exclusive: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
        {
            Ok(consumer) => consumer,
            Err(e) => {
                release(&channel, &queue).await;
                return Err(AmqpError::op(format!("basic.consume {queue}"))(e).into());
            }
        };
        tracing::debug!(target: "nameko_amqp::lease", %queue, generation = live.generation(), "lease taken");
        Ok(Some(Box::new(AmqpLeaseGuard {
            channel,
            consumer,
            live,
            queue,
            released: false,
        })))
    }
}

/// Deletes the lease's queue and closes its channel, each within [`CLOSE_TIMEOUT`].
async fn release(channel: &Channel, queue: &str) {
    if channel.status().connected() {
        let deleted = tokio::time::timeout(
            CLOSE_TIMEOUT,
            channel.queue_delete(queue.into(), QueueDeleteOptions::default()),
        )
        .await;
        if let Ok(Err(e)) = deleted {
            tracing::debug!(target: "nameko_amqp::lease", %queue, error = %e, "cannot delete the lease queue");
        }
    }
    close_channel(channel, "lease released").await;
}

/// A lease held: the channel that declared its exclusive queue, and the consumer of it.
struct AmqpLeaseGuard {
    channel: Channel,
    consumer: Consumer,
    live: Arc<LiveConnection>,
    queue: String,
    released: bool,
}

#[async_trait]
impl LeaseGuard for AmqpLeaseGuard {
    /// Completes when the consumer of the lease queue ends (the broker cancelled it, the
    /// channel or the connection was lost) or the connection is no longer up.
    async fn lost(&mut self) -> String {
        let mut check = tokio::time::interval(CHECK_INTERVAL);
        loop {
            tokio::select! {
                next = self.consumer.next() => match next {
                    // Nothing is published to a lease queue; whatever is, is dropped.
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return format!("the lease queue's consumer failed: {e}"),
                    None => return "the broker cancelled the lease queue's consumer (the queue was deleted)".to_owned(),
                },
                _ = check.tick() => {
                    if !self.live.is_connected() {
                        return "the connection to the broker was lost".to_owned();
                    }
                    if !self.channel.status().connected() {
                        return "the lease queue's channel was closed".to_owned();
                    }
                }
            }
        }
    }

    async fn release(mut self: Box<Self>) {
        self.released = true;
        release(&self.channel, &self.queue).await;
        tracing::debug!(target: "nameko_amqp::lease", queue = %self.queue, "lease released");
    }
}

impl Drop for AmqpLeaseGuard {
    /// A guard dropped without `release`: closes its channel in the background, which
    /// cancels the consumer, which deletes the (auto-delete) queue.
    fn drop(&mut self) {
        if self.released || !self.channel.status().connected() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let channel = self.channel.clone();
            runtime.spawn(async move { close_channel(&channel, "lease dropped").await });
        }
    }
}
