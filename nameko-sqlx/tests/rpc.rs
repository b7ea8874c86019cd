//! The worker's transaction over real RPC (RabbitMQ, a vhost of the test's own) against the
//! real Postgres: committed when the method succeeds, rolled back when it fails or
//! panics, a failing COMMIT answered as an error, a small pool shared by many workers, and
//! Postgres going away and coming back behind a TCP proxy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Store, Table, init_tracing, pg_uri};
use futures_util::future::join_all;
use nameko::{ClusterRpc, Config, RemoteError, RpcError, ServiceRunner, json};
use nameko_test_support::TestVhost;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

const TIMEOUT: Duration = Duration::from_secs(20);

struct Harness {
    cluster: ClusterRpc,
    runner: ServiceRunner,
    _vhost: TestVhost,
}

impl Harness {
    async fn start(label: &str, extra: impl FnOnce(Config) -> Config) -> Harness {
        init_tracing();
        let vhost = TestVhost::create(label).unwrap();
        let config = extra(
            vhost
                .config()
                .with("DB_URIS", json!({ "store": pg_uri() }))
                .with("max_workers", 10),
        );
        let mut runner = ServiceRunner::new(config.clone());
        runner.add_service(Store::default()).unwrap();
        runner.start().await.unwrap();
        let cluster = ClusterRpc::connect(&config)
            .await
            .unwrap()
            .with_timeout(TIMEOUT);
        Harness {
            cluster,
            runner,
            _vhost: vhost,
        }
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        args: impl nameko::IntoArguments,
    ) -> Result<T, RpcError> {
        self.cluster.service("store").call(method, args).await
    }

    async fn stop(self) {
        self.cluster.close().await;
        self.runner.stop().await;
    }
}

fn remote(err: RpcError) -> RemoteError {
    match err {
        RpcError::Remote(remote) => remote,
        other => panic!("expected a remote error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_when_the_method_succeeds() {
    let table = Table::create("commit").await;
    let h = Harness::start("sqlx-commit", |c| c).await;

    let id: i64 = h.call("insert", (&table.name, 1)).await.unwrap();
    assert_eq!(id, 1);
    // Committed before the reply: visible from another connection at once.
    assert_eq!(table.ids().await, vec![1]);

    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolls_back_when_the_method_fails() {
    let table = Table::create("rollback").await;
    let h = Harness::start("sqlx-rollback", |c| c).await;

    let err = remote(
        h.call::<i64>("insert_then_fail", (&table.name, 1))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.exc_type, "OutOfStock");
    assert_eq!(table.ids().await, Vec::<i64>::new());

    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolls_back_when_the_method_panics_and_keeps_serving() {
    let table = Table::create("panic").await;
    let h = Harness::start("sqlx-panic", |c| c).await;

    let err = remote(
        h.call::<i64>("insert_then_panic", (&table.name, 1))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.exc_type, "WorkerPanic");
    assert!(err.value.contains("boom"), "{err:?}");
    assert_eq!(table.ids().await, Vec::<i64>::new());

    // The service goes on, and its pool too.
    let id: i64 = h.call("insert", (&table.name, 2)).await.unwrap();
    assert_eq!(id, 2);
    assert_eq!(table.ids().await, vec![2]);

    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_commit_is_answered_as_an_error_and_keeps_nothing() {
    let table = Table::create("commitfail").await;
    let h = Harness::start("sqlx-commitfail", |c| c).await;

    // Both inserts pass; the deferred unique constraint fails the COMMIT.
    let err = remote(
        h.call::<i64>("insert_twice", (&table.name, 7))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.exc_type, "DatabaseError", "{err:?}");
    assert!(err.value.contains("commit failed"), "{err:?}");
    assert!(err.value.contains(&format!("{}_id", table.name)), "{err:?}");
    assert_eq!(table.ids().await, Vec::<i64>::new());

    // The connection went back to the pool in a usable state.
    let id: i64 = h.call("insert", (&table.name, 8)).await.unwrap();
    assert_eq!(id, 8);
    assert_eq!(table.ids().await, vec![8]);

    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_pool_serves_many_workers() {
    let table = Table::create("pool").await;
    let h = Harness::start("sqlx-pool", |c| {
        c.with("DB_POOL", json!({ "max_connections": 2 }))
    })
    .await;

    let started = Instant::now();
    let calls = (0..40).map(|id| h.call::<i64>("insert_and_hold", (&table.name, id, 20)));
    let results = tokio::time::timeout(Duration::from_secs(30), join_all(calls))
        .await
        .expect("40 calls on 2 connections did not finish in 30s");
    let ids: Vec<i64> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(ids, (0..40).collect::<Vec<_>>());
    assert_eq!(table.ids().await, (0..40).collect::<Vec<_>>());
    let size: u32 = h.call("pool_size", ()).await.unwrap();
    assert!(size <= 2, "the pool grew to {size} connections");
    eprintln!("40 calls on 2 connections: {:?}", started.elapsed());

    h.stop().await;
}

/// A TCP proxy in front of Postgres that the test can cut (every connection dropped, new
/// ones refused) and restore (listening on the same port again).
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    listener: Mutex<Option<JoinHandle<()>>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            upstream,
            listener: Mutex::new(None),
            connections: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, connections) = (self.upstream, Arc::clone(&self.connections));
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let pump = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                connections.lock().unwrap().push(pump);
            }
        });
        *self.listener.lock().unwrap() = Some(task);
    }

    /// Drops every connection and stops listening: new connections are refused.
    fn cut(&self) {
        if let Some(task) = self.listener.lock().unwrap().take() {
            task.abort();
        }
        for pump in self.connections.lock().unwrap().drain(..) {
            pump.abort();
        }
    }

    /// Listens again on the same port.
    async fn restore(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let socket = TcpSocket::new_v4().unwrap();
            socket.set_reuseaddr(true).unwrap();
            match socket.bind(self.addr).and_then(|()| socket.listen(128)) {
                Ok(listener) => return self.serve(listener),
                Err(e) if Instant::now() < deadline => {
                    eprintln!("rebinding the proxy: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_postgres_going_away_and_coming_back() {
    let table = Table::create("outage").await;
    let opts: sqlx::postgres::PgConnectOptions = pg_uri().parse().unwrap();
    let upstream = tokio::net::lookup_host((opts.get_host(), opts.get_port()))
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(upstream).await;
    let db = opts.get_database().unwrap_or("postgres");
    let via_proxy = format!("postgres://{}@{}/{db}", opts.get_username(), proxy.addr);
    let h = Harness::start("sqlx-outage", |c| {
        c.with("DB_URIS", json!({ "store": via_proxy })).with(
            "DB_POOL",
            json!({ "max_connections": 2, "acquire_timeout": 1 }),
        )
    })
    .await;

    let id: i64 = h.call("insert", (&table.name, 1)).await.unwrap();
    assert_eq!(id, 1);

    proxy.cut();
    for id in [2, 3] {
        let started = Instant::now();
        let err = remote(
            h.call::<i64>("insert", (&table.name, id))
                .await
                .unwrap_err(),
        );
        assert_eq!(err.exc_type, "DatabaseError", "{err:?}");
        assert!(err.value.contains("database `store`"), "{err:?}");
        eprintln!(
            "while Postgres is away ({:?}): {}",
            started.elapsed(),
            err.value
        );
    }
    // Answered, and the service keeps running.
    assert!(!h.call::<bool>("noop", ()).await.unwrap());

    proxy.restore().await;
    let id: i64 = h.call("insert", (&table.name, 4)).await.unwrap();
    assert_eq!(id, 4);
    assert_eq!(table.ids().await, vec![1, 4]);

    h.stop().await;
    proxy.cut();
}
