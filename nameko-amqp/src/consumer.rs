//! The queue consumer shared by the RPC and event entrypoints: prefetch from the config,
//! one container task per delivery (the consume loop never waits for a worker, a reply or
//! an ack), a graceful cancel, a kill that hands unacknowledged messages back, and a fatal
//! report when the consumer stops on its own.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    BasicRejectOptions,
};
use lapin::types::{FieldTable, ShortString};
use nameko_core::ContainerHandle;

use crate::connection::{CLOSE_TIMEOUT, close_channel};
use crate::error::AmqpError;

/// A running consumer of one queue.
pub(crate) struct QueueConsumer {
    channel: Channel,
    tag: ShortString,
    /// Set before we cancel the consumer or close its channel: the consume loop ending is
    /// then expected, not a lost connection.
    cancelled: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl QueueConsumer {
    /// Sets the channel's prefetch to the container's `PREFETCH_COUNT` and consumes
    /// `queue`, running `handle` in a tracked container task for each delivery.
    pub(crate) async fn start<H, Fut>(
        channel: Channel,
        queue: String,
        container: &ContainerHandle,
        handle: H,
    ) -> Result<Self, AmqpError>
    where
        H: Fn(Delivery) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let prefetch = u16::try_from(container.config().prefetch_count()).unwrap_or(u16::MAX);
        channel
            .basic_qos(prefetch, BasicQosOptions::default())
            .await
            .map_err(AmqpError::op("basic.qos"))?;
        let mut consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(AmqpError::op(format!("basic.consume {queue}")))?;
        let tag = consumer.tag();
        let cancelled = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&cancelled);
        let container = container.clone();
        let task = tokio::spawn(async move {
            let mut failure = None;
            while let Some(delivery) = consumer.next().await {
                match delivery {
                    Ok(delivery) => container.spawn(handle(delivery)),
                    Err(e) => {
                        failure = Some(e.to_string());
                        break;
                    }
                }
            }
            if stopped.load(Ordering::SeqCst) {
                tracing::debug!(target: "nameko_amqp::consumer", %queue, "consumer stopped");
            } else {
                let why = failure.unwrap_or_else(|| "the channel was closed".to_owned());
                container.report_fatal(format_args!(
                    "connection to the broker lost: consumer of `{queue}` stopped: {why}"
                ));
            }
        });
        Ok(QueueConsumer {
            channel,
            tag,
            cancelled,
            task,
        })
    }

    /// Stops consuming (`basic.cancel`, once); deliveries in flight go on.
    pub(crate) async fn cancel(&self) {
        if self.cancelled.swap(true, Ordering::SeqCst) || !self.channel.status().connected() {
            return;
        }
        let cancel = self
            .channel
            .basic_cancel(self.tag.clone(), BasicCancelOptions::default());
        if let Ok(Err(e)) = tokio::time::timeout(CLOSE_TIMEOUT, cancel).await {
            tracing::debug!(target: "nameko_amqp::consumer", error = %e, "basic.cancel failed");
        }
    }

    /// Closes the channel: every unacknowledged delivery goes back to the queue.
    pub(crate) async fn kill(self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.task.abort();
        close_channel(&self.channel, "killed").await;
    }

    /// Stops the consume loop without a broker round trip (used on drop).
    pub(crate) fn abort(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.task.abort();
    }
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
