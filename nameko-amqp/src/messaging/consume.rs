//! The [`consume`] entrypoint kind: Nameko's `@consume(queue, requeue_on_error=False)`.

use std::sync::Arc;

use lapin::Channel;
use lapin::message::Delivery;
use nameko_core::entrypoint::{FireError, FireInput, FireOutput, IntoEntrypoint, Method};
use nameko_core::{
    Arguments, BoxError, Call, CallArguments, ContainerHandle, Entrypoint, EntrypointOptions,
    Extension,
};
use serde_json::Value;

use super::declare::Queue;
use crate::connection::AmqpConnection;
use crate::consumer::{ConsumerSlot, QueueConsumer, Setup};
use crate::error::AmqpError;
use crate::failure::{FailurePolicy, Retry};
use crate::settle::{FailureRoute, Origin, SettlePolicy, malformed, past_delivery_limit, settle};
use crate::wire;

/// The entrypoint kind of `#[entrypoint(consume(queue))]`: a worker for each message of
/// `queue`, called with the message's JSON body as its one argument. Nameko's
/// `@consume(queue)`.
///
/// When the service starts, the queue is declared (with its exchange and binding, see
/// [`Queue`]) and consumed with a prefetch of `max_workers` (`PREFETCH_COUNT`). The
/// message's `nameko.*` headers are the worker's context data (call-id stack, trace
/// context, `language`, ...). A message is acknowledged once its worker has finished; when
/// the worker fails it is requeued if [`requeue_on_error`](Consume::requeue_on_error),
/// else acknowledged (and the failure logged). A body that is not JSON, or that does not
/// fit the method's parameter, is rejected without requeue and logged, since no retry
/// could succeed. After a lost connection the consumer declares and consumes again.
///
/// A [`FailurePolicy`] ([`Consume::failure_policy`], [`Consume::retry`], or
/// `FAILURE_POLICY` in the config) changes what becomes of failed and undecodable messages:
/// delayed retries carried by RabbitMQ, then the entrypoint's dead-letter queue (see
/// [`failure`](crate::failure)); it takes precedence over `requeue_on_error`.
///
/// ```
/// use nameko_amqp::messaging::{Exchange, Queue, consume};
/// use nameko::{entrypoint, service};
/// use serde_json::Value;
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("out of stock")]
/// pub struct OutOfStock;
///
/// pub struct Warehouse;
///
/// #[service(name = "warehouse")]
/// impl Warehouse {
///     #[entrypoint(
///         consume(
///             Queue::new("orders")
///                 .exchange(Exchange::topic("shop"))
///                 .routing_key("order.*"),
///         )
///         .requeue_on_error(true),
///         expected_exceptions(OutOfStock)
///     )]
///     async fn on_order(&self, order: Value) -> Result<(), OutOfStock> {
///         if order["qty"].as_u64() > Some(10) {
///             return Err(OutOfStock);
///         }
///         Ok(())
///     }
/// }
/// ```
pub fn consume(queue: Queue) -> Consume {
    Consume {
        queue,
        requeue_on_error: false,
        failure_policy: FailurePolicy::default(),
    }
}

/// A [`consume`] entrypoint kind, before `#[service]` gives it its method.
#[derive(Debug, Clone)]
pub struct Consume {
    queue: Queue,
    requeue_on_error: bool,
    failure_policy: FailurePolicy,
}

impl Consume {
    /// Sets `requeue_on_error` (default false): whether a message whose worker failed
    /// goes back to the queue (to be delivered again) instead of being acknowledged.
    pub fn requeue_on_error(mut self, requeue: bool) -> Self {
        self.requeue_on_error = requeue;
        self
    }

    /// Sets the failure policy (default: Nameko's, no retries and no dead-letter queue);
    /// `FAILURE_POLICY` in the config overrides it.
    pub fn failure_policy(mut self, policy: FailurePolicy) -> Self {
        self.failure_policy = policy;
        self
    }

    /// Retries a failed message per `retry`, then sends it to the dead-letter queue:
    /// `failure_policy(FailurePolicy::retry(retry))`.
    pub fn retry(self, retry: Retry) -> Self {
        self.failure_policy(FailurePolicy::retry(retry))
    }

    /// The queue.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }
}

impl IntoEntrypoint for Consume {
    fn into_entrypoint(self, method: Method) -> Box<dyn Entrypoint> {
        Box::new(ConsumeEntrypoint {
            queue: self.queue,
            requeue_on_error: self.requeue_on_error,
            failure_policy: self.failure_policy,
            options: Arc::new(method.options.clone()),
            method,
            running: ConsumerSlot::default(),
        })
    }
}

/// The running entrypoint of a [`Consume`].
struct ConsumeEntrypoint {
    queue: Queue,
    requeue_on_error: bool,
    failure_policy: FailurePolicy,
    method: Method,
    options: Arc<EntrypointOptions>,
    running: ConsumerSlot,
}

impl ConsumeEntrypoint {
    async fn start_consuming(&self, container: &ContainerHandle) -> Result<(), AmqpError> {
        let mut running = self.running.lock().await;
        if running.is_some() {
            return Ok(());
        }
        let connection = AmqpConnection::shared(container).await?;
        let route = FailureRoute::new(
            &connection,
            container,
            self.method.name,
            self.queue.name(),
            &self.failure_policy,
        );
        let dead_letters = route.policy.dead_letters().then(|| Arc::clone(&route));
        let queue = self.queue.clone();
        let setup: Setup = Arc::new(move |channel: Channel| {
            let (queue, dead_letters) = (queue.clone(), dead_letters.clone());
            Box::pin(async move {
                if let Some(route) = dead_letters {
                    route.declare_dead_letter_queue(&channel).await?;
                }
                queue.declare_on(&channel).await
            })
        });
        let exchange = self.queue.get_exchange().map(|e| e.name()).unwrap_or("");
        let dispatch = Arc::new(MessageHandler {
            serializers: connection.serializers().clone(),
            container: container.clone(),
            method: self.method.clone(),
            options: Arc::clone(&self.options),
            queue: self.queue.name().to_owned(),
            exchange: Arc::from(exchange),
            policy: SettlePolicy::requeue_on_error(self.requeue_on_error).with_failures(route),
        });
        let consumer =
            QueueConsumer::start(connection, container, setup, move |channel, delivery| {
                let dispatch = Arc::clone(&dispatch);
                async move { dispatch.handle(channel, delivery).await }
            })
            .await?;
        *running = Some(consumer);
        Ok(())
    }
}

#[nameko_core::async_trait]
impl Extension for ConsumeEntrypoint {
    async fn start(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        self.start_consuming(container).await?;
        Ok(())
    }

    async fn stop(&self) {
        self.running.cancel().await;
    }

    async fn kill(&self) {
        self.running.kill().await;
    }
}

#[nameko_core::async_trait]
impl Entrypoint for ConsumeEntrypoint {
    fn method_name(&self) -> &str {
        self.method.name
    }

    fn kind(&self) -> &'static str {
        "consume"
    }

    /// `kind`, `method`, `params`, `queue`, `exchange`, `routing_key`,
    /// `requeue_on_error`.
    fn describe(&self) -> Value {
        let mut d = nameko_core::entrypoint::describe_entrypoint(
            "consume",
            self.method.name,
            Some(&self.options),
        );
        d.insert("queue".into(), Value::from(self.queue.name()));
        if let Some(exchange) = self.queue.get_exchange() {
            d.insert("exchange".into(), Value::from(exchange.name()));
            d.insert(
                "routing_key".into(),
                Value::from(self.queue.get_routing_key()),
            );
        }
        d.insert(
            "requeue_on_error".into(),
            Value::from(self.requeue_on_error),
        );
        if !self.failure_policy.is_default() {
            d.insert("failure_policy".into(), self.failure_policy.describe());
        }
        Value::Object(d)
    }

    /// Runs one worker as a message would: `fire.arguments` hold the body (one
    /// positional argument), `fire.context_data` the message's `nameko.*` headers.
    async fn fire(
        &self,
        container: &ContainerHandle,
        fire: FireInput,
    ) -> Result<FireOutput, FireError> {
        let FireInput {
            arguments,
            context_data,
            ..
        } = fire;
        let call = Call::new(self.method.name, "consume", &self.options)
            .context_data(context_data)
            .arguments(CallArguments::Rpc(arguments.clone()));
        let outcome = container
            .invoke(call, (self.method.handler)(arguments))
            .await;
        FireOutput::from_outcome(outcome)
    }
}

struct MessageHandler {
    /// The config's `serializer` and `ACCEPT`.
    serializers: nameko_core::serialization::Serializers,
    container: ContainerHandle,
    method: Method,
    options: Arc<EntrypointOptions>,
    queue: String,
    /// The queue's exchange, for the worker span's `messaging.destination.name`.
    exchange: Arc<str>,
    policy: SettlePolicy,
}

impl MessageHandler {
    /// Handles one message; `channel` is the one it came on, where it is settled.
    async fn handle(&self, channel: Channel, delivery: Delivery) {
        let origin = Origin {
            queue: &self.queue,
            entrypoint: self.method.name,
        };
        if past_delivery_limit(&channel, &delivery, &self.policy, &origin).await {
            return;
        }
        let body: Value =
            match wire::decode_body(&self.serializers, &delivery.properties, &delivery.data) {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(
                        target: "nameko_amqp::messaging",
                        queue = %self.queue, error = %e,
                        "message cannot be decoded"
                    );
                    let why = e.to_remote_error();
                    malformed(&channel, &delivery, &why, &self.policy, &origin).await;
                    return;
                }
            };
        let arguments = Arguments::positional(vec![body]);
        let call = Call::new(self.method.name, "consume", &self.options)
            .context_data(wire::headers_to_context(
                delivery.properties.headers().as_ref(),
            ))
            .arguments(CallArguments::Rpc(arguments.clone()))
            .messaging(wire::messaging_source(&self.exchange, &delivery));
        let outcome = self
            .container
            .invoke(call, (self.method.handler)(arguments))
            .await;
        settle(&channel, &delivery, outcome, &self.policy, &origin).await;
    }
}
