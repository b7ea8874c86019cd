//! [`DatabaseError`]: everything that can go wrong with a [`Database`](crate::Database).

use std::time::Duration;

use nameko_core::{ConfigError, MethodError, RemoteError, ToRemoteError, WorkerLocalError};

/// The `exc_type` a caller sees when a worker fails with a [`DatabaseError`]
/// (`RemoteError("DatabaseError <message>")` in Python).
pub const DATABASE_ERROR_EXC_TYPE: &str = "DatabaseError";

/// An error of a [`Database`](crate::Database): its configuration, its connections, a query
/// or the worker's transaction.
///
/// A service method may return it directly (`Result<T, DatabaseError>`), and sqlx's
/// errors convert into it, so `?` works on queries. The caller receives it as a
/// [`RemoteError`] whose `exc_type` is `"DatabaseError"` and whose `value` is the message
/// below (Python sees `RemoteError("DatabaseError ...")`). A service with an error type
/// of its own adds `impl From<DatabaseError> for MyError` to use `?` on both.
///
/// ```
/// use nameko_core::{RemoteError, ToRemoteError};
/// use nameko_sqlx::DatabaseError;
///
/// let err = DatabaseError::from(sqlx::Error::RowNotFound);
/// let remote: RemoteError = err.to_remote_error();
/// assert_eq!(remote.exc_type, "DatabaseError");
/// assert!(remote.value.contains("no rows returned"), "{}", remote.value);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatabaseError {
    /// `DB_URIS` or `DB_POOL` is missing something or holds a wrong value: found when the
    /// service is set up, which then fails to start. The [`ConfigError`] names the key at
    /// fault (`DB_URIS`, `DB_URIS.orders`, `DB_POOL.acquire_timeout`).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database is used while its service is not running (before `setup`, after
    /// `stop`).
    #[error("database `{key}` is not running (its service is not started, or has stopped)")]
    NotRunning {
        /// The `DB_URIS` key of the database.
        key: String,
    },
    /// No connection could be had within the acquire timeout: the server cannot be
    /// reached (down, refusing connections), or every connection of the pool stayed in
    /// use that long.
    #[error(
        "database `{key}`: no connection within {timeout:?} (the server is unreachable, or all {max_connections} connections of the pool stayed in use)"
    )]
    AcquireTimeout {
        /// The `DB_URIS` key of the database.
        key: String,
        /// The acquire timeout (`DB_POOL.acquire_timeout`).
        timeout: Duration,
        /// The size of the pool (`DB_POOL.max_connections`).
        max_connections: u32,
    },
    /// A connection could not be opened, or the transaction could not begin.
    #[error("database `{key}`: cannot begin a transaction: {error}")]
    Begin {
        /// The `DB_URIS` key of the database.
        key: String,
        /// sqlx's error.
        error: sqlx::Error,
    },
    /// The worker's transaction could not be committed (a deferred constraint, a
    /// serialization failure, a lost connection): nothing it did is kept.
    #[error("database `{key}`: commit failed, nothing was kept: {error}")]
    Commit {
        /// The `DB_URIS` key of the database.
        key: String,
        /// sqlx's error.
        error: sqlx::Error,
    },
    /// The worker's transaction was still borrowed when the method returned (a task the
    /// method spawned holds it), so it could not be committed: it is rolled back when
    /// the borrow ends.
    #[error(
        "database `{key}`: the worker's transaction is still in use after the method returned (held by a spawned task?); it was not committed"
    )]
    TransactionInUse {
        /// The `DB_URIS` key of the database.
        key: String,
    },
    /// The worker's transaction was asked for outside a worker (a task spawned by the
    /// method, a test calling the service's method directly).
    #[error(transparent)]
    NotInWorker(#[from] WorkerLocalError),
    /// A query failed.
    #[error("query failed: {0}")]
    Query(sqlx::Error),
}

// The messages above include sqlx's, so the variants holding one do not also give it as
// their `source()`: an error chain logged whole says it once.
impl From<sqlx::Error> for DatabaseError {
    fn from(error: sqlx::Error) -> Self {
        DatabaseError::Query(error)
    }
}

impl DatabaseError {
    /// sqlx's error underneath, if there is one.
    pub fn sqlx_error(&self) -> Option<&sqlx::Error> {
        match self {
            DatabaseError::Begin { error, .. }
            | DatabaseError::Commit { error, .. }
            | DatabaseError::Query(error) => Some(error),
            _ => None,
        }
    }

    /// The SQLSTATE code of the database's error (`"23505"` for a unique violation), if
    /// the server reported one.
    pub fn code(&self) -> Option<String> {
        match self.sqlx_error()? {
            sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        }
    }
}

impl ToRemoteError for DatabaseError {
    fn to_remote_error(&self) -> RemoteError {
        RemoteError::new(DATABASE_ERROR_EXC_TYPE, self.to_string())
            .with_path(format!("nameko_sqlx.{DATABASE_ERROR_EXC_TYPE}"))
    }
}

impl From<DatabaseError> for RemoteError {
    fn from(err: DatabaseError) -> Self {
        err.to_remote_error()
    }
}

impl From<DatabaseError> for MethodError {
    fn from(err: DatabaseError) -> Self {
        MethodError::with_source(err.to_remote_error(), err)
    }
}
