//! Typed RPC clients against the real RabbitMQ, with the crates one by one (nameko-core,
//! nameko-amqp, nameko-macros): `service_x` calls `service_y` through the `ServiceYClient`
//! that `#[service]` generates, a `ClusterRpc` calls both through their clients, remote
//! errors come back as `RpcError::Remote`, and a client declared with `#[rpc_client]` (as
//! for a service written in Python) calls the Rust service.

use std::time::Duration;

use nameko_amqp::{ClusterRpc, RpcClient, RpcError};
use nameko_core::{RemoteError, Service, ServiceRunner, rpc, service};
use nameko_integration_tests::init_tracing;
use nameko_macros::rpc_client;
use nameko_test_support::TestVhost;
use serde::{Deserialize, Serialize};

/// A value that travels both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub a: i64,
    pub b: i64,
}

/// The service called.
pub struct ServiceY;

#[service(name = "service_y")]
impl ServiceY {
    /// Returns `"<value>-y"`.
    #[rpc]
    async fn append_identifier(&self, value: String) -> String {
        format!("{value}-y")
    }

    /// `a / b`, or Python's `ZeroDivisionError`.
    #[rpc]
    async fn divide(&self, a: i64, b: i64) -> Result<i64, RemoteError> {
        if b == 0 {
            return Err(RemoteError::new("ZeroDivisionError", "division by zero"));
        }
        Ok(a / b)
    }

    /// The pair swapped, `times` times.
    #[rpc]
    async fn swap(&self, pair: Pair, times: Option<u32>) -> Pair {
        if times.unwrap_or(1).is_multiple_of(2) {
            pair
        } else {
            Pair {
                a: pair.b,
                b: pair.a,
            }
        }
    }

    /// A borrowed result: the client decodes a `String`.
    #[rpc]
    async fn version(&self) -> &'static str {
        "1.0"
    }

    #[rpc]
    async fn ping(&self) {}
}

/// The caller, with `service_y`'s typed client as a dependency.
pub struct ServiceX {
    y: ServiceYClient,
}

#[service(name = "service_x", dependencies(y))]
impl ServiceX {
    /// Returns `"<value>-x-y"`.
    #[rpc]
    async fn remote_method(&self, value: String) -> Result<String, RpcError> {
        self.y.append_identifier(format!("{value}-x")).await
    }

    /// `a / b`, `None` when `service_y` says `ZeroDivisionError`.
    #[rpc]
    async fn safe_divide(&self, a: i64, b: i64) -> Result<Option<i64>, RpcError> {
        match self.y.divide(a, b).await {
            Ok(quotient) => Ok(Some(quotient)),
            Err(RpcError::Remote(error)) if error.exc_type == "ZeroDivisionError" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Two calls in flight at once, through the `_async` forms.
    #[rpc]
    async fn both(&self, value: String) -> Result<(String, Pair), RpcError> {
        let appended = self.y.append_identifier_async(value).await?;
        let swapped = self.y.swap_async(Pair { a: 1, b: 2 }, None).await?;
        Ok((appended.result().await?, swapped.result().await?))
    }

    /// A remote error, passed on to the caller.
    #[rpc]
    async fn divide(&self, a: i64, b: i64) -> Result<i64, RpcError> {
        self.y.divide(a, b).await
    }
}

/// `service_y` as a Python service would be declared: only the signatures.
#[rpc_client(name = "service_y", client = "DeclaredServiceY")]
pub trait PythonServiceY {
    /// Returns `"<value>-y"`.
    async fn append_identifier(&self, value: &str) -> String;

    async fn divide(&self, a: i64, b: i64) -> Result<i64, RpcError>;

    async fn swap(&self, pair: &Pair, times: u32) -> Pair;

    /// Not a method of `service_y`.
    async fn missing(&self, value: u8) -> serde_json::Value;
}

/// A service nobody runs.
#[rpc_client(name = "nobody_runs_this")]
pub trait Absent {
    async fn anything(&self);
}

async fn start(label: &str) -> (TestVhost, ServiceRunner, ClusterRpc) {
    init_tracing();
    let vhost = TestVhost::create(label).unwrap();
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(ServiceY).unwrap();
    runner
        .add_service(ServiceX {
            y: ServiceYClient::new().with_timeout(Duration::from_secs(10)),
        })
        .unwrap();
    runner.start().await.unwrap();
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    (vhost, runner, cluster)
}

#[tokio::test]
async fn typed_client_as_a_dependency() {
    let (_vhost, runner, cluster) = start("typed-dependency").await;
    let x = cluster.client::<ServiceXClient>();
    assert_eq!(
        x.remote_method("hellø".to_owned()).await.unwrap(),
        "hellø-x-y"
    );
    assert_eq!(x.safe_divide(7, 2).await.unwrap(), Some(3));
    assert_eq!(x.safe_divide(7, 0).await.unwrap(), None);
    let (appended, swapped) = x.both("a".to_owned()).await.unwrap();
    assert_eq!(appended, "a-y");
    assert_eq!(swapped, Pair { a: 2, b: 1 });
    cluster.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn typed_cluster_client_sync_and_async() {
    let (_vhost, runner, cluster) = start("typed-cluster").await;
    let y = cluster.client::<ServiceYClient>();
    assert_eq!(y.append_identifier("a".to_owned()).await.unwrap(), "a-y");
    assert_eq!(
        y.swap(Pair { a: 1, b: 2 }, Some(2)).await.unwrap(),
        Pair { a: 1, b: 2 }
    );
    assert_eq!(y.version().await.unwrap(), "1.0");
    y.ping().await.unwrap();

    // Several calls in flight at once, their replies awaited in any order.
    let hello = y.append_identifier_async("hello".to_owned()).await.unwrap();
    let world = y.append_identifier_async("world".to_owned()).await.unwrap();
    let quotient = y.divide_async(9, 3).await.unwrap();
    assert_eq!(world.result().await.unwrap(), "world-y");
    assert_eq!(quotient.result().await.unwrap(), 3);
    assert_eq!(hello.value().await.unwrap(), serde_json::json!("hello-y"));

    assert_eq!(<ServiceYClient as RpcClient>::SERVICE_NAME, "service_y");
    cluster.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn remote_errors_come_back_as_rpc_error_remote() {
    let (_vhost, runner, cluster) = start("typed-errors").await;
    // From the service itself.
    let y = cluster.client::<ServiceYClient>();
    match y.divide(1, 0).await {
        Err(RpcError::Remote(error)) => {
            assert_eq!(error.exc_type, "ZeroDivisionError");
            assert_eq!(error.value, "division by zero");
        }
        other => panic!("expected a remote ZeroDivisionError, got {other:?}"),
    }
    // Passed on by a service that calls it through its typed client.
    let x = cluster.client::<ServiceXClient>();
    match x.divide(1, 0).await {
        Err(RpcError::Remote(error)) => assert_eq!(error.exc_type, "ZeroDivisionError"),
        other => panic!("expected a remote ZeroDivisionError, got {other:?}"),
    }
    // The `_async` form: sending works, the reply is the error.
    let pending = y.divide_async(1, 0).await.unwrap();
    assert!(
        matches!(pending.result().await, Err(RpcError::Remote(e)) if e.exc_type == "ZeroDivisionError")
    );
    // No such service.
    match cluster.client::<AbsentClient>().anything().await {
        Err(RpcError::UnknownService(service)) => assert_eq!(service, "nobody_runs_this"),
        other => panic!("expected UnknownService, got {other:?}"),
    }
    cluster.close().await;
    runner.stop().await;
}

#[tokio::test]
async fn declared_client_calls_a_rust_service() {
    let (_vhost, runner, cluster) = start("typed-declared").await;
    let y = cluster.client::<DeclaredServiceY>();
    assert_eq!(y.append_identifier("hellø").await.unwrap(), "hellø-y");
    assert_eq!(y.divide(7, 2).await.unwrap(), 3);
    assert_eq!(
        y.swap(&Pair { a: 1, b: 2 }, 3).await.unwrap(),
        Pair { a: 2, b: 1 }
    );
    match y.divide(7, 0).await {
        Err(RpcError::Remote(error)) => assert_eq!(error.exc_type, "ZeroDivisionError"),
        other => panic!("expected a remote ZeroDivisionError, got {other:?}"),
    }
    match y.missing(1).await {
        Err(RpcError::Remote(error)) => assert_eq!(error.exc_type, "MethodNotFound"),
        other => panic!("expected MethodNotFound, got {other:?}"),
    }
    cluster.close().await;
    runner.stop().await;
}

#[test]
fn dependency_names_follow_dependencies() {
    let x = std::sync::Arc::new(ServiceX {
        y: ServiceYClient::new(),
    });
    assert_eq!(x.dependency_names(), ["y"]);
    assert_eq!(x.dependencies().len(), 1);
    assert_eq!(
        format!("{:?}", DeclaredServiceY::new()),
        "DeclaredServiceY { service: \"service_y\" }"
    );
}
