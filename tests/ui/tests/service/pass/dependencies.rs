//! `dependencies(...)` lists fields that implement a hand-written `DependencyProvider`.
#![deny(warnings)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nameko::{DependencyProvider, Extension, Service, WorkerContext, WorkerResult, rpc, service};

/// Counts the calls that failed.
#[derive(Default)]
pub struct FailureCounter(AtomicUsize);

impl Extension for FailureCounter {}

#[nameko::async_trait]
impl DependencyProvider for FailureCounter {
    async fn worker_result(&self, _ctx: &WorkerContext, result: WorkerResult<'_>) {
        if !result.is_success() {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Does nothing.
#[derive(Default)]
pub struct Noop;

impl Extension for Noop {}

impl DependencyProvider for Noop {}

#[derive(Default)]
pub struct ServiceX {
    failures: FailureCounter,
    r#type: Noop,
    not_a_dependency: String,
}

#[service(name = "service_x", dependencies(failures, r#type))]
impl ServiceX {
    #[rpc]
    async fn failures(&self) -> usize {
        self.failures.0.load(Ordering::Relaxed)
    }

    #[rpc]
    async fn label(&self) -> String {
        self.not_a_dependency.clone()
    }
}

/// A tuple struct names its dependency fields by index.
#[derive(Default)]
pub struct ServiceY(String, FailureCounter);

#[service(name = "service_y", dependencies(1))]
impl ServiceY {
    #[rpc]
    async fn label(&self) -> String {
        self.0.clone()
    }
}

/// A service without entrypoints, only dependencies.
#[derive(Default)]
pub struct Quiet {
    noop: Noop,
}

#[service(name = "quiet", dependencies(noop))]
impl Quiet {}

fn main() {
    let x = Arc::new(ServiceX::default());
    assert_eq!(x.dependencies().len(), 2);
    assert_eq!(x.entrypoints().len(), 2);
    let y = Arc::new(ServiceY::default());
    assert_eq!(y.dependencies().len(), 1);
    let quiet = Arc::new(Quiet::default());
    assert_eq!(quiet.name(), "quiet");
    assert!(quiet.entrypoints().is_empty());
    assert_eq!(quiet.dependencies().len(), 1);
}
