//! [`ServiceContainer`]: one service, its extensions, their lifecycle and its worker pool.
//!
//! The container follows Nameko's `nameko/containers.py`: `start` sets up every extension,
//! then starts every one; `stop` makes entrypoints stop accepting work, lets running workers
//! finish within the grace period, and kills what is left; `kill` stops at once. Work that
//! was received but not finished is never acknowledged, so the broker hands it to another
//! instance.

use std::any::Any;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::{Mutex, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::dependency::DependencyProvider;
use crate::entrypoint::Entrypoint;
use crate::error::Error;
use crate::extension::{Extension, Resources};
use crate::runner::Readiness;
use crate::service::Service;
use crate::worker::observe::ContainerObservers;
use crate::worker::{AsMethodError, Call, Outcome, Watchers, WorkerWatch};
pub use crate::worker::{Tracked, WorkerOutput};

pub(crate) trait ErasedService: Send + Sync {
    fn dependencies(&self) -> Vec<&dyn DependencyProvider>;
    fn dependency_names(&self) -> &'static [&'static str];
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<S: Service> ErasedService for S {
    fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        Service::dependencies(self)
    }

    fn dependency_names(&self) -> &'static [&'static str] {
        Service::dependency_names(self)
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// The first failure that leaves a runner's services unable to work, shared by the
/// containers of a runner.
#[derive(Debug, Default)]
pub(crate) struct Fatal {
    token: CancellationToken,
    reason: std::sync::Mutex<Option<String>>,
}

impl Fatal {
    pub(crate) fn report(&self, service: &str, reason: String) {
        let mut slot = crate::sync::lock(&self.reason);
        if slot.is_none() {
            tracing::error!(target: "nameko::container", %service, %reason, "fatal error");
            *slot = Some(format!("service `{service}`: {reason}"));
        }
        drop(slot);
        self.token.cancel();
    }

    pub(crate) async fn wait(&self) -> String {
        self.token.cancelled().await;
        crate::sync::lock(&self.reason).clone().unwrap_or_default()
    }
}

pub(crate) struct Inner {
    pub(crate) name: Arc<str>,
    fatal: Arc<Fatal>,
    config: Arc<Config>,
    shared: Resources,
    local: Resources,
    pub(crate) service: Arc<dyn ErasedService>,
    pub(crate) workers: Arc<Semaphore>,
    max_workers: usize,
    pub(crate) parent_calls_tracked: usize,
    tracker: TaskTracker,
    pub(crate) stopping: CancellationToken,
    pub(crate) killed: CancellationToken,
    pub(crate) watchers: Arc<Watchers>,
    /// The entrypoints as `(name, kind)`, for the observers.
    entrypoint_kinds: Vec<(Arc<str>, &'static str)>,
    /// The workers' observers, asked when the container starts (or at its first worker).
    observers: OnceLock<ContainerObservers>,
    /// The readiness of the runner (or of this container alone).
    readiness: Readiness,
    /// Whether this container alone sets `readiness` (it has no runner).
    owns_readiness: bool,
}

impl Inner {
    pub(crate) fn observers(&self) -> &ContainerObservers {
        self.observers.get_or_init(|| {
            ContainerObservers::new(
                Arc::clone(&self.name),
                self.entrypoint_kinds.iter().map(|(n, k)| (&**n, *k)),
            )
        })
    }
}

/// A cheap, cloneable handle to a running container, given to extensions.
///
/// Entrypoints use it to read config, reach shared resources, and run workers
/// ([`invoke`](Self::invoke)) inside tracked tasks ([`spawn`](Self::spawn)).
#[derive(Clone)]
pub struct ContainerHandle {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for ContainerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerHandle")
            .field("service", &self.inner.name)
            .field("max_workers", &self.inner.max_workers)
            .finish()
    }
}

impl ContainerHandle {
    /// The service's name.
    pub fn service_name(&self) -> &str {
        &self.inner.name
    }

    /// The service's name, shared.
    pub fn service_name_arc(&self) -> Arc<str> {
        Arc::clone(&self.inner.name)
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<Config> {
        &self.inner.config
    }

    /// `max_workers` of this container.
    pub fn max_workers(&self) -> usize {
        self.inner.max_workers
    }

    /// Resources shared by every container of the runner (one AMQP connection, one HTTP
    /// server).
    pub fn shared(&self) -> &Resources {
        &self.inner.shared
    }

    /// Resources shared by the extensions of this container only.
    pub fn local(&self) -> &Resources {
        &self.inner.local
    }

    /// Whether the services of the runner (or this container, when it has no runner) run
    /// and every shared resource is ready: what a readiness probe answers.
    pub fn readiness(&self) -> &Readiness {
        &self.inner.readiness
    }

    /// Reports a failure the service cannot recover from (nameko-amqp reconnects after a
    /// lost connection and never reports one; a third-party transport may).
    /// [`ServiceRunner::fatal`](crate::ServiceRunner::fatal)
    /// and [`ServiceContainer::fatal`] complete with the first such report, so the process
    /// can stop and be restarted by its supervisor.
    pub fn report_fatal(&self, reason: impl std::fmt::Display) {
        self.inner
            .fatal
            .report(&self.inner.name, reason.to_string());
    }

    /// A token cancelled when the container starts stopping (no new workers start).
    pub fn stopping(&self) -> &CancellationToken {
        &self.inner.stopping
    }

    /// A token cancelled when the container is killed (running workers are abandoned).
    pub fn killed(&self) -> &CancellationToken {
        &self.inner.killed
    }

    /// The number of workers running now.
    pub fn running_workers(&self) -> usize {
        self.inner.max_workers - self.inner.workers.available_permits()
    }

    /// Watches the workers of entrypoint `entrypoint` (a method name): the returned
    /// [`WorkerWatch`] receives a [`WorkerDone`](crate::worker::WorkerDone) with the result of each one that finishes
    /// from now on, after its `worker_teardown`. What the test kit's `entrypoint_waiter`
    /// is made of; it works on any container, served by its transport or fired from a
    /// test.
    ///
    /// While no watch exists, a finished worker costs one atomic load.
    ///
    /// ```
    /// # use nameko_core::{Config, ServiceContainer, Service, Entrypoint};
    /// # use std::sync::Arc;
    /// # struct Greeter;
    /// # impl Service for Greeter {
    /// #     fn name(&self) -> &str { "greeter" }
    /// #     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> { Vec::new() }
    /// # }
    /// # async fn run() {
    /// let container = ServiceContainer::new(Greeter, Arc::new(Config::new()));
    /// let mut watch = container.handle().watch_workers("hello");
    /// // ... make a worker of `hello` run ...
    /// let done = tokio::time::timeout(std::time::Duration::from_secs(5), watch.next()).await;
    /// # }
    /// ```
    pub fn watch_workers(&self, entrypoint: &str) -> WorkerWatch {
        WorkerWatch::new(&self.inner.watchers, Some(entrypoint))
    }

    /// Watches the workers of every entrypoint: see [`watch_workers`](Self::watch_workers).
    pub fn watch_all_workers(&self) -> WorkerWatch {
        WorkerWatch::new(&self.inner.watchers, None)
    }

    /// Spawns a task the container waits for when it stops (one per message or request).
    pub fn spawn<F>(&self, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.inner.tracker.spawn(fut);
    }

    /// Runs `fut` in the caller's task, tracked by the container as if it were spawned
    /// with [`spawn`](Self::spawn): a graceful stop waits for it. If the returned future is
    /// dropped before `fut` finished (an HTTP client went away), `fut` goes on in a
    /// tracked task of its own and its output is dropped, so a worker is never cut short
    /// by its caller.
    ///
    /// This saves a task per unit of work where the caller waits for the result anyway
    /// (an HTTP request's connection task).
    pub fn run_tracked<F>(&self, fut: F) -> Tracked<'_, F>
    where
        F: Future + Send + 'static,
    {
        Tracked {
            fut: Some(Box::pin(fut)),
            token: Some(self.inner.tracker.token()),
            tracker: &self.inner.tracker,
        }
    }

    /// Runs one worker of an entrypoint: the one invocation path of every transport.
    ///
    /// Waits for a free slot of the `max_workers` pool, builds the [`WorkerContext`](crate::WorkerContext) from
    /// `call` (call id, call-id stack, context data, arguments), runs the dependency
    /// providers' `worker_setup`, the method (`work`) with the context as
    /// [current](crate::WorkerContext::current) and its panics caught, logs a failure (ERROR, or
    /// WARNING when expected or the caller's fault; sensitive arguments redacted), runs
    /// `worker_result` with the outcome (the original error, downcastable) and
    /// `worker_teardown`, and returns the [`Outcome`] for the transport to settle.
    ///
    /// [`Outcome::Rejected`]: the container started stopping before a slot was free;
    /// [`Outcome::Killed`]: it was killed while the method ran. In both cases the
    /// transport hands the work back (requeues the message).
    ///
    /// Start `work` lazily (an `async` block that calls the handler) so that a panic while
    /// building the future is caught too.
    ///
    /// # Cancel safety
    /// Dropping the future while the method runs abandons the method; the worker slot is
    /// released.
    ///
    /// The future owns a handle of the container and does not borrow `self`: with a
    /// `'static` `work` it is `'static` too, and can be spawned or tracked
    /// ([`run_tracked`](Self::run_tracked)) without a wrapper.
    pub fn invoke<T, E, F>(
        &self,
        call: Call,
        work: F,
    ) -> impl Future<Output = Outcome<T, E>> + Send + use<T, E, F>
    where
        T: WorkerOutput,
        E: AsMethodError,
        F: Future<Output = Result<T, E>> + Send,
    {
        crate::worker::pipeline::invoke(self.clone(), call, work)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Created,
    Running,
    /// Started by [`ServiceContainer::start_dependencies`]: no entrypoint was set up.
    DependenciesOnly,
    Stopped,
}

/// The container of one service: builds its extensions, runs their lifecycle and owns its
/// worker pool.
///
/// Usually a [`ServiceRunner`](crate::ServiceRunner) creates containers; a container can also
/// run on its own:
///
/// ```no_run
/// # use nameko_core::{Config, ServiceContainer, Service, Entrypoint};
/// # use std::sync::Arc;
/// # struct Greeter;
/// # impl Service for Greeter {
/// #     fn name(&self) -> &str { "greeter" }
/// #     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> { Vec::new() }
/// # }
/// # async fn run() -> Result<(), nameko_core::Error> {
/// let mut container = ServiceContainer::new(Greeter, Arc::new(Config::new()));
/// container.start().await?;
/// // ...
/// container.stop().await;
/// # Ok(()) }
/// ```
pub struct ServiceContainer {
    handle: ContainerHandle,
    entrypoints: Vec<Box<dyn Entrypoint>>,
    service_deps: Arc<dyn ErasedService>,
    grace_period: Duration,
    state: Mutex<State>,
}

impl std::fmt::Debug for ServiceContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceContainer")
            .field("service", &self.handle.inner.name)
            .field("entrypoints", &self.entrypoints.len())
            .finish()
    }
}

impl ServiceContainer {
    /// A container for `service` with its own shared resources.
    pub fn new<S: Service>(service: S, config: Arc<Config>) -> Self {
        Self::with_resources(service, config, Resources::new())
    }

    /// A container for `service` that shares `shared` with other containers.
    pub fn with_resources<S: Service>(service: S, config: Arc<Config>, shared: Resources) -> Self {
        Self::build(service, config, shared, Arc::default(), None)
    }

    /// `readiness`: the runner's; `None` for a container on its own, which then tells
    /// its own readiness.
    pub(crate) fn build<S: Service>(
        service: S,
        config: Arc<Config>,
        shared: Resources,
        fatal: Arc<Fatal>,
        readiness: Option<Readiness>,
    ) -> Self {
        let owns_readiness = readiness.is_none();
        let readiness = readiness.unwrap_or_else(|| Readiness::of_resources(shared.clone(), false));
        crate::worker::install_hook();
        let service = Arc::new(service);
        let max_workers = config.max_workers();
        let erased: Arc<dyn ErasedService> = service.clone();
        let entrypoints = service.entrypoints();
        let name: Arc<str> = Arc::from(service.name());
        let entrypoint_kinds = entrypoints
            .iter()
            .map(|e| (Arc::from(e.method_name()), e.kind()))
            .collect();
        let handle = ContainerHandle {
            inner: Arc::new(Inner {
                name,
                fatal,
                config: Arc::clone(&config),
                shared,
                local: Resources::new(),
                service: Arc::clone(&erased),
                workers: Arc::new(Semaphore::new(max_workers)),
                max_workers,
                parent_calls_tracked: config.parent_calls_tracked(),
                tracker: TaskTracker::new(),
                stopping: CancellationToken::new(),
                killed: CancellationToken::new(),
                watchers: Arc::default(),
                entrypoint_kinds,
                observers: OnceLock::new(),
                readiness,
                owns_readiness,
            }),
        };
        ServiceContainer {
            grace_period: config.shutdown_grace_period(),
            entrypoints,
            handle,
            service_deps: erased,
            state: Mutex::new(State::Created),
        }
    }

    /// Sets how long [`stop`](Self::stop) waits for running workers before killing them.
    pub fn set_grace_period(&mut self, grace: Duration) {
        self.grace_period = grace;
    }

    /// The handle extensions see.
    pub fn handle(&self) -> &ContainerHandle {
        &self.handle
    }

    /// The service's name.
    pub fn service_name(&self) -> &str {
        self.handle.service_name()
    }

    /// Completes when an extension reports a fatal error
    /// ([`ContainerHandle::report_fatal`]), with its reason.
    pub async fn fatal(&self) -> String {
        self.handle.inner.fatal.wait().await
    }

    /// The entrypoints, in dispatch-table order.
    pub fn entrypoints(&self) -> &[Box<dyn Entrypoint>] {
        &self.entrypoints
    }

    fn describe(ep: &dyn Entrypoint) -> String {
        format!("{} entrypoint `{}`", ep.kind(), ep.method_name())
    }

    fn describe_dependency(&self, i: usize) -> String {
        match self.service_deps.dependency_names().get(i) {
            Some(name) => format!("dependency `{name}`"),
            None => format!("dependency #{i}"),
        }
    }

    /// The service, when it is an `S`.
    ///
    /// ```
    /// # use nameko_core::{Config, ServiceContainer, Service, Entrypoint};
    /// # use std::sync::Arc;
    /// # struct Greeter;
    /// # impl Service for Greeter {
    /// #     fn name(&self) -> &str { "greeter" }
    /// #     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> { Vec::new() }
    /// # }
    /// let container = ServiceContainer::new(Greeter, Arc::new(Config::new()));
    /// let greeter: Arc<Greeter> = container.service::<Greeter>().unwrap();
    /// ```
    pub fn service<S: Service>(&self) -> Option<Arc<S>> {
        Arc::clone(&self.service_deps)
            .into_any()
            .downcast::<S>()
            .ok()
    }

    /// The names of the service's dependency providers, in order
    /// ([`Service::dependency_names`]).
    pub fn dependency_names(&self) -> &'static [&'static str] {
        self.service_deps.dependency_names()
    }

    /// The dependency provider named `name` (a field listed in
    /// `#[service(dependencies(...))]`), if the service names its dependencies.
    pub fn dependency(&self, name: &str) -> Option<&dyn DependencyProvider> {
        let i = self
            .service_deps
            .dependency_names()
            .iter()
            .position(|n| *n == name)?;
        self.service_deps.dependencies().get(i).copied()
    }

    /// The dependency providers, in order ([`Service::dependencies`]).
    pub fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        self.service_deps.dependencies()
    }

    /// Whether the container is running: [`start`](Self::start)ed (or
    /// [`start_dependencies`](Self::start_dependencies)) and not stopped.
    pub fn is_running(&self) -> bool {
        matches!(
            self.state.try_lock().as_deref(),
            Ok(State::Running | State::DependenciesOnly)
        )
    }

    /// Whether [`start`](Self::start) or [`start_dependencies`](Self::start_dependencies)
    /// was called (the container may have stopped since).
    pub fn has_started(&self) -> bool {
        !matches!(self.state.try_lock().as_deref(), Ok(State::Created))
    }

    /// Sets up, then starts, every dependency provider and entrypoint.
    ///
    /// On failure the extensions already started are killed and the error says which
    /// extension failed at which stage.
    pub async fn start(&self) -> Result<(), Error> {
        self.start_as(State::Running).await
    }

    /// Sets up, then starts, the dependency providers only: no entrypoint is set up, so
    /// nothing consumes a queue or listens on a port. For tests and tools that run workers
    /// themselves with [`Entrypoint::fire`] (the test kit's `worker_factory`).
    ///
    /// [`stop`](Self::stop) and [`kill`](Self::kill) then stop the dependency providers;
    /// the container cannot be [`start`](Self::start)ed afterwards.
    pub async fn start_dependencies(&self) -> Result<(), Error> {
        self.start_as(State::DependenciesOnly).await
    }

    async fn start_as(&self, target: State) -> Result<(), Error> {
        let mut state = self.state.lock().await;
        if *state != State::Created {
            return Err(Error::InvalidState("a container can only be started once"));
        }
        let entrypoints = target == State::Running;
        let result = self.start_extensions(entrypoints).await;
        match result {
            Ok(()) => {
                // The observers added by now (a transport adds its own at setup).
                let _ = self.handle.inner.observers();
                if self.handle.inner.owns_readiness {
                    self.handle.inner.readiness.set_started(true);
                }
                *state = target;
                if entrypoints {
                    tracing::info!(target: "nameko::container", service = %self.service_name(), "started");
                } else {
                    tracing::info!(target: "nameko::container", service = %self.service_name(), "started (dependencies only)");
                }
                Ok(())
            }
            Err(e) => {
                *state = State::Stopped;
                drop(state);
                self.kill_extensions(entrypoints).await;
                Err(e)
            }
        }
    }

    async fn start_extensions(&self, entrypoints: bool) -> Result<(), Error> {
        let h = &self.handle;
        let err = |extension: String, stage, source| Error::Extension {
            service: self.service_name().to_owned(),
            extension,
            stage,
            source,
        };
        let entrypoints: &[Box<dyn Entrypoint>] = if entrypoints { &self.entrypoints } else { &[] };
        let deps = self.service_deps.dependencies();
        for (i, dep) in deps.iter().enumerate() {
            dep.setup(h)
                .await
                .map_err(|e| err(self.describe_dependency(i), "setup", e))?;
        }
        for ep in entrypoints {
            ep.setup(h)
                .await
                .map_err(|e| err(Self::describe(ep.as_ref()), "setup", e))?;
        }
        for (i, dep) in deps.iter().enumerate() {
            dep.start(h)
                .await
                .map_err(|e| err(self.describe_dependency(i), "start", e))?;
        }
        for ep in entrypoints {
            ep.start(h)
                .await
                .map_err(|e| err(Self::describe(ep.as_ref()), "start", e))?;
        }
        Ok(())
    }

    /// Stops gracefully: entrypoints stop accepting work, work not yet started is handed
    /// back, running workers get the grace period to finish, then whatever is left is
    /// killed. Dependencies stop last.
    pub async fn stop(&self) {
        let mut state = self.state.lock().await;
        if *state == State::Stopped {
            return;
        }
        let entrypoints = *state != State::DependenciesOnly;
        *state = State::Stopped;
        drop(state);
        if self.handle.inner.owns_readiness {
            self.handle.inner.readiness.set_started(false);
        }
        let name = self.service_name().to_owned();
        tracing::debug!(target: "nameko::container", service = %name, "stopping");
        if entrypoints {
            for ep in &self.entrypoints {
                ep.stop().await;
            }
        }
        self.handle.inner.stopping.cancel();
        let tracker = &self.handle.inner.tracker;
        tracker.close();
        if tokio::time::timeout(self.grace_period, tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                target: "nameko::container",
                service = %name,
                running = self.handle.running_workers(),
                "workers did not finish within the grace period; killing them"
            );
            self.kill_extensions(entrypoints).await;
            return;
        }
        for dep in self.service_deps.dependencies() {
            Extension::stop(dep).await;
        }
        self.handle.inner.local.close_all().await;
        tracing::info!(target: "nameko::container", service = %name, "stopped");
    }

    /// Kills at once: running workers are abandoned and their work handed back.
    pub async fn kill(&self) {
        let entrypoints = {
            let mut state = self.state.lock().await;
            let entrypoints = *state != State::DependenciesOnly;
            *state = State::Stopped;
            entrypoints
        };
        self.kill_extensions(entrypoints).await;
    }

    async fn kill_extensions(&self, entrypoints: bool) {
        let inner = &self.handle.inner;
        if inner.owns_readiness {
            inner.readiness.set_started(false);
        }
        inner.stopping.cancel();
        inner.killed.cancel();
        if entrypoints {
            for ep in &self.entrypoints {
                ep.kill().await;
            }
        }
        inner.tracker.close();
        // Tasks see the kill token at once; give them a moment to unwind.
        let _ = tokio::time::timeout(Duration::from_secs(5), inner.tracker.wait()).await;
        for dep in self.service_deps.dependencies() {
            Extension::kill(dep).await;
        }
        inner.local.close_all().await;
        tracing::info!(target: "nameko::container", service = %inner.name, "killed");
    }
}
