//! [`Outgoing`]: the one builder of what every message nameko-rs sends carries besides its
//! body: its span (a child of the worker's, or of the trace the caller gave), the trace
//! context (`nameko.traceparent`), the context data (`nameko.*` headers) and the AMQP
//! properties. Events, messages of the messaging `Publisher` and RPC requests are all
//! built here, so they go out the same way (see the project's `nameko-wire.md`).

use std::time::Duration;

use lapin::BasicProperties;
use lapin::types::{FieldTable, ShortString};
use nameko_core::context::ContextData;
use nameko_core::serialization::{Json, Serializer};
use nameko_core::trace::TraceParent;
use serde_json::{Map, Value};

use crate::rpc::deadline::Deadline;
use crate::wire;

/// What is sent: it names the span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Sending {
    /// An event: span `publish` (target `nameko_amqp::events`, kind `producer`).
    Event,
    /// A message of the messaging `Publisher`: span `publish` (target
    /// `nameko_amqp::messaging`, kind `producer`).
    #[default]
    Message,
    /// An RPC request: span `rpc_call` (target `nameko_amqp::rpc`, kind `client`), with the
    /// correlation id as `messaging.message.conversation_id`.
    Request,
}

/// An outgoing message, before it is published: [`build`](Self::build) makes its span and
/// properties.
///
/// Properties: `content_type` and `content_encoding` of its serializer (JSON unless
/// [`serializer`](Self::serializer) says otherwise),
/// `delivery_mode` (persistent unless set), the optional ones set here, and headers: the
/// ones given, then the context data's `nameko.*` (which win), then
/// `nameko.traceparent`, the span's trace context.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outgoing<'a> {
    sending: Sending,
    exchange: &'a str,
    routing_key: &'a str,
    context: &'a ContextData,
    headers: Option<&'a Map<String, Value>>,
    delivery_mode: u8,
    priority: Option<u8>,
    expiration: Option<Duration>,
    deadline: Option<Deadline>,
    correlation_id: Option<&'a str>,
    reply_to: Option<&'a str>,
    serializer: &'a dyn Serializer,
}

impl<'a> Outgoing<'a> {
    /// A message of kind `sending` to `exchange` with `routing_key`, carrying `context`.
    pub(crate) fn new(
        sending: Sending,
        exchange: &'a str,
        routing_key: &'a str,
        context: &'a ContextData,
    ) -> Self {
        Outgoing {
            sending,
            exchange,
            routing_key,
            context,
            headers: None,
            delivery_mode: wire::PERSISTENT,
            priority: None,
            expiration: None,
            deadline: None,
            correlation_id: None,
            reply_to: None,
            serializer: &Json,
        }
    }

    /// An RPC request: its `correlation_id` and `reply_to` (the caller's reply routing
    /// key) set.
    pub(crate) fn request(
        exchange: &'a str,
        routing_key: &'a str,
        context: &'a ContextData,
        correlation_id: &'a str,
        reply_to: &'a str,
    ) -> Self {
        Self::new(Sending::Request, exchange, routing_key, context)
            .correlation_id(Some(correlation_id))
            .reply_to(Some(reply_to))
    }

    /// Headers sent besides the context data's (which win over one of the same name).
    pub(crate) fn headers(mut self, headers: &'a Map<String, Value>) -> Self {
        self.headers = Some(headers);
        self
    }

    /// The `delivery_mode` (default persistent, 2).
    pub(crate) fn delivery_mode(mut self, mode: u8) -> Self {
        self.delivery_mode = mode;
        self
    }

    /// The `priority`, if any.
    pub(crate) fn priority(mut self, priority: Option<u8>) -> Self {
        self.priority = priority;
        self
    }

    /// The `expiration` (time to live in the queue, sent in milliseconds), if any.
    pub(crate) fn expiration(mut self, ttl: Option<Duration>) -> Self {
        self.expiration = ttl;
        self
    }

    /// An RPC request's deadline, if any: header `x-nameko-deadline` (see
    /// [`rpc::deadline`](crate::rpc::deadline)) and an `expiration` of its time to live
    /// (or of the one set with [`expiration`](Self::expiration) when that is shorter).
    pub(crate) fn deadline(mut self, deadline: Option<Deadline>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The `correlation_id`, if any.
    pub(crate) fn correlation_id(mut self, id: Option<&'a str>) -> Self {
        self.correlation_id = id;
        self
    }

    /// The serializer the body was encoded with: its content type and encoding.
    pub(crate) fn serializer(mut self, serializer: &'a dyn Serializer) -> Self {
        self.serializer = serializer;
        self
    }

    /// The `reply_to`, if any.
    pub(crate) fn reply_to(mut self, reply_to: Option<&'a str>) -> Self {
        self.reply_to = reply_to;
        self
    }

    /// The message's span (publish the message inside it) and its properties.
    pub(crate) fn build(self) -> (tracing::Span, BasicProperties) {
        let span = self.span();
        // A child of the worker's span (or of the trace the caller gave), or a new trace.
        let trace = nameko_core::trace::span_context(
            &span,
            TraceParent::from_context(self.context).as_ref(),
        );
        record_ids(&span, &trace);
        let mut headers = match self.headers {
            None => wire::headers_with_trace(self.context, &trace),
            Some(given) => {
                let mut headers = FieldTable::default();
                for (key, value) in given {
                    headers.insert(ShortString::from(key.as_str()), wire::json_to_amqp(value));
                }
                for (key, value) in &wire::headers_with_trace(self.context, &trace) {
                    headers.insert(key.clone(), value.clone());
                }
                headers
            }
        };
        let mut expiration = self.expiration;
        if let Some(deadline) = self.deadline {
            headers.insert(wire::DEADLINE_HEADER.into(), deadline.header_value());
            expiration = Some(expiration.map_or(deadline.ttl, |ttl| ttl.min(deadline.ttl)));
        }
        let mut properties = BasicProperties::default()
            .with_content_type(self.serializer.content_type().into())
            .with_content_encoding(self.serializer.content_encoding().into())
            .with_delivery_mode(self.delivery_mode)
            .with_headers(headers);
        if let Some(priority) = self.priority {
            properties = properties.with_priority(priority);
        }
        if let Some(ttl) = expiration {
            properties = properties.with_expiration(crate::rpc::deadline::expiration(ttl));
        }
        if let Some(id) = self.correlation_id {
            properties = properties.with_correlation_id(id.into());
        }
        if let Some(reply_to) = self.reply_to {
            properties = properties.with_reply_to(reply_to.into());
        }
        (span, properties)
    }

    fn span(&self) -> tracing::Span {
        let (exchange, routing_key) = (self.exchange, self.routing_key);
        // A span's target and name are static: one arm per target.
        macro_rules! publish_span {
            ($target:literal) => {
                tracing::debug_span!(
                    target: $target,
                    "publish",
                    otel.name = %format_args!("publish {exchange}"),
                    otel.kind = "producer",
                    messaging.system = "rabbitmq",
                    messaging.destination.name = %exchange,
                    messaging.operation.type = "publish",
                    messaging.rabbitmq.destination.routing_key = %routing_key,
                    trace_id = tracing::field::Empty,
                    span_id = tracing::field::Empty,
                )
            };
        }
        match self.sending {
            Sending::Event => publish_span!("nameko_amqp::events"),
            Sending::Message => publish_span!("nameko_amqp::messaging"),
            Sending::Request => tracing::debug_span!(
                target: "nameko_amqp::rpc",
                "rpc_call",
                otel.name = %format_args!("send {routing_key}"),
                otel.kind = "client",
                messaging.system = "rabbitmq",
                messaging.destination.name = %exchange,
                messaging.operation.type = "send",
                messaging.rabbitmq.destination.routing_key = %routing_key,
                messaging.message.conversation_id = %self.correlation_id.unwrap_or_default(),
                trace_id = tracing::field::Empty,
                span_id = tracing::field::Empty,
            ),
        }
    }
}

/// Records a span's W3C ids as its `trace_id` and `span_id` fields (when recorded).
fn record_ids(span: &tracing::Span, trace: &TraceParent) {
    if !span.is_disabled() {
        span.record("trace_id", tracing::field::display(trace.trace_id_hex()));
        span.record("span_id", tracing::field::display(trace.span_id_hex()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapin::types::{AMQPValue, LongString};
    use serde_json::json;

    fn context() -> ContextData {
        serde_json::from_value(json!({"call_id_stack": ["a.b.1"], "language": "en-gb"})).unwrap()
    }

    /// The properties Nameko's wire protocol asks for, as they were built by hand.
    fn expected(context: &ContextData, headers: &FieldTable) -> BasicProperties {
        let trace = headers.inner()[wire::TRACEPARENT_HEADER].clone();
        let mut table = wire::context_to_headers(context);
        table.insert(wire::TRACEPARENT_HEADER.into(), trace);
        BasicProperties::default()
            .with_content_type(wire::CONTENT_TYPE_JSON.into())
            .with_content_encoding(wire::CONTENT_ENCODING.into())
            .with_delivery_mode(wire::PERSISTENT)
            .with_headers(table)
    }

    #[test]
    fn events_and_requests() {
        let context = context();
        let (_, event) = Outgoing::new(Sending::Event, "src.events", "evt", &context).build();
        let headers = event.headers().clone().unwrap();
        assert_eq!(event, expected(&context, &headers));
        let (_, request) =
            Outgoing::request("nameko-rpc", "svc.m", &context, "cid", "reply-key").build();
        let headers = request.headers().clone().unwrap();
        let want = expected(&context, &headers)
            .with_reply_to("reply-key".into())
            .with_correlation_id("cid".into());
        assert_eq!(request, want);
    }

    #[test]
    fn requests_with_a_deadline() {
        use std::time::UNIX_EPOCH;
        let context = context();
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_000);
        let deadline = Deadline {
            at,
            ttl: Duration::from_millis(2500),
        };
        let (_, request) = Outgoing::request("nameko-rpc", "svc.m", &context, "cid", "r")
            .deadline(Some(deadline))
            .build();
        let headers = request.headers().clone().unwrap();
        assert_eq!(
            headers.inner()[wire::DEADLINE_HEADER],
            AMQPValue::LongLongInt(1_700_000_000_000)
        );
        assert_eq!(request.expiration(), &Some("2500".into()));
        // The context headers are still there.
        assert!(headers.inner().contains_key("nameko.call_id_stack"));
        // Without one: neither header nor expiration, as before.
        let (_, plain) = Outgoing::request("nameko-rpc", "svc.m", &context, "cid", "r")
            .deadline(None)
            .build();
        assert!(
            !plain
                .headers()
                .clone()
                .unwrap()
                .inner()
                .contains_key(wire::DEADLINE_HEADER)
        );
        assert_eq!(plain.expiration(), &None);
    }

    #[test]
    fn messages_with_options() {
        let context = context();
        let mut given = Map::new();
        given.insert("source".into(), json!("web"));
        given.insert("nameko.language".into(), json!("fr"));
        let (_, message) = Outgoing::new(Sending::Message, "shop", "order.new", &context)
            .headers(&given)
            .delivery_mode(1)
            .priority(Some(5))
            .expiration(Some(Duration::from_secs(60)))
            .correlation_id(Some("c"))
            .reply_to(Some("r"))
            .build();
        let headers = message.headers().clone().unwrap();
        assert_eq!(
            headers.inner()["source"],
            AMQPValue::LongString(LongString::from("web"))
        );
        // The context data wins over a given header of the same name.
        assert_eq!(
            headers.inner()["nameko.language"],
            AMQPValue::LongString(LongString::from("en-gb"))
        );
        assert!(headers.inner().contains_key(wire::TRACEPARENT_HEADER));
        assert_eq!(message.delivery_mode(), &Some(1));
        assert_eq!(message.priority(), &Some(5));
        assert_eq!(message.expiration(), &Some("60000".into()));
        assert_eq!(message.correlation_id(), &Some("c".into()));
        assert_eq!(message.reply_to(), &Some("r".into()));
    }
}
