//! Observing workers from outside the worker pipeline: what metrics are made of.
//!
//! A [`WorkerObserver`] added with [`add_observer`] is asked, once per entrypoint of each
//! container, for an [`EntrypointObserver`]; the pipeline tells that one when each worker
//! of the entrypoint starts and how it finished. `nameko_run::metrics` is one: it counts
//! workers and failures and records durations. While no observer is added, a worker costs
//! one atomic load more.
//!
//! A container asks the observers added by the time its extensions are set up (a
//! transport that records metrics adds its observer then at the latest), so add one
//! before starting the services.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::time::Duration;
//! use nameko_core::worker::observe::{self, EntrypointObserver, WorkerEnd, WorkerObserver};
//!
//! #[derive(Default)]
//! struct Count(Arc<AtomicUsize>);
//!
//! impl EntrypointObserver for Count {
//!     fn started(&self) {
//!         self.0.fetch_add(1, Ordering::Relaxed);
//!     }
//!     fn finished(&self, _elapsed: Duration, _end: WorkerEnd) {}
//! }
//!
//! struct Counting(Arc<AtomicUsize>);
//!
//! impl WorkerObserver for Counting {
//!     fn entrypoint(&self, _service: &str, _entrypoint: &str, _kind: &'static str)
//!         -> Box<dyn EntrypointObserver> {
//!         Box::new(Count(Arc::clone(&self.0)))
//!     }
//! }
//!
//! observe::add_observer(Arc::new(Counting(Arc::default())));
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Watches the workers of every container: see the [module docs](self).
pub trait WorkerObserver: Send + Sync + 'static {
    /// The observer of the workers of entrypoint `entrypoint` (a method name) of kind
    /// `kind` (`"rpc"`, `"event_handler"`, `"http"`, ...) of service `service`. Asked once
    /// per entrypoint and container, so that a worker only touches what this returns.
    fn entrypoint(
        &self,
        service: &str,
        entrypoint: &str,
        kind: &'static str,
    ) -> Box<dyn EntrypointObserver>;
}

/// Watches the workers of one entrypoint of one container.
pub trait EntrypointObserver: Send + Sync + 'static {
    /// A worker took a slot of the pool and starts.
    fn started(&self);

    /// A worker that [`started`](Self::started) `elapsed` ago finished, and how.
    fn finished(&self, elapsed: Duration, end: WorkerEnd);
}

/// How a worker ended, as observers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WorkerEnd {
    /// The method returned `Ok` (and every `worker_commit` succeeded).
    Success,
    /// The method failed with an error its entrypoint declares (`expected_exceptions`).
    ExpectedFailure,
    /// The method failed otherwise (an error, a panic, a failed commit).
    Failure,
    /// The worker was not run to its end (the container was stopping or was killed).
    Abandoned,
}

static OBSERVERS: RwLock<Vec<Arc<dyn WorkerObserver>>> = RwLock::new(Vec::new());
static COUNT: AtomicUsize = AtomicUsize::new(0);

/// Adds `observer` for the containers that start from now on (process-wide).
pub fn add_observer(observer: Arc<dyn WorkerObserver>) {
    let mut observers = crate::sync::write(&OBSERVERS);
    observers.push(observer);
    COUNT.store(observers.len(), Ordering::Release);
}

fn observers() -> Vec<Arc<dyn WorkerObserver>> {
    if COUNT.load(Ordering::Acquire) == 0 {
        return Vec::new();
    }
    crate::sync::read(&OBSERVERS).clone()
}

/// The observers of one entrypoint: one per [`WorkerObserver`].
pub(crate) struct Observed(Vec<Box<dyn EntrypointObserver>>);

impl Observed {
    pub(crate) fn started(&self) {
        for o in &self.0 {
            o.started();
        }
    }

    pub(crate) fn finished(&self, elapsed: Duration, end: WorkerEnd) {
        for o in &self.0 {
            o.finished(elapsed, end);
        }
    }
}

/// The observers of a container's entrypoints, asked once (when the container starts).
#[derive(Default)]
pub(crate) struct ContainerObservers {
    service: Arc<str>,
    observers: Vec<Arc<dyn WorkerObserver>>,
    entrypoints: HashMap<Arc<str>, Observed>,
}

impl std::fmt::Debug for ContainerObservers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerObservers")
            .field("observers", &self.observers.len())
            .finish()
    }
}

impl ContainerObservers {
    /// Asks the observers added so far for the observers of `entrypoints` (name, kind).
    pub(crate) fn new<'a>(
        service: Arc<str>,
        entrypoints: impl IntoIterator<Item = (&'a str, &'static str)>,
    ) -> Self {
        let observers = observers();
        if observers.is_empty() {
            return ContainerObservers {
                service,
                ..Default::default()
            };
        }
        let entrypoints = entrypoints
            .into_iter()
            .map(|(name, kind)| {
                let observed = Observed(
                    observers
                        .iter()
                        .map(|o| o.entrypoint(&service, name, kind))
                        .collect(),
                );
                (Arc::from(name), observed)
            })
            .collect();
        ContainerObservers {
            service,
            observers,
            entrypoints,
        }
    }

    /// Whether anything observes the workers.
    pub(crate) fn is_empty(&self) -> bool {
        self.observers.is_empty()
    }

    /// The observers of `entrypoint` (asked now when the container does not declare it,
    /// as a test may fire any name).
    pub(crate) fn entrypoint(&self, entrypoint: &str, kind: &'static str) -> ObservedRef<'_> {
        match self.entrypoints.get(entrypoint) {
            Some(o) => ObservedRef::Declared(o),
            None => ObservedRef::Undeclared(Observed(
                self.observers
                    .iter()
                    .map(|o| o.entrypoint(&self.service, entrypoint, kind))
                    .collect(),
            )),
        }
    }
}

/// The observers of one worker's entrypoint: the container's, or asked for this worker.
pub(crate) enum ObservedRef<'a> {
    Declared(&'a Observed),
    Undeclared(Observed),
}

impl std::ops::Deref for ObservedRef<'_> {
    type Target = Observed;

    fn deref(&self) -> &Observed {
        match self {
            ObservedRef::Declared(o) => o,
            ObservedRef::Undeclared(o) => o,
        }
    }
}
