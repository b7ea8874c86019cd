//! Cluster-wide leases: what makes one instance of a service, among every instance of it
//! in every process sharing a broker, the only one doing something (the ticks of a
//! `#[timer(interval = 1, singleton)]`).
//!
//! A [`Lease`] is a backend (nameko-amqp's `AmqpLease`: a single-active-consumer queue
//! per lease, whose one active consumer the broker picks); its
//! [`acquire`](Lease::acquire) waits in line for a lease by [`LeaseName`], and the
//! [`LeaseGuard`] it answers with says when the lease is [`lost`](LeaseGuard::lost) (the
//! connection it is tied to went away) and gives it back on
//! [`release`](LeaseGuard::release). What to do while holding, and retrying after a
//! failure, is the caller's: the singleton timer of nameko-timer fires only while it
//! holds, and tries again every `TIMER_SINGLETON_RETRY_INTERVAL` seconds after a failure.
//!
//! The core knows no transport: this module is the contract, the backends live in the
//! transport crates.

use std::fmt;

use async_trait::async_trait;

use crate::container::ContainerHandle;
use crate::error::BoxError;

/// What a lease guards, unique in the cluster: a kind of entrypoint (`timer`), a service
/// and a method. Shown as `<kind>.<service>.<method>`.
///
/// ```
/// use nameko_core::lease::LeaseName;
///
/// let name = LeaseName::new("timer", "reports", "send");
/// assert_eq!(name.to_string(), "timer.reports.send");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseName {
    kind: &'static str,
    service: String,
    method: String,
}

impl LeaseName {
    /// The lease of `method` of `service`, for an entrypoint of `kind`.
    pub fn new(kind: &'static str, service: impl Into<String>, method: impl Into<String>) -> Self {
        LeaseName {
            kind,
            service: service.into(),
            method: method.into(),
        }
    }

    /// The kind of entrypoint the lease is for (`timer`).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The service.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The method.
    pub fn method(&self) -> &str {
        &self.method
    }
}

impl fmt::Display for LeaseName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.kind, self.service, self.method)
    }
}

/// A backend of cluster-wide leases: at most one holder of a [`LeaseName`] at a time,
/// across every process that uses the same backend (the same broker, the same vhost).
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use nameko_core::lease::{Lease, LeaseGuard, LeaseName};
/// use nameko_core::{BoxError, ContainerHandle, async_trait};
///
/// /// One holder per name within this process (a backend for tests), polling.
/// #[derive(Default)]
/// struct InProcess(Arc<Mutex<Vec<LeaseName>>>);
///
/// struct Held(Arc<Mutex<Vec<LeaseName>>>, LeaseName);
///
/// #[async_trait]
/// impl Lease for InProcess {
///     async fn acquire(
///         &self,
///         _container: &ContainerHandle,
///         name: &LeaseName,
///     ) -> Result<Box<dyn LeaseGuard>, BoxError> {
///         loop {
///             {
///                 let mut held = self.0.lock().map_err(|e| e.to_string())?;
///                 if !held.contains(name) {
///                     held.push(name.clone());
///                     return Ok(Box::new(Held(Arc::clone(&self.0), name.clone())));
///                 }
///             }
///             tokio::time::sleep(std::time::Duration::from_millis(100)).await;
///         }
///     }
/// }
///
/// #[async_trait]
/// impl LeaseGuard for Held {
///     async fn lost(&mut self) -> String {
///         // Never lost in-process.
///         std::future::pending().await
///     }
///
///     async fn release(self: Box<Self>) {
///         if let Ok(mut held) = self.0.lock() {
///             held.retain(|n| n != &self.1);
///         }
///     }
/// }
/// ```
#[async_trait]
pub trait Lease: Send + Sync + 'static {
    /// Waits until this process holds the lease `name`, then answers its guard (held
    /// until [`LeaseGuard::lost`] completes or the guard is released). An error when
    /// waiting cannot go on (the broker cannot be reached, refused a declaration); the
    /// caller tries again later.
    ///
    /// `container` gives the backend the runner's shared resources (the broker
    /// connection).
    ///
    /// # Cancel safety
    /// Dropping the future gives up the place in line; a lease taken just then is given
    /// back.
    async fn acquire(
        &self,
        container: &ContainerHandle,
        name: &LeaseName,
    ) -> Result<Box<dyn LeaseGuard>, BoxError>;
}

/// A lease held: see [`Lease`].
///
/// Dropping a guard without [`release`](Self::release) gives the lease up as well as the
/// backend can without waiting (a backend tied to a connection gives it up when the
/// connection closes, at the latest).
#[async_trait]
pub trait LeaseGuard: Send + Sync + 'static {
    /// Completes, with the reason, when the lease is no longer held (the connection it is
    /// tied to was lost, the backend took it back). From then on another process may take
    /// it: the holder must stop what the lease guards.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future loses nothing; call it again to keep watching.
    async fn lost(&mut self) -> String;

    /// Gives the lease up, so that another process can take it at once.
    async fn release(self: Box<Self>);
}
