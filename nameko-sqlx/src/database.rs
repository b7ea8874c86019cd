//! [`Database`]: the dependency provider.

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use nameko_core::{
    BoxError, ContainerHandle, DependencyProvider, Extension, MethodError, WorkerContext,
    WorkerLocal, WorkerResult, WorkerValue, async_trait,
};
use sqlx::{PgPool, Postgres, Transaction};

use crate::DatabaseError;
use crate::settings::Settings;

/// How long `stop` waits for the pool's connections to be returned and closed.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// The transaction of one worker, as [`Database::transaction`] lends it.
pub type WorkerTransaction = WorkerValue<Transaction<'static, Postgres>>;

/// The pool while the service runs.
#[derive(Debug, Clone)]
struct Running {
    key: Arc<str>,
    pool: PgPool,
    acquire_timeout: Duration,
    max_connections: u32,
}

/// A Postgres database for a service: a connection pool, and a transaction for each
/// worker that commits when the method succeeds and rolls back when it fails. Python's
/// `nameko_sqlalchemy.Database` (or `DatabaseSession`), on [sqlx](https://docs.rs/sqlx).
///
/// Make it a field of the service and list it in `dependencies(...)`:
///
/// ```no_run
/// use nameko::{rpc, service};
/// use nameko_sqlx::{Database, DatabaseError, sqlx};
///
/// #[derive(Default)]
/// pub struct Orders {
///     db: Database,
/// }
///
/// #[service(name = "orders", dependencies(db))]
/// impl Orders {
///     #[rpc]
///     async fn create(&self, item: String, qty: i32) -> Result<i64, DatabaseError> {
///         let mut tx = self.db.transaction().await?;
///         let (id,): (i64,) =
///             sqlx::query_as("INSERT INTO orders (item, qty) VALUES ($1, $2) RETURNING id")
///                 .bind(item)
///                 .bind(qty)
///                 .fetch_one(&mut **tx)
///                 .await?;
///         Ok(id) // committed before the caller gets `id`
///     }
/// }
/// # fn main() {}
/// ```
///
/// - **Config**: the URI is `DB_URIS[<service name>]` (or `DB_URIS[<key>]` with
///   [`with_key`](Self::with_key)); the pool's options are in `DB_POOL` (see the crate
///   docs). A missing key or a bad URI fails the service's start, naming the key.
/// - **Pool**: made when the service is set up, without connecting (the service starts
///   while Postgres is down, and its calls work as soon as it is up); connections are
///   opened on demand, up to `max_connections` (by default the service's `max_workers`,
///   so a worker never waits for one). Closed when the service stops.
/// - **Transaction**: [`transaction`](Self::transaction) begins the worker's transaction
///   on first use (a worker that never asks takes no connection) and returns the same one
///   afterwards. It is committed after the method returns `Ok` (before the caller gets
///   the result: a failing commit fails the call with a `DatabaseError`), and rolled back
///   when the worker fails (`Err`, panic, killed, or another dependency's commit failed).
/// - **Pool, directly**: [`pool`](Self::pool) runs queries outside the worker's
///   transaction (each in its own implicit transaction, or in one you `begin`).
#[derive(Debug)]
pub struct Database {
    key: Option<String>,
    /// The key in use, known at setup.
    resolved_key: OnceLock<String>,
    running: RwLock<Option<Running>>,
    transaction: WorkerLocal<Transaction<'static, Postgres>>,
}

impl Default for Database {
    fn default() -> Self {
        Self::new()
    }
}

impl Database {
    /// The database of `DB_URIS[<service name>]`.
    pub fn new() -> Self {
        Database {
            key: None,
            resolved_key: OnceLock::new(),
            running: RwLock::new(None),
            transaction: WorkerLocal::new(),
        }
    }

    /// The database of `DB_URIS[key]`: a second database of the service, or a
    /// nameko-sqlalchemy key `"<service>:<declarative base>"` as in
    /// `Database::with_key("orders:DeclarativeBase")`.
    pub fn with_key(key: impl Into<String>) -> Self {
        Database {
            key: Some(key.into()),
            ..Self::new()
        }
    }

    /// The `DB_URIS` key: the one given to [`with_key`](Self::with_key), else the service's
    /// name once the service is set up, else `None`.
    pub fn key(&self) -> Option<&str> {
        self.key
            .as_deref()
            .or_else(|| self.resolved_key.get().map(String::as_str))
    }

    fn label(&self) -> String {
        self.key().unwrap_or("<service name>").to_owned()
    }

    fn running(&self) -> Result<Running, DatabaseError> {
        let running = nameko_core::sync::read(&self.running).clone();
        match running {
            Some(running) if !running.pool.is_closed() => Ok(running),
            _ => Err(DatabaseError::NotRunning { key: self.label() }),
        }
    }

    fn replace_running(&self, new: Option<Running>) -> Option<Running> {
        let mut guard = nameko_core::sync::write(&self.running);
        std::mem::replace(&mut *guard, new)
    }

    /// The connection pool, for queries outside the worker's transaction (a handle:
    /// cloning it is cheap). Fails while the service is not running.
    ///
    /// ```no_run
    /// # async fn run(db: &nameko_sqlx::Database) -> Result<(), nameko_sqlx::DatabaseError> {
    /// let pool = db.pool()?;
    /// let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM orders")
    ///     .fetch_one(&pool)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn pool(&self) -> Result<PgPool, DatabaseError> {
        self.running().map(|r| r.pool)
    }

    /// The current worker's transaction, begun on first use; every call in the same
    /// worker returns the same transaction. `&mut **tx` is what sqlx's queries execute
    /// on:
    ///
    /// ```no_run
    /// # async fn run(db: &nameko_sqlx::Database) -> Result<(), nameko_sqlx::DatabaseError> {
    /// let mut tx = db.transaction().await?;
    /// sqlx::query("UPDATE stock SET qty = qty - $1 WHERE item = $2")
    ///     .bind(1)
    ///     .bind("apple")
    ///     .execute(&mut **tx)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// Do not commit or roll it back yourself: the worker does ([`Database`]). The value
    /// returned borrows the transaction; a second `transaction()` in the same worker waits
    /// until it is dropped, so drop it before calling something that uses the database
    /// again (or pass `&mut **tx` along).
    ///
    /// Fails outside a worker ([`DatabaseError::NotInWorker`]), while the service is not
    /// running, and when no connection can be had within the acquire timeout
    /// ([`DatabaseError::AcquireTimeout`]) or the transaction cannot begin.
    pub async fn transaction(&self) -> Result<WorkerTransaction, DatabaseError> {
        let ctx = WorkerContext::current().ok_or(nameko_core::WorkerLocalError::NotInWorker)?;
        self.transaction
            .get_or_try_init_in(&ctx, || async {
                let running = self.running()?;
                tracing::trace!(
                    database = %running.key,
                    call_id = ctx.call_id(),
                    "beginning the worker's transaction"
                );
                running.pool.begin().await.map_err(|error| match error {
                    sqlx::Error::PoolTimedOut => DatabaseError::AcquireTimeout {
                        key: running.key.to_string(),
                        timeout: running.acquire_timeout,
                        max_connections: running.max_connections,
                    },
                    sqlx::Error::PoolClosed => DatabaseError::NotRunning {
                        key: running.key.to_string(),
                    },
                    error => DatabaseError::Begin {
                        key: running.key.to_string(),
                        error,
                    },
                })
            })
            .await
    }

    /// Whether the current worker has begun its transaction.
    pub fn in_transaction(&self) -> bool {
        WorkerContext::current().is_some_and(|ctx| self.transaction.is_set(&ctx))
    }

    async fn rollback(&self, ctx: &WorkerContext, why: &str) {
        let Some(tx) = self.transaction.take(ctx) else {
            return;
        };
        let key = self.label();
        match tx.rollback().await {
            Ok(()) => tracing::debug!(
                database = %key,
                call_id = ctx.call_id(),
                "rolled back the worker's transaction: {why}"
            ),
            Err(error) => tracing::warn!(
                database = %key,
                call_id = ctx.call_id(),
                %error,
                "could not roll back the worker's transaction ({why}); its connection is dropped"
            ),
        }
    }
}

#[async_trait]
impl Extension for Database {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let service = container.service_name();
        let key = self.key.as_deref().unwrap_or(service);
        let _ = self.resolved_key.set(key.to_owned());
        let settings =
            Settings::from_config(container.config(), key, service, container.max_workers())?;
        let pool = settings
            .pool_options()
            .connect_lazy_with(settings.connect.clone());
        tracing::debug!(
            database = key,
            host = settings.connect.get_host(),
            port = settings.connect.get_port(),
            dbname = settings.connect.get_database(),
            max_connections = settings.max_connections,
            acquire_timeout = ?settings.acquire_timeout,
            "database pool created (connections open on demand)"
        );
        let running = Running {
            key: Arc::from(key),
            pool,
            acquire_timeout: settings.acquire_timeout,
            max_connections: settings.max_connections,
        };
        if settings.connect_on_start {
            let conn = running.pool.acquire().await.map_err(|error| match error {
                sqlx::Error::PoolTimedOut => DatabaseError::AcquireTimeout {
                    key: key.to_owned(),
                    timeout: settings.acquire_timeout,
                    max_connections: settings.max_connections,
                },
                error => DatabaseError::Begin {
                    key: key.to_owned(),
                    error,
                },
            })?;
            drop(conn);
        }
        if let Some(old) = self.replace_running(Some(running)) {
            old.pool.close().await;
        }
        Ok(())
    }

    async fn stop(&self) {
        if let Some(running) = self.replace_running(None)
            && tokio::time::timeout(CLOSE_GRACE, running.pool.close())
                .await
                .is_err()
        {
            tracing::warn!(
                database = %running.key,
                "database connections still in use {CLOSE_GRACE:?} after the service stopped; closing anyway"
            );
        }
    }

    async fn kill(&self) {
        if let Some(running) = self.replace_running(None) {
            // Marks the pool closed at once; connections still lent are closed when returned.
            let _ = tokio::time::timeout(Duration::from_millis(100), running.pool.close()).await;
        }
    }
}

#[async_trait]
impl DependencyProvider for Database {
    async fn worker_commit(&self, ctx: &WorkerContext) -> Result<(), MethodError> {
        let began = self.transaction.is_set(ctx);
        let Some(tx) = self.transaction.take(ctx) else {
            if began {
                // The container logs the worker's failure (at ERROR), with this error.
                return Err(DatabaseError::TransactionInUse { key: self.label() }.into());
            }
            return Ok(());
        };
        match tx.commit().await {
            Ok(()) => {
                tracing::trace!(
                    database = %self.label(),
                    call_id = ctx.call_id(),
                    "committed the worker's transaction"
                );
                Ok(())
            }
            Err(error) => {
                let error = DatabaseError::Commit {
                    key: self.label(),
                    error,
                };
                // The container logs the worker's failure at ERROR with this error's
                // message ("commit failed, nothing was kept: ..."); the SQLSTATE here.
                tracing::debug!(
                    call_id = ctx.call_id(),
                    sqlstate = error.code().as_deref().unwrap_or(""),
                    %error,
                    "the worker's transaction could not be committed"
                );
                Err(error.into())
            }
        }
    }

    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        match result.failure() {
            Some(failure) => {
                let why = format!("the worker failed ({})", failure.remote_error().exc_type);
                self.rollback(ctx, &why).await;
            }
            // Committed in `worker_commit`; a transaction begun after it is not committed.
            None => {
                self.rollback(ctx, "begun after the commit").await;
            }
        }
    }

    async fn worker_teardown(&self, ctx: &WorkerContext) {
        self.rollback(ctx, "left at teardown").await;
    }
}
