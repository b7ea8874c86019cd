//! The [`Extension`] lifecycle shared by entrypoints and dependency providers, and the
//! [`Resources`] map through which extensions share long-lived things (an AMQP connection,
//! an HTTP server, a queue consumer).
//!
//! Lifecycle, as in Nameko's `nameko/extensions.py`: every extension of a container is
//! `setup` first, then every one is `start`ed; `stop` asks it to finish gracefully (an
//! entrypoint stops accepting new work); `kill` stops it at once.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::container::ContainerHandle;
use crate::error::BoxError;

/// The lifecycle every entrypoint and dependency provider goes through.
///
/// All hooks have empty defaults; implement those you need. Hooks take `&self`: keep state
/// that `setup` creates in interior-mutable fields (`OnceLock`, `Mutex`).
#[async_trait]
pub trait Extension: Send + Sync + 'static {
    /// Prepares the extension (declare queues, register routes). Runs before any `start`.
    async fn setup(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let _ = container;
        Ok(())
    }

    /// Starts the extension (begin consuming). Runs after every extension's `setup`.
    async fn start(&self, container: &ContainerHandle) -> Result<(), BoxError> {
        let _ = container;
        Ok(())
    }

    /// Stops gracefully: an entrypoint stops accepting new work.
    async fn stop(&self) {}

    /// Stops at once; work not finished goes back to where it came from.
    async fn kill(&self) {}
}

/// A long-lived object shared by extensions, kept in a [`Resources`] map and closed when
/// its owner (a runner or a container) stops.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// Closes the resource gracefully. Called once, after every container has stopped.
    async fn close(&self) {}

    /// Whether the resource can do its work now (a broker connection is up). A runner is
    /// ready when every resource is ([`ServiceRunner::is_ready`](crate::ServiceRunner::is_ready)).
    fn is_ready(&self) -> bool {
        true
    }
}

type Cell = Arc<tokio::sync::OnceCell<(Arc<dyn Any + Send + Sync>, Arc<dyn Resource>)>>;

/// A map of shared [`Resource`]s, one per type, created on first use.
///
/// A [`ServiceRunner`](crate::ServiceRunner) owns one map shared by all its containers (one
/// AMQP connection per process, one HTTP server); each container also owns one for what
/// is shared between the extensions of that container only (its RPC queue consumer).
#[derive(Clone, Default)]
pub struct Resources {
    cells: Arc<Mutex<HashMap<TypeId, Cell>>>,
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.cells.lock().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("Resources").field("len", &n).finish()
    }
}

impl Resources {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn cell<T: Resource>(&self) -> Cell {
        let mut cells = crate::sync::lock(&self.cells);
        cells.entry(TypeId::of::<T>()).or_default().clone()
    }

    /// The resource of type `T`, created by `init` if there is none yet. Concurrent callers
    /// wait for the one `init` that runs; if it fails, the next caller tries again.
    pub async fn get_or_try_init<T, E, F, Fut>(&self, init: F) -> Result<Arc<T>, E>
    where
        T: Resource,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let cell = self.cell::<T>();
        let (any, _) = cell
            .get_or_try_init(|| async {
                let value = Arc::new(init().await?);
                let any: Arc<dyn Any + Send + Sync> = value.clone();
                let res: Arc<dyn Resource> = value;
                Ok::<_, E>((any, res))
            })
            .await?;
        // invariant: the cell for TypeId::of::<T>() only ever holds a T
        #[allow(clippy::expect_used)]
        let typed = Arc::clone(any)
            .downcast::<T>()
            .expect("invariant: resource cell holds its own type");
        Ok(typed)
    }

    /// The resource of type `T`, if it was created.
    pub fn get<T: Resource>(&self) -> Option<Arc<T>> {
        let cell = self.cell::<T>();
        let (any, _) = cell.get()?;
        Arc::clone(any).downcast::<T>().ok()
    }

    /// Whether every resource created so far is ready ([`Resource::is_ready`]).
    pub fn all_ready(&self) -> bool {
        let cells: Vec<Cell> = {
            let cells = crate::sync::lock(&self.cells);
            cells.values().cloned().collect()
        };
        cells
            .iter()
            .all(|cell| cell.get().is_none_or(|(_, res)| res.is_ready()))
    }

    /// Closes every resource created so far, and forgets them.
    pub async fn close_all(&self) {
        let cells: Vec<Cell> = {
            let mut cells = crate::sync::lock(&self.cells);
            cells.drain().map(|(_, c)| c).collect()
        };
        for cell in cells {
            if let Some((_, res)) = cell.get() {
                res.close().await;
            }
        }
    }
}
