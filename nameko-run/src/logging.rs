//! Logging of service binaries: the part of Nameko's `LOGGING` (Python's `dictConfig`)
//! that matters, `--log-level`, `--log-format` and `RUST_LOG`.
//!
//! From `LOGGING`:
//!
//! - `root.level`: the default level;
//! - `loggers.<name>.level`: the level of one logger, whose name is a `tracing` target
//!   written with dots (`nameko.worker` is the target `nameko::worker`, `nameko_amqp` every
//!   target of nameko-amqp; a name is a prefix of the targets it covers, as in Python);
//! - a JSON formatter: when a handler of the root logger uses a formatter whose `()` or
//!   `class` names a JSON formatter (`pythonjsonlogger.jsonlogger.JsonFormatter`) or whose
//!   `format` is `json`, lines are JSON objects.
//!
//! Levels are Python's (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`, `NOTSET`, or
//! their numbers) or Rust's (`trace` ... `error`). `--log-level` replaces the root level,
//! `--log-format` the format; `RUST_LOG`, when set, replaces every level.
//!
//! In the JSON format, every line logged inside a worker carries the worker's `service`,
//! `entrypoint` and `call_id` (the worker span's fields, under `span`). The text format
//! leaves the worker span off, so that it costs nothing per call: the lines nameko-rs logs
//! about a worker carry those fields themselves, lines of your own do not.
//!
//! ```
//! use nameko_core::Config;
//! use nameko_run::logging::{LogFormat, LogSettings};
//!
//! let config = Config::from_yaml_str(
//!     r#"
//! LOGGING:
//!   version: 1
//!   formatters:
//!     json: {'()': pythonjsonlogger.jsonlogger.JsonFormatter}
//!   handlers:
//!     console: {class: logging.StreamHandler, formatter: json}
//!   root: {level: WARNING, handlers: [console]}
//!   loggers:
//!     nameko_amqp: {level: DEBUG}
//! "#,
//! )?;
//! let settings = LogSettings::from_config(&config)?;
//! assert_eq!(settings.format, LogFormat::Json);
//! assert_eq!(settings.directives(), "warn,nameko::worker=debug,nameko_amqp=debug");
//! # Ok::<(), nameko_core::ConfigError>(())
//! ```

use std::str::FromStr;

use serde_json::Value;

use nameko_core::config::{Config, ConfigError};

/// The config key of Python's logging `dictConfig`.
pub const LOGGING: &str = "LOGGING";

/// The target of the worker span, whose fields (`service`, `entrypoint`, `call_id`) every
/// line logged inside a worker carries.
const WORKER_TARGET: &str = "nameko::worker";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable text (the default).
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields` (the message
    /// and the event's fields) and `span` (the current worker's `service`, `entrypoint`,
    /// `call_id`, ...).
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "unknown log format `{other}`: use `text` or `json`"
            )),
        }
    }
}

/// Levels and format, from the config and the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// The default level (`tracing` spelling: `error`, `warn`, `info`, `debug`, `trace`).
    pub level: String,
    /// Per-target levels, from `LOGGING.loggers`, sorted by name (a more specific target
    /// wins over a prefix of it, whatever the order).
    pub loggers: Vec<(String, String)>,
    /// The line format.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".to_owned(),
            loggers: Vec::new(),
            format: LogFormat::Text,
        }
    }
}

impl LogSettings {
    /// The settings of `config`'s `LOGGING`: defaults (`info`, text) when it has none; a
    /// clear error when a level is unknown or the section has the wrong shape.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let mut settings = LogSettings::default();
        let Some(logging) = config.get(LOGGING) else {
            return Ok(settings);
        };
        let Value::Object(logging) = logging else {
            return Err(invalid("must be a mapping (Python's logging dictConfig)"));
        };
        let root = logging.get("root");
        if let Some(level) = root.and_then(|r| r.get("level")) {
            settings.level = level_of(level, "LOGGING.root.level")?;
        }
        match logging.get("loggers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(loggers)) => {
                for (name, logger) in loggers {
                    if let Some(level) = logger.get("level") {
                        let level = level_of(level, &format!("LOGGING.loggers.{name}.level"))?;
                        settings.loggers.push((name.replace('.', "::"), level));
                    }
                }
            }
            Some(_) => return Err(invalid("`loggers` must be a mapping of logger names")),
        }
        if root_uses_json(logging, root) {
            settings.format = LogFormat::Json;
        }
        Ok(settings)
    }

    /// The `tracing_subscriber::EnvFilter` directives: the default level, in the JSON
    /// format the worker span (so lines inside workers carry its fields), then each logger.
    pub fn directives(&self) -> String {
        let mut directives = vec![self.level.clone()];
        if self.format == LogFormat::Json
            && !self.loggers.iter().any(|(name, _)| name == WORKER_TARGET)
        {
            directives.push(format!("{WORKER_TARGET}=debug"));
        }
        directives.extend(
            self.loggers
                .iter()
                .map(|(target, level)| format!("{target}={level}")),
        );
        directives.join(",")
    }

    /// Installs a `tracing` subscriber writing to stderr with these settings, unless one
    /// is installed already. `RUST_LOG`, when set, replaces the levels.
    pub fn init(&self) {
        let filter = self.env_filter();
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        let _ = match self.format {
            LogFormat::Text => builder.try_init(),
            LogFormat::Json => builder
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .try_init(),
        };
    }

    /// [`init`](Self::init), and with feature `otlp`, when the environment or `config`
    /// names an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, see
    /// `otlp::OtlpSettings`), the export of nameko-rs's spans to that
    /// OpenTelemetry collector, as service `service_name` unless `OTEL_SERVICE_NAME` is
    /// set. The exported spans (workers, RPC calls, publishes) are recorded at `DEBUG`
    /// whatever the log level, which applies to log lines only.
    ///
    /// Keep the returned [`Telemetry`] until the services have stopped, then
    /// [`shutdown`](Telemetry::shutdown) it to export the last spans. An invalid OTLP
    /// setting is an error, and then nothing is installed.
    pub fn install(&self, config: &Config, service_name: &str) -> Result<Telemetry, ConfigError> {
        #[cfg(feature = "otlp")]
        if let Some(otlp) = crate::otlp::OtlpSettings::from_env(config, service_name)? {
            let provider = otlp.tracer_provider()?;
            self.init_exporting(&provider);
            return Ok(Telemetry {
                provider: Some(provider),
            });
        }
        let _ = (config, service_name);
        self.init();
        Ok(Telemetry::default())
    }

    /// The subscriber of [`init`](Self::init) as a layer filtered by its levels, and the
    /// OpenTelemetry layer of `provider` with a filter of its own.
    #[cfg(feature = "otlp")]
    fn init_exporting(&self, provider: &opentelemetry_sdk::trace::SdkTracerProvider) {
        use tracing_subscriber::Layer;
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;

        let console = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
        let console = match self.format {
            LogFormat::Text => console.boxed(),
            LogFormat::Json => console
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .boxed(),
        };
        let export = nameko_core::trace::otel::layer(provider)
            .with_filter(crate::otlp::OtlpSettings::span_filter());
        let _ = tracing_subscriber::registry()
            .with(console.with_filter(self.env_filter()))
            .with(export)
            .try_init();
    }

    /// `RUST_LOG`, else [`directives`](Self::directives).
    fn env_filter(&self) -> tracing_subscriber::EnvFilter {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(self.directives()))
    }
}

/// What [`LogSettings::install`] set up besides the log lines: with feature `otlp` and an
/// OTLP endpoint configured, the tracer provider exporting spans to the collector.
///
/// [`shutdown`](Telemetry::shutdown) (or dropping it) exports the spans not yet exported:
/// keep it until the services have stopped.
#[derive(Debug, Default)]
#[must_use = "dropping it stops the export of spans"]
pub struct Telemetry {
    #[cfg(feature = "otlp")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported to an OpenTelemetry collector.
    pub fn is_exporting(&self) -> bool {
        #[cfg(feature = "otlp")]
        if self.provider.is_some() {
            return true;
        }
        false
    }

    /// Exports the spans not yet exported and stops the exporter; an error says why some
    /// could not be exported.
    pub fn shutdown(self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        #[cfg(feature = "otlp")]
        {
            let mut this = self;
            if let Some(provider) = this.provider.take() {
                provider.shutdown()?;
            }
        }
        Ok(())
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.provider.take() {
            let _ = provider.shutdown();
        }
    }
}

fn invalid(message: &str) -> ConfigError {
    ConfigError::Invalid {
        key: LOGGING.to_owned(),
        message: message.to_owned(),
    }
}

/// A level in Python's or Rust's spelling, as `tracing` spells it.
fn level_of(value: &Value, key: &str) -> Result<String, ConfigError> {
    let level = match value {
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "critical" | "fatal" | "error" => "error",
            "warning" | "warn" => "warn",
            "info" => "info",
            "debug" => "debug",
            "notset" | "trace" => "trace",
            _ => "",
        },
        Value::Number(n) => match n.as_u64() {
            Some(40..) => "error",
            Some(30..=39) => "warn",
            Some(20..=29) => "info",
            Some(10..=19) => "debug",
            Some(0..=9) => "trace",
            None => "",
        },
        _ => "",
    };
    if level.is_empty() {
        return Err(ConfigError::Invalid {
            key: LOGGING.to_owned(),
            message: format!(
                "{key}: unknown level {value}: use DEBUG, INFO, WARNING, ERROR or CRITICAL"
            ),
        });
    }
    Ok(level.to_owned())
}

/// Whether a handler of the root logger formats with a JSON formatter.
fn root_uses_json(logging: &serde_json::Map<String, Value>, root: Option<&Value>) -> bool {
    let Some(handlers) = root
        .and_then(|r| r.get("handlers"))
        .and_then(Value::as_array)
    else {
        return false;
    };
    handlers.iter().filter_map(Value::as_str).any(|handler| {
        logging
            .get("handlers")
            .and_then(|h| h.get(handler))
            .and_then(|h| h.get("formatter"))
            .and_then(Value::as_str)
            .and_then(|formatter| logging.get("formatters").and_then(|f| f.get(formatter)))
            .is_some_and(is_json_formatter)
    })
}

fn is_json_formatter(formatter: &Value) -> bool {
    let names_json = |key: &str| {
        formatter
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| s.to_ascii_lowercase().contains("json"))
    };
    names_json("()") || names_json("class") || names_json("format")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings(yaml: &str) -> Result<LogSettings, ConfigError> {
        LogSettings::from_config(&Config::from_yaml_str(yaml).unwrap())
    }

    #[test]
    fn defaults_without_logging() {
        let s = settings("AMQP_URI: x\n").unwrap();
        assert_eq!(s, LogSettings::default());
        assert_eq!(s.directives(), "info");
        let json = LogSettings {
            format: LogFormat::Json,
            ..s
        };
        assert_eq!(json.directives(), "info,nameko::worker=debug");
    }

    #[test]
    fn root_and_loggers_in_python_spelling() {
        let s = settings(
            "LOGGING:\n  version: 1\n  root: {level: CRITICAL}\n  loggers:\n    nameko.worker: {level: WARNING}\n    my_service.db: {level: 10}\n",
        )
        .unwrap();
        assert_eq!(s.level, "error");
        assert_eq!(
            s.loggers,
            [
                ("my_service::db".to_owned(), "debug".to_owned()),
                ("nameko::worker".to_owned(), "warn".to_owned())
            ]
        );
        // The user's own level for the worker target wins.
        assert_eq!(
            s.directives(),
            "error,my_service::db=debug,nameko::worker=warn"
        );
        assert_eq!(s.format, LogFormat::Text);
    }

    #[test]
    fn json_formatter_of_a_root_handler() {
        let yaml = "LOGGING:\n  formatters:\n    plain: {format: '%(message)s'}\n    structured: {class: pythonjsonlogger.jsonlogger.JsonFormatter}\n  handlers:\n    out: {formatter: plain}\n    json_out: {formatter: structured}\n  root: {level: INFO, handlers: [HANDLERS]}\n";
        let s = settings(&yaml.replace("HANDLERS", "out")).unwrap();
        assert_eq!(s.format, LogFormat::Text);
        let s = settings(&yaml.replace("HANDLERS", "out, json_out")).unwrap();
        assert_eq!(s.format, LogFormat::Json);
    }

    #[test]
    fn bad_levels_and_shapes_are_clear_errors() {
        let e = settings("LOGGING:\n  root: {level: LOUD}\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "config key `LOGGING`: LOGGING.root.level: unknown level \"LOUD\": use DEBUG, INFO, WARNING, ERROR or CRITICAL"
        );
        let e = settings("LOGGING: [1]\n").unwrap_err();
        assert!(e.to_string().contains("must be a mapping"), "{e}");
        let e = settings("LOGGING:\n  loggers: [a]\n").unwrap_err();
        assert!(e.to_string().contains("`loggers` must be a mapping"), "{e}");
    }

    #[test]
    fn formats_parse() {
        assert_eq!("JSON".parse::<LogFormat>(), Ok(LogFormat::Json));
        assert_eq!("text".parse::<LogFormat>(), Ok(LogFormat::Text));
        assert!("xml".parse::<LogFormat>().is_err());
    }
}
