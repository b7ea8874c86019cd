//! A Postgres database of a test's own (feature `testing`), as the repository's RabbitMQ
//! test harness (`TestVhost` of its unpublished `nameko-test-support`) makes a vhost of
//! its own: created on the machine's Postgres, dropped when the value is dropped.

use sqlx::PgPool;

/// The server tests use: `NAMEKO_TEST_POSTGRES_URI`, or
/// `postgres://postgres@127.0.0.1:5432/test`. [`TestDatabase`] creates its databases on
/// that server.
pub fn server_uri() -> String {
    std::env::var("NAMEKO_TEST_POSTGRES_URI")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// `uri` with its database name replaced by `database`.
fn with_database(uri: &str, database: &str) -> String {
    let (base, query) = match uri.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (uri, None),
    };
    // After `scheme://authority`, the path is the database.
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// A database of a test's own: `<label>_<uuid>`, created by [`create`](Self::create),
/// dropped (with `FORCE`, closing what is still connected) when this value is dropped.
///
/// ```no_run
/// # async fn example() -> Result<(), sqlx::Error> {
/// let db = nameko_sqlx::testing::TestDatabase::create("orders").await?;
/// sqlx::raw_sql("CREATE TABLE t (id bigint)").execute(&db.pool().await?).await?;
/// // DB_URIS: {orders: db.uri()}
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    uri: String,
}

impl TestDatabase {
    /// Creates the database on [`server_uri`]'s server (the user must be allowed to).
    pub async fn create(label: &str) -> Result<Self, sqlx::Error> {
        let label: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("{label}_{}", uuid::Uuid::new_v4().simple());
        let server = server_uri();
        let admin = PgPool::connect(&server).await?;
        let created = sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
            .execute(&admin)
            .await;
        admin.close().await;
        created?;
        Ok(TestDatabase {
            uri: with_database(&server, &name),
            name,
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URI, for `DB_URIS`.
    pub fn uri(&self) -> String {
        self.uri.clone()
    }

    /// A new pool on it.
    pub async fn pool(&self) -> Result<PgPool, sqlx::Error> {
        PgPool::connect(&self.uri).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (name, server) = (self.name.clone(), server_uri());
        // A runtime of its own: the test's may be gone, or be the one blocked here.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let admin = PgPool::connect(&server).await.map_err(|e| e.to_string())?;
                let out =
                    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                admin.close().await;
                out.map(|_| ()).map_err(|e| e.to_string())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            tracing::warn!(database = %self.name, "cannot drop the test database: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_of_a_uri() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
