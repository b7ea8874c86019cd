//! [`CliError`]: every way a command fails, each with its exit code ([`exit`]).

use nameko_amqp::{AmqpError, DispatchError, RpcError};
use nameko_core::RemoteError;

/// The exit codes of the `nameko` command.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | the remote method raised an error (printed as `exc_type: value`) |
/// | 2 | usage: a bad option, bad JSON, a shell line that does not parse |
/// | 3 | config: the config file cannot be read or is invalid, a bad `AMQP_URI` |
/// | 4 | broker: it cannot be reached, or the connection was lost (or another I/O error) |
/// | 5 | timeout: no reply within `--timeout` (or `RPC_TIMEOUT`) |
/// | 6 | unknown service: no service of that name is listening |
/// | 7 | describe: the binary cannot be run, or fails, or prints no description |
/// | 8 | `describe --diff`: the new description breaks callers of the old one |
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// The remote method raised an error.
    pub const REMOTE_ERROR: u8 = 1;
    /// Bad usage: options, JSON, shell syntax.
    pub const USAGE: u8 = 2;
    /// The config cannot be loaded or is invalid.
    pub const CONFIG: u8 = 3;
    /// The broker cannot be reached, or the connection was lost.
    pub const BROKER: u8 = 4;
    /// No reply in time.
    pub const TIMEOUT: u8 = 5;
    /// No service of that name is listening.
    pub const UNKNOWN_SERVICE: u8 = 6;
    /// The binary to describe cannot be run or gives no description.
    pub const DESCRIBE: u8 = 7;
    /// `describe --diff` found a change that breaks callers.
    pub const BREAKING: u8 = 8;
}

/// Why a command failed. Its [`Display`](std::fmt::Display) is the one line printed on
/// stderr; [`exit_code`](Self::exit_code) the process's exit code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The remote method raised an error: printed as `exc_type: value`.
    #[error("{}: {}", .0.exc_type, .0.value)]
    Remote(RemoteError),
    /// Bad usage (bad JSON arguments, a target that is not `service.method`).
    #[error("{0}")]
    Usage(String),
    /// The config cannot be loaded or is invalid.
    #[error("{0}")]
    Config(String),
    /// The broker cannot be reached or the connection was lost.
    #[error("{0}")]
    Broker(String),
    /// No reply in time.
    #[error("{0}")]
    Timeout(String),
    /// No service of that name is listening.
    #[error("{0}")]
    UnknownService(String),
    /// The binary to describe cannot be run or gives no description.
    #[error("{0}")]
    Describe(String),
    /// `describe --diff` found changes that break callers (the report is printed first).
    #[error("{0}")]
    Breaking(String),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
}

impl CliError {
    /// The exit code (see [`exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Remote(_) => exit::REMOTE_ERROR,
            CliError::Usage(_) => exit::USAGE,
            CliError::Config(_) => exit::CONFIG,
            CliError::Broker(_) | CliError::Io(_) => exit::BROKER,
            CliError::Timeout(_) => exit::TIMEOUT,
            CliError::UnknownService(_) => exit::UNKNOWN_SERVICE,
            CliError::Describe(_) => exit::DESCRIBE,
            CliError::Breaking(_) => exit::BREAKING,
        }
    }
}

impl From<nameko_core::Error> for CliError {
    fn from(e: nameko_core::Error) -> Self {
        CliError::Config(e.to_string())
    }
}

impl From<nameko_core::ConfigError> for CliError {
    fn from(e: nameko_core::ConfigError) -> Self {
        CliError::Config(e.to_string())
    }
}

impl From<AmqpError> for CliError {
    fn from(e: AmqpError) -> Self {
        match e {
            AmqpError::InvalidUri { .. } | AmqpError::Tls(_) | AmqpError::Config(_) => {
                CliError::Config(e.to_string())
            }
            other => CliError::Broker(other.to_string()),
        }
    }
}

impl From<RpcError> for CliError {
    fn from(e: RpcError) -> Self {
        match e {
            RpcError::Remote(r) => CliError::Remote(r),
            RpcError::UnknownService(s) => CliError::UnknownService(format!(
                "unknown service `{s}`: no service of that name is listening"
            )),
            RpcError::Timeout { .. } => CliError::Timeout(e.to_string()),
            RpcError::EncodeArguments { .. } => CliError::Usage(e.to_string()),
            RpcError::Amqp(a) => a.into(),
            other => CliError::Broker(other.to_string()),
        }
    }
}

impl From<DispatchError> for CliError {
    fn from(e: DispatchError) -> Self {
        match e {
            DispatchError::Amqp(a) => a.into(),
            DispatchError::Encode { .. } => CliError::Usage(e.to_string()),
            other => CliError::Broker(other.to_string()),
        }
    }
}
