//! The span of a worker.

use crate::context::WorkerContext;
use crate::trace::Messaging;

/// The span of a worker (target `nameko::worker`, `DEBUG`), with the OpenTelemetry
/// messaging attributes when the call came as a message. Its fields are only computed
/// when a subscriber records it.
pub(crate) fn worker_span(
    ctx: &WorkerContext,
    kind: &'static str,
    messaging: Option<&Messaging>,
) -> tracing::Span {
    let otel_kind = match (kind, messaging) {
        (_, Some(_)) | ("rpc" | "event_handler", None) => "consumer",
        ("http", None) => "server",
        _ => "internal",
    };
    tracing::debug_span!(
        target: "nameko::worker",
        "worker",
        otel.name = %WorkerName(ctx),
        otel.kind = otel_kind,
        service = %ctx.service_name(),
        entrypoint = %ctx.entrypoint_name(),
        call_id = %ctx.call_id(),
        kind,
        trace_id = tracing::field::Empty,
        span_id = tracing::field::Empty,
        messaging.system = messaging.map(Messaging::system),
        messaging.destination.name = messaging.map(Messaging::destination),
        messaging.operation.type = messaging.map(|_| "process"),
        messaging.rabbitmq.destination.routing_key = messaging.map(Messaging::routing_key),
        messaging.message.conversation_id = messaging.and_then(Messaging::correlation_id),
    )
}

/// `<service>.<entrypoint>`, formatted only when recorded.
struct WorkerName<'a>(&'a WorkerContext);

impl std::fmt::Display for WorkerName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0.service_name(), self.0.entrypoint_name())
    }
}
