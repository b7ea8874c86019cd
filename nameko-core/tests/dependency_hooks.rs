//! A user-written dependency provider sees the container lifecycle and every worker's hooks
//! in order: setup, result (with the outcome), teardown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use nameko_core::{
    BoxError, Call, Config, ContainerHandle, DependencyProvider, Entrypoint, EntrypointOptions,
    Extension, MethodError, Outcome, PanicError, RemoteError, Service, ServiceContainer,
    WorkerContext, WorkerResult, async_trait,
};
use serde_json::{Value, json};

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<String>>,
}

impl Recorder {
    fn push(&self, e: impl Into<String>) {
        self.events.lock().unwrap().push(e.into());
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

#[async_trait]
impl Extension for Recorder {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        self.push(format!("setup {}", container.service_name()));
        Ok(())
    }
    async fn start(&self, _: &ContainerHandle) -> Result<(), BoxError> {
        self.push("start");
        Ok(())
    }
    async fn stop(&self) {
        self.push("stop");
    }
}

#[async_trait]
impl DependencyProvider for Recorder {
    async fn worker_setup(&self, ctx: &WorkerContext) {
        self.push(format!("worker_setup {}", ctx.entrypoint_name()));
    }
    async fn worker_result(&self, _ctx: &WorkerContext, result: WorkerResult<'_>) {
        match result {
            WorkerResult::Success(v) => self.push(format!(
                "worker_result ok {}",
                v.cloned().unwrap_or(Value::Null)
            )),
            WorkerResult::Failure(f) => {
                let original = if let Some(p) = f.downcast_ref::<PanicError>() {
                    format!("panic {:?}", p.message())
                } else if let Some(e) = f.downcast_ref::<NotFound>() {
                    format!("NotFound({})", e.0)
                } else {
                    "other".to_owned()
                };
                self.push(format!(
                    "worker_result err {} {original}",
                    f.remote_error().exc_type
                ))
            }
            _ => self.push("worker_result other"),
        }
    }
    async fn worker_teardown(&self, ctx: &WorkerContext) {
        self.push(format!("worker_teardown {}", ctx.entrypoint_name()));
    }
}

struct WithDeps {
    recorder: Arc<Recorder>,
    config_value: ConfigValue,
}

/// A dependency that hands workers a config value, read at setup.
#[derive(Default)]
struct ConfigValue(std::sync::OnceLock<String>);

#[async_trait]
impl Extension for ConfigValue {
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let v = container
            .config()
            .get("GREETING")
            .and_then(Value::as_str)
            .ok_or("GREETING missing from config")?;
        let _ = self.0.set(v.to_owned());
        Ok(())
    }
}
impl DependencyProvider for ConfigValue {}

impl Service for WithDeps {
    fn name(&self) -> &str {
        "with_deps"
    }
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        Vec::new()
    }
    fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        vec![&*self.recorder, &self.config_value]
    }
}

#[derive(Debug, thiserror::Error)]
#[error("order {0} not found")]
struct NotFound(u32);

fn ctx(method: &str) -> Call {
    Call::new(method, "test", &Arc::new(EntrypointOptions::new()))
}

#[tokio::test]
async fn hooks_run_in_order_for_success_and_failure() {
    let recorder = Arc::new(Recorder::default());
    let svc = WithDeps {
        recorder: Arc::clone(&recorder),
        config_value: ConfigValue::default(),
    };
    let c = ServiceContainer::new(svc, Arc::new(Config::new().with("GREETING", "hi")));
    c.start().await.unwrap();
    assert_eq!(recorder.take(), ["setup with_deps", "start"]);

    let r = Arc::clone(&recorder);
    let out = c
        .handle()
        .invoke(ctx("good"), async move {
            r.push("method good");
            Ok::<_, MethodError>(json!(42))
        })
        .await;
    assert!(matches!(out, Outcome::Success(v) if v == json!(42)));
    assert_eq!(
        recorder.take(),
        [
            "worker_setup good",
            "method good",
            "worker_result ok 42",
            "worker_teardown good"
        ]
    );

    let r = Arc::clone(&recorder);
    let out = c
        .handle()
        .invoke(ctx("bad"), async move {
            r.push("method bad");
            Err::<Value, _>(MethodError::from(RemoteError::new("ValueError", "nope")))
        })
        .await;
    assert!(matches!(out, Outcome::Failed(_)));
    assert_eq!(
        recorder.take(),
        [
            "worker_setup bad",
            "method bad",
            "worker_result err ValueError other",
            "worker_teardown bad"
        ]
    );

    // The original error reaches the hooks, downcastable, next to its wire form.
    let out = c
        .handle()
        .invoke(ctx("typed"), async move {
            Err::<Value, _>(MethodError::from_error(NotFound(7)))
        })
        .await;
    assert!(matches!(out, Outcome::Failed(_)));
    assert_eq!(
        recorder.take(),
        [
            "worker_setup typed",
            "worker_result err NotFound NotFound(7)",
            "worker_teardown typed"
        ]
    );

    // A panicking worker: the hooks see the panic, teardown runs.
    let r = Arc::clone(&recorder);
    let out = c
        .handle()
        .invoke(ctx("panics"), async move {
            r.push("method panics");
            if r.events.lock().is_ok() {
                panic!("kaboom");
            }
            Ok::<Value, MethodError>(json!(null))
        })
        .await;
    let Outcome::Failed(failure) = out else {
        panic!("{out:?}")
    };
    assert!(failure.is_panic());
    assert_eq!(
        recorder.take(),
        [
            "worker_setup panics",
            "method panics",
            "worker_result err WorkerPanic panic \"kaboom\"",
            "worker_teardown panics"
        ]
    );

    c.stop().await;
    assert_eq!(recorder.take(), ["stop"]);
}

#[tokio::test]
async fn failing_setup_is_a_clear_start_error() {
    let svc = WithDeps {
        recorder: Arc::default(),
        config_value: ConfigValue::default(),
    };
    let c = ServiceContainer::new(svc, Arc::new(Config::new()));
    let err = c.start().await.unwrap_err().to_string();
    assert!(err.contains("with_deps"), "{err}");
    assert!(err.contains("setup"), "{err}");
    assert!(err.contains("GREETING missing from config"), "{err}");
}

/// A dependency provider whose hooks panic.
#[derive(Default)]
struct Faulty {
    setup_panics: bool,
    teardowns: std::sync::atomic::AtomicUsize,
}

impl Extension for Faulty {}

#[async_trait]
impl DependencyProvider for Faulty {
    async fn worker_setup(&self, _ctx: &WorkerContext) {
        if self.setup_panics {
            panic!("setup hook broke");
        }
    }
    async fn worker_result(&self, _ctx: &WorkerContext, _result: WorkerResult<'_>) {
        panic!("result hook broke");
    }
    async fn worker_teardown(&self, _ctx: &WorkerContext) {
        self.teardowns
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

struct WithFaulty(Faulty);

impl Service for WithFaulty {
    fn name(&self) -> &str {
        "with_faulty"
    }
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        Vec::new()
    }
    fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        vec![&self.0]
    }
}

#[tokio::test]
async fn panicking_hooks_do_not_break_the_worker() {
    let c = ServiceContainer::new(WithFaulty(Faulty::default()), Arc::new(Config::new()));
    c.start().await.unwrap();
    let out = c
        .handle()
        .invoke(ctx("m"), async { Ok::<_, MethodError>(json!(1)) })
        .await;
    assert!(
        out.is_success(),
        "a panicking worker_result does not fail the call"
    );
    assert_eq!(c.handle().running_workers(), 0);
    c.stop().await;

    // A panicking worker_setup fails the worker without running the method.
    let c = ServiceContainer::new(
        WithFaulty(Faulty {
            setup_panics: true,
            ..Faulty::default()
        }),
        Arc::new(Config::new()),
    );
    c.start().await.unwrap();
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let r = Arc::clone(&ran);
    let out = c
        .handle()
        .invoke(ctx("m"), async move {
            r.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, MethodError>(json!(1))
        })
        .await;
    let Outcome::Failed(failure) = out else {
        panic!("{out:?}")
    };
    assert_eq!(failure.panic_error().unwrap().message(), "setup hook broke");
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    c.stop().await;
}
