//! Context data a worker changes goes on with the calls and events it makes, over the real
//! RabbitMQ: an auth dependency turns the caller's `auth_token` into a `user_id` in
//! `worker_setup`, the method adds a key of its own, and the service it calls and the
//! handler of the event it dispatches both see them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko_amqp::{ClusterRpc, EventDispatcher, RpcError};
use nameko_core::{
    ContextData, DependencyProvider, Extension, ServiceRunner, WorkerContext, async_trait,
    event_handler, rpc, service,
};
use nameko_integration_tests::init_tracing;
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

/// Turns the caller's `auth_token` into a `user_id`, and keeps the token to itself.
#[derive(Default)]
pub struct Auth;

impl Extension for Auth {}

#[async_trait]
impl DependencyProvider for Auth {
    async fn worker_setup(&self, ctx: &WorkerContext) {
        if let Some(token) = ctx.auth_token() {
            ctx.set_user_id(format!("user-of-{token}"));
            ctx.remove("auth_token");
        }
    }
}

/// The front service: authenticated by `Auth`, calls `ctx_back` and dispatches.
pub struct Front {
    auth: Auth,
    back: nameko_amqp::RpcProxy,
    events: EventDispatcher,
}

#[service(name = "ctx_front", dependencies(auth, back, events))]
impl Front {
    /// Calls `ctx_back.whoami` after setting `tenant`, and dispatches `seen`.
    #[rpc]
    async fn relay(&self) -> Result<Value, RpcError> {
        if let Some(ctx) = WorkerContext::current() {
            ctx.set("tenant", "acme");
        }
        self.events
            .dispatch("seen", &json!({"from": "front"}))
            .await
            .map_err(|e| RpcError::Remote(nameko_core::RemoteError::from_error(&e)))?;
        self.back.call("whoami", ()).await
    }
}

/// What `ctx_back` and its handler saw.
#[derive(Default)]
pub struct Back {
    handled: Arc<Mutex<Vec<ContextData>>>,
}

#[service(name = "ctx_back")]
impl Back {
    /// The context data it received.
    #[rpc]
    async fn whoami(&self) -> Value {
        let ctx = WorkerContext::current();
        json!({
            "user_id": ctx.as_ref().and_then(|c| c.user_id()),
            "tenant": ctx.as_ref().and_then(|c| c.get("tenant")),
            "auth_token": ctx.as_ref().and_then(|c| c.auth_token()),
        })
    }

    /// Records the context data of `ctx_front`'s `seen` events.
    #[event_handler("ctx_front", "seen")]
    async fn on_seen(&self, _payload: Value) {
        if let Some(ctx) = WorkerContext::current() {
            self.handled
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(ctx.data());
        }
    }
}

#[tokio::test]
async fn context_data_set_by_a_dependency_goes_with_calls_and_events() {
    init_tracing();
    let vhost = TestVhost::create("context-data").unwrap();
    let handled = Arc::new(Mutex::new(Vec::new()));
    let mut runner = ServiceRunner::new(vhost.config());
    runner
        .add_service(Back {
            handled: Arc::clone(&handled),
        })
        .unwrap();
    runner
        .add_service(Front {
            auth: Auth,
            back: nameko_amqp::RpcProxy::new("ctx_back"),
            events: EventDispatcher::new(),
        })
        .unwrap();
    runner.start().await.unwrap();

    let mut data = ContextData::new();
    data.insert("auth_token".into(), json!("s3cret"));
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10))
        .with_context_data(data);
    let seen: Value = cluster
        .service("ctx_front")
        .call("relay", ())
        .await
        .unwrap();
    assert_eq!(
        seen,
        json!({"user_id": "user-of-s3cret", "tenant": "acme", "auth_token": null})
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let event_data = loop {
        if let Some(d) = handled.lock().unwrap().first().cloned() {
            break d;
        }
        assert!(tokio::time::Instant::now() < deadline, "no event handled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(event_data["user_id"], "user-of-s3cret");
    assert_eq!(event_data["tenant"], "acme");
    assert!(event_data.get("auth_token").is_none());
    cluster.close().await;
    runner.stop().await;
}
