//! The broker-free test kit (feature `testing`): Python Nameko's `nameko.testing.services`
//! with Rust types.
//!
//! | Nameko | here |
//! |---|---|
//! | `worker_factory(Service)` | [`worker_factory`]`(service).await?`: a [`TestService`] whose dependencies with a test double are replaced by inert ones, derefs to the service |
//! | `entrypoint_hook(container, "m")` | [`entrypoint_hook`]`(&svc, "m", args)`: runs one worker as the transport would, with context data if asked ([`Hook::context_data`]); `.await?` gives the JSON result, [`Hook::result`] a typed one |
//! | `entrypoint_waiter(container, "m")` | [`entrypoint_waiter`]`(&container, "m")?`, made before the work and awaited after it, with a timeout |
//! | `replace_dependencies(container, "y")` | [`replace_dependencies::<FakeRpcProxy>`](replace_dependencies)`(&container, "y")?`, before the container starts |
//! | `get_container(runner, Service)` | [`get_container`]`(&runner, "service_x")?` |
//!
//! Every worker runs through [`ContainerHandle::invoke`](crate::ContainerHandle::invoke),
//! as one served by its transport: the dependency providers' hooks run, a panic comes back
//! as a `WorkerPanic` error, failures are logged, and an error comes back as the
//! [`RemoteError`] a caller would receive ([`TestError::Remote`]).
//!
//! The transports supply the doubles and the firing: `nameko-amqp` (feature `testing`)
//! replaces an `RpcProxy` with a `FakeRpcProxy` and an `EventDispatcher` with a
//! `FakeEventDispatcher`, and fires `#[rpc]` and `#[event_handler]` methods; `nameko-web`
//! fires `#[http]` routes with a request (`nameko_web::testing`); `nameko-timer` fires a
//! tick. `nameko::testing` gathers the whole kit, with a complete unit test.
//!
//! A dependency of your own gets a double by implementing
//! [`DependencyProvider::replace_with_double`](crate::DependencyProvider::replace_with_double):
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use nameko_core::testing::worker_factory;
//! use nameko_core::{DependencyProvider, Entrypoint, Extension, Service};
//!
//! /// Tells the time; in tests, the time a test sets.
//! #[derive(Default)]
//! struct Clock {
//!     fixed: Mutex<Option<FakeClock>>,
//! }
//!
//! /// The double's handle.
//! #[derive(Clone, Default)]
//! struct FakeClock(Arc<Mutex<u64>>);
//!
//! impl Clock {
//!     fn now(&self) -> u64 {
//!         match &*self.fixed.lock().unwrap() {
//!             Some(fake) => *fake.0.lock().unwrap(),
//!             None => 1_700_000_000,
//!         }
//!     }
//! }
//!
//! impl Extension for Clock {}
//!
//! impl DependencyProvider for Clock {
//!     fn replace_with_double(&self) -> Option<Box<dyn std::any::Any + Send>> {
//!         let fake = FakeClock::default();
//!         *self.fixed.lock().unwrap() = Some(fake.clone());
//!         Some(Box::new(fake))
//!     }
//! }
//!
//! struct Stamper {
//!     clock: Clock,
//! }
//!
//! impl Stamper {
//!     fn stamp(&self, text: &str) -> String {
//!         format!("{text}@{}", self.clock.now())
//!     }
//! }
//!
//! impl Service for Stamper {
//!     fn name(&self) -> &str {
//!         "stamper"
//!     }
//!     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
//!         Vec::new()
//!     }
//!     fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
//!         vec![&self.clock]
//!     }
//!     fn dependency_names(&self) -> &'static [&'static str] {
//!         &["clock"]
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), nameko_core::testing::TestError> {
//! let svc = worker_factory(Stamper { clock: Clock::default() }).await?;
//! let clock: FakeClock = svc.double("clock")?;
//! *clock.0.lock().unwrap() = 42;
//! assert_eq!(svc.stamp("hello"), "hello@42"); // the service's own method, through Deref
//! svc.stop().await;
//! # Ok(()) }
//! ```

use std::any::Any;
use std::future::{Future, IntoFuture};
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::Config;
use crate::container::ServiceContainer;
use crate::context::ContextData;
use crate::entrypoint::{Entrypoint, FireError, FireInput, FireOutput};
use crate::error::{Error, RemoteError};
use crate::payload::{Arguments, IntoArguments};
use crate::runner::ServiceRunner;
use crate::service::Service;
use crate::worker::{WorkerDone, WorkerWatch};

/// How long an [`EntrypointWaiter`] waits unless told otherwise: 30 seconds, Nameko's
/// `entrypoint_waiter` default.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the test kit fails with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// The worker failed: the error a caller receives (an `IncorrectSignature` for
    /// arguments that do not fit, a `WorkerPanic` for a panic, the method's own error).
    #[error(transparent)]
    Remote(RemoteError),
    /// The service has no entrypoint for that method.
    #[error("service `{service}` has no entrypoint `{method}` (its entrypoints: {})", list(.available))]
    NoEntrypoint {
        /// The service.
        service: String,
        /// The method asked for.
        method: String,
        /// The methods it has.
        available: Vec<String>,
    },
    /// The service has no dependency of that name.
    #[error("service `{service}` has no dependency named `{name}` ({})", dependencies(.available))]
    NoDependency {
        /// The service.
        service: String,
        /// The name asked for.
        name: String,
        /// The names it has ([`Service::dependency_names`]).
        available: Vec<String>,
    },
    /// The dependency has no test double: it was kept as it is
    /// ([`WorkerFactory::keep`]), or it does not implement
    /// [`DependencyProvider::replace_with_double`](crate::DependencyProvider::replace_with_double).
    #[error("dependency `{name}` of service `{service}` has no test double: {}", if *.kept { "it was kept (`keep`)" } else { "its type does not implement `DependencyProvider::replace_with_double`" })]
    NoDouble {
        /// The service.
        service: String,
        /// The dependency.
        name: String,
        /// Whether the test kept it.
        kept: bool,
    },
    /// The dependency's double is of another type than the one asked for.
    #[error("the double of dependency `{name}` of service `{service}` is not a `{expected}`")]
    WrongDoubleType {
        /// The service.
        service: String,
        /// The dependency.
        name: String,
        /// The type asked for.
        expected: &'static str,
    },
    /// Dependencies are replaced before the container starts.
    #[error("service `{service}` has started: replace its dependencies before `start`")]
    AlreadyStarted {
        /// The service.
        service: String,
    },
    /// The runner has no service of that name.
    #[error("the runner has no service named `{service}` (its services: {})", list(.available))]
    NoService {
        /// The name asked for.
        service: String,
        /// The services it has.
        available: Vec<String>,
    },
    /// No worker of the entrypoint finished in time.
    #[error("no worker of `{service}.{method}` finished within {timeout:?}")]
    Timeout {
        /// The service.
        service: String,
        /// The entrypoint's method.
        method: String,
        /// How long the waiter waited.
        timeout: Duration,
    },
    /// The arguments could not be encoded as JSON.
    #[error("cannot encode the arguments of `{method}` as JSON: {source}")]
    EncodeArguments {
        /// The method.
        method: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// The result does not decode into the type asked for.
    #[error("cannot decode the result of `{method}` as `{ty}`: {source}")]
    DecodeResult {
        /// The method.
        method: String,
        /// The type asked for.
        ty: &'static str,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// The entrypoint answered with a transport's own response (an HTTP response), not a
    /// JSON value: use [`Hook::fire`], or the transport's helper
    /// (`nameko_web::testing::fire_http`).
    #[error(
        "entrypoint `{method}` answers with a transport response, not a JSON value: use `Hook::fire` or the transport's test helper"
    )]
    TransportResponse {
        /// The method.
        method: String,
    },
    /// A transport's helper was given an entrypoint of another kind
    /// (`nameko_web::testing::fire_http` for an RPC method).
    #[error("entrypoint `{method}` is of kind `{kind}`, not `{expected}`")]
    WrongKind {
        /// The method.
        method: String,
        /// Its kind.
        kind: &'static str,
        /// The kind the helper fires.
        expected: &'static str,
    },
    /// The entrypoint could not be fired.
    #[error(transparent)]
    Fire(#[from] FireError),
    /// The container failed (a dependency's `setup` or `start`).
    #[error(transparent)]
    Container(#[from] Error),
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn dependencies(available: &[String]) -> String {
    if available.is_empty() {
        "it names none: list them in `#[service(dependencies(...))]`, or implement `Service::dependency_names`".to_owned()
    } else {
        format!("its dependencies: {}", list(available))
    }
}

impl TestError {
    /// The error the worker failed with, when it failed.
    pub fn remote(&self) -> Option<&RemoteError> {
        match self {
            TestError::Remote(remote) => Some(remote),
            _ => None,
        }
    }

    /// The `exc_type` of the error the worker failed with (`"IncorrectSignature"`,
    /// `"WorkerPanic"`, ...).
    pub fn exc_type(&self) -> Option<&str> {
        self.remote().map(|r| r.exc_type.as_str())
    }
}

/// Something that holds a [`ServiceContainer`]: a container, a [`TestService`].
pub trait AsContainer {
    /// The container.
    fn as_container(&self) -> &ServiceContainer;
}

impl AsContainer for ServiceContainer {
    fn as_container(&self) -> &ServiceContainer {
        self
    }
}

impl<S: Service> AsContainer for TestService<S> {
    fn as_container(&self) -> &ServiceContainer {
        &self.container
    }
}

impl<T: AsContainer + ?Sized> AsContainer for Arc<T> {
    fn as_container(&self) -> &ServiceContainer {
        (**self).as_container()
    }
}

/// The container of service `service` in `runner`, Nameko's `get_container`.
pub fn get_container<'a>(
    runner: &'a ServiceRunner,
    service: &str,
) -> Result<&'a ServiceContainer, TestError> {
    runner
        .containers()
        .iter()
        .find(|c| c.service_name() == service)
        .ok_or_else(|| TestError::NoService {
            service: service.to_owned(),
            available: runner
                .service_names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        })
}

/// The entrypoint of `method` of a container or a [`TestService`]: for a transport's test
/// helper, which checks its [`kind`](Entrypoint::kind) before firing it.
pub fn find_entrypoint<'a, C: AsContainer + ?Sized>(
    target: &'a C,
    method: &str,
) -> Result<&'a dyn Entrypoint, TestError> {
    entrypoint_of(target.as_container(), method)
}

fn entrypoint_of<'a>(
    container: &'a ServiceContainer,
    method: &str,
) -> Result<&'a dyn Entrypoint, TestError> {
    container
        .entrypoints()
        .iter()
        .find(|ep| ep.method_name() == method)
        .map(|ep| ep.as_ref())
        .ok_or_else(|| TestError::NoEntrypoint {
            service: container.service_name().to_owned(),
            method: method.to_owned(),
            available: container
                .entrypoints()
                .iter()
                .map(|ep| ep.method_name().to_owned())
                .collect(),
        })
}

fn no_dependency(container: &ServiceContainer, name: &str) -> TestError {
    TestError::NoDependency {
        service: container.service_name().to_owned(),
        name: name.to_owned(),
        available: container
            .dependency_names()
            .iter()
            .map(|n| (*n).to_owned())
            .collect(),
    }
}

/// Makes dependency `name` of a container that has not started a test double, and
/// returns the double's handle: Nameko's `replace_dependencies(container, "name")`.
///
/// The container is then started as usual (served by its transports, or with
/// [`ServiceContainer::start_dependencies`]); the replaced dependency never reaches the
/// network. `D` is the double's type (`nameko_amqp::testing::FakeRpcProxy` for an
/// `RpcProxy`).
///
/// Fails if the container has started, if it has no dependency `name`, if that dependency
/// has no double, or if its double is no `D` (it is replaced all the same).
pub fn replace_dependencies<D: Any>(
    container: &impl AsContainer,
    name: &str,
) -> Result<D, TestError> {
    let container = container.as_container();
    if container.has_started() {
        return Err(TestError::AlreadyStarted {
            service: container.service_name().to_owned(),
        });
    }
    let dependency = container
        .dependency(name)
        .ok_or_else(|| no_dependency(container, name))?;
    let double = dependency
        .replace_with_double()
        .ok_or_else(|| TestError::NoDouble {
            service: container.service_name().to_owned(),
            name: name.to_owned(),
            kept: false,
        })?;
    double
        .downcast::<D>()
        .map(|d| *d)
        .map_err(|_| TestError::WrongDoubleType {
            service: container.service_name().to_owned(),
            name: name.to_owned(),
            expected: std::any::type_name::<D>(),
        })
}

/// Builds a [`TestService`]: Nameko's `worker_factory`. Await it (`.await?`), after
/// [`config`](WorkerFactory::config) or [`keep`](WorkerFactory::keep) if needed.
///
/// See [`worker_factory`].
#[must_use = "await it to get the TestService"]
pub struct WorkerFactory<S> {
    service: S,
    config: Config,
    keep: Vec<String>,
}

impl<S> std::fmt::Debug for WorkerFactory<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerFactory")
            .field("service", &std::any::type_name::<S>())
            .field("keep", &self.keep)
            .finish()
    }
}

/// A service ready for unit tests, Nameko's `worker_factory(Service)`: every dependency
/// that has a test double is replaced by an inert one (an `RpcProxy` by a `FakeRpcProxy`
/// that answers nothing until told, an `EventDispatcher` by a `FakeEventDispatcher` that
/// records), the others are kept as they are; then the dependencies (only) are set up
/// and started with an empty [`Config`], so nothing consumes a queue or listens on a port.
///
/// Await it to get the [`TestService`]:
///
/// ```
/// # use std::sync::Arc;
/// # use nameko_core::{Config, Entrypoint, Service};
/// # struct Greeter;
/// # impl Service for Greeter {
/// #     fn name(&self) -> &str { "greeter" }
/// #     fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> { Vec::new() }
/// # }
/// # async fn run() -> Result<(), nameko_core::testing::TestError> {
/// use nameko_core::testing::worker_factory;
///
/// let svc = worker_factory(Greeter).await?;
/// let svc = worker_factory(Greeter).config(Config::new().with("LANGUAGE", "fr")).await?;
/// # Ok(()) }
/// ```
pub fn worker_factory<S: Service>(service: S) -> WorkerFactory<S> {
    WorkerFactory {
        service,
        config: Config::new(),
        keep: Vec::new(),
    }
}

impl<S: Service> WorkerFactory<S> {
    /// The configuration the dependencies are set up with (default: empty).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Keeps dependency `name` as it is, even if it has a double.
    pub fn keep(mut self, name: impl Into<String>) -> Self {
        self.keep.push(name.into());
        self
    }

    /// Builds the container, replaces the dependencies and starts them.
    pub async fn start(self) -> Result<TestService<S>, TestError> {
        let WorkerFactory {
            service,
            config,
            keep,
        } = self;
        let container = ServiceContainer::new(service, Arc::new(config));
        let names = container.dependency_names();
        if let Some(unknown) = keep.iter().find(|k| !names.contains(&k.as_str())) {
            return Err(no_dependency(&container, unknown));
        }
        let mut doubles = Vec::new();
        for (i, dependency) in container.dependencies().into_iter().enumerate() {
            let name = names
                .get(i)
                .map_or_else(|| format!("#{i}"), |n| (*n).to_owned());
            if keep.contains(&name) {
                continue;
            }
            if let Some(double) = dependency.replace_with_double() {
                doubles.push((name, double));
            }
        }
        container.start_dependencies().await?;
        let service = container
            .service::<S>()
            .ok_or(TestError::Container(Error::InvalidState(
                "the container holds another service type",
            )))?;
        Ok(TestService {
            service,
            container,
            doubles: Mutex::new(doubles),
            kept: keep,
        })
    }
}

impl<S: Service> IntoFuture for WorkerFactory<S> {
    type Output = Result<TestService<S>, TestError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.start())
    }
}

/// A service built by [`worker_factory`]: its dependencies replaced by doubles where they
/// have one, started, and no entrypoint set up.
///
/// It derefs to the service, so its methods can be called directly; its entrypoints run
/// workers with [`entrypoint_hook`](Self::entrypoint_hook); [`double`](Self::double)
/// returns the handle of a replaced dependency. (A method of the service named like one
/// of this type's is reached with `(*svc).name(...)`.)
pub struct TestService<S> {
    service: Arc<S>,
    container: ServiceContainer,
    doubles: Mutex<Vec<(String, Box<dyn Any + Send>)>>,
    kept: Vec<String>,
}

impl<S> std::fmt::Debug for TestService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let doubles: Vec<String> = crate::sync::lock(&self.doubles)
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        f.debug_struct("TestService")
            .field("service", &self.container.service_name())
            .field("doubles", &doubles)
            .field("kept", &self.kept)
            .finish()
    }
}

impl<S: Service> Deref for TestService<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.service
    }
}

impl<S: Service> TestService<S> {
    /// The service, shared with its container.
    pub fn service(&self) -> &Arc<S> {
        &self.service
    }

    /// The container.
    pub fn container(&self) -> &ServiceContainer {
        &self.container
    }

    /// The handle of the double that replaced dependency `name`: a
    /// `nameko_amqp::testing::FakeRpcProxy` for an `RpcProxy`, a `FakeEventDispatcher`
    /// for an `EventDispatcher`.
    ///
    /// Fails when the service has no dependency `name`, when it was not replaced (kept,
    /// or without a double), or when its double is no `D`.
    pub fn double<D: Any + Clone>(&self, name: &str) -> Result<D, TestError> {
        let doubles = crate::sync::lock(&self.doubles);
        let service = || self.container.service_name().to_owned();
        let Some((_, double)) = doubles.iter().find(|(n, _)| n == name) else {
            if !self.container.dependency_names().contains(&name) {
                return Err(no_dependency(&self.container, name));
            }
            return Err(TestError::NoDouble {
                service: service(),
                name: name.to_owned(),
                kept: self.kept.iter().any(|k| k == name),
            });
        };
        let double: &(dyn Any + Send) = double.as_ref();
        double
            .downcast_ref::<D>()
            .cloned()
            .ok_or_else(|| TestError::WrongDoubleType {
                service: service(),
                name: name.to_owned(),
                expected: std::any::type_name::<D>(),
            })
    }

    /// Runs one worker of entrypoint `method`: see [`entrypoint_hook`].
    pub fn entrypoint_hook<'a>(&'a self, method: &'a str, args: impl IntoArguments) -> Hook<'a> {
        entrypoint_hook(self, method, args)
    }

    /// Waits for a worker of entrypoint `method`: see [`entrypoint_waiter`].
    pub fn entrypoint_waiter(&self, method: &str) -> Result<EntrypointWaiter, TestError> {
        entrypoint_waiter(self, method)
    }

    /// Stops the container: running workers finish, the dependencies stop.
    pub async fn stop(&self) {
        self.container.stop().await;
    }
}

/// One worker of one entrypoint, to run: see [`entrypoint_hook`]. Await it for the JSON
/// result, or call [`result`](Self::result) for a typed one.
#[must_use = "await it to run the worker"]
pub struct Hook<'a> {
    container: &'a ServiceContainer,
    method: &'a str,
    arguments: Result<Arguments, serde_json::Error>,
    context_data: ContextData,
    input: Option<Box<dyn Any + Send>>,
}

impl std::fmt::Debug for Hook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("service", &self.container.service_name())
            .field("method", &self.method)
            .field("arguments", &self.arguments)
            .field("context_data", &self.context_data)
            .finish()
    }
}

/// Runs one worker of entrypoint `method` as its transport would, with `args` (a tuple
/// of positional arguments, a `Vec<Value>`, or [`Arguments`] with keyword arguments):
/// Nameko's `entrypoint_hook`.
///
/// The arguments are bound to the method as on the wire (wrong ones are an
/// `IncorrectSignature`); the worker runs through the container's invocation path
/// (dependency hooks, panics caught, logging). `.await` gives its JSON result, or
/// [`TestError::Remote`] with the error a caller receives; [`Hook::result`] decodes the
/// result into a type; [`Hook::context_data`] sets the incoming context data.
///
/// ```no_run
/// # async fn run(svc: &nameko_core::ServiceContainer) -> Result<(), nameko_core::testing::TestError> {
/// use nameko_core::testing::entrypoint_hook;
///
/// let out = entrypoint_hook(svc, "remote_method", ("hellø",)).await?;
/// let out: String = entrypoint_hook(svc, "remote_method", ("hellø",))
///     .context("language", "fr")
///     .result()
///     .await?;
/// # Ok(()) }
/// ```
pub fn entrypoint_hook<'a, C: AsContainer + ?Sized>(
    target: &'a C,
    method: &'a str,
    args: impl IntoArguments,
) -> Hook<'a> {
    Hook {
        container: target.as_container(),
        method,
        arguments: args.into_arguments(),
        context_data: ContextData::new(),
        input: None,
    }
}

impl<'a> Hook<'a> {
    /// Sets the incoming context data (`language`, `user_id`, `auth_token`, custom keys,
    /// even a `call_id_stack`), as the transport would read it from the headers.
    pub fn context_data(mut self, data: ContextData) -> Self {
        self.context_data = data;
        self
    }

    /// Adds one key of incoming context data.
    pub fn context(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.context_data.insert(key.into(), value.into());
        self
    }

    /// Gives the transport its own input (an `http::Request<Bytes>` for an HTTP
    /// entrypoint; `nameko_web::testing` does it for you).
    pub fn input<T: Any + Send>(mut self, input: T) -> Self {
        self.input = Some(Box::new(input));
        self
    }

    /// Runs the worker and returns the entrypoint's answer as it is.
    pub async fn fire(self) -> Result<FireOutput, TestError> {
        let Hook {
            container,
            method,
            arguments,
            context_data,
            input,
        } = self;
        let arguments = arguments.map_err(|source| TestError::EncodeArguments {
            method: method.to_owned(),
            source,
        })?;
        let entrypoint = entrypoint_of(container, method)?;
        let mut fire = FireInput::new(arguments).context_data(context_data);
        fire.input = input;
        Ok(entrypoint.fire(container.handle(), fire).await?)
    }

    /// Runs the worker and returns its JSON result.
    pub async fn value(self) -> Result<Value, TestError> {
        let method = self.method;
        match self.fire().await? {
            FireOutput::Result(Ok(value)) => Ok(value),
            FireOutput::Result(Err(remote)) => Err(TestError::Remote(remote)),
            _ => Err(TestError::TransportResponse {
                method: method.to_owned(),
            }),
        }
    }

    /// Runs the worker and decodes its result into `T`.
    pub async fn result<T: DeserializeOwned>(self) -> Result<T, TestError> {
        let method = self.method;
        let value = self.value().await?;
        serde_json::from_value(value).map_err(|source| TestError::DecodeResult {
            method: method.to_owned(),
            ty: std::any::type_name::<T>(),
            source,
        })
    }
}

impl<'a> IntoFuture for Hook<'a> {
    type Output = Result<Value, TestError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.value())
    }
}

type Filter = Box<dyn FnMut(&WorkerDone) -> bool + Send>;

/// Waits for a worker of one entrypoint to finish: see [`entrypoint_waiter`].
#[must_use = "await it after doing what makes the worker run"]
pub struct EntrypointWaiter {
    watch: WorkerWatch,
    service: String,
    method: String,
    timeout: Duration,
    filter: Option<Filter>,
}

impl std::fmt::Debug for EntrypointWaiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntrypointWaiter")
            .field("service", &self.service)
            .field("method", &self.method)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Waits for a worker of entrypoint `method` to finish (after its `worker_teardown`):
/// Nameko's `entrypoint_waiter`. Make the waiter before doing what makes the worker run,
/// and await it after; it gives the worker's [`WorkerDone`] (its result, or the error a
/// caller receives), or [`TestError::Timeout`] after 30 seconds
/// ([`timeout`](EntrypointWaiter::timeout) to change it).
///
/// It works on any container: one served over its transport (an event dispatched to a
/// real broker) as well as one fired from a test.
///
/// ```no_run
/// # async fn run(container: &nameko_core::ServiceContainer) -> Result<(), nameko_core::testing::TestError> {
/// use std::time::Duration;
/// use nameko_core::testing::entrypoint_waiter;
///
/// let waiter = entrypoint_waiter(container, "handle_event")?.timeout(Duration::from_secs(5));
/// // ... dispatch the event ...
/// let done = waiter.await?;
/// assert!(done.is_success());
/// # Ok(()) }
/// ```
pub fn entrypoint_waiter<C: AsContainer + ?Sized>(
    target: &C,
    method: &str,
) -> Result<EntrypointWaiter, TestError> {
    let container = target.as_container();
    entrypoint_of(container, method)?;
    Ok(EntrypointWaiter {
        watch: container.handle().watch_workers(method),
        service: container.service_name().to_owned(),
        method: method.to_owned(),
        timeout: DEFAULT_WAIT_TIMEOUT,
        filter: None,
    })
}

impl EntrypointWaiter {
    /// Sets how long to wait (default [`DEFAULT_WAIT_TIMEOUT`], 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Waits for a worker for which `filter` holds (Nameko's `callback`); the others are
    /// skipped.
    pub fn matching(mut self, filter: impl FnMut(&WorkerDone) -> bool + Send + 'static) -> Self {
        self.filter = Some(Box::new(filter));
        self
    }

    /// Waits for the worker.
    pub async fn wait(mut self) -> Result<WorkerDone, TestError> {
        let wait = async {
            loop {
                let done = self.watch.next().await;
                if self.filter.as_mut().is_none_or(|filter| filter(&done)) {
                    return done;
                }
            }
        };
        tokio::time::timeout(self.timeout, wait)
            .await
            .map_err(|_| TestError::Timeout {
                service: self.service.clone(),
                method: self.method.clone(),
                timeout: self.timeout,
            })
    }
}

impl IntoFuture for EntrypointWaiter {
    type Output = Result<WorkerDone, TestError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}
