//! The `#[rpc]` entrypoint: [`Rpc`], and the per-container consumer that reads the
//! service's queue and dispatches each request to its method.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use lapin::message::Delivery;
use lapin::options::{ExchangeDeclareOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, ExchangeKind};
use nameko_core::BoxFuture;
use nameko_core::entrypoint::{FireError, FireInput, FireOutput};
use nameko_core::{
    Arguments, BoxError, Call, CallArguments, ContainerHandle, Entrypoint, EntrypointOptions,
    Extension, MethodError, Outcome, RemoteError, Resource,
};
use serde_json::Value;

use crate::connection::{AmqpConnection, Published};
use crate::consumer::{ConsumerSlot, QueueConsumer, Setup, declare_bound_queue};
use crate::error::AmqpError;
use crate::rpc::deadline;
use crate::settle::{Origin, SettlePolicy, ack, reject, requeue, settle};
use crate::wire;
use nameko_core::sync::lock;

/// The function an RPC entrypoint calls: decodes the arguments, runs the method, encodes
/// its result or error.
pub type RpcHandler =
    Arc<dyn Fn(Arguments) -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static>;

/// The `#[rpc]` entrypoint of one method.
///
/// All RPC entrypoints of a container share one consumer on the queue
/// `rpc-<service>`, bound to the RPC exchange with `<service>.*`, as in Nameko.
///
/// ```
/// use nameko_amqp::rpc::Rpc;
/// use nameko_core::{Arguments, EntrypointOptions, MethodError};
///
/// let entrypoint = Rpc::new("ping", |_args: Arguments| {
///     Box::pin(async { Ok::<_, MethodError>(serde_json::json!("pong")) }) as _
/// })
/// .options(EntrypointOptions::new().sensitive(["password"]));
/// ```
pub struct Rpc {
    method: &'static str,
    entry: RpcMethod,
    consumer: Mutex<Option<Arc<RpcConsumer>>>,
}

/// One method of the RPC consumer's dispatch table.
#[derive(Clone)]
struct RpcMethod {
    name: Arc<str>,
    options: Arc<EntrypointOptions>,
    handler: RpcHandler,
}

impl std::fmt::Debug for Rpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rpc").field("method", &self.method).finish()
    }
}

impl Rpc {
    /// An RPC entrypoint for `method`, calling `handler` for each request.
    pub fn new<F>(method: &'static str, handler: F) -> Self
    where
        F: Fn(Arguments) -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
    {
        Rpc {
            method,
            entry: RpcMethod {
                name: Arc::from(method),
                options: Arc::default(),
                handler: Arc::new(handler),
            },
            consumer: Mutex::new(None),
        }
    }

    /// Sets the entrypoint's options: `expected_exceptions`, `sensitive_arguments`, the
    /// parameter names.
    pub fn options(mut self, options: EntrypointOptions) -> Self {
        self.entry.options = Arc::new(options);
        self
    }

    fn consumer(&self) -> Option<Arc<RpcConsumer>> {
        lock(&self.consumer).clone()
    }
}

#[nameko_core::async_trait]
impl Extension for Rpc {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let consumer = container
            .local()
            .get_or_try_init(|| async { Ok::<_, BoxError>(RpcConsumer::default()) })
            .await?;
        consumer.register(self.method, self.entry.clone());
        *lock(&self.consumer) = Some(consumer);
        Ok(())
    }

    async fn start(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        if let Some(consumer) = self.consumer() {
            consumer.start(container).await?;
        }
        Ok(())
    }

    async fn stop(&self) {
        if let Some(consumer) = self.consumer() {
            consumer.stop().await;
        }
    }

    async fn kill(&self) {
        if let Some(consumer) = self.consumer() {
            consumer.kill().await;
        }
    }
}

#[nameko_core::async_trait]
impl Entrypoint for Rpc {
    fn method_name(&self) -> &str {
        self.method
    }

    fn kind(&self) -> &'static str {
        "rpc"
    }

    /// `kind`, `method`, `params` (and the expected errors and sensitive arguments).
    fn describe(&self) -> Value {
        Value::Object(nameko_core::entrypoint::describe_entrypoint(
            "rpc",
            self.method,
            Some(&self.entry.options),
        ))
    }

    /// Runs one worker as a request on the service's queue would: `fire.arguments` are
    /// the request's `args` and `kwargs`, bound to the method as on the wire (wrong ones
    /// are an `IncorrectSignature`), `fire.context_data` its `nameko.*` headers. Answers
    /// [`FireOutput::Result`] with the reply's `result` or `error`.
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
        let entry = &self.entry;
        let call = Call::new(Arc::clone(&entry.name), "rpc", &entry.options)
            .context_data(context_data)
            .arguments(CallArguments::Rpc(arguments.clone()));
        let handler = Arc::clone(&entry.handler);
        let outcome = container
            .invoke(call, async move { handler(arguments).await })
            .await;
        FireOutput::from_outcome(outcome)
    }
}

/// Consumes a service's RPC queue and dispatches requests to the registered methods.
///
/// Each request runs in its own task: the consume loop never waits for a worker, a reply
/// or an ack. The request is acknowledged only after its reply was published and confirmed;
/// if the container is killed first, the channel closes and the broker redelivers it.
#[derive(Default)]
pub(crate) struct RpcConsumer {
    handlers: Mutex<HashMap<String, RpcMethod>>,
    running: ConsumerSlot,
}

impl std::fmt::Debug for RpcConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let methods: Vec<String> = lock(&self.handlers).keys().cloned().collect();
        f.debug_struct("RpcConsumer")
            .field("methods", &methods)
            .finish()
    }
}

struct RequestHandler {
    container: ContainerHandle,
    /// `rpc-<service>`, for the logs.
    queue: String,
    connection: Arc<AmqpConnection>,
    exchange: Arc<str>,
    handlers: HashMap<String, RpcMethod>,
}

impl RpcConsumer {
    fn register(&self, method: &str, entry: RpcMethod) {
        lock(&self.handlers).insert(method.to_owned(), entry);
    }

    /// Declares the exchange, queue and binding, and starts consuming. Idempotent.
    async fn start(&self, container: &ContainerHandle) -> Result<(), AmqpError> {
        let mut running = self.running.lock().await;
        if running.is_some() {
            return Ok(());
        }
        let connection = AmqpConnection::shared(container).await?;
        let service = container.service_name_arc();
        let exchange = connection.settings().rpc_exchange.clone();
        let queue_args = wire::shared_queue_arguments(connection.settings());
        let setup: Setup = {
            let exchange = exchange.clone();
            Arc::new(move |channel: Channel| {
                let (exchange, service, args) =
                    (exchange.clone(), Arc::clone(&service), queue_args.clone());
                Box::pin(async move {
                    let queue = wire::rpc_queue(&service);
                    declare_rpc_exchange(&channel, &exchange).await?;
                    let options = QueueDeclareOptions {
                        durable: true,
                        ..QueueDeclareOptions::default()
                    };
                    let key = wire::rpc_binding_key(&service);
                    declare_bound_queue(&channel, &queue, options, args, &exchange, &key).await?;
                    Ok(queue)
                })
            })
        };
        let dispatch = Arc::new(RequestHandler {
            container: container.clone(),
            queue: wire::rpc_queue(container.service_name()),
            connection: Arc::clone(&connection),
            exchange: Arc::from(exchange),
            handlers: lock(&self.handlers).clone(),
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

    /// Stops consuming (`basic.cancel`); requests in flight go on.
    async fn stop(&self) {
        self.running.cancel().await;
    }

    /// Closes the channel: every unacknowledged request goes back to the queue.
    async fn kill(&self) {
        self.running.kill().await;
    }
}

#[nameko_core::async_trait]
impl Resource for RpcConsumer {
    async fn close(&self) {
        self.kill().await;
    }
}

/// Declares the RPC exchange: `topic`, durable.
pub(crate) async fn declare_rpc_exchange(
    channel: &Channel,
    exchange: &str,
) -> Result<(), AmqpError> {
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(AmqpError::op(format!("exchange.declare {exchange}")))
}

impl RequestHandler {
    /// The deadline of a request for `method`: `Some(None)` when it has none (or one that
    /// cannot be read, logged), `Some(Some(_))` when it is still ahead, `None` when it has
    /// passed (logged and counted: the request is not to be served).
    fn deadline(&self, delivery: &Delivery, method: &str) -> Option<Option<SystemTime>> {
        let service = self.container.service_name();
        let deadline = match deadline::from_headers(delivery.properties.headers().as_ref()) {
            Ok(None) => return Some(None),
            Ok(Some(deadline)) => deadline,
            Err(why) => {
                tracing::warn!(
                    target: "nameko_amqp::rpc",
                    %service, %method, header = wire::DEADLINE_HEADER, %why,
                    "malformed deadline header; serving the request as one without a deadline"
                );
                return Some(None);
            }
        };
        let Some(late) = deadline::overdue(deadline, SystemTime::now()) else {
            return Some(Some(deadline));
        };
        // Only registered methods name a label: a stray routing key adds no series.
        let label = if self.handlers.contains_key(method) {
            method
        } else {
            "<unknown>"
        };
        crate::metrics::rpc_request_expired(service, label);
        tracing::warn!(
            target: "nameko_amqp::rpc",
            %service, %method, late_ms = u64::try_from(late.as_millis()).unwrap_or(u64::MAX),
            correlation_id = %delivery.properties.correlation_id().as_ref().map_or("", |id| id.as_str()),
            "request received {late:?} past its deadline: the caller gave up; not served, no reply"
        );
        None
    }

    /// Answers one request; `channel` is the one it came on, where it is acknowledged.
    async fn handle(&self, channel: Channel, delivery: Delivery) {
        let props = &delivery.properties;
        let reply_to = props.reply_to().as_ref().map(|s| s.as_str().to_owned());
        let correlation_id = props.correlation_id().clone();
        let method = wire::method_from_routing_key(delivery.routing_key.as_str()).to_owned();
        let Some(deadline) = self.deadline(&delivery, &method) else {
            // Past its deadline: the caller gave up; acknowledged, not served.
            ack(&channel, &delivery).await;
            return;
        };
        let result = match self.handlers.get(&method) {
            None => {
                tracing::warn!(
                    target: "nameko_amqp::rpc",
                    service = %self.container.service_name(), %method,
                    "request for an unknown method; replying MethodNotFound"
                );
                Err(RemoteError::method_not_found(&method))
            }
            Some(entry) => {
                match wire::decode_body(self.connection.serializers(), props, &delivery.data)
                    .map_err(|e| e.to_remote_error())
                    .and_then(Arguments::from_value)
                {
                    Err(e) => {
                        tracing::warn!(
                            target: "nameko_amqp::rpc",
                            service = %self.container.service_name(), %method, error = %e,
                            "malformed request; replying MalformedRequest"
                        );
                        Err(e)
                    }
                    Ok(args) => {
                        let call = Call::new(Arc::clone(&entry.name), "rpc", &entry.options)
                            .context_data(wire::headers_to_context(props.headers().as_ref()))
                            .arguments(CallArguments::Rpc(args.clone()))
                            .messaging(wire::messaging_source(&self.exchange, &delivery))
                            .deadline(deadline);
                        let handler = Arc::clone(&entry.handler);
                        match self
                            .container
                            .invoke(call, async move { handler(args).await })
                            .await
                        {
                            Outcome::Success(value) => Ok(value),
                            Outcome::Failed(failure) => Err(failure.into_remote_error()),
                            // Not started, or killed: no reply; the request goes back to the
                            // queue (at once, or when the closing channel hands it back).
                            outcome @ (Outcome::Rejected | Outcome::Killed) => {
                                let origin = Origin {
                                    queue: &self.queue,
                                    entrypoint: &entry.name,
                                };
                                let policy = SettlePolicy::default();
                                settle(&channel, &delivery, outcome, &policy, &origin).await;
                                return;
                            }
                        }
                    }
                }
            }
        };
        let Some(reply_to) = reply_to else {
            match &result {
                Err(e) if e.is_bad_request() => {
                    tracing::warn!(
                        target: "nameko_amqp::rpc",
                        routing_key = %delivery.routing_key,
                        error = %e,
                        "rejecting a request without reply_to"
                    );
                    reject(&delivery).await;
                }
                _ => ack(&channel, &delivery).await,
            }
            return;
        };
        // In the request's serializer when it is accepted, as Nameko's Responder does.
        let serializer = self
            .connection
            .serializers()
            .for_reply(props.content_type().as_ref().map(|t| t.as_str()));
        let body = match serializer.to_vec(&wire::ReplyBody::from_result(result)) {
            Ok(body) => body,
            Err(e) => {
                // Nameko's "disaster avoidance": a result the serializer cannot encode is
                // answered with an UnserializableValueError.
                tracing::warn!(target: "nameko_amqp::rpc", %method, error = %e, "cannot encode the result; replying UnserializableValueError");
                let error = RemoteError::unserializable_value(&e);
                match serializer.to_vec(&wire::ReplyBody::from_result(Err(error))) {
                    Ok(body) => body,
                    Err(e) => {
                        tracing::error!(target: "nameko_amqp::rpc", error = %e, "cannot encode reply");
                        requeue(&delivery).await;
                        return;
                    }
                }
            }
        };
        let mut properties = BasicProperties::default()
            .with_content_type(serializer.content_type().into())
            .with_content_encoding(serializer.content_encoding().into())
            .with_delivery_mode(wire::PERSISTENT);
        if let Some(id) = correlation_id {
            properties = properties.with_correlation_id(id);
        }
        if let Some(deadline) = deadline {
            // The caller stops reading its reply queue for this call then.
            let ttl = deadline::remaining(deadline, SystemTime::now());
            properties = properties.with_expiration(deadline::expiration(ttl));
        }
        match self
            .connection
            .publish(&self.exchange, &reply_to, false, &body, properties)
            .await
        {
            Ok(Published::Routed | Published::Returned) => ack(&channel, &delivery).await,
            Err(e) => {
                tracing::error!(target: "nameko_amqp::rpc", %method, error = %e, "cannot publish reply; requeueing the request");
                requeue(&delivery).await;
            }
        }
    }
}
