//! `Database` in the broker-free test kit (`worker_factory`, `entrypoint_hook`) against the
//! real Postgres: lazy transactions, config errors, nameko-sqlalchemy keys, use outside a
//! worker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Store, Table, init_tracing, pg_uri};
use nameko::testing::{entrypoint_hook, worker_factory};
use nameko::{Config, json};
use nameko_sqlx::{Database, DatabaseError};

fn config() -> Config {
    Config::new().with("DB_URIS", json!({ "store": pg_uri() }))
}

#[tokio::test]
async fn a_worker_that_never_touches_the_database_takes_no_connection() {
    init_tracing();
    let table = Table::create("lazy").await;
    let svc = worker_factory(Store::default())
        .config(config())
        .await
        .unwrap();
    let pool = svc.db.pool().unwrap();

    for _ in 0..3 {
        let in_transaction: bool = entrypoint_hook(&svc, "noop", ()).result().await.unwrap();
        assert!(!in_transaction);
    }
    assert_eq!(
        pool.size(),
        0,
        "no connection opened for workers that need none"
    );

    let id: i64 = entrypoint_hook(&svc, "insert", (&table.name, 1))
        .result()
        .await
        .unwrap();
    assert_eq!(id, 1);
    assert_eq!(pool.size(), 1);
    assert_eq!(table.ids().await, vec![1]);

    svc.stop().await;
    assert!(
        pool.is_closed(),
        "the pool is closed when the service stops"
    );
    assert!(matches!(
        svc.db.pool(),
        Err(DatabaseError::NotRunning { .. })
    ));
}

#[tokio::test]
async fn a_missing_key_or_a_bad_uri_fails_the_start_naming_the_key() {
    init_tracing();
    let err = worker_factory(Store::default())
        .config(Config::new().with("DB_URIS", json!({ "users": pg_uri() })))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`DB_URIS`") && err.contains("`store`"),
        "{err}"
    );

    let err = worker_factory(Store::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("`DB_URIS`"), "{err}");

    let err = worker_factory(Store::default())
        .config(Config::new().with("DB_URIS", json!({ "store": "mysql://localhost/db" })))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("`DB_URIS.store`"), "{err}");

    let err = worker_factory(Store::default())
        .config(config().with("DB_POOL", json!({ "max_connections": "many" })))
        .await
        .unwrap_err()
        .to_string();
    // The error names the option in `DB_POOL`, not only `DB_POOL`.
    assert!(err.contains("`DB_POOL.max_connections`"), "{err}");
}

#[tokio::test]
async fn nameko_sqlalchemy_keys_and_uris_work() {
    init_tracing();
    let table = Table::create("key").await;
    let uri = pg_uri().replacen("postgres://", "postgresql+psycopg2://", 1);
    let svc = worker_factory(Store {
        db: Database::with_key("store:DeclarativeBase"),
    })
    .config(Config::new().with("DB_URIS", json!({ "store:DeclarativeBase": uri })))
    .await
    .unwrap();
    assert_eq!(svc.db.key(), Some("store:DeclarativeBase"));

    let id: i64 = entrypoint_hook(&svc, "insert", (&table.name, 5))
        .result()
        .await
        .unwrap();
    assert_eq!(id, 5);
    assert_eq!(table.ids().await, vec![5]);
    svc.stop().await;
}

#[tokio::test]
async fn the_transaction_is_only_reached_from_a_worker() {
    init_tracing();
    let svc = worker_factory(Store::default())
        .config(config())
        .await
        .unwrap();
    let err = svc.db.transaction().await.unwrap_err();
    assert!(matches!(err, DatabaseError::NotInWorker(_)), "{err:?}");
    assert!(!svc.db.in_transaction());
    // The pool is there for work outside workers.
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&svc.db.pool().unwrap())
        .await
        .unwrap();
    assert_eq!(one, 1);
    svc.stop().await;
}

#[tokio::test]
async fn connect_on_start_fails_the_start_when_postgres_is_unreachable() {
    init_tracing();
    // Nothing listens on port 1.
    let err = worker_factory(Store::default())
        .config(
            Config::new()
                .with(
                    "DB_URIS",
                    json!({ "store": "postgres://postgres@127.0.0.1:1/test" }),
                )
                .with(
                    "DB_POOL",
                    json!({ "connect_on_start": true, "acquire_timeout": 0.5 }),
                ),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("database `store`"), "{err}");

    // Without it, the service starts; calls fail until Postgres is there.
    let svc = worker_factory(Store::default())
        .config(
            Config::new()
                .with(
                    "DB_URIS",
                    json!({ "store": "postgres://postgres@127.0.0.1:1/test" }),
                )
                .with("DB_POOL", json!({ "acquire_timeout": 0.5 })),
        )
        .await
        .unwrap();
    let err = entrypoint_hook(&svc, "insert", ("nowhere", 1))
        .value()
        .await
        .unwrap_err();
    assert_eq!(err.exc_type(), Some("DatabaseError"), "{err:?}");
    let remote = err.remote().unwrap();
    assert!(remote.value.contains("no connection within"), "{remote:?}");
    svc.stop().await;
}
