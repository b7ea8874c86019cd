//! [`WorkerLocal`]: a dependency's value of its own for each worker, Nameko's
//! `get_dependency`.

use std::any::Any;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

use crate::WorkerContext;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// What the worker context stores for one `WorkerLocal`: empty until set.
type Slot<T> = Mutex<Option<T>>;

/// A value of type `T` for each worker: a transaction, a scoped client, a request cache.
///
/// Python Nameko gives each worker the value of a dependency provider's `get_dependency`;
/// in nameko-rs the provider (a field of the service, shared by all workers) keeps a
/// `WorkerLocal` and stores the worker's value in the worker's [`WorkerContext`]:
///
/// - in `worker_setup` ([`set`](Self::set)), or lazily, the first time the method asks for
///   it ([`get_or_try_init`](Self::get_or_try_init)), so a worker that does not use it
///   pays nothing;
/// - the method reaches it through the provider, typed: the provider's own method calls
///   [`current`](Self::current) (the worker running the current task) and returns the
///   [`WorkerValue`] guard, which derefs to `&mut T`;
/// - the provider sees it again in `worker_result` (to commit or roll back, knowing the
///   outcome) and `worker_teardown` with [`take`](Self::take).
///
/// The value lives as long as the worker: what is not taken is dropped with the worker's
/// context. Two workers never see each other's value; one worker's concurrent uses of it
/// (two futures joined) take turns, as the guard holds a lock.
///
/// ```
/// use nameko_core::{
///     DependencyProvider, Extension, WorkerContext, WorkerLocal, WorkerResult, async_trait,
/// };
///
/// /// Collects what a worker did, logged when it finishes.
/// #[derive(Default)]
/// pub struct AuditLog {
///     entries: WorkerLocal<Vec<String>>,
/// }
///
/// impl AuditLog {
///     /// Records `what` for the current worker.
///     pub async fn record(&self, what: &str) {
///         if let Ok(mut entries) = self.entries.get_or_init(Vec::new).await {
///             entries.push(what.to_owned());
///         }
///     }
/// }
///
/// impl Extension for AuditLog {}
///
/// #[async_trait]
/// impl DependencyProvider for AuditLog {
///     async fn worker_result(&self, ctx: &WorkerContext, result: WorkerResult<'_>) {
///         let entries = self.entries.take(ctx).unwrap_or_default();
///         tracing::info!(call_id = ctx.call_id(), ok = result.is_success(), ?entries, "audit");
///     }
/// }
/// ```
pub struct WorkerLocal<T> {
    id: u64,
    _value: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for WorkerLocal<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerLocal")
            .field("id", &self.id)
            .field("type", &std::any::type_name::<T>())
            .finish()
    }
}

impl<T: Send + 'static> Default for WorkerLocal<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Why [`WorkerLocal::current`] found no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WorkerLocalError {
    /// Called outside a worker: not in a method run by a container (a task spawned by the
    /// method does not carry its worker; pass it the value instead).
    #[error("not inside a worker: per-worker values are reached from the task running the method")]
    NotInWorker,
    /// The worker has no value: nothing set it (its provider's `worker_setup` did not, or
    /// it was taken).
    #[error("this worker has no value of type `{0}`")]
    Unset(&'static str),
}

impl<T: Send + 'static> WorkerLocal<T> {
    /// A new, empty slot, distinct from every other `WorkerLocal` (of any type).
    pub fn new() -> Self {
        WorkerLocal {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            _value: PhantomData,
        }
    }

    fn slot(&self, ctx: &WorkerContext) -> Option<Arc<Slot<T>>> {
        ctx.local(self.id)?.downcast::<Slot<T>>().ok()
    }

    fn slot_or_insert(&self, ctx: &WorkerContext) -> Arc<Slot<T>> {
        let any = ctx.local_or_insert(self.id, || {
            Arc::new(Slot::<T>::new(None)) as Arc<dyn Any + Send + Sync>
        });
        // Only this `WorkerLocal` (its id) stores under `id`, always a `Slot<T>`.
        match any.downcast::<Slot<T>>() {
            Ok(slot) => slot,
            Err(_) => Arc::new(Slot::new(None)),
        }
    }

    /// Sets `ctx`'s value (replacing one set before).
    pub async fn set(&self, ctx: &WorkerContext, value: T) {
        *self.slot_or_insert(ctx).lock_owned().await = Some(value);
    }

    /// `ctx`'s value, if it has one; waits while another use of it in the same worker
    /// holds it.
    pub async fn get(&self, ctx: &WorkerContext) -> Option<WorkerValue<T>> {
        let guard = self.slot(ctx)?.lock_owned().await;
        OwnedMutexGuard::try_map(guard, Option::as_mut)
            .ok()
            .map(WorkerValue)
    }

    /// `ctx`'s value, made by `init` (and kept) if it has none yet. When `init` fails,
    /// nothing is kept and the next call tries again.
    pub async fn get_or_try_init_in<F, Fut, E>(
        &self,
        ctx: &WorkerContext,
        init: F,
    ) -> Result<WorkerValue<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let mut guard = self.slot_or_insert(ctx).lock_owned().await;
        let value = match guard.take() {
            Some(value) => value,
            None => init().await?,
        };
        Ok(WorkerValue(OwnedMutexGuard::map(guard, |slot| {
            slot.insert(value)
        })))
    }

    /// The value of the worker running the current task.
    pub async fn current(&self) -> Result<WorkerValue<T>, WorkerLocalError> {
        let ctx = WorkerContext::current().ok_or(WorkerLocalError::NotInWorker)?;
        self.get(&ctx)
            .await
            .ok_or(WorkerLocalError::Unset(std::any::type_name::<T>()))
    }

    /// The value of the worker running the current task, made by `init` if it has none
    /// yet ([`get_or_try_init_in`](Self::get_or_try_init_in)); a provider opens its
    /// transaction there, on first use.
    pub async fn get_or_try_init<F, Fut, E>(&self, init: F) -> Result<WorkerValue<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<WorkerLocalError>,
    {
        let ctx = WorkerContext::current().ok_or(WorkerLocalError::NotInWorker)?;
        self.get_or_try_init_in(&ctx, init).await
    }

    /// The value of the worker running the current task, made by `init` if it has none
    /// yet.
    pub async fn get_or_init(
        &self,
        init: impl FnOnce() -> T,
    ) -> Result<WorkerValue<T>, WorkerLocalError> {
        self.get_or_try_init(|| std::future::ready(Ok::<T, WorkerLocalError>(init())))
            .await
    }

    /// Takes `ctx`'s value out (for `worker_result` / `worker_teardown`): `None` if it has
    /// none, or if a [`WorkerValue`] of it is still alive (held by a task the method
    /// spawned; the value is then dropped with the last guard).
    pub fn take(&self, ctx: &WorkerContext) -> Option<T> {
        let slot = ctx.remove_local(self.id)?.downcast::<Slot<T>>().ok()?;
        match Arc::try_unwrap(slot) {
            Ok(slot) => slot.into_inner(),
            Err(shared) => match shared.try_lock() {
                Ok(mut value) => value.take(),
                Err(_) => {
                    tracing::warn!(
                        call_id = ctx.call_id(),
                        value = std::any::type_name::<T>(),
                        "a per-worker value is still in use after its worker finished"
                    );
                    None
                }
            },
        }
    }

    /// Whether `ctx` has a value.
    pub fn is_set(&self, ctx: &WorkerContext) -> bool {
        self.slot(ctx)
            .is_some_and(|slot| slot.try_lock().map_or(true, |v| v.is_some()))
    }
}

/// A worker's value of a [`WorkerLocal`], borrowed: derefs to `T` (mutably too). Other
/// uses of the same value in the same worker wait until it is dropped; do not hold it
/// across a call that needs it again.
pub struct WorkerValue<T>(OwnedMappedMutexGuard<Option<T>, T>);

impl<T> Deref for WorkerValue<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for WorkerValue<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for WorkerValue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WorkerValue").field(&*self.0).finish()
    }
}
