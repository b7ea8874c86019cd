//! A service written by hand against nameko-core's public traits, without macros, served
//! over the real RabbitMQ.

use std::sync::Arc;
use std::time::Duration;

use nameko_amqp::rpc::Rpc;
use nameko_amqp::{ClusterRpc, RpcError};
use nameko_core::payload::ArgBinder;
use nameko_core::{Arguments, Entrypoint, MethodError, Service, ServiceRunner};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

struct Adder {
    offset: i64,
}

impl Adder {
    async fn add(&self, a: i64, b: i64) -> i64 {
        a + b + self.offset
    }
}

impl Service for Adder {
    fn name(&self) -> &str {
        "adder"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        let this = Arc::clone(self);
        vec![Box::new(Rpc::new("add", move |args: Arguments| {
            let this = Arc::clone(&this);
            Box::pin(async move {
                let mut b = ArgBinder::new("add", &["a", "b"], args)?;
                let a: i64 = b.take(0)?;
                let bb: i64 = b.take(1)?;
                Ok::<Value, MethodError>(json!(this.add(a, bb).await))
            })
        }))]
    }
}

#[tokio::test]
async fn hand_written_service_answers_rpc() {
    nameko_integration_tests::init_tracing();
    let vhost = TestVhost::create("handwritten").unwrap();
    let mut runner = ServiceRunner::new(vhost.config());
    runner.add_service(Adder { offset: 100 }).unwrap();
    runner.start().await.unwrap();

    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let svc = cluster.service("adder");
    let sum: i64 = svc.call("add", (1, 2)).await.unwrap();
    assert_eq!(sum, 103);
    let kw = Arguments {
        args: vec![json!(5)],
        kwargs: serde_json::from_value(json!({"b": 6})).unwrap(),
    };
    let sum: i64 = svc.call("add", kw).await.unwrap();
    assert_eq!(sum, 111);
    let err = svc.call::<i64>("add", (1,)).await.unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"), "{err}");
    let err = svc.call::<i64>("subtract", (1, 2)).await.unwrap_err();
    assert!(
        matches!(&err, RpcError::Remote(r) if r.exc_type == "MethodNotFound" && r.value == "subtract"),
        "{err}"
    );

    cluster.close().await;
    runner.stop().await;
}
