//! The test kit (`nameko_core::testing`) on hand-written services: no transport, no
//! broker. Run with `cargo test -p nameko-core --features testing --test testing_kit`.
#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko_core::entrypoint::{FireError, FireInput, FireOutput};
use nameko_core::payload::ArgBinder;
use nameko_core::testing::{
    TestError, entrypoint_hook, entrypoint_waiter, replace_dependencies, worker_factory,
};
use nameko_core::{
    BoxError, BoxFuture, Call, CallArguments, Config, ContainerHandle, DependencyProvider,
    Entrypoint, EntrypointOptions, Extension, MethodError, RemoteError, Service, ServiceContainer,
    WorkerContext, WorkerResult, async_trait,
};
use serde_json::{Value, json};

type Handler =
    Arc<dyn Fn(ArgBinder<'static>) -> BoxFuture<Result<Value, MethodError>> + Send + Sync>;

/// A transport-less entrypoint: binds positional and keyword arguments to `params` as the
/// RPC transport does, inside the worker; the handler takes each parameter with its type,
/// as `#[rpc]` generates it.
struct Direct {
    method: &'static str,
    params: &'static [&'static str],
    options: Arc<EntrypointOptions>,
    handler: Handler,
    set_up: Arc<AtomicBool>,
}

impl Direct {
    fn new<F>(method: &'static str, params: &'static [&'static str], f: F) -> Self
    where
        F: Fn(ArgBinder<'static>) -> BoxFuture<Result<Value, MethodError>> + Send + Sync + 'static,
    {
        Direct {
            method,
            params,
            options: Arc::new(EntrypointOptions::new().params(params)),
            handler: Arc::new(f),
            set_up: Arc::default(),
        }
    }
}

#[async_trait]
impl Extension for Direct {
    async fn setup(&self, _container: &ContainerHandle) -> Result<(), BoxError> {
        self.set_up.store(true, Ordering::SeqCst);
        Ok(())
    }
}

#[async_trait]
impl Entrypoint for Direct {
    fn method_name(&self) -> &str {
        self.method
    }

    fn kind(&self) -> &'static str {
        "direct"
    }

    async fn fire(
        &self,
        container: &ContainerHandle,
        fire: FireInput,
    ) -> Result<FireOutput, FireError> {
        let FireInput {
            arguments,
            context_data,
            ..
        } = fire;
        let call = Call::new(self.method, "direct", &self.options)
            .context_data(context_data)
            .arguments(CallArguments::Rpc(arguments.clone()));
        let (method, params, handler) = (self.method, self.params, Arc::clone(&self.handler));
        let outcome = container
            .invoke(call, async move {
                let binder = ArgBinder::new(method, params, arguments)?;
                handler(binder).await
            })
            .await;
        FireOutput::from_outcome(outcome)
    }
}

/// An entrypoint without `fire`.
struct Opaque;

impl Extension for Opaque {}

impl Entrypoint for Opaque {
    fn method_name(&self) -> &str {
        "opaque"
    }

    fn kind(&self) -> &'static str {
        "opaque"
    }
}

/// Records every hook it sees; its double is a handle to the record.
#[derive(Clone, Debug, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn push(&self, s: String) {
        self.seen.lock().unwrap().push(s);
    }
}

impl Extension for Recorder {}

#[async_trait]
impl DependencyProvider for Recorder {
    async fn worker_setup(&self, ctx: &WorkerContext) {
        self.push(format!("setup {}", ctx.entrypoint_name()));
    }

    async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
        let what = match result.failure() {
            None => "ok".to_owned(),
            Some(f) if f.panic().is_some() => "panic".to_owned(),
            Some(f) => f.remote_error().exc_type.clone(),
        };
        self.push(format!("result {} {what}", ctx.entrypoint_name()));
    }

    async fn worker_teardown(&self, ctx: &WorkerContext) {
        self.push(format!("teardown {}", ctx.entrypoint_name()));
    }

    fn replace_with_double(&self) -> Option<Box<dyn Any + Send>> {
        Some(Box::new(self.clone()))
    }
}

/// A dependency without a double, whose `setup` is counted.
#[derive(Default)]
struct Plain {
    set_up: AtomicBool,
}

#[async_trait]
impl Extension for Plain {
    async fn setup(&self, _container: &ContainerHandle) -> Result<(), BoxError> {
        self.set_up.store(true, Ordering::SeqCst);
        Ok(())
    }
}

impl DependencyProvider for Plain {}

struct Calc {
    recorder: Recorder,
    plain: Plain,
    entrypoint_set_up: Arc<AtomicBool>,
}

impl Calc {
    fn new() -> Self {
        Calc {
            recorder: Recorder::default(),
            plain: Plain::default(),
            entrypoint_set_up: Arc::default(),
        }
    }

    fn triple(&self, x: i64) -> i64 {
        x * 3
    }
}

impl Service for Calc {
    fn name(&self) -> &str {
        "calc"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        let mut add = Direct::new("add", &["a", "b"], |mut b| {
            Box::pin(async move {
                let x: i64 = b.take(0)?;
                let y: i64 = b.take(1)?;
                Ok(json!(x + y))
            })
        });
        add.set_up = Arc::clone(&self.entrypoint_set_up);
        vec![
            Box::new(add),
            Box::new(Direct::new("language", &[], |_| {
                Box::pin(async move {
                    let ctx = WorkerContext::current().unwrap();
                    Ok(json!(ctx.language()))
                })
            })),
            Box::new(Direct::new("boom", &[], |_| {
                Box::pin(async move {
                    if true {
                        panic!("kaboom");
                    }
                    Ok(Value::Null)
                })
            })),
            Box::new(Direct::new("fail", &[], |_| {
                Box::pin(async move { Err(RemoteError::new("ValueError", "nope").into()) })
            })),
            Box::new(Direct::new("slow", &["ms"], |mut b| {
                Box::pin(async move {
                    let ms: u64 = b.take(0)?;
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    Ok(json!(ms))
                })
            })),
            Box::new(Opaque),
        ]
    }

    fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        vec![&self.recorder, &self.plain]
    }

    fn dependency_names(&self) -> &'static [&'static str] {
        &["recorder", "plain"]
    }
}

#[tokio::test]
async fn hooks_run_under_entrypoint_hook() {
    let svc = worker_factory(Calc::new()).await.unwrap();
    let out: i64 = entrypoint_hook(&svc, "add", (1, 2)).result().await.unwrap();
    assert_eq!(out, 3);
    let kwargs: nameko_core::Arguments =
        serde_json::from_value(json!({"args": [1], "kwargs": {"b": 41}})).unwrap();
    assert_eq!(svc.entrypoint_hook("add", kwargs).await.unwrap(), json!(42));
    let recorder: Recorder = svc.double("recorder").unwrap();
    assert_eq!(
        recorder.seen(),
        [
            "setup add",
            "result add ok",
            "teardown add",
            "setup add",
            "result add ok",
            "teardown add"
        ]
    );
    // The service itself, through Deref.
    assert_eq!(svc.triple(4), 12);
    svc.stop().await;
}

#[tokio::test]
async fn dependencies_only_no_entrypoint_setup() {
    let calc = Calc::new();
    let entrypoint_set_up = Arc::clone(&calc.entrypoint_set_up);
    let svc = worker_factory(calc).await.unwrap();
    assert!(
        svc.plain.set_up.load(Ordering::SeqCst),
        "kept dependency set up"
    );
    assert!(
        !entrypoint_set_up.load(Ordering::SeqCst),
        "entrypoints not set up"
    );
    assert!(svc.container().is_running());
    svc.stop().await;
    assert!(!svc.container().is_running());
}

#[tokio::test]
async fn wrong_arguments_are_incorrect_signature() {
    let svc = worker_factory(Calc::new()).await.unwrap();
    let err = entrypoint_hook(&svc, "add", (1, 2, 3)).await.unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"));
    assert_eq!(
        err.remote().unwrap().value,
        "add() takes 3 positional arguments but 4 were given"
    );
    let err = entrypoint_hook(&svc, "add", (1,)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "IncorrectSignature add() missing 1 required positional argument: 'b'"
    );
}

#[tokio::test]
async fn a_panic_comes_back_as_worker_panic() {
    let svc = worker_factory(Calc::new()).await.unwrap();
    let err = entrypoint_hook(&svc, "boom", ()).await.unwrap_err();
    assert_eq!(err.exc_type(), Some("WorkerPanic"));
    assert_eq!(err.remote().unwrap().value, "kaboom");
    let recorder: Recorder = svc.double("recorder").unwrap();
    assert_eq!(
        recorder.seen(),
        ["setup boom", "result boom panic", "teardown boom"]
    );
    // The container goes on.
    assert_eq!(
        entrypoint_hook(&svc, "add", (1, 1)).await.unwrap(),
        json!(2)
    );
}

#[tokio::test]
async fn errors_and_context_data() {
    let svc = worker_factory(Calc::new()).await.unwrap();
    let err = entrypoint_hook(&svc, "fail", ()).await.unwrap_err();
    assert!(
        matches!(&err, TestError::Remote(r) if r.exc_type == "ValueError" && r.value == "nope")
    );
    let lang: Option<String> = entrypoint_hook(&svc, "language", ())
        .context("language", "fr")
        .result()
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("fr"));
    let err = entrypoint_hook(&svc, "add", (1, 2))
        .result::<String>()
        .await
        .unwrap_err();
    assert!(matches!(err, TestError::DecodeResult { .. }), "{err}");
}

#[tokio::test]
async fn unknown_or_unsupported_entrypoints() {
    let svc = worker_factory(Calc::new()).await.unwrap();
    let err = entrypoint_hook(&svc, "nope", ()).await.unwrap_err();
    assert!(matches!(err, TestError::NoEntrypoint { .. }));
    assert!(
        err.to_string()
            .starts_with("service `calc` has no entrypoint `nope` (its entrypoints: `add`, "),
        "{err}"
    );
    let err = entrypoint_hook(&svc, "opaque", ()).await.unwrap_err();
    assert!(
        matches!(
            err,
            TestError::Fire(FireError::Unsupported { kind: "opaque", .. })
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "opaque entrypoint `opaque` cannot be fired from a test"
    );
}

#[tokio::test]
async fn waiter_gets_the_result() {
    let svc = Arc::new(worker_factory(Calc::new()).await.unwrap());
    let waiter = entrypoint_waiter(&svc, "slow").unwrap();
    let other = entrypoint_waiter(&svc, "add").unwrap();
    let fired = {
        let svc = Arc::clone(&svc);
        tokio::spawn(async move { entrypoint_hook(&svc, "slow", (20,)).await })
    };
    let done = waiter.timeout(Duration::from_secs(5)).await.unwrap();
    assert_eq!(done.entrypoint(), "slow");
    assert_eq!(done.result(), Ok(&json!(20)));
    assert!(done.call_id().starts_with("calc.slow."));
    fired.await.unwrap().unwrap();
    // A worker of another entrypoint does not wake it.
    let err = other.timeout(Duration::from_millis(50)).await.unwrap_err();
    assert!(matches!(err, TestError::Timeout { .. }));
    assert_eq!(
        err.to_string(),
        "no worker of `calc.add` finished within 50ms"
    );
}

#[tokio::test]
async fn waiter_sees_failures_and_filters() {
    let svc = worker_factory(Calc::new()).await.unwrap();
    let waiter = entrypoint_waiter(&svc, "slow")
        .unwrap()
        .matching(|done| done.value_as::<u64>() == Some(2));
    let failing = entrypoint_waiter(&svc, "boom").unwrap();
    entrypoint_hook(&svc, "slow", (1,)).await.unwrap();
    entrypoint_hook(&svc, "slow", (2,)).await.unwrap();
    entrypoint_hook(&svc, "boom", ()).await.unwrap_err();
    assert_eq!(waiter.await.unwrap().value_as::<u64>(), Some(2));
    let done = failing.await.unwrap();
    assert_eq!(done.result().unwrap_err().exc_type, "WorkerPanic");
    assert!(matches!(
        entrypoint_waiter(&svc, "nope").unwrap_err(),
        TestError::NoEntrypoint { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn waiter_times_out() {
    let svc = worker_factory(Calc::new()).await.unwrap();
    let err = entrypoint_waiter(&svc, "add").unwrap().await.unwrap_err();
    assert!(
        matches!(err, TestError::Timeout { timeout, .. } if timeout == Duration::from_secs(30)),
        "{err}"
    );
}

#[tokio::test]
async fn watch_without_waiter() {
    let container = ServiceContainer::new(Calc::new(), Arc::new(Config::new()));
    container.start_dependencies().await.unwrap();
    let mut all = container.handle().watch_all_workers();
    entrypoint_hook(&container, "add", (2, 3))
        .context("user_id", "u1")
        .await
        .unwrap();
    let done = all.next().await;
    assert_eq!(done.entrypoint(), "add");
    assert_eq!(done.context_data()["user_id"], "u1");
    assert!(all.try_next().is_none());
    drop(all);
    // Nobody watches any more: workers go on as before.
    entrypoint_hook(&container, "add", (2, 3)).await.unwrap();
    container.stop().await;
}

#[tokio::test]
async fn replace_dependencies_errors() {
    let container = ServiceContainer::new(Calc::new(), Arc::new(Config::new()));
    let err = replace_dependencies::<Recorder>(&container, "nope").unwrap_err();
    assert_eq!(
        err.to_string(),
        "service `calc` has no dependency named `nope` (its dependencies: `recorder`, `plain`)"
    );
    let err = replace_dependencies::<Recorder>(&container, "plain").unwrap_err();
    assert!(
        matches!(err, TestError::NoDouble { kept: false, .. }),
        "{err}"
    );
    let err = replace_dependencies::<String>(&container, "recorder").unwrap_err();
    assert!(matches!(err, TestError::WrongDoubleType { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "the double of dependency `recorder` of service `calc` is not a `alloc::string::String`"
    );
    let recorder: Recorder = replace_dependencies(&container, "recorder").unwrap();
    container.start_dependencies().await.unwrap();
    entrypoint_hook(&container, "add", (1, 2)).await.unwrap();
    assert_eq!(recorder.seen().len(), 3);
    let err = replace_dependencies::<Recorder>(&container, "recorder").unwrap_err();
    assert!(matches!(err, TestError::AlreadyStarted { .. }), "{err}");
    container.stop().await;
}

#[tokio::test]
async fn double_errors() {
    let svc = worker_factory(Calc::new()).keep("recorder").await.unwrap();
    let err = svc.double::<Recorder>("recorder").unwrap_err();
    assert!(
        matches!(err, TestError::NoDouble { kept: true, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "dependency `recorder` of service `calc` has no test double: it was kept (`keep`)"
    );
    let err = svc.double::<Recorder>("plain").unwrap_err();
    assert!(
        matches!(err, TestError::NoDouble { kept: false, .. }),
        "{err}"
    );
    let err = svc.double::<Recorder>("nope").unwrap_err();
    assert!(matches!(err, TestError::NoDependency { .. }), "{err}");
    let err = worker_factory(Calc::new()).keep("nope").await.unwrap_err();
    assert!(matches!(err, TestError::NoDependency { .. }), "{err}");

    let svc = worker_factory(Calc::new()).await.unwrap();
    let err = svc.double::<u32>("recorder").unwrap_err();
    assert!(
        matches!(
            err,
            TestError::WrongDoubleType {
                expected: "u32",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_started_container_refuses_a_second_start() {
    let container = ServiceContainer::new(Calc::new(), Arc::new(Config::new()));
    assert!(!container.has_started());
    container.start_dependencies().await.unwrap();
    assert!(container.has_started());
    assert!(container.start().await.is_err());
    assert!(container.service::<Calc>().is_some());
    assert!(container.dependency("plain").is_some());
    container.kill().await;
}
