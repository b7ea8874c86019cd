//! Shared helpers of the integration tests.
#![allow(missing_docs)]

use std::future::Future;
use std::time::Duration;

/// Installs a test tracing subscriber once (honours `RUST_LOG`).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// Polls `f` until it returns true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if f().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

use nameko_core::{RemoteError, WorkerContext, rpc, service};
use serde_json::{Value, json};

/// A test service whose methods cover the RPC behaviours the tests check.
#[derive(Debug, Clone)]
pub struct Echo {
    /// Which instance this is, returned by `whoami`.
    pub instance: String,
}

impl Echo {
    /// An instance named `instance`.
    pub fn new(instance: &str) -> Self {
        Echo {
            instance: instance.to_owned(),
        }
    }
}

#[service(name = "echo")]
impl Echo {
    /// Returns its argument.
    #[rpc]
    async fn echo(&self, value: Value) -> Value {
        value
    }

    /// Returns the instance's name.
    #[rpc]
    async fn whoami(&self) -> String {
        self.instance.clone()
    }

    /// Sleeps, then returns the instance's name.
    #[rpc]
    async fn sleep(&self, seconds: f64) -> String {
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        self.instance.clone()
    }

    /// Blocks for a minute on instance `stuck`, answers at once elsewhere.
    #[rpc]
    async fn stuck_on(&self, stuck: String) -> String {
        if self.instance == stuck {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        self.instance.clone()
    }

    /// Adds two integers.
    #[rpc]
    async fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }

    /// Fails with a `ValueError`.
    #[rpc]
    async fn fail(&self, message: String) -> Result<(), RemoteError> {
        Err(RemoteError::new("ValueError", message))
    }

    /// Returns what the worker context holds.
    #[rpc]
    async fn context(&self) -> Value {
        match WorkerContext::current() {
            Some(ctx) => json!({
                "call_id": ctx.call_id(),
                "call_id_stack": ctx.call_id_stack(),
                "data": ctx.data(),
            }),
            None => Value::Null,
        }
    }
}
