//! Distributed tracing: the [W3C trace context](https://www.w3.org/TR/trace-context/)
//! ([`TraceParent`]) that travels with every call and event, and the messaging attributes
//! of a worker's span ([`Messaging`]).
//!
//! On the wire the trace context is the AMQP header `nameko.traceparent`: context data
//! key [`TRACEPARENT`], so Python Nameko, which keeps every header as context data
//! (stripping the `nameko.` prefix) and sends its context data on with every call and
//! event it makes, forwards it unchanged. A plain `traceparent` AMQP header, or the
//! `traceparent` header of an HTTP request, is read too.
//!
//! Each worker continues the trace it received (same trace id, a new span id) or starts a
//! new one; [`WorkerContext::trace_parent`](crate::WorkerContext::trace_parent) tells
//! which. Every RPC call and event it sends gets a span id of its own, whose parent is
//! the worker's.
//!
//! Spans are [`tracing`] spans (target `nameko::worker` for workers, `nameko_amqp::rpc`
//! and `nameko_amqp::events` for calls and publishes), at `DEBUG` level; with feature
//! `otel` they also become OpenTelemetry spans whose ids are the ones on the wire
//! (module `otel`, with the feature).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Context data key of the W3C trace context (header `nameko.traceparent`).
pub const TRACEPARENT: &str = "traceparent";

/// The `sampled` trace flag.
pub const FLAG_SAMPLED: u8 = 0x01;

/// A W3C `traceparent`: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
///
/// Ids are never zero (an all-zero id is invalid, as the specification says).
///
/// ```
/// use nameko_core::trace::TraceParent;
///
/// let incoming: TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
///     .parse()
///     .unwrap();
/// let child = incoming.child();
/// assert_eq!(child.trace_id(), incoming.trace_id());
/// assert_ne!(child.span_id(), incoming.span_id());
/// assert_eq!(child.to_string().len(), 55);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParent {
    trace_id: u128,
    span_id: u64,
    flags: u8,
}

/// Why a `traceparent` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid traceparent: {0}")]
pub struct InvalidTraceParent(&'static str);

impl TraceParent {
    /// A trace context from its parts; `None` if an id is zero.
    pub fn from_parts(trace_id: u128, span_id: u64, flags: u8) -> Option<Self> {
        (trace_id != 0 && span_id != 0).then_some(TraceParent {
            trace_id,
            span_id,
            flags,
        })
    }

    /// The first span of a new trace: random trace and span ids, sampled.
    pub fn new_root() -> Self {
        TraceParent {
            trace_id: random_trace_id(),
            span_id: random_span_id(),
            flags: FLAG_SAMPLED,
        }
    }

    /// A child span: the same trace and flags, a new random span id.
    #[must_use]
    pub fn child(&self) -> Self {
        TraceParent {
            span_id: random_span_id(),
            ..*self
        }
    }

    /// The same trace and flags with span id `span_id` (`None` if zero).
    pub fn with_span_id(&self, span_id: u64) -> Option<Self> {
        Self::from_parts(self.trace_id, span_id, self.flags)
    }

    /// Parses a `traceparent` value as the W3C specification says: version `00` is
    /// exactly 55 characters; a later version may carry more after a `-`; version `ff`,
    /// upper-case or non-hex digits, and all-zero ids are invalid.
    pub fn parse(value: &str) -> Result<Self, InvalidTraceParent> {
        let b = value.trim().as_bytes();
        if b.len() < 55 {
            return Err(InvalidTraceParent("too short"));
        }
        let version = hex(&b[0..2]).ok_or(InvalidTraceParent("bad version"))?;
        if version == 0xff {
            return Err(InvalidTraceParent("version ff"));
        }
        if version == 0 && b.len() != 55 {
            return Err(InvalidTraceParent("version 00 is 55 characters"));
        }
        if b.len() > 55 && b[55] != b'-' {
            return Err(InvalidTraceParent("bad separator"));
        }
        if b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
            return Err(InvalidTraceParent("bad separator"));
        }
        let trace_id = hex(&b[3..35]).ok_or(InvalidTraceParent("bad trace id"))?;
        let span_id = hex(&b[36..52]).ok_or(InvalidTraceParent("bad parent id"))?;
        let flags = hex(&b[53..55]).ok_or(InvalidTraceParent("bad flags"))?;
        if trace_id == 0 {
            return Err(InvalidTraceParent("all-zero trace id"));
        }
        if span_id == 0 {
            return Err(InvalidTraceParent("all-zero parent id"));
        }
        Ok(TraceParent {
            trace_id,
            span_id: span_id as u64,
            flags: flags as u8,
        })
    }

    /// The trace id.
    pub fn trace_id(&self) -> u128 {
        self.trace_id
    }

    /// The span id (the `parent-id` field on the wire).
    pub fn span_id(&self) -> u64 {
        self.span_id
    }

    /// The trace flags.
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the `sampled` flag is set.
    pub fn is_sampled(&self) -> bool {
        self.flags & FLAG_SAMPLED != 0
    }

    /// The trace id as 32 lower-case hex digits.
    pub fn trace_id_hex(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    /// The span id as 16 lower-case hex digits.
    pub fn span_id_hex(&self) -> String {
        format!("{:016x}", self.span_id)
    }

    /// The trace context of context data: its `traceparent` value, if valid.
    pub fn from_context(data: &crate::ContextData) -> Option<Self> {
        data.get(TRACEPARENT)
            .and_then(serde_json::Value::as_str)
            .and_then(|s| Self::parse(s).ok())
    }

    /// The `traceparent` header value (as [`Display`](fmt::Display) writes it, without the
    /// formatting machinery).
    pub fn header_value(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(55);
        out.push_str("00-");
        for i in (0..32).rev() {
            out.push(HEX[((self.trace_id >> (i * 4)) & 0xf) as usize] as char);
        }
        out.push('-');
        for i in (0..16).rev() {
            out.push(HEX[((self.span_id >> (i * 4)) & 0xf) as usize] as char);
        }
        out.push('-');
        out.push(HEX[usize::from(self.flags >> 4)] as char);
        out.push(HEX[usize::from(self.flags & 0xf)] as char);
        out
    }
}

fn hex(digits: &[u8]) -> Option<u128> {
    let mut v: u128 = 0;
    for &d in digits {
        let n = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u128::from(n);
    }
    Some(v)
}

fn random_trace_id() -> u128 {
    loop {
        let id = crate::ids::uuid_v4().as_u128();
        if id != 0 {
            return id;
        }
    }
}

fn random_span_id() -> u64 {
    loop {
        // A v4 UUID fixes 4 bits of its high half and 2 of its low half, at different
        // places: their xor is 64 random bits.
        let id = crate::ids::uuid_v4().as_u128();
        let id = (id >> 64) as u64 ^ id as u64;
        if id != 0 {
            return id;
        }
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id, self.span_id, self.flags
        )
    }
}

impl fmt::Debug for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceParent({self})")
    }
}

impl FromStr for TraceParent {
    type Err = InvalidTraceParent;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Displays an id as fixed-width lower-case hex, for span fields (formatted only when a
/// subscriber records the span).
#[derive(Clone, Copy)]
pub(crate) struct Hex<T>(pub(crate) T);

impl fmt::Display for Hex<u128> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Display for Hex<u64> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Where a message-driven worker's call came from: the OpenTelemetry messaging attributes
/// of its span (`messaging.system`, `messaging.destination.name`,
/// `messaging.rabbitmq.destination.routing_key`, `messaging.message.conversation_id`).
///
/// ```
/// use std::sync::Arc;
/// use nameko_core::trace::Messaging;
///
/// let source = Messaging::rabbitmq(Arc::from("nameko-rpc"), "service_x.remote_method")
///     .conversation_id(Some("7c1a...".to_owned()));
/// assert_eq!(source.system(), "rabbitmq");
/// ```
#[derive(Debug, Clone)]
pub struct Messaging {
    system: &'static str,
    destination: Arc<str>,
    routing_key: String,
    conversation_id: Option<String>,
}

impl Messaging {
    /// A message from RabbitMQ exchange `exchange` with routing key `routing_key`.
    pub fn rabbitmq(exchange: Arc<str>, routing_key: impl Into<String>) -> Self {
        Messaging {
            system: "rabbitmq",
            destination: exchange,
            routing_key: routing_key.into(),
            conversation_id: None,
        }
    }

    /// The message's correlation id.
    pub fn conversation_id(mut self, id: Option<String>) -> Self {
        self.conversation_id = id;
        self
    }

    /// `messaging.system`.
    pub fn system(&self) -> &'static str {
        self.system
    }

    /// `messaging.destination.name`: the exchange.
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// `messaging.rabbitmq.destination.routing_key`.
    pub fn routing_key(&self) -> &str {
        &self.routing_key
    }

    /// `messaging.message.conversation_id`: the correlation id.
    pub fn correlation_id(&self) -> Option<&str> {
        self.conversation_id.as_deref()
    }
}

/// Ties `span` to the trace of `parent` and returns the trace context of `span`.
///
/// Without feature `otel`, or when no OpenTelemetry layer records `span`: `parent`'s
/// child (a new span id), or a new trace when there is no parent. With an OpenTelemetry
/// layer, `span`'s OpenTelemetry parent is set to `parent` and the ids are the ones
/// OpenTelemetry gave the span, so what goes on the wire names the exported span.
///
/// What transports call for each span they start (a publish, an RPC call).
pub fn span_context(span: &tracing::Span, parent: Option<&TraceParent>) -> TraceParent {
    #[cfg(feature = "otel")]
    if let Some(tp) = otel::link(span, parent) {
        return tp;
    }
    let _ = span;
    match parent {
        Some(p) => p.child(),
        None => TraceParent::new_root(),
    }
}

/// A `tracing` target whose spans are worth exporting (to an OpenTelemetry collector):
/// each crate registers the targets of the spans it starts with
/// `inventory::submit!(SpanTarget("..."))`, and the exporter of a service binary
/// (`nameko_run::otlp`) exports the spans of every target the linked crates registered.
///
/// nameko-core registers `nameko::worker` (the worker span); nameko-amqp registers the
/// targets of its RPC call and publish spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanTarget(pub &'static str);

inventory::collect!(SpanTarget);

inventory::submit!(SpanTarget("nameko::worker"));

/// The [`SpanTarget`]s the crates linked into this binary registered.
///
/// ```
/// assert!(nameko_core::trace::span_targets().any(|t| t == "nameko::worker"));
/// ```
pub fn span_targets() -> impl Iterator<Item = &'static str> {
    inventory::iter::<SpanTarget>.into_iter().map(|t| t.0)
}

#[doc(hidden)]
pub use inventory;

#[cfg(feature = "otel")]
pub mod otel;

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    #[test]
    fn parse_and_format() {
        let tp = TraceParent::parse(VALID).unwrap();
        assert_eq!(tp.trace_id(), 0x0af7651916cd43dd8448eb211c80319c);
        assert_eq!(tp.span_id(), 0xb7ad6b7169203331);
        assert_eq!(tp.flags(), 1);
        assert!(tp.is_sampled());
        assert_eq!(tp.to_string(), VALID);
        assert_eq!(tp.header_value(), VALID);
        assert_eq!(tp.trace_id_hex(), "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(tp.span_id_hex(), "b7ad6b7169203331");
        let unsampled: TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
            .parse()
            .unwrap();
        assert!(!unsampled.is_sampled());
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
            // all-zero ids
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            // version ff
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            // upper case, non-hex
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0x",
            // separators
            "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01",
            // version 00 with extra data
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
            "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",
        ] {
            assert!(TraceParent::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn later_versions_are_read() {
        let tp = TraceParent::parse("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-xyz")
            .unwrap();
        assert_eq!(tp.to_string(), VALID, "sent on as version 00");
    }

    #[test]
    fn new_ids_are_random_and_valid() {
        let a = TraceParent::new_root();
        let b = TraceParent::new_root();
        assert_ne!(a.trace_id(), b.trace_id());
        assert!(a.is_sampled());
        let child = a.child();
        assert_eq!(child.trace_id(), a.trace_id());
        assert_ne!(child.span_id(), a.span_id());
        assert_ne!(child.span_id(), 0);
        assert_eq!(TraceParent::parse(&child.header_value()), Ok(child));
        assert_eq!(TraceParent::from_parts(0, 1, 0), None);
        assert_eq!(TraceParent::from_parts(1, 0, 0), None);
        assert_eq!(a.with_span_id(7).map(|t| t.span_id()), Some(7));
    }

    #[test]
    fn from_context_data() {
        let mut data = crate::ContextData::new();
        assert_eq!(TraceParent::from_context(&data), None);
        data.insert(TRACEPARENT.into(), "garbage".into());
        assert_eq!(TraceParent::from_context(&data), None);
        data.insert(TRACEPARENT.into(), VALID.into());
        assert_eq!(
            TraceParent::from_context(&data).map(|t| t.to_string()),
            Some(VALID.to_owned())
        );
    }

    #[test]
    fn span_context_without_parent_starts_a_trace() {
        let a = span_context(&tracing::Span::none(), None);
        let parent = TraceParent::parse(VALID).unwrap();
        let b = span_context(&tracing::Span::none(), Some(&parent));
        assert_eq!(b.trace_id(), parent.trace_id());
        assert_ne!(b.span_id(), parent.span_id());
        assert_ne!(a.trace_id(), parent.trace_id());
    }
}
