//! The benchmark's echo service (`bench_echo`, as `bench-echo`) built with the operations
//! features on: metrics (feature `metrics`: every worker, delivery and reply recorded;
//! served at `METRICS_ADDRESS` when the config sets it) and, with `--spans`, tracing spans
//! recorded by the OpenTelemetry layer and exported in batches to an exporter that counts
//! and drops them (what an OTLP exporter costs the service beyond that runs on the batch
//! processor's own thread).
//!
//! ```text
//! bench-echo-ops [--spans] --broker amqp://... --config ops.yaml --log-level warn
//! ```
//!
//! At exit it prints `exported spans: <n>` to stderr, so the driver can check that spans
//! were on.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use nameko_benches::services::BenchEcho;
use nameko_core::trace::otel::{self, opentelemetry_sdk};
use nameko_run::cli::RunArgs;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use tracing_subscriber::prelude::*;

/// Counts the spans it is given and drops them.
#[derive(Debug, Default, Clone)]
struct CountingExporter(Arc<AtomicU64>);

impl SpanExporter for CountingExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        std::future::ready(Ok(()))
    }
}

/// The options of a service binary, and `--spans`.
#[derive(Debug, clap::Parser)]
struct Args {
    /// Record spans with the OpenTelemetry layer (exported to a counting exporter).
    #[arg(long)]
    spans: bool,
    #[command(flatten)]
    run: RunArgs,
}

fn main() -> ExitCode {
    let Args { spans, run: args } = clap::Parser::parse();
    let exported = CountingExporter::default();
    let provider = spans.then(|| {
        let provider = otel::tracer_provider("bench_echo", exported.clone());
        let console = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(tracing_subscriber::EnvFilter::new("warn"));
        let spans = otel::layer(&provider).with_filter(tracing_subscriber::EnvFilter::new(
            "nameko=debug,nameko_amqp=debug",
        ));
        // `cli::run` then finds a subscriber installed and keeps it.
        tracing_subscriber::registry()
            .with(console)
            .with(spans)
            .init();
        provider
    });
    let code = nameko_run::cli::run_with_args("bench-echo-ops", args, |runner| {
        runner.add_service(BenchEcho)?;
        Ok(())
    });
    if let Some(provider) = provider {
        let _ = provider.shutdown();
        eprintln!("exported spans: {}", exported.0.load(Ordering::Relaxed));
    }
    code
}
