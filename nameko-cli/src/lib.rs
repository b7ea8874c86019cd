//! The `nameko` command: operate nameko-rs and Python Nameko services from the shell.
//!
//! ```text
//! nameko call service_x.remote_method '["hellø"]'         # prints "hellø-x-y"
//! nameko call echo.add '{"a": 1, "b": 2}' --context-data '{"language": "fr"}' --timeout 5
//! nameko dispatch source event_type '{"id": 1}'
//! nameko shell                                             # >>> service_x.remote_method("hellø")
//! nameko show-config                                       # the resolved config, secrets ***
//! nameko describe -- ./target/debug/my-services            # what a service binary hosts
//! nameko describe --asyncapi -- ./target/debug/my-services # as an AsyncAPI 3.0 document
//! nameko describe --openapi -- ./target/debug/my-services  # its HTTP routes, OpenAPI 3.1
//! nameko describe --diff old.json -- ./target/debug/my-services # what breaks callers
//! ```
//!
//! It reads the config as a service binary does (see [`nameko_run::cli`]): `--config FILE`
//! (Nameko's YAML, `${VAR:default}` substituted from the environment), `--broker URI`
//! (overrides `AMQP_URI`) and `--define KEY=VALUE` (nameko 3.0's: sets a key after the
//! file, the value read as YAML; repeatable), given before or after the subcommand.
//!
//! - `call SERVICE.METHOD [ARGS]`: `ARGS` is JSON: an array is the positional arguments,
//!   an object the keyword arguments (`n.rpc.service.method(*args, **kwargs)`), an object
//!   with only `args` and `kwargs` both. The result is printed as JSON on stdout; a
//!   remote error as `exc_type: value` on stderr, with exit code 1.
//! - `dispatch SOURCE EVENT_TYPE [PAYLOAD]`: dispatches an event as if `SOURCE` had, and
//!   waits for the broker's confirm.
//! - `shell`: an interactive session ([`shell`]); lines can be piped on stdin.
//! - `show-config`: the resolved config as YAML, secrets redacted ([`show_config`]).
//! - `describe`: runs a nameko-rs service binary with `--describe` and prints what it
//!   hosts, or with `--asyncapi` an AsyncAPI 3.0 document of its RPC and event channels
//!   ([`describe`]), or with `--openapi` an OpenAPI 3.1 document of its HTTP routes
//!   ([`nameko_run::openapi`]); with `--diff OLD.json` it compares a saved description
//!   with the binary's (or with a second file, `--diff OLD.json NEW.json`) and says which
//!   changes break callers, as text or with `--json` as JSON, exiting 8 when one does
//!   ([`schema_diff`]).
//!
//! Errors are one line on stderr (`nameko: error: ...`) and the exit code says which kind
//! ([`exit`]):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the remote method raised an error (printed as `exc_type: value`) |
//! | 2 | usage: a bad option, bad JSON, a target that is not `service.method` |
//! | 3 | config: the config file cannot be read or is invalid, a bad `AMQP_URI` |
//! | 4 | broker: it cannot be reached, or the connection was lost (or another I/O error) |
//! | 5 | timeout: no reply within `--timeout` (default: the config's `RPC_TIMEOUT`, 30 s) |
//! | 6 | unknown service: no service of that name is listening |
//! | 7 | describe: the binary cannot be run, fails, or prints no description |
//! | 8 | `describe --diff`: the new description breaks callers of the old one |

pub mod args;
pub mod describe;
pub mod dlq;
pub mod error;
pub mod schema_diff;
pub mod shell;
pub mod show_config;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use nameko_amqp::{ClusterRpc, StandaloneDispatcher};
use nameko_core::Config;
use nameko_run::cli::RunArgs;
use serde_json::Value;

pub use error::{CliError, exit};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the remote method raised an error (printed as `exc_type: value` on stderr)
  2  usage: a bad option, bad JSON, a target that is not SERVICE.METHOD
  3  config: the config file cannot be read or is invalid, a bad AMQP_URI
  4  broker: it cannot be reached, or the connection was lost
  5  timeout: no reply in time
  6  unknown service: no service of that name is listening
  7  describe: the binary cannot be run, fails, or prints no description
  8  describe --diff: the new description breaks callers of the old one";

/// The command line of `nameko`.
#[derive(Debug, Parser)]
#[command(
    name = "nameko",
    version,
    about = "Calls, events, a shell, config and descriptions of nameko services",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Nameko YAML config file (AMQP_URI, rpc_exchange, RPC_TIMEOUT, ...); `${VAR}` and
    /// `${VAR:default}` are taken from the environment.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Broker URI, overriding the config's AMQP_URI (e.g. amqp://guest:guest@localhost).
    #[arg(long, value_name = "URI", global = true)]
    pub broker: Option<String>,
    /// Set a config key (nameko 3.0's `--define`): KEY=VALUE, the value read as YAML; a
    /// bare KEY is true. Applied after the file and its `${VAR}` substitution. Repeatable.
    #[arg(long = "define", value_name = "KEY=VALUE", global = true)]
    pub define: Vec<nameko_core::config::Definition>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Call an RPC method and print its result as JSON.
    #[command(after_help = EXIT_CODES)]
    Call {
        /// SERVICE.METHOD, e.g. service_x.remote_method.
        target: String,
        /// The arguments as JSON: an array (positional), an object (keyword), or
        /// {"args": [...], "kwargs": {...}}. None: no arguments.
        arguments: Option<String>,
        /// Context data sent with the call, a JSON object (e.g. '{"language": "fr"}').
        #[arg(long, value_name = "JSON")]
        context_data: Option<String>,
        /// Seconds to wait for the reply (default: the config's RPC_TIMEOUT, 30 s).
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<f64>,
    },
    /// Dispatch an event as if SOURCE had.
    #[command(after_help = EXIT_CODES)]
    Dispatch {
        /// The source service name (the exchange is `<SOURCE>.events`).
        source: String,
        /// The event type (the routing key).
        event_type: String,
        /// The payload as JSON (default: null).
        payload: Option<String>,
        /// Context data sent with the event, a JSON object.
        #[arg(long, value_name = "JSON")]
        context_data: Option<String>,
    },
    /// An interactive session: `service.method(args)` calls, `dispatch(source, type,
    /// payload)` dispatches. Reads lines from stdin when it is not a terminal.
    #[command(after_help = EXIT_CODES)]
    Shell {
        /// Seconds to wait for each reply (default: the config's RPC_TIMEOUT, 30 s).
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<f64>,
        /// Context data sent with every call and event, a JSON object.
        #[arg(long, value_name = "JSON")]
        context_data: Option<String>,
        /// Names for Tab to complete from the start: SERVICE or SERVICE.METHOD
        /// (repeatable).
        #[arg(long, value_name = "NAME")]
        complete: Vec<String>,
        /// Complete the RPC methods of the services a nameko-rs binary hosts too (it is
        /// run with `--describe`; repeatable).
        #[arg(long, value_name = "PATH")]
        complete_from: Vec<PathBuf>,
        /// History file (default: $HOME/.nameko_history; none if it cannot be written).
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
    },
    /// Print the resolved config as YAML, passwords, secrets, tokens and keys redacted.
    #[command(after_help = EXIT_CODES)]
    ShowConfig {
        /// Only the keys the config sets, without the defaults of the others.
        #[arg(long)]
        no_defaults: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Yaml)]
        format: Format,
    },
    /// Read, replay or purge the dead-letter queue of an entrypoint with a failure policy
    /// (`dlq-<service>.<method>`).
    #[command(after_help = EXIT_CODES)]
    Dlq {
        /// What to do.
        #[command(subcommand)]
        command: dlq::DlqCommand,
    },
    /// Describe the services a nameko-rs binary hosts (it is run with `--describe`),
    /// print an AsyncAPI 3.0 document of their RPC and event channels, or compare a saved
    /// description with the current one (`--diff`).
    #[command(after_help = EXIT_CODES)]
    Describe {
        /// The service binary (or give it after `--`, with its arguments).
        #[arg(long, value_name = "PATH")]
        binary: Option<PathBuf>,
        /// Read a saved description (JSON, `-` for stdin) instead of running a binary.
        #[arg(long, value_name = "FILE", conflicts_with = "binary")]
        input: Option<PathBuf>,
        /// Print an AsyncAPI 3.0 document instead of the description.
        #[arg(long, conflicts_with_all = ["diff", "openapi"])]
        asyncapi: bool,
        /// Print an OpenAPI 3.1 document of the HTTP routes instead of the description.
        #[arg(long, conflicts_with = "diff")]
        openapi: bool,
        /// Compare the saved description OLD (JSON, `-` for stdin) with NEW (a second file)
        /// or with the binary's current one, and say which changes break callers; exits 8
        /// when one does.
        #[arg(long, value_name = "OLD [NEW]", num_args = 1..=2)]
        diff: Vec<PathBuf>,
        /// With --diff: print the report as JSON.
        #[arg(long, requires = "diff")]
        json: bool,
        /// The `info.version` of the AsyncAPI or OpenAPI document.
        #[arg(long, value_name = "VERSION", default_value = "0.1.0")]
        api_version: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// The binary and its arguments, after `--` (`--describe` is added).
        #[arg(last = true, value_name = "BINARY [ARGS]")]
        command: Vec<String>,
    },
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON, indented.
    Json,
    /// YAML.
    Yaml,
}

impl Cli {
    /// The config the options name: as a service binary loads it
    /// ([`RunArgs::load_config`]).
    pub fn load_config(&self) -> Result<Config, CliError> {
        let args = RunArgs {
            config: self.config.clone(),
            broker: self.broker.clone(),
            define: self.define.clone(),
            log_level: None,
            log_format: None,
            describe: false,
            openapi: false,
            api_version: String::new(),
        };
        Ok(args.load_config()?)
    }
}

/// Parses the command line and runs it: the `main` of `nameko`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // lapin logs a returned message (an unknown service) at WARN: the one-line error says it.
    nameko_run::cli::init_tracing("warn,lapin=off");
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Remote(r)) => {
            eprintln!("{}: {}", r.exc_type, r.value);
            ExitCode::from(exit::REMOTE_ERROR)
        }
        Err(e) => {
            eprintln!("nameko: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn timeout(seconds: Option<f64>) -> Result<Option<Duration>, CliError> {
    seconds
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    CliError::Usage(format!("invalid --timeout {s}: expected seconds > 0"))
                })
        })
        .transpose()
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    // One worker thread: the shell blocks the main thread on the line editor while the
    // connection's tasks (heartbeats, replies) keep running.
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

fn print(value: &Value, format: Format) -> Result<(), CliError> {
    let text = match format {
        Format::Json => serde_json::to_string_pretty(value)
            .map_err(|e| CliError::Usage(format!("cannot print JSON: {e}")))?,
        Format::Yaml => serde_yaml_ng::to_string(value)
            .map_err(|e| CliError::Usage(format!("cannot print YAML: {e}")))?,
    };
    use std::io::Write;
    writeln!(std::io::stdout(), "{}", text.trim_end())?;
    Ok(())
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Call {
            target,
            arguments,
            context_data,
            timeout: seconds,
        } => {
            let (service, method) = args::target(target)?;
            let arguments = args::call_arguments(arguments.as_deref())?;
            let context_data = args::context_data(context_data.as_deref())?;
            let timeout = timeout(*seconds)?;
            let config = cli.load_config()?;
            let rt = runtime()?;
            let result = rt.block_on(async {
                let mut rpc = ClusterRpc::connect(&config)
                    .await?
                    .with_context_data(context_data);
                if let Some(t) = timeout {
                    rpc = rpc.with_timeout(t);
                }
                let result = match rpc.service(service).call_async(method, arguments).await {
                    Ok(reply) => reply.value().await,
                    Err(e) => Err(e),
                };
                rpc.close().await;
                result.map_err(CliError::from)
            })?;
            print(&result, Format::Json)
        }
        Command::Dispatch {
            source,
            event_type,
            payload,
            context_data,
        } => {
            let payload = args::payload(payload.as_deref())?;
            let context_data = args::context_data(context_data.as_deref())?;
            let config = cli.load_config()?;
            let rt = runtime()?;
            rt.block_on(async {
                let dispatcher = StandaloneDispatcher::connect(&config)
                    .await?
                    .with_context_data(context_data);
                let result = dispatcher.dispatch(source, event_type, &payload).await;
                dispatcher.close().await;
                result.map_err(CliError::from)
            })
        }
        Command::Shell {
            timeout: seconds,
            context_data,
            complete,
            complete_from,
            history,
        } => {
            let mut complete = complete.clone();
            for binary in complete_from {
                let description = describe::run_binary(binary, &binary_args(&cli, &[]))?;
                complete.extend(describe::rpc_methods(&description));
            }
            let options = shell::ShellOptions {
                timeout: timeout(*seconds)?,
                context_data: args::context_data(context_data.as_deref())?,
                complete,
                history: history.clone(),
            };
            let config = cli.load_config()?;
            let rt = runtime()?;
            shell::run(&rt, config, options)
        }
        Command::Dlq { command } => {
            let config = cli.load_config()?;
            let rt = runtime()?;
            let lines = rt.block_on(dlq::run(&config, command))?;
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for line in lines {
                let text = if matches!(command, dlq::DlqCommand::List { .. }) {
                    line.to_string()
                } else {
                    serde_json::to_string_pretty(&line)
                        .map_err(|e| CliError::Usage(format!("cannot print JSON: {e}")))?
                };
                writeln!(out, "{text}")?;
            }
            Ok(())
        }
        Command::ShowConfig {
            no_defaults,
            format,
        } => {
            let config = cli.load_config()?;
            print(&show_config::resolved(&config, !no_defaults)?, *format)
        }
        Command::Describe {
            binary,
            input,
            asyncapi,
            openapi,
            diff,
            json,
            api_version,
            format,
            command,
        } => {
            let given = |what: &str| {
                CliError::Usage(format!(
                    "describe --diff OLD NEW compares two files: drop {what}, or NEW"
                ))
            };
            let (description, origin) = match (diff.get(1), input, binary, command.split_first()) {
                (Some(new), None, None, None) => {
                    (read_description(new)?, new.display().to_string())
                }
                (Some(_), Some(_), _, _) => return Err(given("--input")),
                (Some(_), _, Some(_), _) => return Err(given("--binary")),
                (Some(_), _, _, Some(_)) => return Err(given("the binary after `--`")),
                (None, Some(path), _, _) => (read_description(path)?, path.display().to_string()),
                (None, None, Some(binary), _) => (
                    describe::run_binary(binary, &binary_args(&cli, command))?,
                    binary.display().to_string(),
                ),
                (None, None, None, Some((binary, rest))) => (
                    describe::run_binary(binary.as_ref(), &binary_args(&cli, rest))?,
                    binary.clone(),
                ),
                (None, None, None, None) => {
                    return Err(CliError::Usage(
                        "describe needs a binary: nameko describe -- PATH [ARGS], --binary PATH or --input FILE \
                         (with --diff OLD: NEW as a second file, or one of those)"
                            .into(),
                    ));
                }
            };
            if let Some(old_path) = diff.first() {
                if old_path.as_os_str() == "-" && origin == "-" {
                    return Err(CliError::Usage(
                        "describe --diff: only one of OLD and NEW can be read from stdin (`-`)"
                            .into(),
                    ));
                }
                let old = read_description(old_path)?;
                let old_origin = old_path.display().to_string();
                let report = schema_diff::diff(&old, &description, &old_origin, &origin)?;
                if *json {
                    print(&report.to_json(&old_origin, &origin), Format::Json)?;
                } else {
                    use std::io::Write;
                    write!(
                        std::io::stdout(),
                        "{}",
                        report.to_text(&old_origin, &origin)
                    )?;
                }
                let n = report.breaking().count();
                return if n == 0 {
                    Ok(())
                } else {
                    Err(CliError::Breaking(format!(
                        "{n} breaking change{} from {old_origin} to {origin}",
                        if n == 1 { "" } else { "s" }
                    )))
                };
            }
            if *asyncapi {
                print(&describe::asyncapi(&description, api_version), *format)
            } else if *openapi {
                print(
                    &nameko_run::openapi::document(&description, api_version),
                    *format,
                )
            } else {
                print(&description, *format)
            }
        }
    }
}

/// A saved description: the JSON in `path` (`-`: stdin).
fn read_description(path: &std::path::Path) -> Result<Value, CliError> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| CliError::Describe(format!("cannot read {}: {e}", path.display())))?
    };
    describe::parse_description(&text, &path.display().to_string())
}

/// The described binary's arguments: ours after `--`, and `--config` when given to us
/// (its RPC exchange is the config's).
fn binary_args(cli: &Cli, rest: &[String]) -> Vec<String> {
    let mut args = rest.to_vec();
    if let Some(config) = &cli.config
        && !rest.iter().any(|a| a == "--config")
    {
        args.push("--config".into());
        args.push(config.display().to_string());
    }
    args
}
