//! The queue consumer shared by the RPC and event entrypoints: prefetch from the config,
//! one container task per delivery (the consume loop never waits for a worker, a reply or
//! an ack), a graceful cancel, a kill that hands unacknowledged messages back, and a
//! resume after a lost channel or connection (declare, prefetch, consume again).

use std::future::Future;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{FieldTable, ShortString};
use nameko_core::BoxFuture;
use nameko_core::ContainerHandle;
use tokio_util::sync::CancellationToken;

use crate::connection::{AmqpConnection, CLOSE_TIMEOUT, LiveConnection, close_channel};
use crate::error::AmqpError;
use crate::resume::Resume;
use nameko_core::sync::lock;

/// Declares what a consumer needs on a fresh channel (exchange, queue, binding) and
/// returns the queue's name. Called again on every new channel after a reconnection.
pub(crate) type Setup =
    Arc<dyn Fn(Channel) -> BoxFuture<Result<String, AmqpError>> + Send + Sync + 'static>;

/// A running consumer of one queue, which follows the connection across reconnections.
pub(crate) struct QueueConsumer {
    /// The channel and consumer tag consuming now.
    current: Arc<Mutex<Option<(Channel, ShortString)>>>,
    /// Cancelled before we cancel the consumer or close its channel: the consume loop
    /// ending is then expected, not a lost connection.
    stopped: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

/// The consumer of a running entrypoint: none until it starts consuming, cancelled at
/// stop (work in flight goes on), killed at kill (the channel closes: unacknowledged
/// messages go back to the queue), aborted when the entrypoint is dropped.
#[derive(Default)]
pub(crate) struct ConsumerSlot(tokio::sync::Mutex<Option<QueueConsumer>>);

impl ConsumerSlot {
    /// The slot, locked: a start checks it is empty and fills it.
    pub(crate) async fn lock(&self) -> tokio::sync::MutexGuard<'_, Option<QueueConsumer>> {
        self.0.lock().await
    }

    /// Stops consuming (`basic.cancel`); messages in flight are still settled.
    pub(crate) async fn cancel(&self) {
        if let Some(consumer) = self.0.lock().await.as_ref() {
            consumer.cancel().await;
        }
    }

    /// Closes the consumer's channel.
    pub(crate) async fn kill(&self) {
        if let Some(consumer) = self.0.lock().await.take() {
            consumer.kill().await;
        }
    }
}

impl Drop for ConsumerSlot {
    fn drop(&mut self) {
        if let Ok(running) = self.0.try_lock()
            && let Some(consumer) = running.as_ref()
        {
            consumer.abort();
        }
    }
}

/// Opens a channel on `live`, declares, sets the prefetch, and consumes.
async fn open(
    live: &LiveConnection,
    setup: &Setup,
    prefetch: u16,
) -> Result<(Channel, lapin::Consumer, String), AmqpError> {
    let channel = live.create_channel().await?;
    let queue = match setup(channel.clone()).await {
        Ok(queue) => queue,
        Err(e) => {
            close_channel(&channel, "setup failed").await;
            return Err(e);
        }
    };
    let consumer = consume_with_prefetch(&channel, &queue, prefetch).await?;
    Ok((channel, consumer, queue))
}

/// Sets the prefetch of `channel` and consumes `queue` on it, acknowledging by hand: how
/// every consumer of nameko-amqp starts (entrypoints here, the singleton lease too).
pub(crate) async fn consume_with_prefetch(
    channel: &Channel,
    queue: &str,
    prefetch: u16,
) -> Result<lapin::Consumer, AmqpError> {
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .map_err(AmqpError::op(format!("basic.qos for {queue}")))?;
    channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(AmqpError::op(format!("basic.consume {queue}")))
}

impl QueueConsumer {
    /// Declares with `setup` on a channel of its own, sets the prefetch to the container's
    /// `PREFETCH_COUNT` and consumes, running `handle` in a tracked container task for each
    /// delivery (with the channel it came on, to acknowledge it there).
    ///
    /// When the channel or the connection is lost, deliveries not yet acknowledged go back
    /// to the broker (their acks on the dead channel fail harmlessly); the consumer waits
    /// for the connection to come back, then declares, sets the prefetch and consumes again
    /// ([`Resume`]).
    pub(crate) async fn start<H, Fut>(
        connection: Arc<AmqpConnection>,
        container: &ContainerHandle,
        setup: Setup,
        handle: H,
    ) -> Result<Self, AmqpError>
    where
        H: Fn(Channel, Delivery) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let settings = connection.settings();
        let prefetch =
            u16::try_from(settings.prefetch_count(container.max_workers())).unwrap_or(u16::MAX);
        let backoff = settings.backoff();
        let stopped = CancellationToken::new();
        let resume = Resume::start(connection, backoff)
            .await?
            .stop_on(stopped.clone());
        let (channel, consumer, queue) = open(resume.connection(), &setup, prefetch).await?;
        let current = Arc::new(Mutex::new(Some((channel.clone(), consumer.tag()))));
        let consume = ConsumeLoop {
            container: container.clone(),
            setup,
            prefetch,
            resume,
            current: Arc::clone(&current),
            stopped: stopped.clone(),
        };
        let task = tokio::spawn(consume.run(channel, consumer, queue, handle));
        Ok(QueueConsumer {
            current,
            stopped,
            task,
        })
    }

    /// Stops consuming (`basic.cancel`, once); deliveries in flight go on.
    pub(crate) async fn cancel(&self) {
        // Callers hold the consumer's slot: no other cancel runs meanwhile.
        if self.stopped.is_cancelled() {
            return;
        }
        self.stopped.cancel();
        let current = lock(&self.current).clone();
        let Some((channel, tag)) = current else {
            return;
        };
        if !channel.status().connected() {
            return;
        }
        let cancel = channel.basic_cancel(tag, BasicCancelOptions::default());
        if let Ok(Err(e)) = tokio::time::timeout(CLOSE_TIMEOUT, cancel).await {
            tracing::debug!(target: "nameko_amqp::consumer", error = %e, "basic.cancel failed");
        }
    }

    /// Closes the channel: every unacknowledged delivery goes back to the queue.
    pub(crate) async fn kill(self) {
        self.stopped.cancel();
        self.task.abort();
        let current = lock(&self.current).take();
        if let Some((channel, _)) = current {
            close_channel(&channel, "killed").await;
        }
    }

    /// Stops the consume loop without a broker round trip (used on drop).
    pub(crate) fn abort(&self) {
        self.stopped.cancel();
        self.task.abort();
    }
}

/// The task of a [`QueueConsumer`]: hands each delivery to a container task, and when the
/// consumer is lost, resumes it on the connection that comes back.
struct ConsumeLoop {
    container: ContainerHandle,
    setup: Setup,
    prefetch: u16,
    resume: Resume,
    current: Arc<Mutex<Option<(Channel, ShortString)>>>,
    /// Cancelled before we cancel the consumer or close its channel: the consume loop
    /// ending is then expected, not a lost connection.
    stopped: CancellationToken,
}

impl ConsumeLoop {
    async fn run<H, Fut>(
        mut self,
        mut channel: Channel,
        mut consumer: lapin::Consumer,
        mut queue: String,
        handle: H,
    ) where
        H: Fn(Channel, Delivery) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let in_flight = crate::metrics::InFlight::new(self.container.service_name(), &queue);
        loop {
            let mut failure = None;
            while let Some(delivery) = consumer.next().await {
                match delivery {
                    Ok(delivery) => {
                        // In flight until its work has settled it.
                        let guard = in_flight.enter();
                        let work = handle(channel.clone(), delivery);
                        self.container.spawn(async move {
                            let _in_flight = guard;
                            work.await;
                        });
                    }
                    Err(e) => {
                        failure = Some(e.to_string());
                        break;
                    }
                }
            }
            if self.stopped.is_cancelled() {
                tracing::debug!(target: "nameko_amqp::consumer", %queue, "consumer stopped");
                return;
            }
            let why = failure.unwrap_or_else(|| "the broker cancelled the consumer".to_owned());
            tracing::warn!(
                target: "nameko_amqp::consumer",
                %queue, reason = %why,
                "consumer lost; resuming when the broker is back"
            );
            close_channel(&channel, "resuming").await;
            let (setup, prefetch) = (&self.setup, self.prefetch);
            let reopen =
                |live: Arc<LiveConnection>| async move { open(&live, setup, prefetch).await };
            // Closed for good, or stopped: the container is stopping.
            let Some((new_channel, new_consumer, new_queue)) =
                self.resume.resume(&queue, reopen).await
            else {
                return;
            };
            *lock(&self.current) = Some((new_channel.clone(), new_consumer.tag()));
            if self.stopped.is_cancelled() {
                close_channel(&new_channel, "cancelled").await;
                return;
            }
            tracing::info!(target: "nameko_amqp::consumer", queue = %new_queue, "consumer resumed");
            channel = new_channel;
            consumer = new_consumer;
            queue = new_queue;
        }
    }
}

/// Declares `queue` with `options` and `args`, and binds it to `exchange` with
/// `routing_key`.
pub(crate) async fn declare_bound_queue(
    channel: &Channel,
    queue: &str,
    options: QueueDeclareOptions,
    args: FieldTable,
    exchange: &str,
    routing_key: &str,
) -> Result<(), AmqpError> {
    channel
        .queue_declare(queue.into(), options, args)
        .await
        .map_err(AmqpError::op(format!("queue.declare {queue}")))?;
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            routing_key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(AmqpError::op(format!("queue.bind {queue}")))
}
