//! [`ServiceRunner`]: several services in one process, sharing one set of resources.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::config::Config;
use crate::container::{Fatal, ServiceContainer};
use crate::error::Error;
use crate::extension::Resources;
use crate::probe::{Probes, Readiness, Serves};
use crate::service::Service;

/// Hosts several services in one process, as `nameko run` does.
///
/// The containers share one [`Resources`] map, so they share one AMQP connection and one
/// HTTP server. The runner installs no signal handlers: pass the shutdown future to
/// [`run_until`](Self::run_until).
///
/// When the config sets `HEALTH_ADDRESS` or `METRICS_ADDRESS`, [`start`](Self::start)
/// also listens there for `GET /health/live`, `GET /health/ready` and (feature `metrics`,
/// on `METRICS_ADDRESS`) `GET /metrics` ([`probe_address`](Self::probe_address)).
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
    probes: Arc<Probes>,
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
            probes: Arc::default(),
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

    /// Starts the probe listeners the config asks for, then every container. If one
    /// fails, those already started are killed.
    pub async fn start(&self) -> Result<(), Error> {
        tracing::info!(
            target: "nameko::runner",
            services = ?self.service_names(),
            "starting services"
        );
        self.start_probes().await?;
        for (i, c) in self.containers.iter().enumerate() {
            if let Err(e) = c.start().await {
                for started in &self.containers[..i] {
                    started.kill().await;
                }
                self.shared.close_all().await;
                self.probes.stop.cancel();
                return Err(e);
            }
        }
        self.started.store(true, Ordering::Release);
        Ok(())
    }

    /// Binds `HEALTH_ADDRESS` and `METRICS_ADDRESS` (one listener when they are the same
    /// fixed address)
    /// and serves them until the runner stops.
    async fn start_probes(&self) -> Result<(), Error> {
        use crate::config::{HEALTH_ADDRESS, METRICS_ADDRESS};
        let metrics_serves = if cfg!(feature = "metrics") {
            Serves::HealthAndMetrics
        } else {
            Serves::Health
        };
        let mut wanted: Vec<(&'static str, &str, Serves)> = Vec::new();
        if let Some(address) = self.config.metrics_address() {
            if !cfg!(feature = "metrics") {
                tracing::warn!(
                    target: "nameko::runner",
                    "METRICS_ADDRESS is set but nameko is built without the `metrics` \
                     feature: serving the health endpoints only"
                );
            }
            wanted.push((METRICS_ADDRESS, address, metrics_serves));
        }
        // The same fixed address: one listener. (`:0` asks for a free port each.)
        if let Some(address) = self.config.health_address()
            && (self.config.metrics_address() != Some(address) || address.ends_with(":0"))
        {
            wanted.push((HEALTH_ADDRESS, address, Serves::Health));
        }
        if wanted.is_empty() {
            return Ok(());
        }
        {
            let bound = match self.probes.addresses.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if !bound.is_empty() {
                return Ok(());
            }
        }
        let mut listeners = Vec::new();
        for (key, address, serves) in wanted {
            let listener = crate::probe::bind(key, address).await?;
            let local = listener
                .local_addr()
                .map_err(|source| Error::ProbeListener {
                    key,
                    address: address.to_owned(),
                    source,
                })?;
            tracing::info!(target: "nameko::runner", %key, address = %local, "probe listener");
            listeners.push((key, local, listener, serves));
        }
        let readiness = Readiness {
            started: Arc::clone(&self.started),
            shared: self.shared.clone(),
        };
        let mut bound = match self.probes.addresses.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        for (key, local, listener, serves) in listeners {
            bound.push((key, local));
            tokio::spawn(crate::probe::serve(
                listener,
                serves,
                readiness.clone(),
                self.probes.stop.clone(),
            ));
        }
        Ok(())
    }

    /// The address the probe listener of config key `key` (`HEALTH_ADDRESS` or
    /// `METRICS_ADDRESS`) listens on, once started: the way to find the port when the
    /// address ends with `:0`. When both keys name the same address (not `:0`), one
    /// listener serves both and is found under `METRICS_ADDRESS`.
    pub fn probe_address(&self, key: &str) -> Option<SocketAddr> {
        let bound = match self.probes.addresses.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        bound.iter().find(|(k, _)| *k == key).map(|(_, a)| *a)
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
        self.probes.stop.cancel();
    }

    /// Kills every container, then closes the shared resources.
    pub async fn kill(&self) {
        self.started.store(false, Ordering::Release);
        futures_util::future::join_all(self.containers.iter().map(|c| c.kill())).await;
        self.shared.close_all().await;
        self.probes.stop.cancel();
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
