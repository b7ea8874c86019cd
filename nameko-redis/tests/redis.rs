//! The `Redis` dependency against a real Redis (127.0.0.1:6379, or `NAMEKO_TEST_REDIS_URI`)
//! and a real RabbitMQ (127.0.0.1:5672, guest/guest, one vhost per test): services called
//! over RPC use it; concurrent workers share it; a command error is an error reply; a
//! private `redis-server` goes away and comes back while the service keeps running.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nameko_amqp::{ClusterRpc, RpcError};
use nameko_core::{Config, ServiceRunner, rpc, service};
use nameko_redis::redis::{self, AsyncCommands};
use nameko_redis::{Redis, RedisError};
use nameko_test_support::TestVhost;
use serde_json::json;

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// The shared test Redis.
fn redis_uri() -> String {
    std::env::var("NAMEKO_TEST_REDIS_URI").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// A prefix no other test (or run) uses.
fn unique_prefix(label: &str) -> String {
    format!("nameko-redis-test:{label}:{}:", uuid::Uuid::new_v4())
}

/// Deletes every key under `prefix`.
async fn delete_keys(uri: &str, prefix: &str) {
    let client = redis::Client::open(uri).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = conn.keys(format!("{prefix}*")).await.unwrap();
    if !keys.is_empty() {
        let _: () = conn.del(keys).await.unwrap();
    }
}

/// A cache over Redis: every key is under the service's prefix.
#[derive(Debug)]
pub struct Cache {
    cache: Redis,
    prefix: String,
}

#[service(name = "cache", dependencies(cache))]
impl Cache {
    #[rpc]
    async fn set(&self, key: String, value: String) -> Result<(), RedisError> {
        let mut redis = self.cache.client()?;
        let () = redis.set(format!("{}{key}", self.prefix), value).await?;
        Ok(())
    }

    #[rpc]
    async fn get(&self, key: String) -> Result<Option<String>, RedisError> {
        let mut redis = self.cache.client()?;
        Ok(redis.get(format!("{}{key}", self.prefix)).await?)
    }

    #[rpc]
    async fn incr(&self, key: String) -> Result<i64, RedisError> {
        let mut redis = self.cache.client()?;
        Ok(redis.incr(format!("{}{key}", self.prefix), 1).await?)
    }

    /// `LPUSH`: a `WRONGTYPE` error when the key holds a string.
    #[rpc]
    async fn push(&self, key: String, value: String) -> Result<i64, RedisError> {
        let mut redis = self.cache.client()?;
        Ok(redis.lpush(format!("{}{key}", self.prefix), value).await?)
    }

    /// Does not touch Redis: the service is alive.
    #[rpc]
    async fn alive(&self) -> bool {
        true
    }
}

struct Running {
    _vhost: TestVhost,
    runner: ServiceRunner,
    cluster: ClusterRpc,
}

impl Running {
    async fn start(label: &str, config: impl FnOnce(Config) -> Config, prefix: &str) -> Self {
        init_tracing();
        let vhost = TestVhost::create(label).unwrap();
        let config = config(vhost.config());
        let mut runner = ServiceRunner::new(config);
        runner
            .add_service(Cache {
                cache: Redis::new("development"),
                prefix: prefix.to_owned(),
            })
            .unwrap();
        runner.start().await.unwrap();
        let cluster = ClusterRpc::connect(&vhost.config())
            .await
            .unwrap()
            .with_timeout(Duration::from_secs(20));
        Running {
            _vhost: vhost,
            runner,
            cluster,
        }
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<T, RpcError> {
        self.cluster.service("cache").call(method, args).await
    }

    async fn stop(self) {
        self.cluster.close().await;
        self.runner.stop().await;
    }
}

fn with_redis(uri: &str) -> impl FnOnce(Config) -> Config + '_ {
    move |config| config.with("REDIS_URIS", json!({ "development": uri }))
}

#[tokio::test]
async fn set_and_get_through_a_service() {
    let uri = redis_uri();
    let prefix = unique_prefix("set-get");
    let running = Running::start("redis-set-get", with_redis(&uri), &prefix).await;

    let missing: Option<String> = running.call("get", vec![json!("greeting")]).await.unwrap();
    assert_eq!(missing, None);
    running
        .call::<()>("set", vec![json!("greeting"), json!("hellø")])
        .await
        .unwrap();
    let value: Option<String> = running.call("get", vec![json!("greeting")]).await.unwrap();
    assert_eq!(value.as_deref(), Some("hellø"));

    // The value is really in Redis, under the prefix.
    let client = redis::Client::open(uri.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let stored: String = conn.get(format!("{prefix}greeting")).await.unwrap();
    assert_eq!(stored, "hellø");

    running.stop().await;
    delete_keys(&uri, &prefix).await;
}

#[tokio::test]
async fn concurrent_workers_share_the_connection() {
    let uri = redis_uri();
    let prefix = unique_prefix("concurrent");
    let running = Running::start(
        "redis-concurrent",
        |config| with_redis(&uri)(config).with("max_workers", 10),
        &prefix,
    )
    .await;

    let cache = running.cluster.service("cache");
    let mut pending = Vec::new();
    for _ in 0..100 {
        pending.push(
            cache
                .call_async("incr", vec![json!("counter")])
                .await
                .unwrap(),
        );
    }
    let mut seen = Vec::new();
    for reply in pending {
        seen.push(reply.result::<i64>().await.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=100).collect::<Vec<i64>>());
    let total: Option<String> = running.call("get", vec![json!("counter")]).await.unwrap();
    assert_eq!(total.as_deref(), Some("100"));

    running.stop().await;
    delete_keys(&uri, &prefix).await;
}

#[tokio::test]
async fn a_command_error_is_an_error_reply() {
    let uri = redis_uri();
    let prefix = unique_prefix("wrongtype");
    let running = Running::start("redis-wrongtype", with_redis(&uri), &prefix).await;

    running
        .call::<()>("set", vec![json!("text"), json!("a string")])
        .await
        .unwrap();
    match running
        .call::<i64>("push", vec![json!("text"), json!("x")])
        .await
    {
        Err(RpcError::Remote(error)) => {
            assert_eq!(error.exc_type, "ResponseError");
            assert_eq!(error.exc_path, "redis.exceptions.ResponseError");
            assert!(error.value.contains("WRONGTYPE"), "{}", error.value);
        }
        other => panic!("expected a ResponseError, got {other:?}"),
    }
    // The service goes on serving, with the same connection.
    let value: Option<String> = running.call("get", vec![json!("text")]).await.unwrap();
    assert_eq!(value.as_deref(), Some("a string"));
    assert_eq!(
        running
            .call::<i64>("push", vec![json!("list"), json!("x")])
            .await
            .unwrap(),
        1
    );

    running.stop().await;
    delete_keys(&uri, &prefix).await;
}

#[tokio::test]
async fn a_missing_key_fails_the_start_naming_it() {
    init_tracing();
    let vhost = TestVhost::create("redis-config").unwrap();
    let config = vhost
        .config()
        .with("REDIS_URIS", json!({ "production": redis_uri() }));
    let mut runner = ServiceRunner::new(config);
    runner
        .add_service(Cache {
            cache: Redis::new("development"),
            prefix: String::new(),
        })
        .unwrap();
    let err = runner.start().await.expect_err("the start must fail");
    let text = err.to_string();
    assert!(text.contains("`development`"), "{text}");
    assert!(text.contains("REDIS_URIS"), "{text}");
    assert!(text.contains("production"), "{text}");
    runner.stop().await;
}

#[tokio::test]
async fn the_broker_free_test_kit_keeps_a_real_redis() {
    init_tracing();
    let uri = redis_uri();
    let prefix = unique_prefix("test-kit");
    // `Redis` has no test double: `worker_factory` sets it up and starts it with the
    // config given, against the real Redis.
    let svc = nameko_core::testing::worker_factory(Cache {
        cache: Redis::new("development"),
        prefix: prefix.clone(),
    })
    .config(Config::new().with("REDIS_URIS", json!({ "development": uri })))
    .await
    .unwrap();
    // A method called directly, and one run as a worker through its entrypoint.
    assert_eq!(svc.incr("n".to_owned()).await.unwrap(), 1);
    let n: i64 = svc.entrypoint_hook("incr", ("n",)).result().await.unwrap();
    assert_eq!(n, 2);
    svc.stop().await;
    // Stopped: no client to give.
    match svc.cache.client() {
        Err(RedisError::NotConnected { key }) => assert_eq!(key, "development"),
        other => panic!("expected NotConnected, got {other:?}"),
    }
    delete_keys(&uri, &prefix).await;
}

/// A `redis-server` of this test's own, on `port`; killed when dropped.
struct PrivateRedis {
    child: Child,
}

const REDIS_SERVER: &str = "/usr/bin/redis-server";

impl PrivateRedis {
    fn start(port: u16) -> Self {
        let child = Command::new(REDIS_SERVER)
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        PrivateRedis { child }
    }

    async fn wait_ready(&self, uri: &str) {
        let client = redis::Client::open(uri).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await
                && redis::cmd("PING")
                    .query_async::<()>(&mut conn)
                    .await
                    .is_ok()
            {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Calls `get` until it succeeds; panics after `within`.
async fn until_served(running: &Running, within: Duration) -> usize {
    let deadline = Instant::now() + within;
    let mut failures = 0;
    loop {
        match running
            .call::<()>("set", vec![json!("back"), json!("yes")])
            .await
        {
            Ok(()) => return failures,
            Err(RpcError::Remote(e)) if Instant::now() < deadline => {
                assert!(
                    matches!(e.exc_type.as_str(), "ConnectionError" | "TimeoutError"),
                    "{e:?}"
                );
                failures += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("Redis did not come back within {within:?}: {e:?}"),
        }
    }
}

#[tokio::test]
async fn redis_going_away_and_coming_back() {
    if !std::path::Path::new(REDIS_SERVER).exists() {
        eprintln!("SKIPPED redis_going_away_and_coming_back: {REDIS_SERVER} is not installed");
        return;
    }
    let port = free_port();
    let uri = format!("redis://127.0.0.1:{port}/0");
    let prefix = unique_prefix("outage");
    let running = Running::start(
        "redis-outage",
        |config| {
            with_redis(&uri)(config).with(
                "REDIS_OPTIONS",
                json!({"development": {"response_timeout": 1, "connection_timeout": 0.5, "reconnect_retries": 2}}),
            )
        },
        &prefix,
    )
    .await;

    // The service started while its Redis is down: calls fail with a clear error, quickly.
    let started = Instant::now();
    match running
        .call::<Option<String>>("get", vec![json!("k")])
        .await
    {
        Err(RpcError::Remote(e)) => {
            assert_eq!(e.exc_type, "ConnectionError", "{e:?}");
            assert_eq!(e.exc_path, "redis.exceptions.ConnectionError");
        }
        other => panic!("expected a ConnectionError, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // Redis comes up: calls succeed.
    let server = PrivateRedis::start(port);
    server.wait_ready(&uri).await;
    until_served(&running, Duration::from_secs(15)).await;
    running
        .call::<()>("set", vec![json!("k"), json!("v1")])
        .await
        .unwrap();
    let value: Option<String> = running.call("get", vec![json!("k")]).await.unwrap();
    assert_eq!(value.as_deref(), Some("v1"));

    // Redis goes away: each call fails fast with a clear error; the service stays up.
    server.kill();
    for _ in 0..3 {
        let started = Instant::now();
        match running
            .call::<Option<String>>("get", vec![json!("k")])
            .await
        {
            Err(RpcError::Remote(e)) => {
                eprintln!("while down, after {:?}: {e}", started.elapsed());
                assert!(
                    matches!(e.exc_type.as_str(), "ConnectionError" | "TimeoutError"),
                    "{e:?}"
                );
                assert!(e.value.starts_with("Redis connection error"), "{e:?}");
            }
            other => panic!("expected a connection error, got {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "a call took {:?} while Redis was down",
            started.elapsed()
        );
    }
    assert!(running.call::<bool>("alive", vec![]).await.unwrap());

    // Redis is back on the same port (empty: no persistence): the connection manager
    // reconnects and calls succeed again.
    let server = PrivateRedis::start(port);
    server.wait_ready(&uri).await;
    let failures = until_served(&running, Duration::from_secs(15)).await;
    eprintln!("{failures} calls failed after Redis came back");
    assert!(
        failures <= 3,
        "{failures} calls failed after Redis came back"
    );
    let value: Option<String> = running.call("get", vec![json!("back")]).await.unwrap();
    assert_eq!(value.as_deref(), Some("yes"));

    running.stop().await;
    drop(server);
}
