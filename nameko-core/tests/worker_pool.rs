//! The worker pool, without a broker: `max_workers` bounds concurrency, a stopping container
//! hands back work it has not started and lets running workers finish, a killed one
//! abandons them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nameko_core::{
    Config, ContextData, Entrypoint, RemoteError, Service, ServiceContainer, WorkerContext,
    WorkerError,
};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

struct Empty;

impl Service for Empty {
    fn name(&self) -> &str {
        "empty"
    }
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        Vec::new()
    }
}

fn container(max_workers: u64) -> ServiceContainer {
    ServiceContainer::new(
        Empty,
        Arc::new(Config::new().with("max_workers", max_workers)),
    )
}

fn ctx() -> WorkerContext {
    WorkerContext::new("empty", "method", ContextData::new(), 10)
}

/// A worker that records how many run at once and waits for `gate`.
async fn gated(
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    gate: Arc<Semaphore>,
) -> Result<Value, RemoteError> {
    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
    peak.fetch_max(now, Ordering::SeqCst);
    gate.acquire()
        .await
        .map_err(|e| RemoteError::new("Closed", e.to_string()))?
        .forget();
    running.fetch_sub(1, Ordering::SeqCst);
    Ok(json!(null))
}

#[tokio::test]
async fn max_workers_bounds_concurrency() {
    let c = container(2);
    c.start().await.unwrap();
    let h = c.handle().clone();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let (h, running, peak, gate) = (h.clone(), running.clone(), peak.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            h.run_worker(ctx(), gated(running, peak, gate)).await
        }));
    }
    // Two run, the third waits for a free worker.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(running.load(Ordering::SeqCst), 2);
    assert_eq!(h.running_workers(), 2);
    // Let one finish: the third starts.
    gate.add_permits(1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        running.load(Ordering::SeqCst),
        2,
        "third call started after one finished"
    );
    gate.add_permits(2);
    for t in tasks {
        assert!(t.await.unwrap().unwrap().is_ok());
    }
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "never more than max_workers at once"
    );
    assert_eq!(h.running_workers(), 0);
    c.stop().await;
}

#[tokio::test]
async fn default_max_workers_is_ten() {
    let c = ServiceContainer::new(Empty, Arc::new(Config::new()));
    assert_eq!(c.handle().max_workers(), 10);
}

#[tokio::test]
async fn stop_finishes_running_workers_and_rejects_waiting_ones() {
    let c = Arc::new(container(1));
    c.start().await.unwrap();
    let h = c.handle().clone();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let first = {
        let (h, running, peak, gate) = (h.clone(), running.clone(), peak.clone(), gate.clone());
        tokio::spawn(async move { h.run_worker(ctx(), gated(running, peak, gate)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = {
        let (h, running, peak, gate) = (h.clone(), running.clone(), peak.clone(), gate.clone());
        tokio::spawn(async move { h.run_worker(ctx(), gated(running, peak, gate)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopper = {
        let c = Arc::clone(&c);
        tokio::spawn(async move { c.stop().await })
    };
    // The waiting worker is handed back at once.
    assert_eq!(second.await.unwrap(), Err(WorkerError::Rejected));
    // The running one finishes when it can.
    gate.add_permits(1);
    assert!(first.await.unwrap().unwrap().is_ok());
    stopper.await.unwrap();
    // After stop, nothing new runs.
    let late = h.run_worker(ctx(), async { Ok(json!(1)) }).await;
    assert_eq!(late, Err(WorkerError::Rejected));
}

#[tokio::test]
async fn grace_period_then_kill() {
    let mut c = container(2);
    c.set_grace_period(Duration::from_millis(100));
    let c = Arc::new(c);
    c.start().await.unwrap();
    let h = c.handle().clone();
    let h2 = h.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    h.spawn(async move {
        let r = h2
            .run_worker(ctx(), async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(json!(null))
            })
            .await;
        let _ = tx.send(r);
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let started = tokio::time::Instant::now();
    c.stop().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(rx.await.unwrap(), Err(WorkerError::Killed));
}

#[tokio::test]
async fn worker_sees_its_context() {
    let c = container(1);
    c.start().await.unwrap();
    let ctx = ctx();
    let id = ctx.call_id().to_owned();
    let seen = c
        .handle()
        .run_worker(ctx, async {
            let cur = WorkerContext::current().expect("inside a worker");
            assert!(cur.container().is_some());
            Ok(json!(cur.call_id()))
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen, json!(id));
    c.stop().await;
}
