//! The `main` of a service binary: the Rust counterpart of `nameko run --config FILE`.
//!
//! ```no_run
//! # use nameko_core::{Service, Entrypoint};
//! # use std::sync::Arc;
//! # struct ServiceY;
//! # impl Service for ServiceY {
//! #     fn name(&self) -> &str { "service_y" }
//! #     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> { Vec::new() }
//! # }
//! fn main() -> std::process::ExitCode {
//!     nameko_run::cli::run("my-services", |runner| {
//!         runner.add_service(ServiceY)?;
//!         Ok(())
//!     })
//! }
//! ```
//!
//! The binary then takes:
//!
//! - `--config FILE`: Nameko's YAML config, with `${VAR:default}` substitution (without
//!   it, an empty config: every key has its default);
//! - `--broker URI`: overrides `AMQP_URI`;
//! - `--define KEY=VALUE` (repeatable): sets a config key after the file, the value read
//!   as YAML, as nameko 3.0's `--define` ([`nameko_core::config::define`]);
//! - `--log-level LEVEL`: `error`, `warn`, `info`, `debug` or `trace`; default: the root
//!   level of the config's `LOGGING` (Python's dictConfig; per-logger levels and a JSON
//!   formatter are read too, see [`crate::logging`]), else `info`; `RUST_LOG` wins when
//!   set;
//! - `--log-format FORMAT`: `text` or `json` (one JSON object per line, with the worker's
//!   `service`, `entrypoint` and `call_id` on every line logged inside a worker);
//! - `--describe`: prints a JSON description of the services instead of running them (see
//!   [`describe`]), and exits; nothing is connected to. `nameko describe` reads it. With
//!   `--openapi`, prints the OpenAPI 3.1 document of its HTTP routes instead
//!   ([`crate::openapi`]; `info.version` from `--api-version`, default `0.1.0`).
//!
//! With feature `otlp`, when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set in the environment or the config, the
//! spans of workers, RPC calls and publishes are exported to that OpenTelemetry collector
//! ([`LogSettings::install`](crate::logging::LogSettings::install)), and the last ones
//! when the services have stopped.
//!
//! It starts every service, stops them gracefully on the first SIGINT or SIGTERM (running
//! workers finish within `SHUTDOWN_GRACE_PERIOD`), kills them on the second, and exits
//! non-zero with a one-line reason when the config is invalid, a service cannot start
//! (broker unreachable, address taken), or the broker connection is lost while running
//! (unfinished messages go back to the broker; the supervisor restarts the process).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use nameko_core::Error;
use nameko_core::ServiceRunner;
use nameko_core::config::{Config, Definition};

/// Command-line options of a service binary.
#[derive(Debug, Clone, Parser)]
#[command(
    about = "Runs nameko-rs services until SIGINT or SIGTERM (a second signal forces the stop)"
)]
pub struct RunArgs {
    /// Nameko YAML config file (AMQP_URI, WEB_SERVER_ADDRESS, max_workers, ...); `${VAR}` and
    /// `${VAR:default}` are taken from the environment.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Broker URI, overriding the config's AMQP_URI (e.g. pyamqp://guest:guest@localhost).
    #[arg(long, value_name = "URI")]
    pub broker: Option<String>,
    /// Set a config key (nameko 3.0's `--define`): KEY=VALUE, the value read as YAML
    /// (`max_workers=4`, `ACCEPT=[json, msgpack]`), a bare KEY is true; applied after the
    /// file and its `${VAR}` substitution, later ones winning. Repeatable.
    #[arg(long = "define", value_name = "KEY=VALUE")]
    pub define: Vec<Definition>,
    /// Log level (error, warn, info, debug, trace); default: the config's
    /// `LOGGING.root.level`, else info. RUST_LOG overrides it.
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Log line format: text or json; default: json when the config's `LOGGING` root
    /// handler uses a JSON formatter, else text.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<crate::logging::LogFormat>,
    /// Print a JSON description of the services this binary hosts (their entrypoints,
    /// rules and parameter names) and exit, without connecting to anything.
    #[arg(long)]
    pub describe: bool,
    /// With `--describe` (or alone): print the OpenAPI 3.1 document of the HTTP routes
    /// instead of the description, and exit.
    #[arg(long)]
    pub openapi: bool,
    /// The `info.version` of the `--openapi` document.
    #[arg(
        long,
        value_name = "VERSION",
        default_value = "0.1.0",
        requires = "openapi"
    )]
    pub api_version: String,
}

impl RunArgs {
    /// Loads the config the options name.
    pub fn load_config(&self) -> Result<Config, Error> {
        let mut config = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::new(),
        };
        if let Some(uri) = &self.broker {
            config.set("AMQP_URI", uri.clone());
        }
        Ok(config.define(self.define.iter().cloned())?)
    }

    /// The log level: `--log-level`, else the root level of the config's Python-style
    /// `LOGGING` dictConfig, else `info`.
    pub fn log_level(&self, config: &Config) -> String {
        if let Some(level) = &self.log_level {
            return level.clone();
        }
        config
            .get("LOGGING")
            .and_then(|l| l.get("root"))
            .and_then(|r| r.get("level"))
            .and_then(serde_json::Value::as_str)
            .map(|l| match l.to_ascii_lowercase().as_str() {
                "critical" | "fatal" => "error".to_owned(),
                "warning" => "warn".to_owned(),
                other => other.to_owned(),
            })
            .unwrap_or_else(|| "info".to_owned())
    }
}

impl RunArgs {
    /// The logging settings: the config's `LOGGING` ([`crate::logging`]), with
    /// `--log-level` and `--log-format` applied.
    pub fn log_settings(&self, config: &Config) -> Result<crate::logging::LogSettings, Error> {
        let mut settings = crate::logging::LogSettings::from_config(config)?;
        if let Some(level) = &self.log_level {
            settings.level = level.clone();
        }
        if let Some(format) = self.log_format {
            settings.format = format;
        }
        Ok(settings)
    }
}

/// Installs a `tracing` subscriber writing to stderr, at `level` unless `RUST_LOG` is set.
pub fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Parses the command line, loads the config, sets up logging, lets `add_services` add
/// the services, and runs them until a signal. Returns the process's exit code.
pub fn run<F>(name: &str, add_services: F) -> ExitCode
where
    F: FnOnce(&mut ServiceRunner) -> Result<(), Error>,
{
    let args = RunArgs::parse();
    run_with_args(name, args, add_services)
}

/// [`run`] with options already parsed.
pub fn run_with_args<F>(name: &str, args: RunArgs, add_services: F) -> ExitCode
where
    F: FnOnce(&mut ServiceRunner) -> Result<(), Error>,
{
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("{name}: error: {e}");
        ExitCode::FAILURE
    };
    let config = match args.load_config() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    // Log lines, and with feature `otlp` and an OTLP endpoint, the export of spans;
    // dropped (flushing the spans) on every way out below.
    let telemetry = match args
        .log_settings(&config)
        .and_then(|settings| Ok(settings.install(&config, name)?))
    {
        Ok(telemetry) => telemetry,
        Err(e) => return fail(&e),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&e),
    };
    let mut runner = ServiceRunner::new(config);
    if let Err(e) = add_services(&mut runner) {
        return fail(&e);
    }
    if args.describe || args.openapi {
        let mut description = describe(name, &runner);
        if args.openapi {
            description = crate::openapi::document(&description, &args.api_version);
        }
        return match serde_json::to_string_pretty(&description) {
            Ok(text) => {
                use std::io::Write;
                match writeln!(std::io::stdout(), "{text}") {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(&e),
                }
            }
            Err(e) => fail(&e),
        };
    }
    // The worker families are recorded from the first worker on.
    #[cfg(feature = "metrics")]
    crate::metrics::install();
    let code = rt.block_on(async move {
        // The probes first: `/health/ready` says "not ready" while the services start.
        let probes = match crate::probe::ProbeListeners::start(&runner).await {
            Ok(probes) => probes,
            Err(e) => return fail(&e),
        };
        // Start-up may wait for the broker (it retries until it is reachable): a signal
        // meanwhile stops the binary.
        tokio::select! {
            started = runner.start() => {
                if let Err(e) = started {
                    return fail(&e);
                }
            }
            _ = shutdown_signal() => {
                eprintln!("{name}: stopped before the services started");
                let _ = tokio::time::timeout(std::time::Duration::from_secs(10), runner.kill()).await;
                return ExitCode::SUCCESS;
            }
        }
        eprintln!(
            "{name}: started services: {}",
            runner.service_names().join(", ")
        );
        tokio::select! {
            signal = shutdown_signal() => {
                if let Err(e) = signal {
                    eprintln!("{name}: cannot listen for signals ({e}); stopping");
                }
            }
            reason = runner.fatal() => {
                // The broker is gone: hand nothing back gracefully, just leave.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(10), runner.kill()).await;
                return fail(&reason);
            }
        }
        eprintln!("{name}: stopping (send the signal again to force)");
        let code = tokio::select! {
            _ = runner.stop() => {
                eprintln!("{name}: stopped");
                ExitCode::SUCCESS
            }
            _ = shutdown_signal() => {
                eprintln!("{name}: forced stop; unfinished work goes back to the broker");
                runner.kill().await;
                ExitCode::from(130)
            }
        };
        probes.stop();
        code
    });
    // The services have stopped: export the spans still queued.
    if let Err(e) = telemetry.shutdown() {
        eprintln!("{name}: cannot export the last spans: {e}");
    }
    code
}

/// What `--describe` prints: the services `runner` hosts, each with its entrypoints
/// ([`Entrypoint::describe`](nameko_core::Entrypoint::describe)) and dependency names, and the
/// config's RPC exchange.
///
/// ```json
/// {
///   "binary": "my-services",
///   "rpc_exchange": "nameko-rpc",
///   "services": [
///     {
///       "name": "service_y",
///       "dependencies": [],
///       "entrypoints": [
///         { "kind": "rpc", "method": "append_identifier", "params": ["value"] }
///       ]
///     }
///   ]
/// }
/// ```
pub fn describe(name: &str, runner: &ServiceRunner) -> serde_json::Value {
    let services: Vec<serde_json::Value> = runner
        .containers()
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.service_name(),
                "dependencies": c.dependency_names(),
                "entrypoints": c.entrypoints().iter().map(|e| e.describe()).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "binary": name,
        // nameko-amqp's key, read here as the AsyncAPI document needs it: the binary's
        // RPC exchange, `nameko-rpc` unless the config names another.
        "rpc_exchange": runner
            .config()
            .get_as::<String>("rpc_exchange")
            .ok()
            .flatten()
            .unwrap_or_else(|| "nameko-rpc".to_owned()),
        "services": services,
    })
}

/// Completes on SIGINT or SIGTERM (Ctrl-C elsewhere than Unix).
pub async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

/// The `main` of a client binary (one that calls services rather than hosting them): parses
/// the same options as [`run`], runs `client` with them on a tokio runtime, and turns an
/// error into a one-line message and a non-zero exit.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     nameko_run::cli::run_client("my-client", |args| async move {
///         let config = args.load_config()?;
///         println!("broker: {:?}", config.get("AMQP_URI"));
///         Ok(())
///     })
/// }
/// ```
pub fn run_client<F, Fut>(name: &str, client: F) -> ExitCode
where
    F: FnOnce(RunArgs) -> Fut,
    Fut: std::future::Future<Output = Result<(), Box<dyn std::error::Error>>>,
{
    let args = RunArgs::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(client(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use nameko_core::{Entrypoint, Extension, Service};

    /// An entrypoint of a transport that does not describe itself: the default.
    #[derive(Debug)]
    struct Plain;

    impl Extension for Plain {}

    impl Entrypoint for Plain {
        fn method_name(&self) -> &str {
            "poll"
        }

        fn kind(&self) -> &'static str {
            "poller"
        }
    }

    struct Polling;

    impl Service for Polling {
        fn name(&self) -> &str {
            "polling"
        }

        fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
            vec![Box::new(Plain)]
        }
    }

    #[test]
    fn describe_lists_services_and_entrypoints() {
        let mut runner = ServiceRunner::new(Config::new().with("rpc_exchange", "custom-rpc"));
        runner.add_service(Polling).unwrap();
        assert_eq!(
            describe("bin", &runner),
            json!({
                "binary": "bin",
                "rpc_exchange": "custom-rpc",
                "services": [{
                    "name": "polling",
                    "dependencies": [],
                    "entrypoints": [{"kind": "poller", "method": "poll", "params": []}]
                }]
            })
        );
    }

    #[test]
    fn describe_is_an_option() {
        let args = RunArgs::try_parse_from(["bin", "--describe"]).unwrap();
        assert!(args.describe);
    }
}
