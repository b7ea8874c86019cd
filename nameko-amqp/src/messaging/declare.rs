//! Exchanges and queues as kombu describes them, and declaring them.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{Channel, ExchangeKind};
use serde_json::Value;

use crate::error::AmqpError;
use crate::wire;

/// The type of an [`Exchange`]: how it routes messages to the queues bound to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExchangeType {
    /// To the queues bound with exactly the message's routing key (kombu's default).
    #[default]
    Direct,
    /// To the queues whose binding pattern (`order.*`, `#`) matches the routing key.
    Topic,
    /// To every bound queue.
    Fanout,
    /// By the message's headers.
    Headers,
}

impl ExchangeType {
    /// kombu's name of the type (`direct`, `topic`, `fanout`, `headers`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ExchangeType::Direct => "direct",
            ExchangeType::Topic => "topic",
            ExchangeType::Fanout => "fanout",
            ExchangeType::Headers => "headers",
        }
    }

    fn kind(self) -> ExchangeKind {
        match self {
            ExchangeType::Direct => ExchangeKind::Direct,
            ExchangeType::Topic => ExchangeKind::Topic,
            ExchangeType::Fanout => ExchangeKind::Fanout,
            ExchangeType::Headers => ExchangeKind::Headers,
        }
    }
}

/// An exchange, kombu's `Exchange(name, type=..., durable=..., auto_delete=...)`: durable
/// and not auto-deleted unless said otherwise, as in kombu. The exchange named `""` is
/// the broker's default exchange, which is never declared.
///
/// ```
/// use nameko_amqp::messaging::{Exchange, ExchangeType};
///
/// let shop = Exchange::topic("shop").durable(true);
/// assert_eq!(shop.name(), "shop");
/// assert_eq!(shop.get_type(), ExchangeType::Topic);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    name: String,
    exchange_type: ExchangeType,
    durable: bool,
    auto_delete: bool,
}

impl Exchange {
    /// A `direct` exchange (kombu's default type).
    pub fn new(name: impl Into<String>) -> Self {
        Exchange {
            name: name.into(),
            exchange_type: ExchangeType::Direct,
            durable: true,
            auto_delete: false,
        }
    }

    /// A `direct` exchange.
    pub fn direct(name: impl Into<String>) -> Self {
        Self::new(name)
    }

    /// A `topic` exchange.
    pub fn topic(name: impl Into<String>) -> Self {
        Self::new(name).exchange_type(ExchangeType::Topic)
    }

    /// A `fanout` exchange.
    pub fn fanout(name: impl Into<String>) -> Self {
        Self::new(name).exchange_type(ExchangeType::Fanout)
    }

    /// A `headers` exchange.
    pub fn headers(name: impl Into<String>) -> Self {
        Self::new(name).exchange_type(ExchangeType::Headers)
    }

    /// Sets the type.
    pub fn exchange_type(mut self, exchange_type: ExchangeType) -> Self {
        self.exchange_type = exchange_type;
        self
    }

    /// Sets `durable` (default true): whether the exchange survives a broker restart.
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// Sets `auto_delete` (default false): whether the exchange is deleted when its last
    /// queue is unbound.
    pub fn auto_delete(mut self, auto_delete: bool) -> Self {
        self.auto_delete = auto_delete;
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type.
    pub fn get_type(&self) -> ExchangeType {
        self.exchange_type
    }

    /// Declares the exchange on `channel` (nothing for the default exchange `""`).
    pub(crate) async fn declare_on(&self, channel: &Channel) -> Result<(), AmqpError> {
        if self.name.is_empty() {
            return Ok(());
        }
        channel
            .exchange_declare(
                self.name.as_str().into(),
                self.exchange_type.kind(),
                ExchangeDeclareOptions {
                    durable: self.durable,
                    auto_delete: self.auto_delete,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(AmqpError::op(format!("exchange.declare {}", self.name)))
    }
}

/// A queue, kombu's `Queue(name, exchange=..., routing_key=..., durable=...,
/// auto_delete=..., exclusive=..., queue_arguments=...)`: durable, not exclusive and not
/// auto-deleted unless said otherwise, as in kombu. Declaring it declares its exchange
/// (when it has one) and binds the queue to it with its routing key.
///
/// ```
/// use nameko_amqp::messaging::{Exchange, Queue};
///
/// let orders = Queue::new("orders")
///     .exchange(Exchange::topic("shop"))
///     .routing_key("order.*")
///     .argument("x-max-priority", 10);
/// assert_eq!(orders.name(), "orders");
/// assert_eq!(orders.get_routing_key(), "order.*");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    name: String,
    exchange: Option<Exchange>,
    routing_key: String,
    durable: bool,
    auto_delete: bool,
    exclusive: bool,
    arguments: Vec<(String, Value)>,
}

impl Queue {
    /// A durable queue named `name`, bound to no exchange (reachable through the default
    /// exchange with its name as routing key).
    pub fn new(name: impl Into<String>) -> Self {
        Queue {
            name: name.into(),
            exchange: None,
            routing_key: String::new(),
            durable: true,
            auto_delete: false,
            exclusive: false,
            arguments: Vec::new(),
        }
    }

    /// Binds the queue to `exchange` (declared with it).
    pub fn exchange(mut self, exchange: Exchange) -> Self {
        self.exchange = Some(exchange);
        self
    }

    /// Sets the binding's routing key (default `""`); a pattern for a topic exchange.
    pub fn routing_key(mut self, routing_key: impl Into<String>) -> Self {
        self.routing_key = routing_key.into();
        self
    }

    /// Sets `durable` (default true): whether the queue survives a broker restart.
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// Sets `auto_delete` (default false): whether the queue is deleted when its last
    /// consumer goes.
    pub fn auto_delete(mut self, auto_delete: bool) -> Self {
        self.auto_delete = auto_delete;
        self
    }

    /// Sets `exclusive` (default false): whether only this connection may use the queue.
    pub fn exclusive(mut self, exclusive: bool) -> Self {
        self.exclusive = exclusive;
        self
    }

    /// Adds a queue argument, kombu's `queue_arguments` (`x-max-priority`,
    /// `x-message-ttl`, `x-queue-type`, ...).
    pub fn argument(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.arguments.push((key.into(), value.into()));
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The exchange the queue is bound to, if any.
    pub fn get_exchange(&self) -> Option<&Exchange> {
        self.exchange.as_ref()
    }

    /// The binding's routing key.
    pub fn get_routing_key(&self) -> &str {
        &self.routing_key
    }

    fn arguments_table(&self) -> FieldTable {
        let mut table = FieldTable::default();
        for (key, value) in &self.arguments {
            table.insert(ShortString::from(key.as_str()), wire::json_to_amqp(value));
        }
        table
    }

    /// Declares the queue's exchange, the queue and the binding on `channel`; returns the
    /// queue's name (the broker's when the name is empty).
    pub(crate) async fn declare_on(&self, channel: &Channel) -> Result<String, AmqpError> {
        if let Some(exchange) = &self.exchange {
            exchange.declare_on(channel).await?;
        }
        let declared = channel
            .queue_declare(
                self.name.as_str().into(),
                QueueDeclareOptions {
                    durable: self.durable,
                    auto_delete: self.auto_delete,
                    exclusive: self.exclusive,
                    ..QueueDeclareOptions::default()
                },
                self.arguments_table(),
            )
            .await
            .map_err(AmqpError::op(format!("queue.declare {}", self.name)))?;
        let name = declared.name().as_str().to_owned();
        if let Some(exchange) = self.exchange.as_ref().filter(|e| !e.name.is_empty()) {
            channel
                .queue_bind(
                    name.as_str().into(),
                    exchange.name.as_str().into(),
                    self.routing_key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(AmqpError::op(format!("queue.bind {name}")))?;
        }
        Ok(name)
    }
}

/// Something a [`Publisher`](super::Publisher) declares: an [`Exchange`] or a [`Queue`]
/// (with its exchange and binding).
#[derive(Debug, Clone, PartialEq)]
pub enum Declaration {
    /// An exchange.
    Exchange(Exchange),
    /// A queue, its exchange and its binding.
    Queue(Queue),
}

impl From<Exchange> for Declaration {
    fn from(exchange: Exchange) -> Self {
        Declaration::Exchange(exchange)
    }
}

impl From<Queue> for Declaration {
    fn from(queue: Queue) -> Self {
        Declaration::Queue(queue)
    }
}

impl Declaration {
    pub(crate) async fn declare_on(&self, channel: &Channel) -> Result<(), AmqpError> {
        match self {
            Declaration::Exchange(exchange) => exchange.declare_on(channel).await,
            Declaration::Queue(queue) => queue.declare_on(channel).await.map(drop),
        }
    }
}
