//! The worker pool, without a broker: `max_workers` bounds concurrency, a stopping container
//! hands back work it has not started and lets running workers finish, a killed one
//! abandons them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nameko_core::{
    Call, Config, Entrypoint, EntrypointOptions, MethodError, Outcome, RemoteError, Service,
    ServiceContainer, WorkerContext,
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

fn ctx() -> Call {
    Call::new("method", "test", &Arc::new(EntrypointOptions::new()))
}

/// A worker that records how many run at once and waits for `gate`.
async fn gated(
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    gate: Arc<Semaphore>,
) -> Result<Value, MethodError> {
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
            h.invoke(ctx(), gated(running, peak, gate)).await
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
        assert!(t.await.unwrap().is_success());
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
        tokio::spawn(async move { h.invoke(ctx(), gated(running, peak, gate)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = {
        let (h, running, peak, gate) = (h.clone(), running.clone(), peak.clone(), gate.clone());
        tokio::spawn(async move { h.invoke(ctx(), gated(running, peak, gate)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopper = {
        let c = Arc::clone(&c);
        tokio::spawn(async move { c.stop().await })
    };
    // The waiting worker is handed back at once.
    assert!(matches!(second.await.unwrap(), Outcome::Rejected));
    // The running one finishes when it can.
    gate.add_permits(1);
    assert!(first.await.unwrap().is_success());
    stopper.await.unwrap();
    // After stop, nothing new runs.
    let late = h
        .invoke(ctx(), async { Ok::<_, MethodError>(json!(1)) })
        .await;
    assert!(matches!(late, Outcome::Rejected));
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
            .invoke(ctx(), async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok::<_, MethodError>(json!(null))
            })
            .await;
        let _ = tx.send(r);
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let started = tokio::time::Instant::now();
    c.stop().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(rx.await.unwrap(), Outcome::Killed));
}

#[tokio::test]
async fn worker_sees_its_context() {
    let c = container(1);
    c.start().await.unwrap();
    let seen = c
        .handle()
        .invoke(ctx(), async {
            let cur = WorkerContext::current().expect("inside a worker");
            assert!(cur.container().is_some());
            Ok::<_, MethodError>(json!(cur.call_id()))
        })
        .await;
    let Outcome::Success(seen) = seen else {
        panic!("{seen:?}")
    };
    assert!(
        seen.as_str().unwrap().starts_with("empty.method."),
        "{seen}"
    );
    c.stop().await;
}

#[tokio::test]
async fn panicking_workers_are_answered_and_release_their_slot() {
    let c = container(2);
    c.start().await.unwrap();
    let h = c.handle().clone();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            h.invoke(ctx(), async move {
                tokio::task::yield_now().await;
                if i < 100 {
                    panic!("boom {i}");
                }
                Ok::<_, MethodError>(json!(null))
            })
            .await
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let Outcome::Failed(failure) = t.await.unwrap() else {
            panic!("worker {i} did not fail")
        };
        let panic = failure.panic_error().expect("a panic");
        assert_eq!(panic.message(), format!("boom {i}"));
        assert!(panic.location().unwrap().contains("worker_pool.rs"));
        assert_eq!(failure.remote_error().exc_type, "WorkerPanic");
        assert_eq!(failure.remote_error().value, format!("boom {i}"));
    }
    assert_eq!(h.running_workers(), 0);
    let ok = h
        .invoke(ctx(), async { Ok::<_, MethodError>(json!(1)) })
        .await;
    assert!(matches!(ok, Outcome::Success(v) if v == json!(1)));
    c.stop().await;
}

#[tokio::test]
async fn a_panic_while_building_the_future_is_caught() {
    let c = container(1);
    c.start().await.unwrap();
    fn build() -> std::future::Ready<Result<Value, MethodError>> {
        panic!("before the future")
    }
    let out = c.handle().invoke(ctx(), async { build().await }).await;
    let Outcome::Failed(failure) = out else {
        panic!("{out:?}")
    };
    assert_eq!(failure.remote_error().value, "before the future");
    c.stop().await;
}

#[tokio::test]
async fn run_tracked_goes_on_when_dropped_and_stop_waits_for_it() {
    let c = container(1);
    c.start().await.unwrap();
    let h = c.handle().clone();
    let finished = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let tracked = {
        let (finished, gate) = (finished.clone(), gate.clone());
        h.run_tracked(async move {
            gate.acquire().await.unwrap().forget();
            finished.fetch_add(1, Ordering::SeqCst);
        })
    };
    // Polled once, then dropped (the client went away): it goes on in a task.
    let mut tracked = Box::pin(tracked);
    assert!(futures_poll_once(tracked.as_mut()).await.is_none());
    drop(tracked);
    let stopper = tokio::spawn(async move { c.stop().await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!stopper.is_finished(), "stop waits for the tracked work");
    gate.add_permits(1);
    stopper.await.unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

async fn futures_poll_once<F: std::future::Future + Unpin>(fut: F) -> Option<F::Output> {
    let mut fut = fut;
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match std::pin::Pin::new(&mut fut).poll(cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        })
    })
    .await
}
