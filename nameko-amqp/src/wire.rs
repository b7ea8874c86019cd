//! Every wire constant and envelope of Nameko's AMQP protocol, in one place.
//!
//! Mirrors `nameko/constants.py`, `nameko/rpc.py` and `nameko/messaging.py` of Python
//! Nameko 2.14; see the project's `nameko-wire.md`.

use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString, ShortString};
use nameko_core::RemoteError;
use nameko_core::context::{ContextData, HEADER_PREFIX};
use nameko_core::serialization::{SerializationError, Serializers};
use nameko_core::trace::{Messaging, TRACEPARENT, TraceParent};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Content type of JSON message bodies (the default serializer's; see
/// [`nameko_core::serialization`] for the others).
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// Content encoding of JSON message bodies.
pub const CONTENT_ENCODING: &str = "utf-8";

/// Decodes a received body by its `content_type` property with `serializers` (the config's
/// `serializer` and `ACCEPT`): the one mechanism every consumer of nameko-amqp decodes
/// with.
pub fn decode_body(
    serializers: &Serializers,
    properties: &lapin::BasicProperties,
    body: &[u8],
) -> Result<Value, SerializationError> {
    serializers.decode(properties.content_type().as_ref().map(|t| t.as_str()), body)
}
/// `delivery_mode` of a persistent message.
pub const PERSISTENT: u8 = 2;
/// Reply queues expire after this long without a consumer (`x-expires`, ms).
pub const REPLY_QUEUE_EXPIRES_MS: i64 = 300_000;
/// Service name of the standalone RPC client (`ClusterRpcProxy`).
pub const STANDALONE_SERVICE_NAME: &str = "standalone_rpc_proxy";
/// Entrypoint name of the standalone RPC client's calls.
pub const STANDALONE_METHOD_NAME: &str = "call";

/// Exchange of a service's events: `<service>.events`.
pub fn events_exchange(service: &str) -> String {
    format!("{service}.events")
}

/// Queue of a `service_pool` event handler: `evt-<source>-<event_type>--<service>.<method>`.
pub fn service_pool_queue(source: &str, event_type: &str, service: &str, method: &str) -> String {
    format!("evt-{source}-{event_type}--{service}.{method}")
}

/// Queue of a `singleton` event handler: `evt-<source>-<event_type>`.
pub fn singleton_queue(source: &str, event_type: &str) -> String {
    format!("evt-{source}-{event_type}")
}

/// Queue of a `broadcast` event handler:
/// `evt-<source>-<event_type>--<service>.<method>-<broadcast_identifier>`.
pub fn broadcast_queue(
    source: &str,
    event_type: &str,
    service: &str,
    method: &str,
    broadcast_identifier: &str,
) -> String {
    format!("evt-{source}-{event_type}--{service}.{method}-{broadcast_identifier}")
}

/// The single-active-consumer queue that is the lease `name` of
/// [`AmqpLease`](crate::AmqpLease):
/// `<kind>-singleton.<service>.<method>`, e.g. `timer-singleton.reports.send` for a
/// `#[timer(..., singleton)]` method `send` of service `reports`.
pub fn lease_queue(name: &nameko_core::lease::LeaseName) -> String {
    format!(
        "{}-singleton.{}.{}",
        name.kind(),
        name.service(),
        name.method()
    )
}

/// A lease queue is deleted after this long without a consumer (`x-expires`, ms).
pub const LEASE_QUEUE_EXPIRES_MS: i64 = 60_000;

/// The arguments of a lease queue: `x-single-active-consumer` (the broker delivers to one
/// consumer, the holder), `x-max-length: 1` (at most one token waits) and `x-expires`
/// ([`LEASE_QUEUE_EXPIRES_MS`]). Every process declares it with the same ones.
pub fn lease_queue_arguments() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
    args.insert("x-max-length".into(), AMQPValue::LongLongInt(1));
    args.insert(
        "x-expires".into(),
        AMQPValue::LongLongInt(LEASE_QUEUE_EXPIRES_MS),
    );
    args
}

/// Config key: declare event exchanges with `auto_delete`.
pub const AUTO_DELETE_EVENT_EXCHANGES: &str = "AUTO_DELETE_EVENT_EXCHANGES";

/// Config key: `quorum` declares the service's own durable queues (`rpc-<service>`, the
/// `service_pool` and `singleton` event queues with reliable delivery) as quorum queues,
/// replicated across a RabbitMQ cluster. Default `classic`, as Nameko declares them; a
/// queue's type cannot change once declared, so every instance sharing a queue (Python
/// ones included) must agree.
pub const QUEUE_TYPE: &str = "QUEUE_TYPE";

/// The arguments of a durable queue the service owns: `x-queue-type: quorum` when
/// `QUEUE_TYPE: quorum`, none otherwise.
pub(crate) fn shared_queue_arguments(settings: &crate::settings::AmqpSettings) -> FieldTable {
    let mut args = FieldTable::default();
    if settings.queue_type == crate::settings::QueueType::Quorum {
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString(LongString::from("quorum")),
        );
    }
    args
}

/// Queue of a service's RPC methods: `rpc-<service>`.
pub fn rpc_queue(service: &str) -> String {
    format!("rpc-{service}")
}

/// Binding key of a service's RPC queue: `<service>.*`.
pub fn rpc_binding_key(service: &str) -> String {
    format!("{service}.*")
}

/// Routing key of an RPC request: `<service>.<method>`.
pub fn rpc_routing_key(service: &str, method: &str) -> String {
    format!("{service}.{method}")
}

/// The method named by a request's routing key: its last dot-separated part.
pub fn method_from_routing_key(routing_key: &str) -> &str {
    routing_key.rsplit('.').next().unwrap_or(routing_key)
}

/// Reply queue of a caller: `rpc.reply-<caller_service>-<id>`.
pub fn reply_queue(caller_service: &str, id: &str) -> String {
    format!("rpc.reply-{caller_service}-{id}")
}

/// Dead-letter queue of an entrypoint (nameko-rs, [`failure`](crate::failure)):
/// `dlq-<service>.<method>`.
pub fn dead_letter_queue(service: &str, method: &str) -> String {
    format!("dlq-{service}.{method}")
}

/// Delay queue of `queue`'s retries after `delay` (nameko-rs, [`failure`](crate::failure)):
/// `<queue>--retry-<ms>ms`, its messages dead-lettered back to `queue` when their delay
/// has passed.
pub fn retry_queue(queue: &str, delay: std::time::Duration) -> String {
    format!("{queue}--retry-{}ms", delay.as_millis())
}

/// Header (nameko-rs): the failed attempts of a retried or dead-lettered message. Not
/// `nameko.`-prefixed, so Python Nameko does not take it as context data to pass on.
pub const ATTEMPTS_HEADER: &str = "x-nameko-attempts";
/// Header (nameko-rs): when the first attempt failed (an HTTP date).
pub const FIRST_FAILURE_HEADER: &str = "x-nameko-first-failure";
/// Header (nameko-rs): when the last attempt failed (an HTTP date).
pub const LAST_FAILURE_HEADER: &str = "x-nameko-last-failure";
/// Header (nameko-rs): the `exc_type` of the last failure.
pub const EXC_TYPE_HEADER: &str = "x-nameko-exc-type";
/// Header (nameko-rs): the message (`value`) of the last failure.
pub const EXC_MESSAGE_HEADER: &str = "x-nameko-exc-message";
/// Header (nameko-rs): the exchange the message was first published to.
pub const ORIGINAL_EXCHANGE_HEADER: &str = "x-nameko-original-exchange";
/// Header (nameko-rs): the routing key the message was first published with.
pub const ORIGINAL_ROUTING_KEY_HEADER: &str = "x-nameko-original-routing-key";
/// Header (nameko-rs): the queue the message failed on.
pub const ORIGINAL_QUEUE_HEADER: &str = "x-nameko-original-queue";
/// Header (nameko-rs): the entrypoint it failed in, `<service>.<method>`.
pub const ENTRYPOINT_HEADER: &str = "x-nameko-entrypoint";
/// The headers of a failure, removed when a dead-lettered message is replayed (with
/// RabbitMQ's own `x-death`, `x-first-death-*` and `x-last-death-*`).
pub const FAILURE_HEADERS: [&str; 9] = [
    ATTEMPTS_HEADER,
    FIRST_FAILURE_HEADER,
    LAST_FAILURE_HEADER,
    EXC_TYPE_HEADER,
    EXC_MESSAGE_HEADER,
    ORIGINAL_EXCHANGE_HEADER,
    ORIGINAL_ROUTING_KEY_HEADER,
    ORIGINAL_QUEUE_HEADER,
    ENTRYPOINT_HEADER,
];

/// The body of an RPC reply: `{"result": ..., "error": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyBody {
    /// The method's result, `null` on error.
    #[serde(default)]
    pub result: Value,
    /// The serialised exception, `null` on success.
    #[serde(default)]
    pub error: Option<RemoteError>,
}

impl ReplyBody {
    /// A reply from a worker's outcome.
    pub fn from_result(result: Result<Value, RemoteError>) -> Self {
        match result {
            Ok(result) => ReplyBody {
                result,
                error: None,
            },
            Err(error) => ReplyBody {
                result: Value::Null,
                error: Some(error),
            },
        }
    }

    /// The outcome this reply carries.
    pub fn into_result(self) -> Result<Value, RemoteError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.result),
        }
    }
}

/// Context data as AMQP headers: `nameko.<key>`, `null` values dropped.
#[doc(hidden)]
pub fn context_to_headers(data: &ContextData) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in data {
        if value.is_null() {
            continue;
        }
        table.insert(
            ShortString::from(format!("{HEADER_PREFIX}{key}")),
            json_to_amqp(value),
        );
    }
    table
}

/// Context data from AMQP headers: the `nameko.`-prefixed ones, prefix stripped, and a
/// plain W3C `traceparent` header as the `traceparent` key unless `nameko.traceparent`
/// is there too (as Python Nameko, which keeps every header, reads it). A
/// `nameko.x-nameko-deadline` (a Python worker sends the [`DEADLINE_HEADER`] it received
/// on as context data) is dropped: a stale copy of a deadline, not context.
#[doc(hidden)]
pub fn headers_to_context(headers: Option<&FieldTable>) -> ContextData {
    let mut data = ContextData::new();
    if let Some(headers) = headers {
        let mut plain_traceparent = None;
        for (key, value) in headers {
            if let Some(key) = key.as_str().strip_prefix(HEADER_PREFIX) {
                if key == DEADLINE_HEADER {
                    continue;
                }
                let value = amqp_to_json(value);
                if !value.is_null() {
                    data.insert(key.to_owned(), value);
                }
            } else if key.as_str() == TRACEPARENT {
                plain_traceparent = Some(value);
            }
        }
        if let Some(value) = plain_traceparent
            && !data.contains_key(TRACEPARENT)
        {
            let value = amqp_to_json(value);
            if !value.is_null() {
                data.insert(TRACEPARENT.to_owned(), value);
            }
        }
    }
    data
}

/// The header of an RPC request's deadline: the absolute time after which its caller no
/// longer waits for the reply, as integer milliseconds since the Unix epoch (AMQP
/// long-long). nameko-rs callees do not start a request past it (see
/// [`rpc::deadline`](crate::rpc::deadline)).
///
/// Not `nameko.`-prefixed on purpose. Python Nameko 2.14 keeps every header of a request
/// as context data (a `nameko.` prefix stripped) and sends each on with the worker's own
/// calls and events as `nameko.<key>`: a Python worker sees this one as context key
/// `x-nameko-deadline` and forwards it as `nameko.x-nameko-deadline`, which nameko-rs
/// neither enforces nor keeps as context data ([`headers_to_context`] drops it). Were it
/// `nameko.deadline`, a Rust service behind a Python one would drop requests the Python
/// worker (whose `RpcProxy` has no timeout in 2.x) then waits for forever.
pub const DEADLINE_HEADER: &str = "x-nameko-deadline";

/// The header of the trace context: `nameko.traceparent`.
pub const TRACEPARENT_HEADER: &str = "nameko.traceparent";

/// Context data as AMQP headers (see [`context_to_headers`]), with `trace` as
/// `nameko.traceparent`.
pub(crate) fn headers_with_trace(data: &ContextData, trace: &TraceParent) -> FieldTable {
    let mut table = context_to_headers(data);
    table.insert(
        ShortString::from(TRACEPARENT_HEADER),
        AMQPValue::LongString(LongString::from(trace.header_value())),
    );
    table
}

/// The messaging attributes of the worker span of `delivery`, received from `exchange`.
pub(crate) fn messaging_source(
    exchange: &Arc<str>,
    delivery: &lapin::message::Delivery,
) -> Messaging {
    Messaging::rabbitmq(Arc::clone(exchange), delivery.routing_key.as_str()).conversation_id(
        delivery
            .properties
            .correlation_id()
            .as_ref()
            .map(|id| id.as_str().to_owned()),
    )
}

/// A JSON value as an AMQP field value, as kombu encodes Python values.
pub(crate) fn json_to_amqp(value: &Value) -> AMQPValue {
    match value {
        Value::Null => AMQPValue::Void,
        Value::Bool(b) => AMQPValue::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => AMQPValue::LongLongInt(i),
            (None, Some(f)) => AMQPValue::Double(f),
            (None, None) => AMQPValue::LongString(LongString::from(n.to_string())),
        },
        Value::String(s) => AMQPValue::LongString(LongString::from(s.as_bytes())),
        Value::Array(items) => AMQPValue::FieldArray(FieldArray::from(
            items.iter().map(json_to_amqp).collect::<Vec<_>>(),
        )),
        Value::Object(map) => {
            let mut table = FieldTable::default();
            for (k, v) in map {
                table.insert(ShortString::from(k.as_str()), json_to_amqp(v));
            }
            AMQPValue::FieldTable(table)
        }
    }
}

/// An AMQP field value as JSON.
pub(crate) fn amqp_to_json(value: &AMQPValue) -> Value {
    match value {
        AMQPValue::Boolean(b) => Value::Bool(*b),
        AMQPValue::ShortShortInt(i) => Value::from(*i),
        AMQPValue::ShortShortUInt(i) => Value::from(*i),
        AMQPValue::ShortInt(i) => Value::from(*i),
        AMQPValue::ShortUInt(i) => Value::from(*i),
        AMQPValue::LongInt(i) => Value::from(*i),
        AMQPValue::LongUInt(i) => Value::from(*i),
        AMQPValue::LongLongInt(i) => Value::from(*i),
        AMQPValue::Float(f) => Value::from(f64::from(*f)),
        AMQPValue::Double(f) => Value::from(*f),
        AMQPValue::DecimalValue(d) => {
            Value::from(f64::from(d.value) / 10f64.powi(i32::from(d.scale)))
        }
        AMQPValue::ShortString(s) => Value::String(s.as_str().to_owned()),
        AMQPValue::LongString(s) => {
            Value::String(String::from_utf8_lossy(s.as_bytes()).into_owned())
        }
        AMQPValue::FieldArray(a) => Value::Array(a.as_slice().iter().map(amqp_to_json).collect()),
        AMQPValue::Timestamp(t) => Value::from(*t),
        AMQPValue::FieldTable(t) => Value::Object(
            t.into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), amqp_to_json(v)))
                .collect(),
        ),
        AMQPValue::ByteArray(b) => {
            Value::String(String::from_utf8_lossy(b.as_slice()).into_owned())
        }
        AMQPValue::Void => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        assert_eq!(rpc_queue("service_x"), "rpc-service_x");
        assert_eq!(rpc_binding_key("service_x"), "service_x.*");
        assert_eq!(rpc_routing_key("service_x", "m"), "service_x.m");
        assert_eq!(method_from_routing_key("service_x.m"), "m");
        assert_eq!(
            reply_queue("standalone_rpc_proxy", "abc"),
            "rpc.reply-standalone_rpc_proxy-abc"
        );
        assert_eq!(events_exchange("service_a"), "service_a.events");
        assert_eq!(
            lease_queue(&nameko_core::lease::LeaseName::new(
                "timer", "reports", "send"
            )),
            "timer-singleton.reports.send"
        );
        assert_eq!(
            service_pool_queue("service_a", "event_type", "service_b", "handle_event"),
            "evt-service_a-event_type--service_b.handle_event"
        );
        assert_eq!(
            singleton_queue("service_a", "event_type"),
            "evt-service_a-event_type"
        );
        assert_eq!(
            broadcast_queue("monitor", "ping", "listener", "ping", "abc123"),
            "evt-monitor-ping--listener.ping-abc123"
        );
    }

    #[test]
    fn headers_round_trip() {
        let data: ContextData = serde_json::from_value(json!({
            "call_id_stack": ["a.b.1", "c.d.2"], "language": "en-gb", "user_id": 7,
            "nested": {"k": [true, 1.5]}, "dropped": null,
        }))
        .unwrap();
        let headers = context_to_headers(&data);
        assert!(headers.inner().contains_key("nameko.call_id_stack"));
        assert!(!headers.inner().contains_key("nameko.dropped"));
        let mut with_foreign = headers.clone();
        with_foreign.insert("x-other".into(), AMQPValue::Boolean(true));
        // The deadline, and the copy of it a Python worker sends on, are not context.
        with_foreign.insert(DEADLINE_HEADER.into(), AMQPValue::LongLongInt(1));
        with_foreign.insert(
            format!("nameko.{DEADLINE_HEADER}").as_str().into(),
            AMQPValue::LongLongInt(1),
        );
        let back = headers_to_context(Some(&with_foreign));
        let mut expected = data.clone();
        expected.remove("dropped");
        assert_eq!(back, expected);
    }

    /// Found by the `context_headers` fuzz target: a plain `traceparent` header that is
    /// void (or a NaN) became a `null` in the context data, which drops nulls elsewhere.
    #[test]
    fn a_null_plain_traceparent_is_dropped() {
        for value in [AMQPValue::Void, AMQPValue::Double(f64::NAN)] {
            let mut headers = FieldTable::default();
            headers.insert(ShortString::from(TRACEPARENT), value);
            assert!(headers_to_context(Some(&headers)).is_empty());
        }
    }

    #[test]
    fn trace_headers() {
        let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let other = "00-11111111111111111111111111111111-2222222222222222-01";
        // `nameko.traceparent` is context data `traceparent`, as in Python Nameko.
        let mut headers = FieldTable::default();
        headers.insert(
            "nameko.traceparent".into(),
            AMQPValue::LongString(tp.into()),
        );
        let data = headers_to_context(Some(&headers));
        assert_eq!(data["traceparent"], tp);
        assert!(
            context_to_headers(&data)
                .inner()
                .contains_key("nameko.traceparent")
        );
        // A plain `traceparent` header is read when `nameko.traceparent` is absent...
        let mut plain = FieldTable::default();
        plain.insert("traceparent".into(), AMQPValue::LongString(other.into()));
        assert_eq!(headers_to_context(Some(&plain))["traceparent"], other);
        // ... and loses to it otherwise, in either order.
        let mut both = headers.clone();
        both.insert("traceparent".into(), AMQPValue::LongString(other.into()));
        assert_eq!(headers_to_context(Some(&both))["traceparent"], tp);
        // Sending: the span's own trace context replaces the worker's.
        let own = TraceParent::parse(other).unwrap();
        let sent = headers_with_trace(&data, &own);
        let back = headers_to_context(Some(&sent));
        assert_eq!(back["traceparent"], other);
    }

    #[test]
    fn reply_body_shape() {
        let ok = serde_json::to_value(ReplyBody::from_result(Ok(json!("x")))).unwrap();
        assert_eq!(ok, json!({"result": "x", "error": null}));
        let err = ReplyBody::from_result(Err(RemoteError::method_not_found("m")));
        let v = serde_json::to_value(&err).unwrap();
        assert_eq!(v["result"], Value::Null);
        assert_eq!(v["error"]["exc_path"], "nameko.exceptions.MethodNotFound");
    }
}
