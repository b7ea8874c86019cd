//! OpenTelemetry export of worker, call and publish spans (feature `otel`).
//!
//! With the [`layer`] of a tracer provider in the `tracing` subscriber, every span
//! nameko-rs starts becomes an OpenTelemetry span (`otel.kind`, `otel.name` and the
//! `messaging.*` fields become its kind, name and attributes), and the W3C ids on the
//! wire (header `nameko.traceparent`) are that span's ids: a worker's span is the child
//! of the caller's call or publish span, across services and through Python Nameko.
//!
//! ```no_run
//! use nameko_core::trace::otel;
//! use tracing_subscriber::prelude::*;
//!
//! // Any `SpanExporter`: `opentelemetry_otlp::SpanExporter` (crate `opentelemetry-otlp`,
//! // the version matching `opentelemetry_sdk`) for an OTLP collector,
//! // `InMemorySpanExporter` (feature `testing` of `opentelemetry_sdk`) in tests.
//! fn init(exporter: impl otel::opentelemetry_sdk::trace::SpanExporter + 'static) {
//!     let provider = otel::tracer_provider("service_x", exporter);
//!     tracing_subscriber::registry()
//!         .with(tracing_subscriber::EnvFilter::new("info,nameko=debug,nameko_amqp=debug"))
//!         .with(otel::layer(&provider))
//!         .init();
//!     // ... run the services; at exit, flush: `provider.shutdown()`.
//! }
//! ```
//!
//! The versions of `opentelemetry`, `opentelemetry_sdk` and `tracing-opentelemetry` that
//! work together are re-exported here. With feature `otlp`, module `nameko_run::otlp` exports to an
//! OpenTelemetry collector over OTLP/HTTP, which a binary run by `cli::run` does by itself
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider as _,
};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::registry::LookupSpan;

use super::TraceParent;

pub use opentelemetry;
pub use opentelemetry_sdk;
pub use tracing_opentelemetry;

/// A tracer provider named `service_name` (resource attribute `service.name`) that
/// exports each span when it ends, in batches, with `exporter`.
pub fn tracer_provider<E>(
    service_name: &str,
    exporter: E,
) -> opentelemetry_sdk::trace::SdkTracerProvider
where
    E: opentelemetry_sdk::trace::SpanExporter + 'static,
{
    opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service_name.to_owned())
                .build(),
        )
        .with_batch_exporter(exporter)
        .build()
}

/// The `tracing` layer that turns spans into OpenTelemetry spans of `provider`.
pub fn layer<S>(
    provider: &opentelemetry_sdk::trace::SdkTracerProvider,
) -> tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::SdkTracer>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("nameko"))
}

/// Sets `span`'s OpenTelemetry parent to `parent` and returns the ids OpenTelemetry gave
/// it; `None` when no OpenTelemetry layer records `span`.
pub(crate) fn link(span: &tracing::Span, parent: Option<&TraceParent>) -> Option<TraceParent> {
    if span.is_disabled() {
        return None;
    }
    if let Some(p) = parent {
        let remote = SpanContext::new(
            TraceId::from(p.trace_id()),
            SpanId::from(p.span_id()),
            TraceFlags::new(p.flags()),
            true,
            TraceState::default(),
        );
        // Fails when no OpenTelemetry layer is installed: then nothing is exported.
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
    }
    let cx = span.context();
    let own = cx.span().span_context().clone();
    if !own.is_valid() {
        return None;
    }
    TraceParent::from_parts(
        u128::from_be_bytes(own.trace_id().to_bytes()),
        u64::from_be_bytes(own.span_id().to_bytes()),
        own.trace_flags().to_u8(),
    )
}
