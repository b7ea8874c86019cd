//! Per-worker state: a provider's `WorkerLocal` value for each worker (Nameko's
//! `get_dependency`), committed by `worker_commit` or rolled back by `worker_result`, and
//! context data a worker changes for the calls it makes onward.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko_core::{
    Call, Config, ContainerHandle, ContextData, DependencyProvider, Entrypoint, EntrypointOptions,
    Extension, MethodError, Outcome, RemoteError, Service, ServiceContainer, WorkerContext,
    WorkerLocal, WorkerLocalError, WorkerResult, async_trait,
};
use serde_json::{Value, json};

/// A toy store with a "transaction" per worker: writes go to the worker's own buffer,
/// which is committed when the worker succeeds and dropped when it fails.
#[derive(Default)]
struct Ledger {
    tx: WorkerLocal<Vec<String>>,
    committed: Mutex<Vec<String>>,
    log: Mutex<Vec<String>>,
    /// Makes the next commit fail.
    fail_commit: Mutex<bool>,
}

#[derive(Debug, thiserror::Error)]
#[error("commit refused: {0}")]
struct CommitRefused(String);

impl Ledger {
    /// Writes `entry` in the current worker's transaction (begun on first use).
    async fn write(&self, entry: &str) -> Result<usize, WorkerLocalError> {
        let mut tx = self.tx.get_or_init(Vec::new).await?;
        tx.push(entry.to_owned());
        Ok(tx.len())
    }

    fn committed(&self) -> Vec<String> {
        self.committed.lock().unwrap().clone()
    }

    fn log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Extension for Ledger {}

#[async_trait]
impl DependencyProvider for Ledger {
    async fn worker_commit(&self, ctx: &WorkerContext) -> Result<(), MethodError> {
        let Some(entries) = self.tx.take(ctx) else {
            self.log.lock().unwrap().push("commit: nothing".into());
            return Ok(());
        };
        if std::mem::take(&mut *self.fail_commit.lock().unwrap()) {
            self.log.lock().unwrap().push("commit: refused".into());
            return Err(MethodError::from_error(CommitRefused(entries.join(","))));
        }
        self.log
            .lock()
            .unwrap()
            .push(format!("commit: {}", entries.join(",")));
        self.committed.lock().unwrap().extend(entries);
        Ok(())
    }

    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        if let Some(entries) = self.tx.take(ctx) {
            self.log
                .lock()
                .unwrap()
                .push(format!("rollback: {}", entries.join(",")));
        }
        if let Some(failure) = result.failure() {
            self.log
                .lock()
                .unwrap()
                .push(format!("failed: {}", failure.remote_error().exc_type));
        }
    }
}

/// Authenticates every worker: sets `user_id` from the `auth_token` the caller sent.
#[derive(Default)]
struct Auth;

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

/// A second store, to see that a failed commit rolls the others back.
#[derive(Default)]
struct Second(Ledger);

impl Extension for Second {}

#[async_trait]
impl DependencyProvider for Second {
    async fn worker_commit(&self, ctx: &WorkerContext) -> Result<(), MethodError> {
        self.0.worker_commit(ctx).await
    }
    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        self.0.worker_result(ctx, result).await;
    }
}

#[derive(Default)]
struct Shop {
    auth: Auth,
    ledger: Ledger,
    second: Second,
}

impl Service for Shop {
    fn name(&self) -> &str {
        "shop"
    }
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        Vec::new()
    }
    fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        // The second store commits after the ledger.
        vec![&self.auth, &self.ledger, &self.second]
    }
}

fn call(method: &str, data: Value) -> Call {
    let Value::Object(data) = data else {
        unreachable!()
    };
    Call::new(method, "test", &Arc::new(EntrypointOptions::new())).context_data(data)
}

async fn started() -> (Arc<Shop>, ServiceContainer, ContainerHandle) {
    let container = ServiceContainer::new(Shop::default(), Arc::new(Config::new()));
    container.start().await.unwrap();
    let handle = container.handle().clone();
    (container.service::<Shop>().unwrap(), container, handle)
}

#[tokio::test]
async fn a_workers_value_is_committed_when_it_succeeds_and_rolled_back_when_it_fails() {
    let (shop, container, handle) = started().await;

    let s = Arc::clone(&shop);
    let out = handle
        .invoke(call("place", json!({})), async move {
            s.ledger.write("a").await.unwrap();
            let n = s.ledger.write("b").await.unwrap();
            Ok::<_, MethodError>(json!(n))
        })
        .await;
    assert!(matches!(out, Outcome::Success(v) if v == json!(2)));
    assert_eq!(shop.ledger.committed(), ["a", "b"]);
    assert_eq!(shop.ledger.log(), ["commit: a,b"]);

    // An Err: rolled back, never committed.
    let s = Arc::clone(&shop);
    let out = handle
        .invoke(call("place", json!({})), async move {
            s.ledger.write("c").await.unwrap();
            Err::<Value, _>(MethodError::from(RemoteError::new(
                "OutOfStock",
                "none left",
            )))
        })
        .await;
    assert!(matches!(out, Outcome::Failed(_)));
    assert_eq!(shop.ledger.committed(), ["a", "b"]);
    assert_eq!(shop.ledger.log(), ["rollback: c", "failed: OutOfStock"]);

    // A panic: rolled back too.
    let s = Arc::clone(&shop);
    let out = handle
        .invoke(call("place", json!({})), async move {
            s.ledger.write("d").await.unwrap();
            if s.ledger.committed().len() == 2 {
                panic!("kaboom");
            }
            Ok::<Value, MethodError>(Value::Null)
        })
        .await;
    assert!(matches!(out, Outcome::Failed(f) if f.is_panic()));
    assert_eq!(shop.ledger.committed(), ["a", "b"]);
    assert_eq!(shop.ledger.log(), ["rollback: d", "failed: WorkerPanic"]);

    // A worker that never wrote: nothing begun, nothing to commit.
    let out = handle
        .invoke(call("read", json!({})), async move {
            Ok::<_, MethodError>(json!("ok"))
        })
        .await;
    assert!(out.is_success());
    assert_eq!(shop.ledger.log(), ["commit: nothing"]);
    container.stop().await;
}

#[tokio::test]
async fn a_failed_commit_fails_the_worker_and_rolls_the_others_back() {
    let (shop, container, handle) = started().await;
    *shop.ledger.fail_commit.lock().unwrap() = true;
    let s = Arc::clone(&shop);
    let out = handle
        .invoke(call("place", json!({})), async move {
            s.ledger.write("x").await.unwrap();
            s.second.0.write("y").await.unwrap();
            Ok::<_, MethodError>(json!("the caller must not see this"))
        })
        .await;
    let Outcome::Failed(failure) = out else {
        panic!("a failed commit must fail the worker: {out:?}")
    };
    assert_eq!(failure.remote_error().exc_type, "CommitRefused");
    assert_eq!(failure.remote_error().value, "commit refused: x");
    assert!(
        failure
            .source_error()
            .downcast_ref::<CommitRefused>()
            .is_some()
    );
    assert!(shop.ledger.committed().is_empty());
    assert_eq!(
        shop.ledger.log(),
        ["commit: refused", "failed: CommitRefused"]
    );
    // The second store never committed: it rolled back, seeing the failure.
    assert!(shop.second.0.committed().is_empty());
    assert_eq!(
        shop.second.0.log(),
        ["rollback: y", "failed: CommitRefused"]
    );
    container.stop().await;
}

#[tokio::test]
async fn concurrent_workers_never_see_each_others_values() {
    let (shop, container, handle) = started().await;
    let mut calls = Vec::new();
    for i in 0..20 {
        let s = Arc::clone(&shop);
        let handle = handle.clone();
        calls.push(tokio::spawn(async move {
            handle
                .invoke(call("place", json!({})), async move {
                    let first = s.ledger.write(&format!("{i}-1")).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    let second = s.ledger.write(&format!("{i}-2")).await.unwrap();
                    Ok::<_, MethodError>(json!([first, second]))
                })
                .await
        }));
    }
    for c in calls {
        let out = c.await.unwrap();
        assert!(matches!(out, Outcome::Success(v) if v == json!([1, 2])));
    }
    let mut committed = shop.ledger.committed();
    committed.sort();
    assert_eq!(committed.len(), 40);
    for i in 0..20 {
        // Each worker's two writes were committed together, in order.
        let at = committed
            .iter()
            .position(|e| *e == format!("{i}-1"))
            .unwrap();
        assert_eq!(committed[at + 1], format!("{i}-2"));
    }
    container.stop().await;
}

#[tokio::test]
async fn per_worker_values_are_reached_only_from_the_worker() {
    let (shop, container, handle) = started().await;
    assert_eq!(
        shop.ledger.write("outside").await,
        Err(WorkerLocalError::NotInWorker)
    );
    let s = Arc::clone(&shop);
    let out = handle
        .invoke(call("place", json!({})), async move {
            // A task spawned by the method does not carry its worker.
            let spawned = tokio::spawn({
                let s = Arc::clone(&s);
                async move { s.ledger.write("spawned").await }
            });
            let in_task = spawned.await.unwrap();
            let unset = s.ledger.tx.current().await.map(|v| v.len());
            Ok::<_, MethodError>(json!([format!("{in_task:?}"), format!("{unset:?}")]))
        })
        .await;
    let Outcome::Success(v) = out else {
        panic!("{out:?}")
    };
    assert_eq!(v[0], "Err(NotInWorker)");
    assert!(v[1].as_str().unwrap().starts_with("Err(Unset("), "{v}");
    container.stop().await;
}

#[tokio::test]
async fn context_data_set_in_a_worker_goes_with_its_onward_calls() {
    let (_shop, container, handle) = started().await;
    let out = handle
        .invoke(
            call("place", json!({"auth_token": "t0k3n", "language": "fr"})),
            async move {
                let ctx = WorkerContext::current().unwrap();
                // Set by the Auth dependency's worker_setup.
                let user = ctx.user_id();
                ctx.set("tenant", "acme");
                ctx.set("language", Value::Null);
                Ok::<_, MethodError>(json!({
                    "user_id": user,
                    "outgoing": ctx.outgoing_data(),
                }))
            },
        )
        .await;
    let Outcome::Success(v) = out else {
        panic!("{out:?}")
    };
    assert_eq!(v["user_id"], "user-of-t0k3n");
    let outgoing = &v["outgoing"];
    assert_eq!(outgoing["user_id"], "user-of-t0k3n");
    assert_eq!(outgoing["tenant"], "acme");
    assert!(outgoing.get("auth_token").is_none(), "removed by Auth");
    assert!(outgoing.get("language").is_none(), "set to null: removed");
    assert!(outgoing["call_id_stack"].is_array());
    assert!(outgoing["traceparent"].is_string());

    // Reserved keys stay the worker's own.
    let ctx = WorkerContext::new("shop", "m", ContextData::new(), 10);
    ctx.set("call_id_stack", json!(["forged"]));
    assert_eq!(ctx.outgoing_data()["call_id_stack"], json!([ctx.call_id()]));
    container.stop().await;
}
