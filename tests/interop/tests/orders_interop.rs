//! A Python Nameko service joins the flagship example (examples/orders): `audit`
//! (`examples/orders/python/audit.py`, run by Python nameko 2.14) handles the
//! `order_created` events of the Rust `orders` service and calls it back over RPC.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use example_orders::{NewOrder, Order, Orders, OrdersClient, ensure_schema};
use nameko::postgres::testing::TestDatabase;
use nameko_core::ServiceRunner;
use nameko_interop_tests::{PythonServices, cluster, init_tracing};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

#[tokio::test]
async fn a_python_handler_joins_the_shop() {
    init_tracing();
    let vhost = TestVhost::create("orders-interop").unwrap();
    let db = TestDatabase::create("orders_interop").await.unwrap();
    let pool = db.pool().await.unwrap();
    ensure_schema(&pool).await.unwrap();
    pool.close().await;

    let config = vhost
        .config()
        .with("DB_URIS", json!({ "orders": db.uri() }));
    let mut runner = ServiceRunner::new(config);
    runner.add_service(Orders::default()).unwrap();
    runner.start().await.unwrap();
    let mut python = PythonServices::start(&vhost, &["orders_audit"], &["audit"], "").await;

    let cluster = cluster(&vhost).await;
    let orders = cluster.client::<OrdersClient>();
    let order = orders
        .create_order(NewOrder {
            customer: "grace".into(),
            item: "coffee".into(),
            quantity: 3,
        })
        .await
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(20);
    let seen = loop {
        let seen: Vec<Value> = cluster
            .service("audit")
            .call("seen_orders", ())
            .await
            .unwrap();
        if !seen.is_empty() {
            break seen;
        }
        assert!(
            Instant::now() < deadline,
            "the Python audit service saw no order\n{}",
            python.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(seen.len(), 1, "{seen:?}");
    // The event as the Rust service dispatched it, and the order as Python read it back
    // from the Rust service over RPC.
    let event: Order = serde_json::from_value(seen[0]["event"].clone()).unwrap();
    let stored: Order = serde_json::from_value(seen[0]["stored"].clone()).unwrap();
    assert_eq!(event, order);
    assert_eq!(stored, order);

    python.stop();
    cluster.close().await;
    runner.stop().await;
    drop(db);
}
