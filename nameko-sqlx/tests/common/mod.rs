//! What the tests share: the Postgres URI, a table of each test's own, and a service that
//! writes to it.
#![allow(dead_code, unreachable_pub, missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use nameko::{RemoteError, rpc, service};
use nameko_sqlx::{Database, DatabaseError};
use sqlx::PgPool;

/// The test database: `NAMEKO_TEST_POSTGRES_URI`, or the machine's Postgres.
pub fn pg_uri() -> String {
    std::env::var("NAMEKO_TEST_POSTGRES_URI")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// A table of one test's own, dropped at the end (even when the test panics).
pub struct Table {
    pub name: String,
    pub pool: PgPool,
}

impl Table {
    /// `CREATE TABLE <name> (id bigint ...)`; the unique constraint on `id` is only
    /// checked at COMMIT.
    pub async fn create(label: &str) -> Table {
        let name = format!("sqlx_{label}_{}", uuid::Uuid::new_v4().simple());
        let pool = PgPool::connect(&pg_uri()).await.unwrap();
        sqlx::query(&format!(
            "CREATE TABLE {name} (id bigint NOT NULL, \
             CONSTRAINT {name}_id UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)"
        ))
        .execute(&pool)
        .await
        .unwrap();
        Table { name, pool }
    }

    /// The ids in the table, seen from the test's own connection.
    pub async fn ids(&self) -> Vec<i64> {
        sqlx::query_scalar(&format!("SELECT id FROM {} ORDER BY id", self.name))
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        let (name, uri) = (self.name.clone(), pg_uri());
        // A runtime of its own: the test's may be gone (or be the one blocked here).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(pool) = PgPool::connect(&uri).await {
                    let _ = sqlx::query(&format!("DROP TABLE IF EXISTS {name}"))
                        .execute(&pool)
                        .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// A service writing ids to the table it is told.
#[derive(Default)]
pub struct Store {
    pub db: Database,
}

async fn insert(db: &Database, table: &str, id: i64) -> Result<(), DatabaseError> {
    let mut tx = db.transaction().await?;
    sqlx::query(&format!("INSERT INTO {table} (id) VALUES ($1)"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[service(name = "store", dependencies(db))]
impl Store {
    /// Inserts `id`: committed.
    #[rpc]
    async fn insert(&self, table: String, id: i64) -> Result<i64, DatabaseError> {
        insert(&self.db, &table, id).await?;
        Ok(id)
    }

    /// Inserts `id`, then fails: rolled back.
    #[rpc]
    async fn insert_then_fail(&self, table: String, id: i64) -> Result<i64, RemoteError> {
        insert(&self.db, &table, id).await?;
        Err(RemoteError::new("OutOfStock", "no more"))
    }

    /// Inserts `id`, then panics: rolled back.
    #[rpc]
    async fn insert_then_panic(&self, table: String, id: i64) -> i64 {
        insert(&self.db, &table, id).await.unwrap();
        panic!("boom after inserting {id}");
    }

    /// Inserts `id` twice: both inserts pass, the deferred unique constraint fails the
    /// COMMIT.
    #[rpc]
    async fn insert_twice(&self, table: String, id: i64) -> Result<i64, DatabaseError> {
        insert(&self.db, &table, id).await?;
        insert(&self.db, &table, id).await?;
        Ok(id)
    }

    /// Inserts `id` and keeps the transaction (and its connection) `millis` ms.
    #[rpc]
    async fn insert_and_hold(
        &self,
        table: String,
        id: i64,
        millis: u64,
    ) -> Result<i64, DatabaseError> {
        insert(&self.db, &table, id).await?;
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(id)
    }

    /// Touches nothing; says whether the worker has a transaction.
    #[rpc]
    async fn noop(&self) -> bool {
        self.db.in_transaction()
    }

    /// The number of connections the pool has open.
    #[rpc]
    async fn pool_size(&self) -> Result<u32, DatabaseError> {
        Ok(self.db.pool()?.size())
    }
}
