//! [`ServiceRunner`]: several services in one process, sharing one set of resources.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::config::Config;
use crate::container::{Fatal, ServiceContainer};
use crate::error::Error;
use crate::extension::Resources;
use crate::service::Service;

/// Hosts several services in one process, as `nameko run` does.
///
/// The containers share one [`Resources`] map, so they share one AMQP connection and one
/// HTTP server. The runner installs no signal handlers: pass the shutdown future to
/// [`run_until`](Self::run_until).
///
/// The runner knows no network: the probe listener of `HEALTH_ADDRESS` and
/// `METRICS_ADDRESS` is `nameko_run`'s (a binary run by `nameko_run::cli::run` has it),
/// and it asks the runner's [`readiness`](Self::readiness).
///
/// ```no_run
/// # use nameko_core::{Config, ServiceRunner, Service, Entrypoint};
/// # use std::sync::Arc;
/// # struct ServiceY;
/// # impl Service for ServiceY {
/// #     fn name(&self) -> &str { "service_y" }
/// #     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> { Vec::new() }
/// # }
/// # async fn run() -> Result<(), nameko_core::Error> {
/// let config = Config::from_file("config.yaml")?;
/// let mut runner = ServiceRunner::new(config);
/// runner.add_service(ServiceY)?;
/// runner.run_until(async { let _ = tokio::signal::ctrl_c().await; }).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ServiceRunner {
    config: Arc<Config>,
    shared: Resources,
    containers: Vec<ServiceContainer>,
    grace_period: Duration,
    fatal: Arc<Fatal>,
    started: Arc<AtomicBool>,
}

impl ServiceRunner {
    /// A runner for `config`.
    pub fn new(config: Config) -> Self {
        let grace_period = config.shutdown_grace_period();
        ServiceRunner {
            config: Arc::new(config),
            shared: Resources::new(),
            containers: Vec::new(),
            grace_period,
            fatal: Arc::default(),
            started: Arc::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The resources shared by all containers.
    pub fn shared(&self) -> &Resources {
        &self.shared
    }

    /// Sets the grace period of a graceful stop (default: `SHUTDOWN_GRACE_PERIOD`, 30 s).
    pub fn set_grace_period(&mut self, grace: Duration) {
        self.grace_period = grace;
        for c in &mut self.containers {
            c.set_grace_period(grace);
        }
    }

    /// Adds a service. Its name must be unique within the runner.
    pub fn add_service<S: Service>(&mut self, service: S) -> Result<&mut Self, Error> {
        if self
            .containers
            .iter()
            .any(|c| c.service_name() == service.name())
        {
            return Err(Error::DuplicateService(service.name().to_owned()));
        }
        let mut container = ServiceContainer::build(
            service,
            Arc::clone(&self.config),
            self.shared.clone(),
            Arc::clone(&self.fatal),
            Some(self.readiness()),
        );
        container.set_grace_period(self.grace_period);
        self.containers.push(container);
        Ok(self)
    }

    /// The containers, in the order services were added.
    pub fn containers(&self) -> &[ServiceContainer] {
        &self.containers
    }

    /// The names of the services.
    pub fn service_names(&self) -> Vec<&str> {
        self.containers.iter().map(|c| c.service_name()).collect()
    }

    /// Starts every container. If one fails, those already started are killed.
    pub async fn start(&self) -> Result<(), Error> {
        tracing::info!(
            target: "nameko::runner",
            services = ?self.service_names(),
            "starting services"
        );
        for (i, c) in self.containers.iter().enumerate() {
            if let Err(e) = c.start().await {
                for started in &self.containers[..i] {
                    started.kill().await;
                }
                self.shared.close_all().await;
                return Err(e);
            }
        }
        self.started.store(true, Ordering::Release);
        Ok(())
    }

    /// What a readiness probe asks: whether the services run and every shared resource is
    /// ready, as a handle that outlives borrows of the runner (the probe listener of
    /// `nameko_run` and the web server hold one).
    pub fn readiness(&self) -> Readiness {
        Readiness {
            started: Arc::clone(&self.started),
            shared: self.shared.clone(),
        }
    }

    /// Whether the services can work now: every container started, and every shared
    /// resource ready (the broker connection is up, not being re-established). For a
    /// readiness probe.
    pub fn is_ready(&self) -> bool {
        self.containers.iter().all(ServiceContainer::is_running) && self.shared.all_ready()
    }

    /// Stops every container gracefully, all at once, then closes the shared resources.
    pub async fn stop(&self) {
        self.started.store(false, Ordering::Release);
        futures_util::future::join_all(self.containers.iter().map(|c| c.stop())).await;
        self.shared.close_all().await;
    }

    /// Kills every container, then closes the shared resources.
    pub async fn kill(&self) {
        self.started.store(false, Ordering::Release);
        futures_util::future::join_all(self.containers.iter().map(|c| c.kill())).await;
        self.shared.close_all().await;
    }

    /// Completes when a service reports a fatal error (an extension that cannot recover),
    /// with the reason. The services cannot work any more: stop or kill the runner.
    pub async fn fatal(&self) -> String {
        self.fatal.wait().await
    }

    /// Starts, runs until `shutdown` completes, then stops gracefully. If a service reports
    /// a fatal error first, kills the services and returns [`Error::Fatal`].
    pub async fn run_until<F: Future<Output = ()>>(&self, shutdown: F) -> Result<(), Error> {
        self.start().await?;
        tokio::select! {
            () = shutdown => {}
            reason = self.fatal() => {
                self.kill().await;
                return Err(Error::Fatal(reason));
            }
        }
        tracing::info!(target: "nameko::runner", "stopping services");
        self.stop().await;
        Ok(())
    }
}

/// Whether a runner's services can work: see [`ServiceRunner::readiness`]. Cheap to clone
/// and to [`check`](Self::check).
#[derive(Debug, Clone)]
pub struct Readiness {
    started: Arc<AtomicBool>,
    shared: Resources,
}

/// Why a runner is not ready: the reason a readiness probe gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotReady {
    /// The services have not started yet, or are stopping.
    #[error("not ready: the services are not running")]
    NotRunning,
    /// A shared resource (the broker connection) is not ready: it is being re-established.
    #[error("not ready: the broker connection is down")]
    ResourceDown,
}

impl Readiness {
    /// The readiness of services that share `shared`, running when `started`.
    pub(crate) fn of_resources(shared: Resources, started: bool) -> Self {
        Readiness {
            started: Arc::new(AtomicBool::new(started)),
            shared,
        }
    }

    pub(crate) fn set_started(&self, started: bool) {
        self.started.store(started, Ordering::Release);
    }

    /// `Ok` when the services run and every shared resource is ready.
    pub fn check(&self) -> Result<(), NotReady> {
        if !self.started.load(Ordering::Acquire) {
            return Err(NotReady::NotRunning);
        }
        if !self.shared.all_ready() {
            return Err(NotReady::ResourceDown);
        }
        Ok(())
    }
}
