//! [`Publisher`]: Nameko's `Publisher` dependency, and [`StandalonePublisher`] for code
//! outside any service.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use nameko_core::context::ContextData;
use nameko_core::serialization::SerializationError;
use nameko_core::{
    BoxError, Config, ContainerHandle, DependencyProvider, Extension, RemoteError, WorkerContext,
};
use serde::Serialize;
use serde_json::{Map, Value};
use tracing::Instrument;

use super::declare::{Declaration, Exchange, Queue};
use crate::connection::{AmqpConnection, Published, close_channel};
use crate::error::AmqpError;
use crate::outgoing::{Outgoing, Sending};
use crate::wire;

/// Why a message could not be published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The payload could not be encoded with the configured serializer.
    #[error("cannot encode the message: {0}")]
    Encode(#[source] SerializationError),
    /// The publisher was used before its service was set up.
    #[error("Publisher is not connected: use it inside a worker of a started service")]
    NotConnected,
    /// The message was `mandatory` and no queue is bound for it: the broker returned it
    /// (Nameko's `UndeliverableMessage`).
    #[error("message to `{exchange}` with routing key `{routing_key}` is undeliverable")]
    Undeliverable {
        /// The exchange (`""` for the default exchange).
        exchange: String,
        /// The routing key.
        routing_key: String,
    },
    /// The broker could not be reached, refused a declaration, or did not confirm the
    /// message.
    #[error(transparent)]
    Amqp(#[from] AmqpError),
}

impl nameko_core::ToRemoteError for PublishError {
    fn to_remote_error(&self) -> RemoteError {
        match self {
            PublishError::Undeliverable { .. } => {
                RemoteError::new("UndeliverableMessage", self.to_string())
                    .with_path("nameko.amqp.publish.UndeliverableMessage")
            }
            _ => RemoteError::new("PublishError", self.to_string())
                .with_path("nameko_amqp.messaging.PublishError"),
        }
    }
}

impl From<PublishError> for RemoteError {
    fn from(err: PublishError) -> RemoteError {
        nameko_core::ToRemoteError::to_remote_error(&err)
    }
}

/// A message's `delivery_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliveryMode {
    /// Kept in memory only (`1`): lost if the broker restarts.
    Transient,
    /// Written to disk in a durable queue (`2`), Nameko's default.
    #[default]
    Persistent,
}

impl DeliveryMode {
    /// The AMQP value: 1 or 2.
    pub fn as_u8(self) -> u8 {
        match self {
            DeliveryMode::Transient => 1,
            DeliveryMode::Persistent => wire::PERSISTENT,
        }
    }
}

/// Options of one publish, kombu's `producer.publish(..., **kwargs)`; each one set here
/// overrides the [`Publisher`]'s, headers are added to its headers.
///
/// ```
/// use std::time::Duration;
/// use nameko_amqp::messaging::{DeliveryMode, PublishOptions};
///
/// let options = PublishOptions::new()
///     .routing_key("order.cancelled")
///     .priority(5)
///     .expiration(Duration::from_secs(60))
///     .delivery_mode(DeliveryMode::Transient)
///     .header("source", "web");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublishOptions {
    routing_key: Option<String>,
    delivery_mode: Option<DeliveryMode>,
    priority: Option<u8>,
    expiration: Option<Duration>,
    mandatory: Option<bool>,
    correlation_id: Option<String>,
    reply_to: Option<String>,
    headers: Map<String, Value>,
}

impl PublishOptions {
    /// No options: the publisher's apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// The routing key.
    pub fn routing_key(mut self, routing_key: impl Into<String>) -> Self {
        self.routing_key = Some(routing_key.into());
        self
    }

    /// The delivery mode (default [`DeliveryMode::Persistent`]).
    pub fn delivery_mode(mut self, mode: DeliveryMode) -> Self {
        self.delivery_mode = Some(mode);
        self
    }

    /// The message priority (0 to 9 in practice; honoured by queues declared with
    /// `x-max-priority`).
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = Some(priority);
        self
    }

    /// The message's time to live in its queue (kombu's `expiration`, in seconds there;
    /// sent in milliseconds).
    pub fn expiration(mut self, ttl: Duration) -> Self {
        self.expiration = Some(ttl);
        self
    }

    /// Whether the broker must return the message when no queue is bound for it (default
    /// false); a returned message is [`PublishError::Undeliverable`].
    pub fn mandatory(mut self, mandatory: bool) -> Self {
        self.mandatory = Some(mandatory);
        self
    }

    /// The `correlation_id` property.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// The `reply_to` property.
    pub fn reply_to(mut self, queue: impl Into<String>) -> Self {
        self.reply_to = Some(queue.into());
        self
    }

    /// Adds a header. The worker's context data (`nameko.*` headers) is added last and
    /// wins over a header of the same name.
    pub fn header(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.headers.insert(key.into(), value.into());
        self
    }

    /// These options over `defaults`: each option set here wins, headers are merged.
    fn over(&self, defaults: &PublishOptions) -> PublishOptions {
        let mut headers = defaults.headers.clone();
        headers.extend(self.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        PublishOptions {
            routing_key: self
                .routing_key
                .clone()
                .or_else(|| defaults.routing_key.clone()),
            delivery_mode: self.delivery_mode.or(defaults.delivery_mode),
            priority: self.priority.or(defaults.priority),
            expiration: self.expiration.or(defaults.expiration),
            mandatory: self.mandatory.or(defaults.mandatory),
            correlation_id: self
                .correlation_id
                .clone()
                .or_else(|| defaults.correlation_id.clone()),
            reply_to: self.reply_to.clone().or_else(|| defaults.reply_to.clone()),
            headers,
        }
    }
}

/// What a publisher publishes to, and how: shared by [`Publisher`] and
/// [`StandalonePublisher`].
#[derive(Debug, Clone, Default)]
struct Target {
    exchange: Option<Exchange>,
    queue: Option<Queue>,
    declare: Vec<Declaration>,
    defaults: PublishOptions,
    /// Messages, or events (an [`EventDispatcher`](crate::EventDispatcher)'s): their span.
    sending: Sending,
}

impl Target {
    /// Everything to declare: `declare`, then the exchange, then the queue (as Nameko
    /// appends them).
    fn declarations(&self) -> Vec<Declaration> {
        let mut all = self.declare.clone();
        all.extend(self.exchange.clone().map(Declaration::from));
        all.extend(self.queue.clone().map(Declaration::from));
        all
    }

    /// The exchange messages go to: the publisher's, else its queue's (Nameko's
    /// deprecated `queue=` form), else the default exchange.
    fn exchange_name(&self) -> &str {
        self.exchange
            .as_ref()
            .or_else(|| self.queue.as_ref().and_then(Queue::get_exchange))
            .map(Exchange::name)
            .unwrap_or("")
    }

    /// The routing key when none is set: with a queue, its binding key, or its name when
    /// it is reached through the default exchange.
    fn default_routing_key(&self) -> String {
        match &self.queue {
            Some(queue) if self.exchange_name().is_empty() => queue.name().to_owned(),
            Some(queue) => queue.get_routing_key().to_owned(),
            None => String::new(),
        }
    }

    async fn declare(&self, connection: &AmqpConnection) -> Result<(), AmqpError> {
        let declarations = self.declarations();
        if declarations.is_empty() {
            return Ok(());
        }
        // A channel of its own: a failed declare closes its channel, never the publisher's.
        let channel = connection.create_channel().await?;
        let mut result = Ok(());
        for declaration in &declarations {
            result = declaration.declare_on(&channel).await;
            if result.is_err() {
                break;
            }
        }
        close_channel(&channel, "OK").await;
        result
    }

    async fn publish(
        &self,
        connection: &AmqpConnection,
        payload: &(impl Serialize + ?Sized),
        options: &PublishOptions,
        context: &ContextData,
    ) -> Result<(), PublishError> {
        let body = connection
            .serializers()
            .serializer()
            .to_vec(payload)
            .map_err(PublishError::Encode)?;
        let (published, routing_key) = self.send(connection, &body, options, context).await?;
        let exchange = self.exchange_name();
        match published {
            Published::Routed => {
                tracing::debug!(target: "nameko_amqp::messaging", %exchange, %routing_key, "published");
                Ok(())
            }
            Published::Returned => Err(PublishError::Undeliverable {
                exchange: exchange.to_owned(),
                routing_key,
            }),
        }
    }

    /// Publishes `body` with `options` over the defaults and waits for the broker's
    /// confirm; with the routing key used.
    async fn send(
        &self,
        connection: &AmqpConnection,
        body: &[u8],
        options: &PublishOptions,
        context: &ContextData,
    ) -> Result<(Published, String), AmqpError> {
        let options = options.over(&self.defaults);
        let exchange = self.exchange_name();
        let routing_key = options
            .routing_key
            .clone()
            .unwrap_or_else(|| self.default_routing_key());
        let (span, properties) = Outgoing::new(self.sending, exchange, &routing_key, context)
            .serializer(connection.serializers().serializer())
            .headers(&options.headers)
            .delivery_mode(options.delivery_mode.unwrap_or_default().as_u8())
            .priority(options.priority)
            .expiration(options.expiration)
            .correlation_id(options.correlation_id.as_deref())
            .reply_to(options.reply_to.as_deref())
            .build();
        let published = connection
            .publish(
                exchange,
                &routing_key,
                options.mandatory.unwrap_or(false),
                body,
                properties,
            )
            .instrument(span)
            .await?;
        Ok((published, routing_key))
    }
}

/// A dependency that publishes messages, Nameko's `Publisher(exchange=..., queue=...,
/// declare=[...], **options)`.
///
/// Messages are JSON (`application/json`), persistent unless said otherwise, and carry
/// the worker's context data (call-id stack, trace context, `language`, ...) as
/// `nameko.*` headers, as events and RPC calls do; [`publish`](Self::publish) returns once
/// the broker has confirmed the message. What the publisher is given (its exchange, its
/// queue with the queue's exchange and binding, and `declare`) is declared when the
/// service is set up.
///
/// The exchange messages go to is the publisher's [`exchange`](Self::exchange), else its
/// queue's exchange, else the default exchange (`""`, which routes to the queue named by
/// the routing key). The routing key is the one given to the publish, else the
/// publisher's, else the queue's binding key (its name through the default exchange).
///
/// ```
/// use nameko_amqp::messaging::{Exchange, PublishError, PublishOptions, Publisher};
/// use nameko_core::{rpc, service};
/// use serde_json::Value;
///
/// pub struct Shop {
///     publish: Publisher,
/// }
///
/// #[service(name = "shop", dependencies(publish))]
/// impl Shop {
///     #[rpc]
///     async fn cancel(&self, order: Value) -> Result<(), PublishError> {
///         let options = PublishOptions::new().routing_key("order.cancelled").priority(5);
///         self.publish.publish_with(&order, options).await
///     }
/// }
///
/// let shop = Shop {
///     publish: Publisher::new()
///         .exchange(Exchange::topic("shop"))
///         .routing_key("order.created"),
/// };
/// ```
#[derive(Debug, Default)]
pub struct Publisher {
    target: Arc<Target>,
    connection: OnceLock<Arc<AmqpConnection>>,
}

impl Publisher {
    /// A publisher to the default exchange, declaring nothing.
    pub fn new() -> Self {
        Self::default()
    }

    fn target(&mut self) -> &mut Target {
        Arc::make_mut(&mut self.target)
    }

    /// The publisher with its default options changed by `change`.
    fn with_defaults(mut self, change: impl FnOnce(PublishOptions) -> PublishOptions) -> Self {
        let target = self.target();
        target.defaults = change(std::mem::take(&mut target.defaults));
        self
    }

    /// Publishes to `exchange` (and declares it).
    pub fn exchange(mut self, exchange: Exchange) -> Self {
        self.target().exchange = Some(exchange);
        self
    }

    /// Declares `queue` (its exchange and binding too); without an
    /// [`exchange`](Self::exchange), publishes to the queue's exchange with its binding
    /// key (Nameko's deprecated `Publisher(queue=...)`), or to the queue itself through
    /// the default exchange when it has none.
    pub fn queue(mut self, queue: Queue) -> Self {
        self.target().queue = Some(queue);
        self
    }

    /// Also declares `declaration` (an [`Exchange`] or a [`Queue`]) at setup, Nameko's
    /// `declare=[...]`; call it once for each.
    pub fn declare(mut self, declaration: impl Into<Declaration>) -> Self {
        self.target().declare.push(declaration.into());
        self
    }

    /// The default publish options; each publish may override them.
    pub fn options(mut self, options: PublishOptions) -> Self {
        self.target().defaults = options;
        self
    }

    /// The default routing key.
    pub fn routing_key(self, routing_key: impl Into<String>) -> Self {
        self.with_defaults(|d| d.routing_key(routing_key))
    }

    /// The default delivery mode ([`DeliveryMode::Persistent`] unless set).
    pub fn delivery_mode(self, mode: DeliveryMode) -> Self {
        self.with_defaults(|d| d.delivery_mode(mode))
    }

    /// The default priority.
    pub fn priority(self, priority: u8) -> Self {
        self.with_defaults(|d| d.priority(priority))
    }

    /// The default expiration (time to live in the queue).
    pub fn expiration(self, ttl: Duration) -> Self {
        self.with_defaults(|d| d.expiration(ttl))
    }

    /// Whether messages are `mandatory` by default (false unless set).
    pub fn mandatory(self, mandatory: bool) -> Self {
        self.with_defaults(|d| d.mandatory(mandatory))
    }

    /// A header sent with every message.
    pub fn header(self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.with_defaults(|d| d.header(key, value))
    }

    /// Publishes `payload` as JSON with the publisher's options and waits for the
    /// broker's confirm.
    pub async fn publish(&self, payload: &(impl Serialize + ?Sized)) -> Result<(), PublishError> {
        self.publish_with(payload, PublishOptions::default()).await
    }

    /// Publishes events: their spans are the event dispatcher's (`nameko_amqp::events`).
    pub(crate) fn sending_events(mut self) -> Self {
        self.target().sending = Sending::Event;
        self
    }

    /// Declares what the publisher was given, on `connection`.
    pub(crate) async fn declare_on(&self, connection: &AmqpConnection) -> Result<(), AmqpError> {
        self.target.declare(connection).await
    }

    /// Publishes `body` (JSON already) on `connection` with `options` over the
    /// publisher's, carrying `context`, and waits for the broker's confirm.
    pub(crate) async fn send_on(
        &self,
        connection: &AmqpConnection,
        body: &[u8],
        options: &PublishOptions,
        context: &ContextData,
    ) -> Result<Published, AmqpError> {
        let (published, _) = self.target.send(connection, body, options, context).await?;
        Ok(published)
    }

    /// Publishes `payload` as JSON with `options` over the publisher's, and waits for the
    /// broker's confirm.
    pub async fn publish_with(
        &self,
        payload: &(impl Serialize + ?Sized),
        options: PublishOptions,
    ) -> Result<(), PublishError> {
        let connection = self.connection.get().ok_or(PublishError::NotConnected)?;
        let context = WorkerContext::current()
            .map(|ctx| ctx.outgoing_data())
            .unwrap_or_default();
        self.target
            .publish(connection, payload, &options, &context)
            .await
    }

    /// Connects to the broker of `config` and declares what the publisher was given: a
    /// publisher for code outside any service (Nameko's standalone publishing).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use nameko_amqp::messaging::{Exchange, Publisher};
    /// use nameko_core::Config;
    ///
    /// let config = Config::new().with("AMQP_URI", "pyamqp://guest:guest@localhost");
    /// let publisher = Publisher::new()
    ///     .exchange(Exchange::topic("shop"))
    ///     .routing_key("order.created")
    ///     .connect(&config)
    ///     .await?;
    /// publisher.publish(&serde_json::json!({"id": 1})).await?;
    /// publisher.close().await;
    /// # Ok(()) }
    /// ```
    pub async fn connect(self, config: &Config) -> Result<StandalonePublisher, PublishError> {
        let connection = Arc::new(AmqpConnection::connect(config).await?);
        if let Err(e) = self.target.declare(&connection).await {
            connection.close().await;
            return Err(e.into());
        }
        Ok(StandalonePublisher {
            target: self.target,
            connection,
            context_data: ContextData::new(),
        })
    }
}

#[nameko_core::async_trait]
impl Extension for Publisher {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let connection = AmqpConnection::shared(container).await?;
        self.target.declare(&connection).await?;
        let _ = self.connection.set(connection);
        Ok(())
    }
}

impl DependencyProvider for Publisher {}

/// A [`Publisher`] connected outside any service ([`Publisher::connect`]).
#[derive(Debug)]
pub struct StandalonePublisher {
    target: Arc<Target>,
    connection: Arc<AmqpConnection>,
    context_data: ContextData,
}

impl StandalonePublisher {
    /// Context data sent as `nameko.*` headers with every message.
    pub fn with_context_data(mut self, data: ContextData) -> Self {
        self.context_data = data;
        self
    }

    /// Publishes `payload` with the publisher's options and waits for the broker's
    /// confirm.
    pub async fn publish(&self, payload: &(impl Serialize + ?Sized)) -> Result<(), PublishError> {
        self.publish_with(payload, PublishOptions::default()).await
    }

    /// Publishes `payload` with `options` over the publisher's and waits for the broker's
    /// confirm.
    pub async fn publish_with(
        &self,
        payload: &(impl Serialize + ?Sized),
        options: PublishOptions,
    ) -> Result<(), PublishError> {
        self.target
            .publish(&self.connection, payload, &options, &self.context_data)
            .await
    }

    /// Closes the connection.
    pub async fn close(&self) {
        self.connection.close().await;
    }
}
