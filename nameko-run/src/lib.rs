//! # nameko-run
//!
//! Running [nameko-rs](https://github.com/nameko-rs/nameko-rs) services as a binary: what
//! `nameko run` does for a Python service, and what operators look at. nameko-core is the
//! kernel (services, containers, workers) and knows no network; this crate holds the
//! tooling of a service process around it:
//!
//! - [`cli`] (feature `cli`): the whole `main` of a service binary: `--config`,
//!   `--broker`, `--log-level`, `--log-format`, `--describe`, signals (the first stops
//!   gracefully, the second forces);
//! - [`logging`] (feature `cli`): Nameko's `LOGGING` dictConfig subset, text or JSON lines;
//! - [`otlp`] (feature `otlp`): the export of spans to an OpenTelemetry collector;
//! - [`metrics`] (feature `metrics`): the process's Prometheus registry, with the worker
//!   families recorded through nameko-core's worker observer and the families other crates
//!   register;
//! - [`openapi`]: the OpenAPI 3.1 document of a description's HTTP routes (what
//!   `--describe --openapi` prints);
//! - [`probe`]: the one answer of `/health/live`, `/health/ready` and `/metrics`, and the
//!   listeners of `HEALTH_ADDRESS` and `METRICS_ADDRESS` that serve it (on hyper).
//!
//! Most users reach this crate through the `nameko` facade (`nameko::cli`,
//! `nameko::metrics`, `nameko::trace::otlp`).
//!
//! ```no_run
//! # use nameko_core::{Service, Entrypoint};
//! # use std::sync::Arc;
//! # struct ServiceY;
//! # impl Service for ServiceY {
//! #     fn name(&self) -> &str { "service_y" }
//! #     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> { Vec::new() }
//! # }
//! # #[cfg(feature = "cli")]
//! fn main() -> std::process::ExitCode {
//!     nameko_run::cli::run("my-services", |runner| {
//!         runner.add_service(ServiceY)?;
//!         Ok(())
//!     })
//! }
//! # #[cfg(not(feature = "cli"))]
//! # fn main() {}
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `cli` | no | [`cli`] and [`logging`] (clap, tracing-subscriber) |
//! | `metrics` | no | [`metrics`] (prometheus-client); `/metrics` on `METRICS_ADDRESS` |
//! | `otlp` | no | [`otlp`] (opentelemetry-otlp); with `cli`, a binary exports when `OTEL_EXPORTER_OTLP_ENDPOINT` is set |
#![forbid(unsafe_code)]

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod logging;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod openapi;
#[cfg(feature = "otlp")]
pub mod otlp;
pub mod probe;
