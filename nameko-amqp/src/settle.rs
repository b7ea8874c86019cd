//! Settling a delivery once its worker is done: [`settle`] an [`Outcome`] per a
//! [`SettlePolicy`] (acknowledge, requeue with back-off, reject, or per the entrypoint's
//! [`FailurePolicy`]: retry later through a delay queue, or dead-letter), the one place the
//! event handler, `consume` and RPC entrypoints decide what becomes of a message; and the
//! AMQP primitives under it ([`ack`], [`requeue`], [`reject`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicRejectOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel};
use nameko_core::{AsMethodError, Outcome, RemoteError};

use crate::connection::AmqpConnection;
use crate::error::AmqpError;
use crate::failure::{Decision, FailurePolicy, OnMalformed, RetryLater};
use crate::wire;

/// How long a failed message that is requeued again (it was redelivered) is held first,
/// so that a message failing every time does not spin.
pub(crate) const REDELIVERY_BACKOFF: Duration = Duration::from_millis(500);

/// What becomes of a message whose worker failed.
#[derive(Debug, Clone)]
pub(crate) struct SettlePolicy {
    /// Whether the message goes back to the queue (to be delivered again) instead of being
    /// acknowledged.
    pub(crate) requeue_on_error: bool,
    /// How long a redelivered message that failed again is held before it is requeued.
    pub(crate) redelivery_backoff: Duration,
    /// The entrypoint's failure policy and where it sends messages, when it has one
    /// (event handlers and `consume`; not RPC).
    pub(crate) failures: Option<Arc<FailureRoute>>,
}

impl SettlePolicy {
    /// Requeue on error or not, with the [`REDELIVERY_BACKOFF`].
    pub(crate) fn requeue_on_error(requeue_on_error: bool) -> Self {
        SettlePolicy {
            requeue_on_error,
            redelivery_backoff: REDELIVERY_BACKOFF,
            failures: None,
        }
    }

    /// With the failure policy of `route`.
    pub(crate) fn with_failures(mut self, route: Arc<FailureRoute>) -> Self {
        self.failures = Some(route);
        self
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
        return malformed(channel, delivery, error, policy, origin).await;
    }
    if let Some(route) = &policy.failures {
        let retry_later = RetryLater::find(failure.source_error()).map(RetryLater::delay);
        match route.policy.decide(failed_attempts(delivery), retry_later) {
            Decision::Default => {}
            Decision::Retry { delay, attempt } => {
                return route.retry(channel, delivery, error, delay, attempt).await;
            }
            Decision::DeadLetter { attempts } => {
                return route.dead_letter(channel, delivery, error, attempts).await;
            }
        }
    }
    if policy.requeue_on_error {
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

/// Settles a message the entrypoint cannot take (`error` says why): never retried, since
/// no retry could succeed; dead-lettered when the failure policy says so
/// ([`OnMalformed::DeadLetter`]), else rejected without requeue.
pub(crate) async fn malformed(
    channel: &Channel,
    delivery: &Delivery,
    error: &RemoteError,
    policy: &SettlePolicy,
    origin: &Origin<'_>,
) {
    match &policy.failures {
        Some(route) if route.policy.on_malformed == OnMalformed::DeadLetter => {
            tracing::error!(
                target: "nameko_amqp::consumer",
                queue = %origin.queue, entrypoint = %origin.entrypoint,
                delivery_tag = delivery.delivery_tag,
                "a message the entrypoint cannot take goes to the dead-letter queue: {}", error.value
            );
            let attempts = failed_attempts(delivery).saturating_add(1);
            route.dead_letter(channel, delivery, error, attempts).await;
        }
        _ => reject_malformed(delivery, &error.value, origin).await,
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
///
/// Not waited for: lapin queues the frame when the future is first polled (in order with
/// the channel's other frames), and waiting for its I/O thread to write it would cost the
/// message's task one more wake-up. A channel that is down already fails that first poll
/// (logged). An ack that its channel takes down with it is lost whether or not it was
/// waited for, and the broker redelivers the message (at least once, as Nameko).
pub(crate) async fn ack(channel: &Channel, delivery: &Delivery) {
    if let Some(Err(e)) = channel
        .basic_ack(delivery.delivery_tag, BasicAckOptions::default())
        .now_or_never()
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

/// Sends `delivery` to the dead-letter queue, without running its worker, when it was
/// delivered more often than the failure policy's delivery limit; whether it did.
pub(crate) async fn past_delivery_limit(
    channel: &Channel,
    delivery: &Delivery,
    policy: &SettlePolicy,
    origin: &Origin<'_>,
) -> bool {
    let Some(route) = &policy.failures else {
        return false;
    };
    let Some(limit) = route.policy.delivery_limit else {
        return false;
    };
    let deliveries = deliveries(delivery);
    if deliveries <= limit {
        return false;
    }
    let error = RemoteError::new(
        "DeliveryLimitExceeded",
        format!("delivered {deliveries} times, over the delivery limit of {limit}"),
    )
    .with_path("nameko_amqp.failure.DeliveryLimitExceeded");
    tracing::error!(
        target: "nameko_amqp::consumer",
        queue = %origin.queue, entrypoint = %origin.entrypoint, deliveries, limit,
        "a message over its delivery limit goes to the dead-letter queue without running"
    );
    route
        .dead_letter(channel, delivery, &error, failed_attempts(delivery))
        .await;
    true
}

/// How many times `delivery` has been delivered, this time included: its failed attempts
/// (each retry is a new message) plus its redeliveries (RabbitMQ's `x-delivery-count` on a
/// quorum queue; one when a classic queue says it was redelivered).
pub(crate) fn deliveries(delivery: &Delivery) -> u32 {
    let headers = delivery.properties.headers().as_ref();
    let redeliveries = match headers.and_then(|h| h.inner().get("x-delivery-count")) {
        Some(value) => integer(value).map_or(0, |n| u32::try_from(n.max(0)).unwrap_or(u32::MAX)),
        None => u32::from(delivery.redelivered),
    };
    failed_attempts(delivery)
        .saturating_add(redeliveries)
        .saturating_add(1)
}

fn integer(value: &AMQPValue) -> Option<i64> {
    wire::amqp_to_json(value).as_i64()
}

/// The failed attempts a message has had so far: its `x-nameko-attempts` header, 0 when
/// it has none (a first delivery, or a message from Python Nameko).
pub(crate) fn failed_attempts(delivery: &Delivery) -> u32 {
    let n = delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(wire::ATTEMPTS_HEADER))
        .and_then(integer)
        .unwrap_or(0);
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Where the failed messages of one entrypoint go, per its [`FailurePolicy`]: the delay
/// queues of its retries and its dead-letter queue.
#[derive(Debug)]
pub(crate) struct FailureRoute {
    pub(crate) connection: Arc<AmqpConnection>,
    pub(crate) policy: FailurePolicy,
    /// The service and the method, for the headers and the metrics.
    pub(crate) service: String,
    pub(crate) method: String,
    /// The queue the entrypoint consumes: where retries come back to.
    pub(crate) queue: String,
}

/// Longest `x-nameko-exc-message` kept (AMQP headers share the frame with the rest).
const MAX_MESSAGE_HEADER: usize = 1024;

impl FailureRoute {
    /// The route of `container`'s entrypoint `method` consuming `queue`: its policy is
    /// the config's (`FAILURE_POLICY`) when it names one, else `in_code`.
    pub(crate) fn new(
        connection: &Arc<AmqpConnection>,
        container: &nameko_core::ContainerHandle,
        method: &str,
        queue: &str,
        in_code: &FailurePolicy,
    ) -> Arc<Self> {
        let service = container.service_name();
        Arc::new(FailureRoute {
            connection: Arc::clone(connection),
            policy: connection
                .settings()
                .failure_policy_of(service, method, in_code),
            service: service.to_owned(),
            method: method.to_owned(),
            queue: queue.to_owned(),
        })
    }

    /// The entrypoint's dead-letter queue.
    pub(crate) fn dead_letter_queue(&self) -> String {
        wire::dead_letter_queue(&self.service, &self.method)
    }

    /// Declares the dead-letter queue on `channel` (durable, classic).
    pub(crate) async fn declare_dead_letter_queue(
        &self,
        channel: &Channel,
    ) -> Result<(), AmqpError> {
        declare(channel, &self.dead_letter_queue(), FieldTable::default()).await
    }

    /// Publishes `delivery` to the delay queue of `delay`, as failed attempt `attempt`,
    /// then acknowledges it; requeues it when that cannot be done.
    async fn retry(
        &self,
        channel: &Channel,
        delivery: &Delivery,
        error: &RemoteError,
        delay: Duration,
        attempt: u32,
    ) {
        let queue = wire::retry_queue(&self.queue, delay);
        let ttl = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        let mut args = FieldTable::default();
        args.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl));
        args.insert("x-dead-letter-exchange".into(), long_string(""));
        args.insert("x-dead-letter-routing-key".into(), long_string(&self.queue));
        // Unused delay queues go away; each retry declares its queue again, so this never
        // outruns a message still in it.
        args.insert(
            "x-expires".into(),
            AMQPValue::LongLongInt(ttl.saturating_mul(2).saturating_add(60_000)),
        );
        let sent = match declare(channel, &queue, args).await {
            Ok(()) => self.publish(&queue, delivery, error, attempt).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(()) => {
                tracing::warn!(
                    target: "nameko_amqp::consumer",
                    queue = %self.queue, entrypoint = %self.method, %error, attempt,
                    retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "worker failed; the message is retried later"
                );
                crate::metrics::retried(&self.service, &self.method);
                ack(channel, delivery).await;
            }
            Err(e) => self.cannot_move(delivery, "retry", &e).await,
        }
    }

    /// Publishes `delivery` to the dead-letter queue after `attempts` failed attempts, then
    /// acknowledges it; requeues it when that cannot be done.
    async fn dead_letter(
        &self,
        channel: &Channel,
        delivery: &Delivery,
        error: &RemoteError,
        attempts: u32,
    ) {
        let queue = self.dead_letter_queue();
        let sent = match self.declare_dead_letter_queue(channel).await {
            Ok(()) => self.publish(&queue, delivery, error, attempts).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(()) => {
                tracing::error!(
                    target: "nameko_amqp::consumer",
                    queue = %self.queue, entrypoint = %self.method, %error, attempts,
                    dead_letter_queue = %queue,
                    "worker failed; the message goes to the dead-letter queue"
                );
                crate::metrics::dead_lettered(&self.service, &self.method);
                ack(channel, delivery).await;
            }
            Err(e) => self.cannot_move(delivery, "dead-letter", &e).await,
        }
    }

    /// A message that could not be moved goes back to its queue: nothing is lost.
    async fn cannot_move(&self, delivery: &Delivery, what: &str, e: &AmqpError) {
        tracing::error!(
            target: "nameko_amqp::consumer",
            queue = %self.queue, entrypoint = %self.method, error = %e,
            "cannot {what} the failed message; requeueing it"
        );
        if delivery.redelivered {
            tokio::time::sleep(REDELIVERY_BACKOFF).await;
        }
        requeue(delivery).await;
    }

    /// Publishes a copy of `delivery` to `queue` (through the default exchange) with the
    /// failure in its headers, and waits for the broker's confirm.
    async fn publish(
        &self,
        queue: &str,
        delivery: &Delivery,
        error: &RemoteError,
        attempts: u32,
    ) -> Result<(), AmqpError> {
        let headers = self.failure_headers(delivery, error, attempts);
        let properties = republished(&delivery.properties, headers);
        self.connection
            .publish("", queue, false, &delivery.data, properties)
            .await
            .map(drop)
    }

    /// The headers of `delivery` with its failure: attempts, times, error, where it came
    /// from (kept from its first failure).
    fn failure_headers(
        &self,
        delivery: &Delivery,
        error: &RemoteError,
        attempts: u32,
    ) -> FieldTable {
        let mut headers = delivery.properties.headers().clone().unwrap_or_default();
        let now = long_string(&httpdate::fmt_http_date(SystemTime::now()));
        let has = |h: &FieldTable, key: &str| h.inner().contains_key(key);
        headers.insert(
            wire::ATTEMPTS_HEADER.into(),
            AMQPValue::LongLongInt(i64::from(attempts)),
        );
        if !has(&headers, wire::FIRST_FAILURE_HEADER) {
            headers.insert(wire::FIRST_FAILURE_HEADER.into(), now.clone());
        }
        headers.insert(wire::LAST_FAILURE_HEADER.into(), now);
        headers.insert(wire::EXC_TYPE_HEADER.into(), long_string(&error.exc_type));
        let message: String = error.value.chars().take(MAX_MESSAGE_HEADER).collect();
        headers.insert(wire::EXC_MESSAGE_HEADER.into(), long_string(&message));
        if !has(&headers, wire::ORIGINAL_EXCHANGE_HEADER) {
            headers.insert(
                wire::ORIGINAL_EXCHANGE_HEADER.into(),
                long_string(delivery.exchange.as_str()),
            );
            headers.insert(
                wire::ORIGINAL_ROUTING_KEY_HEADER.into(),
                long_string(delivery.routing_key.as_str()),
            );
        }
        headers.insert(wire::ORIGINAL_QUEUE_HEADER.into(), long_string(&self.queue));
        headers.insert(
            wire::ENTRYPOINT_HEADER.into(),
            long_string(&format!("{}.{}", self.service, self.method)),
        );
        headers
    }
}

fn long_string(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s))
}

/// Declares a durable queue the failure policy publishes to.
async fn declare(channel: &Channel, queue: &str, args: FieldTable) -> Result<(), AmqpError> {
    let options = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(queue.into(), options, args)
        .await
        .map(drop)
        .map_err(|source| AmqpError::Protocol {
            operation: format!("queue.declare {queue}"),
            source,
        })
}

/// The properties a moved message is published with: its own, with `headers`, and
/// without a per-message `expiration` (its delay is its queue's) or a `user_id` (the
/// broker checks it against the publishing connection's user).
pub(crate) fn republished(original: &BasicProperties, headers: FieldTable) -> BasicProperties {
    let mut p = BasicProperties::default().with_headers(headers);
    if let Some(v) = original.content_type() {
        p = p.with_content_type(v.clone());
    }
    if let Some(v) = original.content_encoding() {
        p = p.with_content_encoding(v.clone());
    }
    if let Some(v) = original.delivery_mode() {
        p = p.with_delivery_mode(*v);
    }
    if let Some(v) = original.priority() {
        p = p.with_priority(*v);
    }
    if let Some(v) = original.correlation_id() {
        p = p.with_correlation_id(v.clone());
    }
    if let Some(v) = original.reply_to() {
        p = p.with_reply_to(v.clone());
    }
    if let Some(v) = original.message_id() {
        p = p.with_message_id(v.clone());
    }
    if let Some(v) = original.timestamp() {
        p = p.with_timestamp(*v);
    }
    if let Some(v) = original.kind() {
        p = p.with_type(v.clone());
    }
    if let Some(v) = original.app_id() {
        p = p.with_app_id(v.clone());
    }
    p
}
