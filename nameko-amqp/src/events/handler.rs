//! The `#[event_handler]` entrypoint: [`EventHandler`], with Nameko's three handler types.

use std::sync::Arc;

use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use nameko_core::BoxFuture;
use nameko_core::entrypoint::{FireError, FireInput, FireOutput};
use nameko_core::payload::ArgBinder;
use nameko_core::{
    Arguments, BoxError, Call, CallArguments, ContainerHandle, Entrypoint, EntrypointOptions,
    Extension, MethodError, RemoteError,
};
use serde_json::{Map, Value};

use crate::connection::AmqpConnection;
use crate::consumer::{ConsumerSlot, QueueConsumer, Setup, declare_bound_queue};
use crate::error::AmqpError;
use crate::events::dispatcher::events_exchange;
use crate::failure::{FailurePolicy, Retry};
use crate::settle::{FailureRoute, Origin, SettlePolicy, malformed, past_delivery_limit, settle};
use crate::wire;

/// How events are shared between the instances of the listening services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandlerType {
    /// One instance of each listening service receives each event (the default).
    #[default]
    ServicePool,
    /// Exactly one listening instance, across all services, receives each event.
    Singleton,
    /// Every running instance receives each event.
    Broadcast,
}

impl HandlerType {
    /// Nameko's name of the handler type.
    pub fn as_str(&self) -> &'static str {
        match self {
            HandlerType::ServicePool => "service_pool",
            HandlerType::Singleton => "singleton",
            HandlerType::Broadcast => "broadcast",
        }
    }
}

/// The handler an event entrypoint calls with the event's payload.
pub type EventHandlerFn =
    Arc<dyn Fn(Value) -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static>;

/// The identifier that makes a broadcast queue unique to one running instance: a uuid4
/// hex made once per [`ServiceRunner`](nameko_core::ServiceRunner) (so once per process
/// in a deployment, as in Nameko).
#[derive(Debug)]
pub struct BroadcastIdentifier(pub String);

#[nameko_core::async_trait]
impl nameko_core::Resource for BroadcastIdentifier {}

async fn broadcast_identifier(container: &ContainerHandle) -> Arc<BroadcastIdentifier> {
    match container
        .shared()
        .get_or_try_init(|| async {
            Ok::<_, std::convert::Infallible>(BroadcastIdentifier(
                uuid::Uuid::new_v4().simple().to_string(),
            ))
        })
        .await
    {
        Ok(id) => id,
        Err(never) => match never {},
    }
}

/// An event handler entrypoint, Nameko's `@event_handler(source, event_type, ...)`.
///
/// The handler's queue, bound to `<source>.events` with the event type as routing key:
///
/// | handler type | queue |
/// |---|---|
/// | service_pool | `evt-<source>-<event_type>--<service>.<method>` |
/// | singleton | `evt-<source>-<event_type>` |
/// | broadcast | `evt-<source>-<event_type>--<service>.<method>-<broadcast_identifier>` |
///
/// Queues are durable; `auto_delete` when `reliable_delivery` is false; exclusive for a
/// broadcast handler without reliable delivery. An event is acknowledged after its handler
/// finished; a failure is requeued when `requeue_on_error`, else acknowledged and logged.
/// A payload the handler cannot take (its type does not deserialise) is rejected without
/// requeue whatever `requeue_on_error` says, since no retry could succeed.
///
/// A [`FailurePolicy`] ([`failure_policy`](Self::failure_policy), or `FAILURE_POLICY` in
/// the config) changes that: delayed retries carried by RabbitMQ, then the handler's
/// dead-letter queue (see [`failure`](crate::failure)); it takes precedence over
/// `requeue_on_error`.
pub struct EventHandler {
    method: &'static str,
    source_service: String,
    event_type: String,
    handler_type: HandlerType,
    reliable_delivery: bool,
    requeue_on_error: bool,
    failure_policy: FailurePolicy,
    broadcast_identifier: Option<String>,
    options: Arc<EntrypointOptions>,
    handler: EventHandlerFn,
    running: ConsumerSlot,
}

impl std::fmt::Debug for EventHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHandler")
            .field("method", &self.method)
            .field("source_service", &self.source_service)
            .field("event_type", &self.event_type)
            .field("handler_type", &self.handler_type)
            .field("reliable_delivery", &self.reliable_delivery)
            .field("requeue_on_error", &self.requeue_on_error)
            .field("failure_policy", &self.failure_policy)
            .finish()
    }
}

impl EventHandler {
    /// A `service_pool` handler of `event_type` events from `source_service`, calling
    /// `handler` (method `method`), with reliable delivery and no requeue on error.
    pub fn new<F>(
        method: &'static str,
        source_service: impl Into<String>,
        event_type: impl Into<String>,
        handler: F,
    ) -> Self
    where
        F: Fn(Value) -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
    {
        EventHandler {
            method,
            source_service: source_service.into(),
            event_type: event_type.into(),
            handler_type: HandlerType::ServicePool,
            reliable_delivery: true,
            requeue_on_error: false,
            failure_policy: FailurePolicy::default(),
            broadcast_identifier: None,
            options: Arc::default(),
            handler: Arc::new(handler),
            running: ConsumerSlot::default(),
        }
    }

    /// Sets the handler type.
    pub fn handler_type(mut self, handler_type: HandlerType) -> Self {
        self.handler_type = handler_type;
        self
    }

    /// Sets `reliable_delivery` (default true): whether the queue outlives its consumers.
    pub fn reliable_delivery(mut self, reliable: bool) -> Self {
        self.reliable_delivery = reliable;
        self
    }

    /// Sets `requeue_on_error` (default false): whether a failed event goes back to the
    /// queue.
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

    /// Retries a failed event per `retry`, then sends it to the dead-letter queue:
    /// `failure_policy(FailurePolicy::retry(retry))`.
    pub fn retry(self, retry: Retry) -> Self {
        self.failure_policy(FailurePolicy::retry(retry))
    }

    /// Sets the entrypoint's options: `expected_exceptions`, `sensitive_arguments`, the
    /// payload parameter's name (its first `params` entry, `payload` by default).
    pub fn options(mut self, options: EntrypointOptions) -> Self {
        self.options = Arc::new(options);
        self
    }

    /// Overrides the broadcast identifier (default: one uuid per runner), to keep a
    /// broadcast queue across restarts.
    pub fn broadcast_identifier(mut self, id: impl Into<String>) -> Self {
        self.broadcast_identifier = Some(id.into());
        self
    }

    /// The name of the payload parameter: the first of the options' `params`, or
    /// `payload`.
    fn payload_name(&self) -> &'static str {
        self.options
            .param_names()
            .first()
            .copied()
            .unwrap_or("payload")
    }

    /// The queue this handler consumes in service `service`; `broadcast_identifier` is
    /// used by a broadcast handler without an identifier of its own.
    pub fn queue_name(&self, service: &str, broadcast_identifier: &str) -> String {
        let (src, ev) = (&self.source_service, &self.event_type);
        match self.handler_type {
            HandlerType::ServicePool => wire::service_pool_queue(src, ev, service, self.method),
            HandlerType::Singleton => wire::singleton_queue(src, ev),
            HandlerType::Broadcast => wire::broadcast_queue(
                src,
                ev,
                service,
                self.method,
                self.broadcast_identifier
                    .as_deref()
                    .unwrap_or(broadcast_identifier),
            ),
        }
    }

    async fn start_consuming(&self, container: &ContainerHandle) -> Result<(), AmqpError> {
        let mut running = self.running.lock().await;
        if running.is_some() {
            return Ok(());
        }
        let connection = AmqpConnection::shared(container).await?;
        let exchange = events_exchange(&self.source_service, connection.settings());
        let id = broadcast_identifier(container).await;
        let queue = self.queue_name(container.service_name(), &id.0);
        let exclusive = self.handler_type == HandlerType::Broadcast && !self.reliable_delivery;
        let auto_delete = !self.reliable_delivery;
        // Quorum queues are durable and never exclusive nor auto-deleted.
        let queue_args = if auto_delete || exclusive {
            FieldTable::default()
        } else {
            wire::shared_queue_arguments(connection.settings())
        };
        let event_type = self.event_type.clone();
        let route = FailureRoute::new(
            &connection,
            container,
            self.method,
            &queue,
            &self.failure_policy,
        );
        let dead_letters = route.policy.dead_letters().then(|| Arc::clone(&route));
        let dispatch = Arc::new(EventDeliveryHandler {
            serializers: connection.serializers().clone(),
            container: container.clone(),
            method: Arc::from(self.method),
            payload_name: self.payload_name(),
            options: Arc::clone(&self.options),
            queue: queue.clone(),
            exchange: Arc::from(exchange.name()),
            policy: SettlePolicy::requeue_on_error(self.requeue_on_error).with_failures(route),
            handler: Arc::clone(&self.handler),
        });
        let setup: Setup = Arc::new(move |channel: Channel| {
            let (exchange, queue, event_type, args, dead_letters) = (
                exchange.clone(),
                queue.clone(),
                event_type.clone(),
                queue_args.clone(),
                dead_letters.clone(),
            );
            Box::pin(async move {
                exchange.declare_on(&channel).await?;
                if let Some(route) = dead_letters {
                    route.declare_dead_letter_queue(&channel).await?;
                }
                let options = QueueDeclareOptions {
                    durable: true,
                    auto_delete,
                    exclusive,
                    ..QueueDeclareOptions::default()
                };
                let name = exchange.name();
                declare_bound_queue(&channel, &queue, options, args, name, &event_type).await?;
                Ok(queue)
            })
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
impl Extension for EventHandler {
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
impl Entrypoint for EventHandler {
    fn method_name(&self) -> &str {
        self.method
    }

    fn kind(&self) -> &'static str {
        "event_handler"
    }

    /// `kind`, `method`, `params` (the payload parameter), `source_service`,
    /// `event_type`, `handler_type`, `reliable_delivery`, `requeue_on_error`.
    fn describe(&self) -> Value {
        let mut d = nameko_core::entrypoint::describe_entrypoint(
            "event_handler",
            self.method,
            Some(&self.options),
        );
        d.insert("params".into(), Value::from(vec![self.payload_name()]));
        d.insert(
            "source_service".into(),
            Value::from(self.source_service.as_str()),
        );
        d.insert("event_type".into(), Value::from(self.event_type.as_str()));
        d.insert(
            "handler_type".into(),
            Value::from(self.handler_type.as_str()),
        );
        d.insert(
            "reliable_delivery".into(),
            Value::from(self.reliable_delivery),
        );
        d.insert(
            "requeue_on_error".into(),
            Value::from(self.requeue_on_error),
        );
        if !self.failure_policy.is_default() {
            d.insert("failure_policy".into(), self.failure_policy.describe());
        }
        Value::Object(d)
    }

    /// Runs one worker as an event on the handler's queue would: `fire.arguments` hold
    /// the payload, one positional argument (or a keyword argument named like the
    /// method's parameter), `fire.context_data` the event's `nameko.*` headers. Answers
    /// [`FireOutput::Result`] with the handler's result, or the error it failed with (a
    /// payload that does not fit the parameter's type is a `MalformedRequest`).
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
        let payload_name = self.payload_name();
        let payload = bind_payload(self.method, payload_name, arguments);
        let mut named = Map::new();
        if let Ok(payload) = &payload {
            named.insert(payload_name.to_owned(), payload.clone());
        }
        let call = Call::new(self.method, "event_handler", &self.options)
            .context_data(context_data)
            .arguments(CallArguments::Named(named));
        let handler = Arc::clone(&self.handler);
        let outcome = container
            .invoke(call, async move {
                let payload = payload.map_err(MethodError::from)?;
                handler(payload).await
            })
            .await;
        FireOutput::from_outcome(outcome)
    }
}

/// Binds the arguments of a fired event handler to its one parameter, the payload, as
/// Python binds `handler(payload)`.
fn bind_payload(method: &str, name: &str, arguments: Arguments) -> Result<Value, RemoteError> {
    if arguments.args.is_empty() && !arguments.kwargs.contains_key(name) {
        let unexpected = arguments.kwargs.keys().next();
        return Err(RemoteError::incorrect_signature(match unexpected {
            Some(key) => format!("{method}() got an unexpected keyword argument '{key}'"),
            None => format!("{method}() missing 1 required positional argument: '{name}'"),
        }));
    }
    let params = [name];
    ArgBinder::new(method, &params, arguments)?.take(0)
}

/// Decodes an event's body: any JSON value (the handler's parameter type decodes it
/// further). `Err` says why the delivery is rejected.
#[doc(hidden)]
pub fn decode_payload(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("payload is not JSON: {e}"))
}

struct EventDeliveryHandler {
    container: ContainerHandle,
    /// The config's `serializer` and `ACCEPT`.
    serializers: nameko_core::serialization::Serializers,
    method: Arc<str>,
    payload_name: &'static str,
    options: Arc<EntrypointOptions>,
    /// The handler's queue, for the logs.
    queue: String,
    /// `<source_service>.events`, for the worker span's `messaging.destination.name`.
    exchange: Arc<str>,
    policy: SettlePolicy,
    handler: EventHandlerFn,
}

impl EventDeliveryHandler {
    /// Handles one event; `channel` is the one it came on, where it is settled.
    async fn handle(&self, channel: Channel, delivery: Delivery) {
        let origin = Origin {
            queue: &self.queue,
            entrypoint: &self.method,
        };
        if past_delivery_limit(&channel, &delivery, &self.policy, &origin).await {
            return;
        }
        let payload =
            match wire::decode_body(&self.serializers, &delivery.properties, &delivery.data) {
                Ok(v) => v,
                Err(why) => {
                    tracing::warn!(
                        target: "nameko_amqp::events",
                        queue = %self.queue, error = %why,
                        "event cannot be decoded"
                    );
                    let why = why.to_remote_error();
                    malformed(&channel, &delivery, &why, &self.policy, &origin).await;
                    return;
                }
            };
        let mut named = Map::new();
        named.insert(self.payload_name.to_owned(), payload.clone());
        let call = Call::new(Arc::clone(&self.method), "event_handler", &self.options)
            .context_data(wire::headers_to_context(
                delivery.properties.headers().as_ref(),
            ))
            .arguments(CallArguments::Named(named))
            .messaging(wire::messaging_source(&self.exchange, &delivery));
        let handler = Arc::clone(&self.handler);
        let outcome = self
            .container
            .invoke(call, async move { handler(payload).await })
            .await;
        settle(&channel, &delivery, outcome, &self.policy, &origin).await;
    }
}
