//! Settling a delivery once its worker is done: [`settle`] an [`Outcome`] per a
//! [`SettlePolicy`] (acknowledge, requeue with back-off, or reject), the one place the
//! event handler, `consume` and RPC entrypoints decide what becomes of a message; and the
//! AMQP primitives under it ([`ack`], [`requeue`], [`reject`]).

use std::time::Duration;

use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicRejectOptions};
use nameko_core::{AsMethodError, Outcome};

/// How long a failed message that is requeued again (it was redelivered) is held first,
/// so that a message failing every time does not spin.
pub(crate) const REDELIVERY_BACKOFF: Duration = Duration::from_millis(500);

/// What becomes of a message whose worker failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SettlePolicy {
    /// Whether the message goes back to the queue (to be delivered again) instead of being
    /// acknowledged.
    pub(crate) requeue_on_error: bool,
    /// How long a redelivered message that failed again is held before it is requeued.
    pub(crate) redelivery_backoff: Duration,
}

impl SettlePolicy {
    /// Requeue on error or not, with the [`REDELIVERY_BACKOFF`].
    pub(crate) fn requeue_on_error(requeue_on_error: bool) -> Self {
        SettlePolicy {
            requeue_on_error,
            redelivery_backoff: REDELIVERY_BACKOFF,
        }
    }
}

impl Default for SettlePolicy {
    /// No requeue on error (Nameko's default).
    fn default() -> Self {
        Self::requeue_on_error(false)
    }
}

/// Where a delivery came from, for the logs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin<'a> {
    /// The queue consumed.
    pub(crate) queue: &'a str,
    /// The entrypoint's method.
    pub(crate) entrypoint: &'a str,
}

/// Settles `delivery`, received on `channel`, once its worker ended with `outcome`:
///
/// | outcome | the message |
/// |---|---|
/// | success | acknowledged |
/// | failed, the caller's fault (a payload that does not fit) | rejected without requeue: no retry could succeed |
/// | failed, `requeue_on_error` | requeued (after the back-off when it was redelivered already) |
/// | failed | acknowledged; the failure was logged by the container |
/// | rejected (the container was stopping) | requeued |
/// | killed | left alone: its channel is closing and the broker redelivers it |
pub(crate) async fn settle<T, E: AsMethodError>(
    channel: &Channel,
    delivery: &Delivery,
    outcome: Outcome<T, E>,
    policy: &SettlePolicy,
    origin: &Origin<'_>,
) {
    let failure = match outcome {
        Outcome::Success(_) => return ack(channel, delivery).await,
        Outcome::Failed(failure) => failure,
        Outcome::Rejected => return requeue(delivery).await,
        Outcome::Killed => return,
    };
    // The container logged the failure; what happens to the message is said here.
    let error = failure.remote_error();
    if failure.is_caller_error() {
        reject_malformed(delivery, &error.value, origin).await;
    } else if policy.requeue_on_error {
        tracing::warn!(
            target: "nameko_amqp::consumer",
            queue = %origin.queue, entrypoint = %origin.entrypoint, %error,
            "worker failed; requeueing the message"
        );
        if delivery.redelivered {
            tokio::time::sleep(policy.redelivery_backoff).await;
        }
        requeue(delivery).await;
    } else {
        tracing::warn!(
            target: "nameko_amqp::consumer",
            queue = %origin.queue, entrypoint = %origin.entrypoint, %error,
            "worker failed; the message is acknowledged (requeue_on_error = false)"
        );
        ack(channel, delivery).await;
    }
}

/// Rejects, without requeue, a message the entrypoint cannot take (`why`), whatever the
/// policy says: no retry could succeed.
pub(crate) async fn reject_malformed(delivery: &Delivery, why: &str, origin: &Origin<'_>) {
    tracing::error!(
        target: "nameko_amqp::consumer",
        queue = %origin.queue, entrypoint = %origin.entrypoint,
        delivery_tag = delivery.delivery_tag,
        "rejecting a message the entrypoint cannot take: {why}"
    );
    reject(delivery).await;
}

/// Acknowledges a delivery received on `channel`.
///
/// Straight on the channel: the delivery's `Acker` goes through lapin's internal RPC task
/// (a task hop and a spawned future per ack), which costs about 5 µs of CPU per message
/// and a quarter of a backlog's drain rate.
pub(crate) async fn ack(channel: &Channel, delivery: &Delivery) {
    if let Err(e) = channel
        .basic_ack(delivery.delivery_tag, BasicAckOptions::default())
        .await
    {
        tracing::warn!(target: "nameko_amqp::consumer", error = %e, "ack failed");
    }
}

/// Hands a delivery back to the queue.
pub(crate) async fn requeue(delivery: &Delivery) {
    let options = BasicNackOptions {
        requeue: true,
        multiple: false,
    };
    if let Err(e) = delivery.acker.nack(options).await {
        tracing::debug!(target: "nameko_amqp::consumer", error = %e, "nack failed");
    }
}

/// Rejects a delivery for good (a dead-letter exchange, if any, gets it).
pub(crate) async fn reject(delivery: &Delivery) {
    if let Err(e) = delivery
        .acker
        .reject(BasicRejectOptions { requeue: false })
        .await
    {
        tracing::warn!(target: "nameko_amqp::consumer", error = %e, "reject failed");
    }
}
