//! [`AmqpLease`]: nameko-core's cluster-wide [`Lease`] on the broker, the lease of
//! `#[timer(interval = 1, singleton)]`.
//!
//! The lease `name` is a queue, [`wire::lease_queue`]`(name)`
//! (`timer-singleton.<service>.<method>`), declared with RabbitMQ's *single active
//! consumer* ([`wire::lease_queue_arguments`]) and holding a token: a message nobody
//! acknowledges. Every process that wants the lease consumes the queue (prefetch 1) on a
//! channel of its own, after publishing a token (the queue keeps at most one ready, so
//! tokens never pile up). The broker delivers to one consumer only, the active one: the
//! process that received the token holds the lease. When its channel or its connection
//! closes (a graceful release, the process stopped or was killed, the network lost: once
//! the broker deems the connection dead, per `HEARTBEAT`), the broker puts the token back
//! and makes the next consumer active, which receives it at once. No polling, and no
//! refused declaration per attempt.
//!
//! The holder watches its consumer: when it ends (the connection or the channel lost, the
//! queue deleted by an operator) or the connection is down, the lease is lost.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::{BasicProperties, Channel, Consumer};
use nameko_core::lease::{Lease, LeaseGuard, LeaseName};
use nameko_core::{BoxError, ContainerHandle, async_trait};

use crate::connection::{AmqpConnection, LiveConnection, close_channel};
use crate::error::AmqpError;
use crate::wire;

/// How often a lease, held or waited for, checks its connection besides watching its
/// consumer.
const CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// nameko-core's [`Lease`] on the broker: a single-active-consumer queue per lease (see
/// the [module docs](self)). What `#[timer(interval = 1, singleton)]` uses; by hand,
/// give it to nameko-timer's `Timer::singleton`:
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

/// Closes a channel when dropped, unless defused: a lease waited for and given up.
struct CloseOnDrop(Option<Channel>);

impl CloseOnDrop {
    fn defuse(mut self) {
        self.0 = None;
    }
}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        if let Some(channel) = self.0.take() {
            spawn_close(channel, "lease given up");
        }
    }
}

/// Closes `channel` in the background (from a `Drop`), if it is open and a runtime runs.
fn spawn_close(channel: Channel, reason: &'static str) {
    if !channel.status().connected() {
        return;
    }
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move { close_channel(&channel, reason).await });
    }
}

#[async_trait]
impl Lease for AmqpLease {
    /// Declares the lease queue, publishes a token, consumes the queue on a channel of its
    /// own and waits for the token. While the broker cannot be reached, waits for the
    /// connection (the shared connection retries, unless `AMQP_CONNECT_FAIL_FAST`, then
    /// this is an error); a connection lost while waiting is an error.
    async fn acquire(
        &self,
        container: &ContainerHandle,
        name: &LeaseName,
    ) -> Result<Box<dyn LeaseGuard>, BoxError> {
        let connection = AmqpConnection::shared(container).await?;
        let live = connection.live().await?;
        let queue = wire::lease_queue(name);
        let channel = live.create_channel().await?;
        // From here on, giving up (an error, the future dropped) closes the channel, which
        // puts back a token received and leaves the line.
        let pending = CloseOnDrop(Some(channel.clone()));
        let op = |what: &str| AmqpError::op(format!("{what} {queue}"));
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions::default(),
                wire::lease_queue_arguments(),
            )
            .await
            .map_err(op("queue.declare"))?;
        channel
            .basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions::default(),
                b"",
                BasicProperties::default(),
            )
            .await
            .map_err(op("basic.publish to"))?;
        let mut consumer = crate::consumer::consume_with_prefetch(&channel, &queue, 1).await?;
        tracing::debug!(target: "nameko_amqp::lease", %queue, "waiting for the lease");
        let mut check = tokio::time::interval(CHECK_INTERVAL);
        loop {
            tokio::select! {
                next = consumer.next() => match next {
                    // The token: this consumer is the active one.
                    Some(Ok(_token)) => break,
                    Some(Err(e)) => return Err(op("consuming")(e).into()),
                    None => {
                        return Err(format!(
                            "the broker cancelled the consumer of the lease queue {queue} (the queue was deleted)"
                        )
                        .into());
                    }
                },
                _ = check.tick() => {
                    if !live.is_connected() || !channel.status().connected() {
                        return Err(format!(
                            "the connection to the broker was lost while waiting for the lease {queue}"
                        )
                        .into());
                    }
                }
            }
        }
        pending.defuse();
        tracing::debug!(target: "nameko_amqp::lease", %queue, generation = live.generation(), "lease taken");
        Ok(Box::new(AmqpLeaseGuard {
            channel,
            consumer,
            live,
            queue,
            released: false,
        }))
    }
}

/// A lease held: the channel whose consumer received the token, and that consumer.
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
                    // Prefetch 1 with the token unacknowledged: nothing else comes.
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

    /// Closes the channel: the broker puts the token back and hands it to the next
    /// consumer in line.
    async fn release(mut self: Box<Self>) {
        self.released = true;
        close_channel(&self.channel, "lease released").await;
        tracing::debug!(target: "nameko_amqp::lease", queue = %self.queue, "lease released");
    }
}

impl Drop for AmqpLeaseGuard {
    /// A guard dropped without `release`: closes its channel in the background.
    fn drop(&mut self) {
        if !self.released {
            spawn_close(self.channel.clone(), "lease dropped");
        }
    }
}
