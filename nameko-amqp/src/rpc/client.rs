//! RPC clients: [`RpcProxy`] (a dependency, for calls between services) and [`ClusterRpc`]
//! (standalone, Nameko's `ClusterRpcProxy`), both over a reply listener: one reply queue
//! per container or client.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use futures_util::{FutureExt, StreamExt};
use lapin::Channel;
use lapin::options::{BasicConsumeOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use nameko_core::context::{CALL_ID_STACK, ContextData};
use nameko_core::serialization::Serializers;
use nameko_core::{
    BoxError, Config, ContainerHandle, DependencyProvider, Extension, IntoArguments, Resource,
    WorkerContext,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{oneshot, watch};
use tracing::Instrument;

use crate::connection::{AmqpConnection, LiveConnection, Published};
use crate::consumer::declare_bound_queue;
use crate::error::{AmqpError, RemoteErrors, RpcError};
use crate::outgoing::Outgoing;
use crate::resume::Resume;
use crate::rpc::deadline::Deadline;
use crate::rpc::entrypoint::declare_rpc_exchange;
use crate::wire;
use nameko_core::sync::lock;

type Pending = Arc<Calls>;

type ReplySender = oneshot::Sender<Result<Value, RpcError>>;

/// The calls of a reply listener waiting for their replies, and the state of its consumer.
#[derive(Debug)]
struct Calls {
    /// By correlation id: the reply's sender, and the value of `losses` when it was sent.
    waiting: Mutex<HashMap<String, (u64, ReplySender)>>,
    /// How many times the reply consumer was lost.
    losses: AtomicU64,
    /// Whether the reply consumer consumes now (false from a loss until it resumed).
    consuming: watch::Sender<bool>,
}

impl Default for Calls {
    fn default() -> Self {
        Calls {
            waiting: Mutex::default(),
            losses: AtomicU64::new(0),
            consuming: watch::Sender::new(true),
        }
    }
}

/// How long a call waits for the reply consumer to resume when the connection is up again
/// but the reply queue is not consumed yet (it is being declared again).
const RESUMING_WAIT: Duration = Duration::from_secs(5);

/// A caller's reply queue (`rpc.reply-<caller>-<uuid>`, bound with routing key `<uuid>`,
/// `x-expires` 300 s) and the table of calls waiting for replies, matched by
/// `correlation_id`.
pub(crate) struct ReplyListener {
    connection: Arc<AmqpConnection>,
    exchange: String,
    routing_key: String,
    pending: Pending,
    channel: Arc<Mutex<Channel>>,
    task: tokio::task::JoinHandle<()>,
    default_timeout: Option<Duration>,
}

impl std::fmt::Debug for ReplyListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyListener")
            .field("routing_key", &self.routing_key)
            .field("pending", &lock(&self.pending.waiting).len())
            .finish()
    }
}

impl ReplyListener {
    /// Declares the reply queue of `caller_service` and starts consuming replies. After a
    /// lost connection it declares the queue again and resumes; calls whose queue expired
    /// meanwhile fail with [`RpcError::ReplyQueueLost`].
    pub(crate) async fn start(
        connection: Arc<AmqpConnection>,
        caller_service: &str,
    ) -> Result<Self, AmqpError> {
        let settings = connection.settings();
        let exchange = settings.rpc_exchange.clone();
        let default_timeout = settings.rpc_timeout;
        let backoff = settings.backoff();
        let id = nameko_core::__private::uuid_v4().to_string();
        let queue = wire::reply_queue(caller_service, &id);
        let target = ReplyQueue {
            exchange: exchange.clone(),
            queue,
            routing_key: id.clone(),
        };
        let resume = Resume::start(Arc::clone(&connection), backoff).await?;
        let (channel, consumer, _) = target.open(resume.connection(), false).await?;
        let channel = Arc::new(Mutex::new(channel));
        let pending: Pending = Arc::default();
        let task = tokio::spawn(reply_loop(
            connection.serializers().clone(),
            target,
            resume,
            consumer,
            Arc::clone(&pending),
            Arc::clone(&channel),
        ));
        Ok(ReplyListener {
            connection,
            exchange,
            routing_key: id,
            pending,
            channel,
            task,
            default_timeout,
        })
    }

    /// Publishes a request and returns the receiver of its reply, and the call's span
    /// (target `nameko_amqp::rpc`), which ends with the reply.
    ///
    /// The request carries `nameko.traceparent`: the call span's trace context, a child
    /// of the context's `traceparent` (the worker's, or one the caller gave), or a new
    /// trace; and the call's `deadline`, if any (header and `expiration`).
    async fn send(
        &self,
        service: &str,
        method: &str,
        args: impl IntoArguments,
        context: &ContextData,
        deadline: Option<Deadline>,
    ) -> Result<(oneshot::Receiver<Result<Value, RpcError>>, tracing::Span), RpcError> {
        let args = args
            .into_arguments()
            .map_err(|source| RpcError::EncodeArguments {
                method: method.to_owned(),
                source,
            })?;
        let serializer = self.connection.serializers().serializer();
        let body = serializer
            .to_vec(&args)
            .map_err(|source| RpcError::EncodeRequest {
                method: method.to_owned(),
                source,
            })?;
        crate::metrics::rpc_call_sent(service);
        let correlation_id = nameko_core::__private::uuid_v4().to_string();
        let routing_key = wire::rpc_routing_key(service, method);
        let (span, properties) = Outgoing::request(
            &self.exchange,
            &routing_key,
            context,
            &correlation_id,
            &self.routing_key,
        )
        .deadline(deadline)
        .serializer(serializer)
        .build();
        // Right after a reconnection the reply queue may not be consumed yet: a request
        // sent now could be answered into a queue that is not there.
        if !*self.pending.consuming.borrow() && self.connection.is_connected() {
            let mut consuming = self.pending.consuming.subscribe();
            let _ = tokio::time::timeout(RESUMING_WAIT, consuming.wait_for(|c| *c)).await;
        }
        let (tx, rx) = oneshot::channel();
        let losses = self.pending.losses.load(Ordering::Acquire);
        lock(&self.pending.waiting).insert(correlation_id.clone(), (losses, tx));
        let published = self
            .connection
            .publish(&self.exchange, &routing_key, true, &body, properties)
            .instrument(span.clone())
            .await;
        match published {
            Ok(Published::Routed) => Ok((rx, span)),
            Ok(Published::Returned) => {
                lock(&self.pending.waiting).remove(&correlation_id);
                Err(RpcError::UnknownService(service.to_owned()))
            }
            Err(e) => {
                lock(&self.pending.waiting).remove(&correlation_id);
                Err(e.into())
            }
        }
    }

    /// Makes a call and returns a handle to its reply.
    ///
    /// The call waits at most `timeout` (`None`: forever) and, inside a worker that has a
    /// deadline, at most until then: the request carries the earlier of the two as its
    /// deadline. When that has passed already, the call fails at once with
    /// [`RpcError::Timeout`], nothing sent.
    pub(crate) async fn call_async(
        &self,
        service: &str,
        method: &str,
        args: impl IntoArguments,
        context: &ContextData,
        timeout: Option<Duration>,
    ) -> Result<RpcReply, RpcError> {
        let inherited = WorkerContext::current().and_then(|ctx| ctx.deadline());
        let deadline = Deadline::of_call(SystemTime::now(), timeout, inherited);
        let timeout = deadline.map(|d| d.ttl);
        if timeout == Some(Duration::ZERO) {
            crate::metrics::rpc_call_timed_out(service);
            return Err(RpcError::Timeout {
                service: service.to_owned(),
                method: method.to_owned(),
                timeout: Duration::ZERO,
            });
        }
        let sent = tokio::time::Instant::now();
        let (rx, span) = self.send(service, method, args, context, deadline).await?;
        Ok(RpcReply {
            rx,
            service: service.to_owned(),
            method: method.to_owned(),
            timeout,
            wait_until: timeout.map(|t| sent + t),
            errors: None,
            span,
        })
    }

    /// Stops consuming replies; calls still waiting fail with [`RpcError::Disconnected`].
    pub(crate) async fn close(&self) {
        self.task.abort();
        lock(&self.pending.waiting).clear();
        let channel = lock(&self.channel).clone();
        crate::connection::close_channel(&channel, "OK").await;
    }
}

#[nameko_core::async_trait]
impl Resource for ReplyListener {
    async fn close(&self) {
        ReplyListener::close(self).await;
    }
}

/// Where replies come: the queue, its binding, its exchange.
struct ReplyQueue {
    exchange: String,
    queue: String,
    routing_key: String,
}

impl ReplyQueue {
    /// Declares, binds and consumes the reply queue on a new channel of `live`. With
    /// `check`, first finds out whether the queue outlived the lost connection (`true` in
    /// the result when it did not).
    async fn open(
        &self,
        live: &LiveConnection,
        check: bool,
    ) -> Result<(Channel, lapin::Consumer, bool), AmqpError> {
        let queue = self.queue.as_str();
        let mut channel = live.create_channel().await?;
        let mut lost = false;
        if check {
            let passive = QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            };
            if channel
                .queue_declare(queue.into(), passive, FieldTable::default())
                .await
                .is_err()
            {
                // NOT_FOUND closes the channel.
                lost = true;
                channel = live.create_channel().await?;
            }
        }
        declare_rpc_exchange(&channel, &self.exchange).await?;
        let mut args = FieldTable::default();
        args.insert(
            "x-expires".into(),
            AMQPValue::LongLongInt(wire::REPLY_QUEUE_EXPIRES_MS),
        );
        declare_bound_queue(
            &channel,
            queue,
            QueueDeclareOptions::default(),
            args,
            &self.exchange,
            &self.routing_key,
        )
        .await?;
        let consumer = channel
            .basic_consume(
                queue.into(),
                "".into(),
                // Acknowledged once handed to its call: a reply in flight when the
                // connection drops is redelivered, not lost.
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(AmqpError::op(format!("basic.consume {queue}")))?;
        Ok((channel, consumer, lost))
    }
}

/// Hands a reply to the call waiting for it.
fn deliver_reply(
    serializers: &Serializers,
    pending: &Pending,
    delivery: &lapin::message::Delivery,
) {
    let Some(id) = delivery.properties.correlation_id().as_ref() else {
        tracing::debug!(target: "nameko_amqp::rpc", "ignoring a reply without correlation_id");
        return;
    };
    let Some((_, tx)) = lock(&pending.waiting).remove(id.as_str()) else {
        tracing::debug!(target: "nameko_amqp::rpc", correlation_id = %id, "ignoring an unknown reply");
        return;
    };
    let decoded = wire::decode_body(serializers, &delivery.properties, &delivery.data)
        .map_err(|e| e.to_string())
        .and_then(|v| serde_json::from_value::<wire::ReplyBody>(v).map_err(|e| e.to_string()));
    let outcome = match decoded {
        Ok(body) => body.into_result().map_err(RpcError::Remote),
        Err(e) => Err(RpcError::MalformedReply(e)),
    };
    let _ = tx.send(outcome);
}

/// Acknowledges every reply up to `tag` on `channel`, without waiting for the ack to be
/// written: lapin queues the frame when the future is first polled, and the loop goes on
/// to the next reply instead of waiting for lapin's I/O thread (a hand-over between
/// threads per burst of replies, on the path of every call). An ack that is lost with its
/// channel is harmless: the broker redelivers the replies, and no call waits for them
/// any more.
fn ack_up_to(channel: &Channel, tag: Option<u64>) {
    let Some(tag) = tag else { return };
    let options = lapin::options::BasicAckOptions { multiple: true };
    if let Some(Err(e)) = channel.basic_ack(tag, options).now_or_never() {
        tracing::debug!(target: "nameko_amqp::rpc", error = %e, "reply ack failed");
    }
}

/// Hands each reply to its waiting call; after a lost channel or connection, opens the
/// reply queue again and goes on ([`Resume`]).
async fn reply_loop(
    serializers: Serializers,
    target: ReplyQueue,
    mut resume: Resume,
    mut consumer: lapin::Consumer,
    pending: Pending,
    current: Arc<Mutex<Channel>>,
) {
    let mut channel = lock(&current).clone();
    loop {
        let mut failure = None;
        'consume: while let Some(delivery) = consumer.next().await {
            let mut next = Some(delivery);
            let mut last_tag = None;
            // Hand over every reply that is ready, then acknowledge them all at once
            // (`multiple`): the callers are woken first, and a burst costs one ack.
            while let Some(delivery) = next.take() {
                let delivery = match delivery {
                    Ok(d) => d,
                    Err(e) => {
                        failure = Some(e.to_string());
                        break 'consume;
                    }
                };
                last_tag = Some(delivery.delivery_tag);
                deliver_reply(&serializers, &pending, &delivery);
                next = match consumer.next().now_or_never() {
                    Some(Some(d)) => Some(d),
                    Some(None) => {
                        ack_up_to(&channel, last_tag);
                        break 'consume;
                    }
                    None => None,
                };
            }
            ack_up_to(&channel, last_tag);
        }
        // `close` aborts this task before closing the channel: getting here means the
        // channel or the connection went away. Calls keep waiting: their replies are kept
        // in the queue while it lives.
        let why = failure.unwrap_or_else(|| "the channel was closed".to_owned());
        // Calls sent from now on are not those whose replies a lost queue took with it.
        let losses = pending.losses.fetch_add(1, Ordering::AcqRel) + 1;
        pending.consuming.send_replace(false);
        tracing::warn!(
            target: "nameko_amqp::rpc",
            queue = %target.queue, reason = %why,
            "reply consumer lost; resuming when the broker is back"
        );
        let target = &target;
        let reopen = |live: Arc<LiveConnection>| async move { target.open(&live, true).await };
        let Some((new_channel, new_consumer, lost)) = resume.resume(&target.queue, reopen).await
        else {
            // Closed for good.
            lock(&pending.waiting).clear();
            return;
        };
        if lost {
            let waiting: Vec<_> = {
                let mut calls = lock(&pending.waiting);
                let lost: Vec<String> = calls
                    .iter()
                    .filter(|(_, (sent_at, _))| *sent_at < losses)
                    .map(|(id, _)| id.clone())
                    .collect();
                lost.iter().filter_map(|id| calls.remove(id)).collect()
            };
            tracing::warn!(
                target: "nameko_amqp::rpc",
                queue = %target.queue, calls = waiting.len(),
                "the reply queue expired while the broker was away; failing the calls waiting on it"
            );
            for (_, tx) in waiting {
                let _ = tx.send(Err(RpcError::ReplyQueueLost(target.queue.clone())));
            }
        }
        *lock(&current) = new_channel.clone();
        channel = new_channel;
        consumer = new_consumer;
        pending.consuming.send_replace(true);
        tracing::info!(target: "nameko_amqp::rpc", queue = %target.queue, "reply consumer resumed");
    }
}

/// The pending reply of an asynchronous call (`call_async`).
#[derive(Debug)]
pub struct RpcReply {
    rx: oneshot::Receiver<Result<Value, RpcError>>,
    service: String,
    method: String,
    /// The call's timeout, as sent (for the error).
    timeout: Option<Duration>,
    /// When the caller stops waiting: the timeout counts from sending.
    wait_until: Option<tokio::time::Instant>,
    /// The client's registry of remote error types, if it has one.
    errors: Option<Arc<RemoteErrors>>,
    /// The call's span: it ends when the reply is taken, or dropped.
    span: tracing::Span,
}

impl RpcReply {
    /// A reply that is there already (a test double's answer).
    #[cfg(feature = "testing")]
    pub(crate) fn ready(service: &str, method: &str, result: Result<Value, RpcError>) -> Self {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(result);
        RpcReply {
            rx,
            service: service.to_owned(),
            method: method.to_owned(),
            timeout: None,
            wait_until: None,
            errors: None,
            span: tracing::Span::none(),
        }
    }

    /// Maps the reply's remote error through `errors` (see [`RemoteErrors`]).
    pub(crate) fn with_errors(mut self, errors: Option<Arc<RemoteErrors>>) -> Self {
        self.errors = errors;
        self
    }

    /// Waits for the reply and decodes its result into `T`.
    ///
    /// # Cancel safety
    /// Not cancel safe: dropping the future drops the reply.
    pub async fn result<T: DeserializeOwned>(self) -> Result<T, RpcError> {
        let method = self.method.clone();
        let value = self.value().await?;
        serde_json::from_value(value).map_err(|source| RpcError::DecodeResult { method, source })
    }

    /// Waits for the reply's raw JSON result, until the call's timeout (counted from
    /// sending) has passed. A remote error is mapped through the client's
    /// [`RemoteErrors`], if it has some.
    pub async fn value(self) -> Result<Value, RpcError> {
        let _span = self.span;
        let outcome = match self.wait_until {
            Some(at) => match tokio::time::timeout_at(at, self.rx).await {
                Ok(r) => r,
                Err(_) => {
                    crate::metrics::rpc_call_timed_out(&self.service);
                    return Err(RpcError::Timeout {
                        service: self.service,
                        method: self.method,
                        timeout: self.timeout.unwrap_or_default(),
                    });
                }
            },
            None => self.rx.await,
        };
        match (outcome.unwrap_or(Err(RpcError::Disconnected)), &self.errors) {
            (Err(e), Some(errors)) => Err(errors.resolve(&self.service, e)),
            (outcome, _) => outcome,
        }
    }
}

/// Context data for a call made from the current task: the current worker's data and
/// call-id stack, or, outside a worker, `fallback` plus a fresh standalone call id.
fn outgoing_context(fallback: &ContextData) -> ContextData {
    match WorkerContext::current() {
        Some(ctx) => ctx.outgoing_data(),
        None => {
            let mut data = fallback.clone();
            let id = format!(
                "{}.{}.{}",
                wire::STANDALONE_SERVICE_NAME,
                wire::STANDALONE_METHOD_NAME,
                nameko_core::__private::uuid_v4()
            );
            data.insert(
                CALL_ID_STACK.to_owned(),
                Value::Array(vec![Value::String(id)]),
            );
            data
        }
    }
}

/// A dependency for calling another service, Nameko's `RpcProxy("service_y")`.
///
/// Calls made inside a worker carry its context data and call-id stack. The proxy uses
/// the container's reply queue `rpc.reply-<service>-<uuid>`.
///
/// ```
/// use nameko_amqp::{RpcError, RpcProxy};
/// use nameko_core::{rpc, service};
///
/// pub struct ServiceX {
///     y: RpcProxy,
/// }
///
/// #[service(name = "service_x", dependencies(y))]
/// impl ServiceX {
///     #[rpc]
///     async fn remote_method(&self, value: String) -> Result<String, RpcError> {
///         self.y.call("append_identifier", (format!("{value}-x"),)).await
///     }
/// }
/// ```
#[derive(Debug)]
pub struct RpcProxy {
    target: String,
    /// Set by the user; `None`: the config's `RPC_TIMEOUT`.
    timeout: Option<Option<Duration>>,
    /// Remote error types mapped back, if any.
    errors: Option<Arc<RemoteErrors>>,
    listener: OnceLock<Arc<ReplyListener>>,
    /// The test double calls go to instead, once replaced.
    #[cfg(feature = "testing")]
    fake: OnceLock<crate::testing::FakeRpcProxy>,
}

impl RpcProxy {
    /// A proxy to the service named `target`.
    pub fn new(target: impl Into<String>) -> Self {
        RpcProxy {
            target: target.into(),
            timeout: None,
            errors: None,
            listener: OnceLock::new(),
            #[cfg(feature = "testing")]
            fake: OnceLock::new(),
        }
    }

    /// Fails calls whose reply takes longer than `timeout` with [`RpcError::Timeout`],
    /// instead of the config's `RPC_TIMEOUT` (default 30 s). Inside a worker that has a
    /// deadline, a call waits at most until then; the request carries its deadline (see
    /// [`rpc::deadline`](crate::rpc::deadline)).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Some(timeout));
        self
    }

    /// Waits for replies forever, as Python Nameko 2's `RpcProxy` does, whatever
    /// `RPC_TIMEOUT` says.
    pub fn without_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// Maps the remote errors of the types `errors` registers for this proxy's target to
    /// your types ([`RpcError::Typed`], matched with [`RpcError::downcast_ref`]).
    pub fn with_remote_errors(mut self, errors: RemoteErrors) -> Self {
        self.errors = Some(Arc::new(errors));
        self
    }

    /// The target service's name.
    pub fn target(&self) -> &str {
        &self.target
    }

    async fn listener(&self) -> Result<Arc<ReplyListener>, RpcError> {
        if let Some(l) = self.listener.get() {
            return Ok(Arc::clone(l));
        }
        // Not listed in `dependencies(...)`: find the container through the current worker.
        let container = WorkerContext::current()
            .and_then(|ctx| ctx.container().cloned())
            .ok_or_else(|| RpcError::NotConnected(self.target.clone()))?;
        let listener = container_listener(&container).await?;
        Ok(Arc::clone(self.listener.get_or_init(|| listener)))
    }

    /// Calls `method` with `args` and waits for its result.
    ///
    /// `args` is a tuple of positional arguments (`("hellø",)`), a `Vec<Value>`, or
    /// [`Arguments`](nameko_core::Arguments) with keyword arguments.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        args: impl IntoArguments,
    ) -> Result<T, RpcError> {
        self.call_async(method, args).await?.result().await
    }

    /// Sends the call and returns at once; [`RpcReply::result`] waits for the reply.
    pub async fn call_async(
        &self,
        method: &str,
        args: impl IntoArguments,
    ) -> Result<RpcReply, RpcError> {
        #[cfg(feature = "testing")]
        if let Some(fake) = self.fake.get() {
            return fake
                .call_async(method, args, outgoing_context(&ContextData::new()))
                .map(|reply| reply.with_errors(self.errors.clone()));
        }
        let listener = self.listener().await?;
        let context = outgoing_context(&ContextData::new());
        let timeout = self.timeout.unwrap_or(listener.default_timeout);
        let reply = listener
            .call_async(&self.target, method, args, &context, timeout)
            .await?;
        Ok(reply.with_errors(self.errors.clone()))
    }
}

async fn container_listener(container: &ContainerHandle) -> Result<Arc<ReplyListener>, AmqpError> {
    let connection = AmqpConnection::shared(container).await?;
    let service = container.service_name_arc();
    container
        .local()
        .get_or_try_init(|| async move { ReplyListener::start(connection, &service).await })
        .await
}

#[nameko_core::async_trait]
impl Extension for RpcProxy {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        #[cfg(feature = "testing")]
        if self.fake.get().is_some() {
            return Ok(());
        }
        let listener = container_listener(container).await?;
        let _ = self.listener.set(listener);
        Ok(())
    }
}

impl DependencyProvider for RpcProxy {
    /// With feature `testing`: turns the proxy into a
    /// [`FakeRpcProxy`](crate::testing::FakeRpcProxy) of its target (the same one if it
    /// was turned already) and returns the fake's handle. Calls then go to the fake,
    /// inside or outside a worker, with the worker's context data; `setup` connects to
    /// nothing. Without the feature: `None`.
    #[cfg(feature = "testing")]
    fn replace_with_double(&self) -> Option<Box<dyn std::any::Any + Send>> {
        let fake = self
            .fake
            .get_or_init(|| crate::testing::FakeRpcProxy::new(self.target.clone()));
        Some(Box::new(fake.clone()))
    }
}

/// A standalone RPC client for code outside any service: Nameko's `ClusterRpcProxy`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use nameko_amqp::ClusterRpc;
/// use nameko_core::Config;
/// use std::time::Duration;
///
/// let config = Config::new().with("AMQP_URI", "pyamqp://guest:guest@localhost");
/// let cluster = ClusterRpc::connect(&config).await?.with_timeout(Duration::from_secs(10));
/// let out: String = cluster.service("service_x").call("remote_method", ("hellø",)).await?;
/// assert_eq!(out, "hellø-x-y");
///
/// let hello = cluster.service("service_x").call_async("remote_method", ("hello",)).await?;
/// let world = cluster.service("service_x").call_async("remote_method", ("world",)).await?;
/// assert_eq!(hello.result::<String>().await?, "hello-x-y");
/// assert_eq!(world.result::<String>().await?, "world-x-y");
/// cluster.close().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ClusterRpc {
    connection: Arc<AmqpConnection>,
    listener: ReplyListener,
    timeout: Option<Duration>,
    context_data: ContextData,
    errors: Option<Arc<RemoteErrors>>,
}

impl ClusterRpc {
    /// Connects to the broker of `config` and declares a reply queue.
    pub async fn connect(config: &Config) -> Result<Self, RpcError> {
        let connection = Arc::new(AmqpConnection::connect(config).await?);
        let listener =
            ReplyListener::start(Arc::clone(&connection), wire::STANDALONE_SERVICE_NAME).await?;
        Ok(ClusterRpc {
            connection,
            timeout: listener.default_timeout,
            listener,
            context_data: ContextData::new(),
            errors: None,
        })
    }

    /// Fails calls whose reply takes longer than `timeout` with [`RpcError::Timeout`]
    /// (Nameko's `ClusterRpcProxy(config, timeout=...)`), instead of the config's
    /// `RPC_TIMEOUT` (default 30 s). The request carries the deadline, so that a service
    /// does not start it once the call has timed out (see
    /// [`rpc::deadline`](crate::rpc::deadline)).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for replies forever, as Python Nameko's `ClusterRpcProxy` does by default,
    /// whatever `RPC_TIMEOUT` says.
    pub fn without_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Context data sent with every call (`language`, `user_id`, `auth_token`, ...).
    pub fn with_context_data(mut self, data: ContextData) -> Self {
        self.context_data = data;
        self
    }

    /// Maps the remote errors of the types `errors` registers, per service called, to
    /// your types ([`RpcError::Typed`], matched with [`RpcError::downcast_ref`]).
    pub fn with_remote_errors(mut self, errors: RemoteErrors) -> Self {
        self.errors = Some(Arc::new(errors));
        self
    }

    /// A handle for calling `service`.
    pub fn service<'a>(&'a self, service: &'a str) -> ServiceRpc<'a> {
        ServiceRpc {
            cluster: self,
            service,
        }
    }

    /// Closes the reply queue's consumer and the connection.
    pub async fn close(&self) {
        self.listener.close().await;
        self.connection.close().await;
    }
}

/// Calls to one service through a [`ClusterRpc`].
#[derive(Debug, Clone, Copy)]
pub struct ServiceRpc<'a> {
    cluster: &'a ClusterRpc,
    service: &'a str,
}

impl ServiceRpc<'_> {
    /// Calls `method` and waits for its result.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        args: impl IntoArguments,
    ) -> Result<T, RpcError> {
        self.call_async(method, args).await?.result().await
    }

    /// Sends the call and returns at once; [`RpcReply::result`] waits for the reply.
    pub async fn call_async(
        &self,
        method: &str,
        args: impl IntoArguments,
    ) -> Result<RpcReply, RpcError> {
        let context = outgoing_context(&self.cluster.context_data);
        let reply = self
            .cluster
            .listener
            .call_async(self.service, method, args, &context, self.cluster.timeout)
            .await?;
        Ok(reply.with_errors(self.cluster.errors.clone()))
    }
}
