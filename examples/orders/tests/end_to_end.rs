//! The shop end to end, as its README runs it: the `example-orders` binary against the real
//! RabbitMQ (a vhost of its own), Postgres (a database of its own, created and dropped
//! here) and Redis (keys under a prefix of its own, deleted at the end), driven over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use example_orders::{Keys, Order, Report};
use nameko::postgres::sqlx;
use nameko::postgres::testing::TestDatabase;
use nameko::redis::redis::{self, AsyncCommands};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn redis_uri() -> String {
    std::env::var("NAMEKO_TEST_REDIS_URI").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request; the status and the body as JSON.
async fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let json = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
    (status, json)
}

/// The shop's binary, stopped (SIGTERM) when dropped.
struct Shop {
    child: Child,
    log: std::path::PathBuf,
}

impl Shop {
    fn start(vhost: &TestVhost, db: &TestDatabase, port: u16, prefix: &str) -> Self {
        let log = std::env::temp_dir().join(format!("{prefix}.log"));
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config.yaml");
        let child = Command::new(env!("CARGO_BIN_EXE_example-orders"))
            .args(["--config", config])
            .env("AMQP_URI", vhost.uri())
            .env("ORDERS_DB_URI", db.uri())
            .env("REDIS_URI", redis_uri())
            .env("WEB_SERVER_ADDRESS", format!("127.0.0.1:{port}"))
            .env("SHOP_KEY_PREFIX", prefix)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Shop { child, log }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the shop did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Polls `f` until it returns `Some` (20 s at most).
async fn eventually<T, F, Fut>(what: &str, shop: &Shop, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not after 20 s\n{}",
            shop.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_end_to_end() {
    let vhost = TestVhost::create("orders-e2e").unwrap();
    let db = TestDatabase::create("orders_e2e").await.unwrap();
    let port = free_port();
    let prefix = format!("shop-test-{}", uuid::Uuid::new_v4().simple());
    let keys = Keys::new(&prefix);
    let mut shop = Shop::start(&vhost, &db, port, &prefix);

    // Ready when the gateway answers and the orders service replies through it.
    eventually("the gateway answers GET /orders", &shop, || async {
        let answer = tokio::time::timeout(Duration::from_secs(2), async {
            match tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                Ok(_) => Some(http(port, "GET", "/orders", None).await),
                Err(_) => None,
            }
        })
        .await
        .ok()
        .flatten();
        answer.filter(|(status, _)| *status == 200)
    })
    .await;

    // An order: 201 with the stored order.
    let (status, created) = http(
        port,
        "POST",
        "/orders",
        Some(r#"{"customer": "ada", "item": "tea", "quantity": 2}"#),
    )
    .await;
    assert_eq!(status, 201, "{created}\n{}", shop.output());
    let order: Order = serde_json::from_value(created.clone()).unwrap();
    assert_eq!(
        (order.customer.as_str(), order.item.as_str(), order.quantity),
        ("ada", "tea", 2)
    );

    // Read back.
    let (status, got) = http(port, "GET", &format!("/orders/{}", order.id), None).await;
    assert_eq!((status, &got), (200, &created));
    let (status, listed) = http(port, "GET", "/orders", None).await;
    assert_eq!((status, listed), (200, json!([created])));

    // Bad input: answered, nothing stored.
    let (status, error) = http(
        port,
        "POST",
        "/orders",
        Some(r#"{"customer": "bob", "item": "tea", "quantity": 0}"#),
    )
    .await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"], "InvalidOrder");
    let (status, error) = http(port, "POST", "/orders", Some("{not json")).await;
    assert_eq!((status, &error["error"]), (400, &json!("BadRequest")));
    let (status, error) = http(port, "GET", "/orders/999999", None).await;
    assert_eq!((status, &error["error"]), (404, &json!("OrderNotFound")));

    // Postgres holds exactly the one order.
    let pool = db.pool().await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM orders")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    pool.close().await;

    // `notifications` handled order_created and keeps it in Redis.
    let recent = eventually("GET /notifications shows the order", &shop, || async {
        let (status, recent) = http(port, "GET", "/notifications", None).await;
        (status == 200 && recent["notified"] == 1).then_some(recent)
    })
    .await;
    assert_eq!(recent["orders"], json!([created]));

    // The reporter's timer counted both.
    let redis = redis::Client::open(redis_uri()).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let report: Report = eventually("a report with the order", &shop, || {
        let mut conn = conn.clone();
        let key = keys.report();
        async move {
            let raw: Option<String> = conn.get(key).await.ok()?;
            let report: Report = serde_json::from_str(&raw?).ok()?;
            (report.orders == 1).then_some(report)
        }
    })
    .await;
    assert_eq!(
        report,
        Report {
            orders: 1,
            notified: 1
        }
    );

    let status = shop.stop();
    assert!(status.success(), "{status}\n{}", shop.output());
    let _: () = conn
        .del(&[keys.count(), keys.recent(), keys.report()])
        .await
        .unwrap();
    drop(db);
}
