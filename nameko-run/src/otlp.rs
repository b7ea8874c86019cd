//! Export of spans to an OpenTelemetry collector over OTLP/HTTP (feature `otlp`):
//! `nameko_run::otlp`.
//!
//! [`OtlpSettings`] reads the standard OpenTelemetry variables, from the environment or,
//! when a variable is not set, from the config key of the same name:
//!
//! - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the URL spans are posted to, as it is;
//! - `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL, to which `/v1/traces` is
//!   added (`http://localhost:4318` posts to `http://localhost:4318/v1/traces`);
//! - `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf`
//!   (the default) or `http/json`;
//! - `OTEL_SERVICE_NAME`: the resource attribute `service.name`, by default the name of
//!   the binary;
//! - `OTEL_SDK_DISABLED=true` (environment only): nothing is exported.
//!
//! Spans are exported over plain HTTP (no TLS: send them to a collector or agent next to
//! the service), in batches, from the batch span processor's own thread, with
//! `reqwest`'s blocking client. `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_RESOURCE_ATTRIBUTES` and the batch processor's
//! `OTEL_BSP_*` variables are read by OpenTelemetry itself.
//!
//! A service binary run by `nameko_run::cli::run` (feature `cli`) does this by
//! itself when an endpoint is set; by hand:
//!
//! ```no_run
//! use nameko_core::Config;
//! use nameko_core::trace::otel;
//! use nameko_run::otlp::OtlpSettings;
//! use tracing_subscriber::prelude::*;
//!
//! # fn main() -> Result<(), nameko_core::ConfigError> {
//! let config = Config::new().with("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318");
//! if let Some(otlp) = OtlpSettings::from_env(&config, "my-services")? {
//!     let provider = otlp.tracer_provider()?;
//!     tracing_subscriber::registry()
//!         .with(otel::layer(&provider).with_filter(OtlpSettings::span_filter()))
//!         .init();
//!     // ... run the services; at exit, flush: `provider.shutdown()`.
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::str::FromStr;

use opentelemetry_otlp::WithExportConfig;
use serde_json::Value;

use nameko_core::config::{Config, ConfigError};

pub use opentelemetry_otlp;

/// The collector's base URL; spans go to its path `/v1/traces`.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// The URL spans are posted to (wins over [`OTEL_EXPORTER_OTLP_ENDPOINT`]).
pub const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// The protocol: `http/protobuf` (the default) or `http/json`.
pub const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
/// The protocol of spans (wins over [`OTEL_EXPORTER_OTLP_PROTOCOL`]).
pub const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
/// The resource attribute `service.name` of the exported spans.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";

/// `true`: nothing is exported, whatever the endpoint (OpenTelemetry's switch).
pub const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";

/// How spans are encoded on the way to the collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OtlpProtocol {
    /// `http/protobuf`: protobuf over HTTP (the default).
    #[default]
    HttpProtobuf,
    /// `http/json`: JSON over HTTP.
    HttpJson,
}

impl FromStr for OtlpProtocol {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "http/protobuf" => Ok(OtlpProtocol::HttpProtobuf),
            "http/json" => Ok(OtlpProtocol::HttpJson),
            "grpc" => Err("`grpc` is not supported (spans are exported over HTTP): \
                 use http/protobuf or http/json"
                .to_owned()),
            _ => Err(format!(
                "unknown OTLP protocol `{s}`: use http/protobuf or http/json"
            )),
        }
    }
}

impl fmt::Display for OtlpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OtlpProtocol::HttpProtobuf => "http/protobuf",
            OtlpProtocol::HttpJson => "http/json",
        })
    }
}

/// Where and how spans are exported: the OTLP settings of the environment and the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpSettings {
    /// The URL spans are posted to (`http://host:4318/v1/traces`).
    pub endpoint: String,
    /// The encoding.
    pub protocol: OtlpProtocol,
    /// The resource attribute `service.name`.
    pub service_name: String,
}

impl OtlpSettings {
    /// The settings of the environment and `config` (an environment variable wins over the
    /// config key of the same name; an empty value counts as unset); `None` when neither
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` nor `OTEL_EXPORTER_OTLP_ENDPOINT` is set: then
    /// nothing is exported. `default_service_name` is the service name when
    /// `OTEL_SERVICE_NAME` is not set. A clear error when a value is invalid.
    pub fn from_env(
        config: &Config,
        default_service_name: &str,
    ) -> Result<Option<Self>, ConfigError> {
        Self::resolve(config, default_service_name, |key| std::env::var(key).ok())
    }

    fn resolve(
        config: &Config,
        default_service_name: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let setting = |key: &'static str| -> Result<Option<String>, ConfigError> {
            if let Some(value) = env(key).filter(|v| !v.trim().is_empty()) {
                return Ok(Some(value.trim().to_owned()));
            }
            match config.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
                Some(other) => Err(invalid(key, format!("expected a string, not {other}"))),
            }
        };
        if env(OTEL_SDK_DISABLED).is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let endpoint = if let Some(url) = setting(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)? {
            check_endpoint(&url).map_err(|m| invalid(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, m))?;
            url
        } else if let Some(base) = setting(OTEL_EXPORTER_OTLP_ENDPOINT)? {
            check_endpoint(&base).map_err(|m| invalid(OTEL_EXPORTER_OTLP_ENDPOINT, m))?;
            format!("{}/v1/traces", base.strip_suffix('/').unwrap_or(&base))
        } else {
            return Ok(None);
        };
        let mut protocol = OtlpProtocol::default();
        for key in [
            OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
            OTEL_EXPORTER_OTLP_PROTOCOL,
        ] {
            if let Some(value) = setting(key)? {
                protocol = value.parse().map_err(|message| invalid(key, message))?;
                break;
            }
        }
        let service_name =
            setting(OTEL_SERVICE_NAME)?.unwrap_or_else(|| default_service_name.to_owned());
        Ok(Some(OtlpSettings {
            endpoint,
            protocol,
            service_name,
        }))
    }

    /// The OTLP/HTTP span exporter of these settings.
    pub fn span_exporter(&self) -> Result<opentelemetry_otlp::SpanExporter, ConfigError> {
        let protocol = match self.protocol {
            OtlpProtocol::HttpProtobuf => opentelemetry_otlp::Protocol::HttpBinary,
            OtlpProtocol::HttpJson => opentelemetry_otlp::Protocol::HttpJson,
        };
        opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(self.endpoint.clone())
            .with_protocol(protocol)
            .build()
            .map_err(|e| invalid(OTEL_EXPORTER_OTLP_ENDPOINT, e.to_string()))
    }

    /// A tracer provider exporting to the collector in batches
    /// ([`otel::tracer_provider`](nameko_core::trace::otel::tracer_provider)), named `service_name`.
    /// Call its `shutdown` before the process exits, to export the last spans.
    pub fn tracer_provider(
        &self,
    ) -> Result<opentelemetry_sdk::trace::SdkTracerProvider, ConfigError> {
        Ok(nameko_core::trace::otel::tracer_provider(
            &self.service_name,
            self.span_exporter()?,
        ))
    }

    /// The per-layer filter of the OpenTelemetry layer: the spans of the targets the
    /// linked crates register ([`nameko_core::trace::span_targets`]: workers, RPC calls,
    /// event publishes), and events inside them at those targets, at `DEBUG`, whatever the
    /// log level.
    pub fn span_filter() -> tracing_subscriber::filter::Targets {
        nameko_core::trace::span_targets().fold(
            tracing_subscriber::filter::Targets::new(),
            |filter, target| filter.with_target(target, tracing::Level::DEBUG),
        )
    }
}

fn invalid(key: &'static str, message: String) -> ConfigError {
    ConfigError::invalid(key, message)
}

/// An `http://` URL with a host: `https://` is refused rather than failing every export
/// later (no TLS is built in).
fn check_endpoint(url: &str) -> Result<(), String> {
    let scheme = url
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http") => {}
        Some("https") => {
            return Err(format!(
                "invalid endpoint `{url}`: https is not supported (no TLS is built in): \
                 export over http:// to a collector or agent next to the service"
            ));
        }
        _ => return Err(format!("invalid endpoint `{url}`: expected an http:// URL")),
    }
    let uri: http::Uri = url
        .parse()
        .map_err(|e| format!("invalid endpoint `{url}`: {e}"))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("invalid endpoint `{url}`: no host"));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
