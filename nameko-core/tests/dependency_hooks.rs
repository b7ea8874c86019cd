//! A user-written dependency provider sees the container lifecycle and every worker's hooks
//! in order: setup, result (with the outcome), teardown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use nameko_core::{
    BoxError, Config, ContainerHandle, ContextData, DependencyProvider, Entrypoint, Extension,
    RemoteError, Service, ServiceContainer, WorkerContext, WorkerResult, async_trait,
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
            WorkerResult::Failure(e) => self.push(format!("worker_result err {}", e.exc_type)),
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

fn ctx(method: &str) -> WorkerContext {
    WorkerContext::new("with_deps", method, ContextData::new(), 10)
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
        .run_worker(ctx("good"), async move {
            r.push("method good");
            Ok::<_, RemoteError>(json!(42))
        })
        .await
        .unwrap();
    assert_eq!(out, Ok(json!(42)));
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
        .run_worker(ctx("bad"), async move {
            r.push("method bad");
            Err::<Value, _>(RemoteError::new("ValueError", "nope"))
        })
        .await
        .unwrap();
    assert!(out.is_err());
    assert_eq!(
        recorder.take(),
        [
            "worker_setup bad",
            "method bad",
            "worker_result err ValueError",
            "worker_teardown bad"
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
