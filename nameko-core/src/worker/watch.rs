//! Worker-completion notifications: [`WorkerWatch`] receives a [`WorkerDone`] each time a
//! worker of a container finishes (after its `worker_teardown`), what the test kit's
//! `entrypoint_waiter` waits on.
//!
//! When nobody watches, a finished worker costs one atomic load.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::context::ContextData;
use crate::error::RemoteError;

/// A worker that finished: which entrypoint, its call id, the context data it received,
/// and its result as a caller sees it.
#[derive(Clone, Debug)]
pub struct WorkerDone {
    entrypoint: Arc<str>,
    call_id: String,
    context_data: ContextData,
    result: Result<Value, RemoteError>,
}

impl WorkerDone {
    pub(crate) fn new(
        entrypoint: Arc<str>,
        call_id: String,
        context_data: ContextData,
        result: Result<Value, RemoteError>,
    ) -> Self {
        WorkerDone {
            entrypoint,
            call_id,
            context_data,
            result,
        }
    }

    /// The entrypoint's (method's) name.
    pub fn entrypoint(&self) -> &str {
        &self.entrypoint
    }

    /// The worker's call id, `<service>.<method>.<uuid4>`.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The context data the worker received (without the call-id stack).
    pub fn context_data(&self) -> &ContextData {
        &self.context_data
    }

    /// The worker's result: its JSON value (`null` for a result that is no JSON value,
    /// such as an HTTP response), or the [`RemoteError`] a caller receives (a failed
    /// worker, a panic as `WorkerPanic`, a killed one as `ContainerBeingKilled`).
    pub fn result(&self) -> Result<&Value, &RemoteError> {
        self.result.as_ref()
    }

    /// The result, owned.
    pub fn into_result(self) -> Result<Value, RemoteError> {
        self.result
    }

    /// Whether the worker succeeded.
    pub fn is_success(&self) -> bool {
        self.result.is_ok()
    }

    /// The successful result decoded into `T`; `None` when the worker failed or the
    /// value is no `T`.
    pub fn value_as<T: DeserializeOwned>(&self) -> Option<T> {
        let value = self.result.as_ref().ok()?;
        T::deserialize(value).ok()
    }
}

struct Entry {
    id: u64,
    entrypoint: Option<Arc<str>>,
    tx: mpsc::UnboundedSender<WorkerDone>,
}

/// The watches of one container.
#[derive(Default)]
pub(crate) struct Watchers {
    count: AtomicUsize,
    next_id: AtomicU64,
    entries: Mutex<Vec<Entry>>,
}

impl Watchers {
    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        crate::sync::lock(&self.entries)
    }

    /// Whether anybody watches: the one check a finished worker makes.
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.count.load(Ordering::Acquire) != 0
    }

    /// Tells the watches of `entrypoint` (and those of every entrypoint) that a worker
    /// finished; `done` is built only if one watches.
    pub(crate) fn notify(&self, entrypoint: &str, done: impl FnOnce() -> WorkerDone) {
        let entries = self.entries();
        let mut done = Some(done);
        let mut built: Option<WorkerDone> = None;
        for entry in entries.iter() {
            if entry
                .entrypoint
                .as_deref()
                .is_some_and(|name| name != entrypoint)
            {
                continue;
            }
            let value = match (&built, done.take()) {
                (Some(value), _) => value.clone(),
                (None, Some(make)) => {
                    let value = make();
                    built = Some(value.clone());
                    value
                }
                (None, None) => continue,
            };
            // A watch dropped meanwhile unregisters itself; nothing to do here.
            let _ = entry.tx.send(value);
        }
    }

    fn register(&self, entrypoint: Option<Arc<str>>) -> (u64, mpsc::UnboundedReceiver<WorkerDone>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.entries();
        entries.push(Entry { id, entrypoint, tx });
        self.count.fetch_add(1, Ordering::Release);
        (id, rx)
    }

    fn unregister(&self, id: u64) {
        let mut entries = self.entries();
        if let Some(i) = entries.iter().position(|e| e.id == id) {
            entries.swap_remove(i);
            self.count.fetch_sub(1, Ordering::Release);
        }
    }
}

/// Receives a [`WorkerDone`] for each worker of one container (of one entrypoint, or of
/// all) that finishes after the watch was made: see
/// [`ContainerHandle::watch_workers`](crate::ContainerHandle::watch_workers).
///
/// Workers that finish while nobody awaits [`next`](Self::next) are kept, in order.
/// Dropping the watch stops the notifications.
pub struct WorkerWatch {
    watchers: Arc<Watchers>,
    id: u64,
    entrypoint: Option<Arc<str>>,
    rx: mpsc::UnboundedReceiver<WorkerDone>,
}

impl std::fmt::Debug for WorkerWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerWatch")
            .field("entrypoint", &self.entrypoint)
            .field("pending", &self.rx.len())
            .finish()
    }
}

impl WorkerWatch {
    pub(crate) fn new(watchers: &Arc<Watchers>, entrypoint: Option<&str>) -> Self {
        let entrypoint: Option<Arc<str>> = entrypoint.map(Arc::from);
        let (id, rx) = watchers.register(entrypoint.clone());
        WorkerWatch {
            watchers: Arc::clone(watchers),
            id,
            entrypoint,
            rx,
        }
    }

    /// The entrypoint watched; `None` for every entrypoint.
    pub fn entrypoint(&self) -> Option<&str> {
        self.entrypoint.as_deref()
    }

    /// Waits for the next worker to finish. Never completes if none does: put a timeout
    /// around it (`tokio::time::timeout`).
    ///
    /// # Cancel safety
    /// Cancel safe: a worker that finishes after the future was dropped is kept for the
    /// next call.
    pub async fn next(&mut self) -> WorkerDone {
        match self.rx.recv().await {
            Some(done) => done,
            // The sender lives in the registered entry until this watch is dropped.
            None => std::future::pending().await,
        }
    }

    /// The next finished worker, if one finished already.
    pub fn try_next(&mut self) -> Option<WorkerDone> {
        self.rx.try_recv().ok()
    }
}

impl Drop for WorkerWatch {
    fn drop(&mut self) {
        self.watchers.unregister(self.id);
    }
}
