//! The baselines: raw lapin doing by hand exactly what Nameko's protocol does, with none
//! of the framework (no containers, workers, context, dependency hooks).
//!
//! - [`serve_echo`]: the RPC server. Queue `rpc-bench_echo` (durable) bound to the
//!   `nameko-rpc` topic exchange with `bench_echo.*`, prefetch 10 (Nameko's default
//!   `max_workers`), each request handled in a task of its own: decode
//!   `{"args": [v], "kwargs": {}}`, publish `{"result": v, "error": null}` to `reply_to`
//!   with the `correlation_id` (persistent, publisher confirms), ack once the reply is
//!   confirmed.
//! - [`RawRpcClient`]: the client, as `ClusterRpc`: a reply queue
//!   `rpc.reply-standalone_rpc_proxy-<uuid>` (`x-expires`) bound with `<uuid>`, requests
//!   persistent and `mandatory` with a `nameko.call_id_stack` header and a publisher
//!   confirm, replies matched by `correlation_id` and acknowledged one by one, as Nameko's
//!   `PollingQueueConsumer` does ([`ReplyAcks::Each`]; [`ReplyAcks::None`], a `no_ack`
//!   consumer, for reference).
//! - [`publish_events`]: events published to `bench_source.events` with confirms, some in
//!   flight; [`consume_events`]: a consumer acking each event after handling it; and
//!   [`drain_no_ack`]: a no-ack consumer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use nameko_amqp::wire;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::services::Counter;

/// A raw-lapin failure, as text.
pub type Error = String;

fn err(what: &str) -> impl Fn(lapin::Error) -> Error + '_ {
    move |e| format!("{what}: {e}")
}

/// Connects to `uri` (`amqp://user:pass@host:port/vhost`).
pub async fn connect(uri: &str) -> Result<Connection, Error> {
    Connection::connect(uri, ConnectionProperties::default())
        .await
        .map_err(err("connect"))
}

/// A channel with publisher confirms on.
pub async fn confirm_channel(conn: &Connection) -> Result<Channel, Error> {
    let channel = conn.create_channel().await.map_err(err("channel.open"))?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(err("confirm.select"))?;
    Ok(channel)
}

/// Declares a durable topic exchange.
pub async fn declare_topic(channel: &Channel, exchange: &str) -> Result<(), Error> {
    channel
        .exchange_declare(
            exchange.into(),
            lapin::ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(err("exchange.declare"))
}

/// Declares a durable queue bound to `exchange` with `key`.
pub async fn declare_bound_queue(
    channel: &Channel,
    queue: &str,
    exchange: &str,
    key: &str,
) -> Result<(), Error> {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(err("queue.declare"))?;
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(err("queue.bind"))
}

/// The body of an RPC request.
#[derive(Debug, Deserialize)]
struct Request {
    args: Vec<Value>,
    #[allow(dead_code)]
    kwargs: serde_json::Map<String, Value>,
}

/// The body of an RPC reply.
#[derive(Debug, Serialize, Deserialize)]
struct Reply {
    result: Value,
    error: Option<Value>,
}

fn json_properties() -> BasicProperties {
    BasicProperties::default()
        .with_content_type(wire::CONTENT_TYPE_JSON.into())
        .with_content_encoding(wire::CONTENT_ENCODING.into())
        .with_delivery_mode(wire::PERSISTENT)
}

/// Serves `bench_echo.echo` on `conn` until the connection closes: the raw RPC server.
pub async fn serve_echo(conn: &Connection, prefetch: u16) -> Result<(), Error> {
    serve_echo_services(conn, &[crate::ECHO_SERVICE.to_owned()], prefetch).await
}

/// Serves `<service>.echo` for each of `services` on `conn` until the connection closes:
/// one publisher channel (confirms) for all replies, and a consumer channel per service
/// (its queue `rpc-<service>`, prefetch `prefetch`).
pub async fn serve_echo_services(
    conn: &Connection,
    services: &[String],
    prefetch: u16,
) -> Result<(), Error> {
    let publisher = confirm_channel(conn).await?;
    let mut consumers = Vec::with_capacity(services.len());
    for service in services {
        consumers.push(consume_echo(conn, service, prefetch).await?);
    }
    let served = consumers.into_iter().map(|(channel, consumer)| {
        let publisher = publisher.clone();
        serve_consumer(publisher, channel, consumer)
    });
    futures_util::future::try_join_all(served).await?;
    Ok(())
}

async fn consume_echo(
    conn: &Connection,
    service: &str,
    prefetch: u16,
) -> Result<(Channel, lapin::Consumer), Error> {
    let exchange = "nameko-rpc";
    let queue = wire::rpc_queue(service);
    let channel = conn.create_channel().await.map_err(err("channel.open"))?;
    declare_topic(&channel, exchange).await?;
    declare_bound_queue(&channel, &queue, exchange, &wire::rpc_binding_key(service)).await?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .map_err(err("basic.qos"))?;
    let consumer = channel
        .basic_consume(
            queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(err("basic.consume"))?;
    Ok((channel, consumer))
}

async fn serve_consumer(
    publisher: Channel,
    channel: Channel,
    mut consumer: lapin::Consumer,
) -> Result<(), Error> {
    while let Some(delivery) = consumer.next().await {
        let delivery = delivery.map_err(err("consume"))?;
        let publisher = publisher.clone();
        let channel = channel.clone();
        tokio::spawn(async move {
            if let Err(e) = answer(&publisher, &channel, delivery).await {
                eprintln!("bench-raw-echo: {e}");
            }
        });
    }
    Ok(())
}

async fn answer(publisher: &Channel, channel: &Channel, delivery: Delivery) -> Result<(), Error> {
    let method = wire::method_from_routing_key(delivery.routing_key.as_str());
    let reply = match serde_json::from_slice::<Request>(&delivery.data) {
        Ok(mut req) if method == crate::ECHO_METHOD && req.args.len() == 1 => Reply {
            result: req.args.swap_remove(0),
            error: None,
        },
        _ => Reply {
            result: Value::Null,
            error: Some(serde_json::json!({
                "exc_type": "MethodNotFound",
                "exc_path": "nameko.exceptions.MethodNotFound",
                "exc_args": [method],
                "value": method,
            })),
        },
    };
    let body = serde_json::to_vec(&reply).map_err(|e| e.to_string())?;
    let Some(reply_to) = delivery.properties.reply_to().clone() else {
        return Err("request without reply_to".into());
    };
    let mut properties = json_properties();
    if let Some(id) = delivery.properties.correlation_id().clone() {
        properties = properties.with_correlation_id(id);
    }
    let confirm = publisher
        .basic_publish(
            "nameko-rpc".into(),
            reply_to,
            BasicPublishOptions::default(),
            &body,
            properties,
        )
        .await
        .map_err(err("basic.publish"))?
        .await
        .map_err(err("publisher confirm"))?;
    if let Confirmation::Nack(_) = confirm {
        return Err("reply nacked".into());
    }
    channel
        .basic_ack(delivery.delivery_tag, BasicAckOptions::default())
        .await
        .map_err(err("basic.ack"))?;
    Ok(())
}

type Pending = Arc<Mutex<HashMap<ShortString, oneshot::Sender<Vec<u8>>>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How [`RawRpcClient`] settles its replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyAcks {
    /// Each reply acknowledged after it is handed to its call: Nameko's
    /// `PollingQueueConsumer` (`no_ack=False`, `message.ack()` per reply), and what
    /// `ClusterRpc` does (it acknowledges a burst with one `multiple` ack).
    Each,
    /// A `no_ack` consumer: the broker forgets a reply once sent, so a reply in flight
    /// when the connection drops is lost. Not Nameko's protocol; a reference only.
    None,
}

/// The raw RPC client: what `ClusterRpc` does, by hand.
#[derive(Debug)]
pub struct RawRpcClient {
    publisher: Channel,
    reply_key: String,
    pending: Pending,
    task: tokio::task::JoinHandle<()>,
}

impl RawRpcClient {
    /// Declares a reply queue on `conn` and starts consuming it, acknowledging each
    /// reply ([`ReplyAcks::Each`]).
    pub async fn start(conn: &Connection) -> Result<Self, Error> {
        Self::start_with(conn, ReplyAcks::Each).await
    }

    /// Declares a reply queue on `conn` and starts consuming it, settling replies as
    /// `acks` says.
    pub async fn start_with(conn: &Connection, acks: ReplyAcks) -> Result<Self, Error> {
        let publisher = confirm_channel(conn).await?;
        let channel = conn.create_channel().await.map_err(err("channel.open"))?;
        declare_topic(&channel, "nameko-rpc").await?;
        let id = uuid::Uuid::new_v4().to_string();
        let queue = wire::reply_queue(wire::STANDALONE_SERVICE_NAME, &id);
        let mut args = FieldTable::default();
        args.insert(
            "x-expires".into(),
            AMQPValue::LongLongInt(wire::REPLY_QUEUE_EXPIRES_MS),
        );
        channel
            .queue_declare(queue.as_str().into(), QueueDeclareOptions::default(), args)
            .await
            .map_err(err("queue.declare"))?;
        channel
            .queue_bind(
                queue.as_str().into(),
                "nameko-rpc".into(),
                id.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(err("queue.bind"))?;
        let mut consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: acks == ReplyAcks::None,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(err("basic.consume"))?;
        let pending: Pending = Arc::default();
        let replies = Arc::clone(&pending);
        let task = tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let tag = delivery.delivery_tag;
                if let Some(id) = delivery.properties.correlation_id()
                    && let Some(tx) = lock(&replies).remove(id)
                {
                    let _ = tx.send(delivery.data);
                }
                if acks == ReplyAcks::Each
                    && channel
                        .basic_ack(tag, BasicAckOptions::default())
                        .await
                        .is_err()
                {
                    break;
                }
            }
            lock(&replies).clear();
        });
        Ok(RawRpcClient {
            publisher,
            reply_key: id,
            pending,
            task,
        })
    }

    /// Calls `service.method(value)` and returns the result.
    pub async fn call(&self, service: &str, method: &str, value: &Value) -> Result<Value, Error> {
        let body = serde_json::to_vec(&serde_json::json!({ "args": [value], "kwargs": {} }))
            .map_err(|e| e.to_string())?;
        let correlation_id = ShortString::from(uuid::Uuid::new_v4().to_string());
        let call_id = format!(
            "{}.{}.{}",
            wire::STANDALONE_SERVICE_NAME,
            wire::STANDALONE_METHOD_NAME,
            uuid::Uuid::new_v4()
        );
        let mut headers = FieldTable::default();
        headers.insert(
            "nameko.call_id_stack".into(),
            AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::LongString(
                LongString::from(call_id),
            )])),
        );
        let properties = json_properties()
            .with_reply_to(self.reply_key.as_str().into())
            .with_correlation_id(correlation_id.clone())
            .with_headers(headers);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(correlation_id.clone(), tx);
        let confirm = self
            .publisher
            .basic_publish(
                "nameko-rpc".into(),
                wire::rpc_routing_key(service, method).into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                &body,
                properties,
            )
            .await
            .map_err(err("basic.publish"))?
            .await
            .map_err(err("publisher confirm"))?;
        match confirm {
            Confirmation::Ack(None) | Confirmation::NotRequested => {}
            Confirmation::Ack(Some(_)) => {
                lock(&self.pending).remove(&correlation_id);
                return Err(format!("unknown service `{service}`"));
            }
            Confirmation::Nack(_) => {
                lock(&self.pending).remove(&correlation_id);
                return Err("request nacked".into());
            }
        }
        let data = rx.await.map_err(|_| "reply consumer stopped".to_owned())?;
        let reply: Reply = serde_json::from_slice(&data).map_err(|e| e.to_string())?;
        match reply.error {
            None => Ok(reply.result),
            Some(e) => Err(format!("remote error: {e}")),
        }
    }

    /// Stops consuming replies.
    pub fn close(&self) {
        self.task.abort();
    }
}

impl Drop for RawRpcClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Publishes `count` events (`payload(first + i)`) to `bench_source.events` with routing
/// key `tick`, persistent, each waiting for its publisher confirm, `in_flight` at a time
/// (what `StandaloneDispatcher::dispatch` does, called that many times at once).
pub async fn publish_events(
    channel: &Channel,
    first: u64,
    count: u64,
    in_flight: usize,
) -> Result<(), Error> {
    let exchange = wire::events_exchange(crate::EVENT_SOURCE);
    let results = futures_util::stream::iter(first..first + count)
        .map(|n| {
            let exchange = exchange.as_str();
            async move {
                let body = serde_json::to_vec(&crate::payload(n)).map_err(|e| e.to_string())?;
                let confirm = channel
                    .basic_publish(
                        exchange.into(),
                        crate::EVENT_TYPE.into(),
                        BasicPublishOptions::default(),
                        &body,
                        json_properties().with_headers(FieldTable::default()),
                    )
                    .await
                    .map_err(err("basic.publish"))?
                    .await
                    .map_err(err("publisher confirm"))?;
                match confirm {
                    Confirmation::Nack(_) => Err("event nacked".to_owned()),
                    _ => Ok(()),
                }
            }
        })
        .buffer_unordered(in_flight.max(1));
    futures_util::pin_mut!(results);
    while let Some(r) = results.next().await {
        r?;
    }
    Ok(())
}

/// Declares the listener's exchange, queue and binding as the framework does
/// (`bench_source.events`, `evt-bench_source-tick--bench_listener.on_tick`, durable).
pub async fn declare_listener_queue(channel: &Channel) -> Result<(), Error> {
    let exchange = wire::events_exchange(crate::EVENT_SOURCE);
    declare_topic(channel, &exchange).await?;
    declare_bound_queue(
        channel,
        &crate::listener_queue(),
        &exchange,
        crate::EVENT_TYPE,
    )
    .await
}

/// Consumes the listener's queue with prefetch `prefetch`, each event in a task of its
/// own: decodes it, counts it into `counter` and acks it (on the channel, the shortest
/// path lapin has); until the connection closes or the task is aborted.
pub async fn consume_events(
    conn: &Connection,
    prefetch: u16,
    counter: Arc<Counter>,
) -> Result<tokio::task::JoinHandle<()>, Error> {
    let channel = conn.create_channel().await.map_err(err("channel.open"))?;
    declare_listener_queue(&channel).await?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .map_err(err("basic.qos"))?;
    let mut consumer = channel
        .basic_consume(
            crate::listener_queue().as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(err("basic.consume"))?;
    Ok(tokio::spawn(async move {
        while let Some(Ok(delivery)) = consumer.next().await {
            let counter = Arc::clone(&counter);
            let channel = channel.clone();
            tokio::spawn(async move {
                if serde_json::from_slice::<Value>(&delivery.data).is_ok() {
                    counter.hit();
                }
                let _ = channel
                    .basic_ack(delivery.delivery_tag, BasicAckOptions::default())
                    .await;
            });
        }
    }))
}

/// Empties the listener's queue.
pub async fn purge_listener_queue(channel: &Channel) -> Result<(), Error> {
    channel
        .queue_purge(
            crate::listener_queue().as_str().into(),
            lapin::options::QueuePurgeOptions::default(),
        )
        .await
        .map(|_| ())
        .map_err(err("queue.purge"))
}

/// Consumes the listener's queue without acks (`no_ack`), decoding and counting each
/// event, until `count` were seen; then cancels the consumer.
pub async fn drain_no_ack(conn: &Connection, count: u64, counter: &Counter) -> Result<(), Error> {
    let channel = conn.create_channel().await.map_err(err("channel.open"))?;
    let mut consumer = channel
        .basic_consume(
            crate::listener_queue().as_str().into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(err("basic.consume"))?;
    let mut seen = 0;
    while seen < count {
        match consumer.next().await {
            Some(Ok(delivery)) => {
                if serde_json::from_slice::<Value>(&delivery.data).is_ok() {
                    counter.hit();
                }
                seen += 1;
            }
            Some(Err(e)) => return Err(format!("consume: {e}")),
            None => return Err("consumer stopped".into()),
        }
    }
    let _ = channel
        .basic_cancel(consumer.tag(), BasicCancelOptions::default())
        .await;
    let _ = channel.close(200, "OK".into()).await;
    Ok(())
}
