//! Reading and replaying a dead-letter queue ([`failure`](crate::failure)):
//! [`DeadLetterQueue`], what `nameko dlq list|show|replay|purge` is built on.
//!
//! ```no_run
//! use std::sync::Arc;
//! use nameko_amqp::AmqpConnection;
//! use nameko_amqp::dead_letters::DeadLetterQueue;
//! use nameko_core::Config;
//!
//! # async fn run() -> Result<(), nameko_amqp::AmqpError> {
//! let config = Config::new().with("AMQP_URI", "pyamqp://guest:guest@localhost");
//! let connection = Arc::new(AmqpConnection::connect(&config).await?);
//! let dlq = DeadLetterQueue::new(connection, "dlq-orders.on_payment");
//! for letter in dlq.peek(10).await? {
//!     println!("{} after {} attempts", letter.exc_type, letter.attempts);
//! }
//! let replayed = dlq.replay(None).await?;
//! println!("{} replayed", replayed.replayed);
//! # Ok(()) }
//! ```

use std::sync::Arc;

use lapin::Channel;
use lapin::message::BasicGetMessage;
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, QueueDeclareOptions, QueuePurgeOptions,
};
use lapin::types::FieldTable;
use serde_json::{Map, Value, json};

use crate::connection::{AmqpConnection, Published, close_channel};
use crate::error::AmqpError;
use crate::wire;

/// One dead-lettered message: its failure (from its `x-nameko-*` headers), where it came
/// from, its headers and its body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// `exc_type` of the last failure.
    pub exc_type: String,
    /// Its message.
    pub exc_message: String,
    /// Failed attempts.
    pub attempts: i64,
    /// When the first attempt failed (an HTTP date), if known.
    pub first_failure: Option<String>,
    /// When the last attempt failed.
    pub last_failure: Option<String>,
    /// The exchange it was first published to.
    pub original_exchange: Option<String>,
    /// The routing key it was first published with.
    pub original_routing_key: Option<String>,
    /// The queue it failed on.
    pub original_queue: Option<String>,
    /// `<service>.<method>`.
    pub entrypoint: Option<String>,
    /// Every header, as JSON.
    pub headers: Map<String, Value>,
    /// The body.
    pub body: Vec<u8>,
}

impl DeadLetter {
    fn from_message(message: &BasicGetMessage) -> Self {
        let headers: Map<String, Value> = message
            .delivery
            .properties
            .headers()
            .as_ref()
            .map(|h| {
                h.inner()
                    .iter()
                    .map(|(k, v)| (k.to_string(), wire::amqp_to_json(v)))
                    .collect()
            })
            .unwrap_or_default();
        let text = |key: &str| headers.get(key).and_then(Value::as_str).map(str::to_owned);
        DeadLetter {
            exc_type: text(wire::EXC_TYPE_HEADER).unwrap_or_default(),
            exc_message: text(wire::EXC_MESSAGE_HEADER).unwrap_or_default(),
            attempts: headers
                .get(wire::ATTEMPTS_HEADER)
                .and_then(Value::as_i64)
                .unwrap_or(0),
            first_failure: text(wire::FIRST_FAILURE_HEADER),
            last_failure: text(wire::LAST_FAILURE_HEADER),
            original_exchange: text(wire::ORIGINAL_EXCHANGE_HEADER),
            original_routing_key: text(wire::ORIGINAL_ROUTING_KEY_HEADER),
            original_queue: text(wire::ORIGINAL_QUEUE_HEADER),
            entrypoint: text(wire::ENTRYPOINT_HEADER),
            body: message.delivery.data.clone(),
            headers,
        }
    }

    /// The body as JSON when it is, else as a string (lossy UTF-8).
    pub fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&self.body).into_owned()))
    }

    /// A one-object summary: the failure, where it came from, the body.
    pub fn summary(&self) -> Value {
        json!({
            "exc_type": self.exc_type,
            "exc_message": self.exc_message,
            "attempts": self.attempts,
            "first_failure": self.first_failure,
            "last_failure": self.last_failure,
            "entrypoint": self.entrypoint,
            "original_exchange": self.original_exchange,
            "original_routing_key": self.original_routing_key,
            "body": self.body_json(),
        })
    }

    /// Everything: the summary, the original queue and every header.
    pub fn to_json(&self) -> Value {
        let mut v = self.summary();
        if let Value::Object(map) = &mut v {
            map.insert("original_queue".into(), json!(self.original_queue));
            map.insert("headers".into(), Value::Object(self.headers.clone()));
        }
        v
    }
}

/// What [`DeadLetterQueue::replay`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replayed {
    /// Messages published back to their original exchange and routing key, and removed
    /// from the dead-letter queue.
    pub replayed: usize,
    /// Messages left in the dead-letter queue, with why.
    pub left: Vec<String>,
}

/// A dead-letter queue, read and replayed through an [`AmqpConnection`].
#[derive(Debug, Clone)]
pub struct DeadLetterQueue {
    connection: Arc<AmqpConnection>,
    queue: String,
}

impl DeadLetterQueue {
    /// The queue `queue` (e.g. `dlq-orders.on_payment`) on `connection`'s broker.
    pub fn new(connection: Arc<AmqpConnection>, queue: impl Into<String>) -> Self {
        DeadLetterQueue {
            connection,
            queue: queue.into(),
        }
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.queue
    }

    /// The messages in the queue; an error when it does not exist.
    pub async fn len(&self) -> Result<u32, AmqpError> {
        let channel = self.connection.create_channel().await?;
        let result = self.count_on(&channel).await;
        close_channel(&channel, "dead letters counted").await;
        result
    }

    /// Whether the queue is empty.
    pub async fn is_empty(&self) -> Result<bool, AmqpError> {
        Ok(self.len().await? == 0)
    }

    async fn count_on(&self, channel: &Channel) -> Result<u32, AmqpError> {
        let options = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(self.queue.as_str().into(), options, FieldTable::default())
            .await
            .map(|q| q.message_count())
            .map_err(|source| AmqpError::Protocol {
                operation: format!("queue.declare (passive) {}", self.queue),
                source,
            })
    }

    /// Up to `limit` messages from the head of the queue, left in it (they are taken
    /// unacknowledged and given back when the channel closes).
    pub async fn peek(&self, limit: usize) -> Result<Vec<DeadLetter>, AmqpError> {
        let channel = self.connection.create_channel().await?;
        let result = async {
            let count = usize::try_from(self.count_on(&channel).await?).unwrap_or(usize::MAX);
            let mut letters = Vec::new();
            for _ in 0..count.min(limit) {
                match self.get(&channel).await? {
                    Some(message) => letters.push(DeadLetter::from_message(&message)),
                    None => break,
                }
            }
            Ok(letters)
        }
        .await;
        // Closing the channel hands every message taken back to the queue, in order.
        close_channel(&channel, "dead letters read").await;
        result
    }

    async fn get(&self, channel: &Channel) -> Result<Option<BasicGetMessage>, AmqpError> {
        channel
            .basic_get(
                self.queue.as_str().into(),
                BasicGetOptions { no_ack: false },
            )
            .await
            .map_err(|source| AmqpError::Protocol {
                operation: format!("basic.get {}", self.queue),
                source,
            })
    }

    /// Publishes up to `limit` messages (all when `None`) back to their original exchange
    /// and routing key, with their original headers (the failure's `x-nameko-*` headers and
    /// RabbitMQ's `x-death` ones removed), each removed from the queue once the broker
    /// confirmed it. A message without its origin, or that no queue takes any more, is
    /// left in the queue and said in [`Replayed::left`].
    pub async fn replay(&self, limit: Option<usize>) -> Result<Replayed, AmqpError> {
        let channel = self.connection.create_channel().await?;
        let result = self.replay_on(&channel, limit).await;
        close_channel(&channel, "dead letters replayed").await;
        result
    }

    async fn replay_on(
        &self,
        channel: &Channel,
        limit: Option<usize>,
    ) -> Result<Replayed, AmqpError> {
        let count = usize::try_from(self.count_on(channel).await?).unwrap_or(usize::MAX);
        let mut done = Replayed::default();
        for _ in 0..count.min(limit.unwrap_or(usize::MAX)) {
            let Some(message) = self.get(channel).await? else {
                break;
            };
            let letter = DeadLetter::from_message(&message);
            let tag = message.delivery.delivery_tag;
            let (Some(exchange), Some(routing_key)) =
                (&letter.original_exchange, &letter.original_routing_key)
            else {
                done.left.push(format!(
                    "message {tag}: no {} header, its origin is not known",
                    wire::ORIGINAL_EXCHANGE_HEADER
                ));
                continue;
            };
            let headers = original_headers(message.delivery.properties.headers().as_ref());
            let properties = crate::settle::republished(&message.delivery.properties, headers);
            let published = self
                .connection
                .publish(
                    exchange,
                    routing_key,
                    true,
                    &message.delivery.data,
                    properties,
                )
                .await;
            match published {
                Ok(Published::Routed) => {
                    channel
                        .basic_ack(tag, BasicAckOptions::default())
                        .await
                        .map_err(|source| AmqpError::Protocol {
                            operation: format!("basic.ack {}", self.queue),
                            source,
                        })?;
                    done.replayed += 1;
                }
                Ok(Published::Returned) => done.left.push(format!(
                    "message {tag}: no queue is bound to exchange `{exchange}` with routing key `{routing_key}`"
                )),
                Err(e) => done.left.push(format!("message {tag}: {e}")),
            }
        }
        // Those left go back to the queue (in order) when the channel closes; nack them
        // now so that the order of what follows is kept.
        if !done.left.is_empty() {
            let options = BasicNackOptions {
                multiple: true,
                requeue: true,
            };
            let _ = channel.basic_nack(0, options).await;
        }
        Ok(done)
    }

    /// Removes every message; how many there were.
    pub async fn purge(&self) -> Result<u32, AmqpError> {
        let channel = self.connection.create_channel().await?;
        let result = async {
            self.count_on(&channel).await?;
            channel
                .queue_purge(self.queue.as_str().into(), QueuePurgeOptions::default())
                .await
                .map_err(|source| AmqpError::Protocol {
                    operation: format!("queue.purge {}", self.queue),
                    source,
                })
        }
        .await;
        close_channel(&channel, "dead letters purged").await;
        result
    }
}

/// `headers` without the failure's and RabbitMQ's dead-lettering headers.
fn original_headers(headers: Option<&FieldTable>) -> FieldTable {
    let mut out = FieldTable::default();
    for (key, value) in headers.map(|h| h.inner().iter()).into_iter().flatten() {
        let k = key.as_str();
        let failure = wire::FAILURE_HEADERS.contains(&k)
            || k == "x-death"
            || k.starts_with("x-first-death-")
            || k.starts_with("x-last-death-");
        if !failure {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapin::types::{AMQPValue, LongString};

    #[test]
    fn replayed_headers_are_the_original_ones() {
        let mut h = FieldTable::default();
        h.insert("nameko.call_id_stack".into(), AMQPValue::Void);
        h.insert("custom".into(), AMQPValue::Boolean(true));
        for k in wire::FAILURE_HEADERS {
            h.insert(k.into(), AMQPValue::LongString(LongString::from("x")));
        }
        h.insert("x-death".into(), AMQPValue::Void);
        h.insert("x-first-death-queue".into(), AMQPValue::Void);
        let out = original_headers(Some(&h));
        let keys: Vec<&str> = out.inner().keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["custom", "nameko.call_id_stack"]);
        assert!(original_headers(None).inner().is_empty());
    }
}
