//! [`RedisError`]: what can go wrong with a [`Redis`](crate::Redis) dependency, and the
//! remote error a caller sees for it.

use nameko_core::{ConfigError, RemoteError, ToRemoteError};

/// What can go wrong with a [`Redis`](crate::Redis) dependency.
///
/// Every redis-rs error converts into it (`?` in a method that returns `RedisError`):
/// connection failures and timeouts become [`Connection`](Self::Connection), the others
/// (an error reply of the server, a reply that does not decode) [`Command`](Self::Command).
/// A method that returns it answers its caller with the remote error redis-py would raise
/// (see [the crate docs](crate#errors)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// The config has no usable URI or options for the dependency's key.
    #[error("Redis `{key}`: {error}")]
    Config {
        /// The key in `REDIS_URIS`.
        key: String,
        /// What is wrong, naming the config key at fault (`REDIS_URIS`,
        /// `REDIS_URIS.development`, `REDIS_OPTIONS.development.response_timeout`).
        error: ConfigError,
    },
    /// The dependency is not started (or already stopped): no client to give.
    #[error(
        "Redis `{key}` is not connected: the service is not running, or the field is not listed in `#[service(dependencies(...))]`"
    )]
    NotConnected {
        /// The key in `REDIS_URIS`.
        key: String,
    },
    /// Redis could not be reached, the connection dropped, or a reply timed out.
    #[error("Redis connection error: {0}")]
    Connection(#[source] redis::RedisError),
    /// Redis answered a command with an error, or the reply did not decode.
    #[error("Redis command error: {0}")]
    Command(#[source] redis::RedisError),
}

impl From<redis::RedisError> for RedisError {
    fn from(err: redis::RedisError) -> Self {
        if is_connection_error(&err) {
            RedisError::Connection(err)
        } else {
            RedisError::Command(err)
        }
    }
}

fn is_connection_error(err: &redis::RedisError) -> bool {
    err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || matches!(
            err.kind(),
            redis::ErrorKind::AuthenticationFailed | redis::ErrorKind::InvalidClientConfig
        )
}

impl RedisError {
    /// The redis-rs error underneath, for a [`Connection`](Self::Connection) or
    /// [`Command`](Self::Command) error.
    pub fn redis_error(&self) -> Option<&redis::RedisError> {
        match self {
            RedisError::Connection(e) | RedisError::Command(e) => Some(e),
            RedisError::Config { .. } | RedisError::NotConnected { .. } => None,
        }
    }

    /// The error code of an error reply of the server (`WRONGTYPE`, `NOSCRIPT`, ...).
    pub fn code(&self) -> Option<&str> {
        self.redis_error().and_then(redis::RedisError::code)
    }

    /// Whether this is a connection failure (Redis unreachable, the connection dropped, a
    /// timeout, the dependency not running): the command may succeed later.
    pub fn is_connection_error(&self) -> bool {
        matches!(
            self,
            RedisError::Connection(_) | RedisError::NotConnected { .. }
        )
    }
}

/// The name and path redis-py gives the exception for `err`.
fn python_exception(err: &redis::RedisError) -> &'static str {
    if err.is_timeout() {
        "TimeoutError"
    } else if err.kind() == redis::ErrorKind::AuthenticationFailed {
        "AuthenticationError"
    } else if is_connection_error(err) {
        "ConnectionError"
    } else if matches!(
        err.kind(),
        redis::ErrorKind::Server(_) | redis::ErrorKind::Extension
    ) {
        "ResponseError"
    } else {
        "RedisError"
    }
}

impl ToRemoteError for RedisError {
    /// The remote error redis-py's exception would give: `exc_type` `ConnectionError`,
    /// `TimeoutError`, `AuthenticationError`, `ResponseError` (an error reply of the
    /// server) or `RedisError` (anything else: a config error, a reply that does not
    /// decode), `exc_path` `redis.exceptions.<exc_type>`, `value` this error's message.
    fn to_remote_error(&self) -> RemoteError {
        let exc_type = match self {
            RedisError::Config { .. } => "RedisError",
            RedisError::NotConnected { .. } => "ConnectionError",
            RedisError::Connection(e) | RedisError::Command(e) => python_exception(e),
        };
        RemoteError::new(exc_type, self.to_string())
            .with_path(format!("redis.exceptions.{exc_type}"))
    }
}

impl From<RedisError> for RemoteError {
    /// As [`ToRemoteError`].
    fn from(err: RedisError) -> RemoteError {
        err.to_remote_error()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn remote_error_shapes() {
        let not_connected = RedisError::NotConnected { key: "x".into() };
        let remote = not_connected.to_remote_error();
        assert_eq!(remote.exc_type, "ConnectionError");
        assert_eq!(remote.exc_path, "redis.exceptions.ConnectionError");

        let refused: RedisError =
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
                .into();
        assert!(refused.is_connection_error());
        assert_eq!(refused.to_remote_error().exc_type, "ConnectionError");

        let timeout: RedisError =
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)).into();
        assert_eq!(timeout.to_remote_error().exc_type, "TimeoutError");

        let config = RedisError::Config {
            key: "x".into(),
            error: ConfigError::invalid("REDIS_URIS.x", "m"),
        };
        let remote: RemoteError = config.into();
        assert_eq!(remote.exc_type, "RedisError");
        assert_eq!(remote.value, "Redis `x`: config key `REDIS_URIS.x`: m");
    }
}
