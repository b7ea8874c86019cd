//! The [`Entrypoint`] trait: an extension that starts workers (an RPC method, an event
//! handler, an HTTP route, a timer), and firing one without its transport ([`FireInput`],
//! [`FireOutput`]), as a test does.

use std::any::Any;

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::container::ContainerHandle;
use crate::context::ContextData;
use crate::error::{BoxError, RemoteError};
use crate::extension::Extension;
use crate::payload::Arguments;
use crate::worker::{AsMethodError, EntrypointOptions, Outcome};

/// An extension that receives work from outside (a message, a request, a tick) and runs a
/// worker for it through [`ContainerHandle::invoke`](crate::ContainerHandle::invoke).
///
/// `#[service]` builds one entrypoint per marked method through the transport crate that
/// owns the marker (`nameko_amqp::rpc::Rpc` for `#[rpc]`); a hand-written
/// [`Service`](crate::Service) builds the same values itself.
#[async_trait]
pub trait Entrypoint: Extension {
    /// The method this entrypoint calls.
    fn method_name(&self) -> &str;

    /// What kind of entrypoint this is (`rpc`, `event_handler`, `http`, `timer`), for logs.
    fn kind(&self) -> &'static str;

    /// Runs one worker as the transport would for one message, request or tick, without
    /// the transport: what the test kit's `entrypoint_hook` calls.
    ///
    /// The worker goes through [`ContainerHandle::invoke`](crate::ContainerHandle::invoke)
    /// like any other (a slot of `max_workers`, the dependency providers' hooks, panics
    /// caught, the failure logged), with the arguments bound to the method as the
    /// transport binds them (wrong arguments are an `IncorrectSignature`, as on the wire).
    /// Its result, or the [`RemoteError`] a caller would receive, comes back as
    /// [`FireOutput::Result`]; a transport whose answer is more than a JSON value (an HTTP
    /// response) returns it as [`FireOutput::Response`].
    ///
    /// The entrypoint need not be set up (nothing consumes or listens): a container whose
    /// dependencies only were started
    /// ([`ServiceContainer::start_dependencies`](crate::ServiceContainer::start_dependencies))
    /// can fire every entrypoint.
    ///
    /// By default: [`FireError::Unsupported`].
    async fn fire(
        &self,
        container: &ContainerHandle,
        fire: FireInput,
    ) -> Result<FireOutput, FireError> {
        let _ = (container, fire);
        Err(FireError::Unsupported {
            kind: self.kind(),
            method: self.method_name().to_owned(),
        })
    }

    /// What this entrypoint is, as JSON, for tools (a service binary's `--describe`,
    /// `nameko describe`): at least `kind` and `method`, and `params` (the method's
    /// parameter names, as `#[service]` records them); each transport adds its own
    /// details (an event handler's source service and event type, an HTTP route's
    /// methods and rule, a timer's interval).
    ///
    /// By default: [`describe_entrypoint`] with no options (`kind`, `method`, no
    /// `params`).
    fn describe(&self) -> Value {
        Value::Object(describe_entrypoint(self.kind(), self.method_name(), None))
    }
}

/// The common part of an [`Entrypoint::describe`]: `kind`, `method`, and from `options`
/// (when given) `params`, `expected_exceptions` and `sensitive_arguments` (the last two
/// only when there are some). A transport adds its own keys to the map.
///
/// ```
/// use nameko_core::entrypoint::describe_entrypoint;
/// use nameko_core::EntrypointOptions;
///
/// let options = EntrypointOptions::new().params(&["value"]);
/// let d = describe_entrypoint("rpc", "echo", Some(&options));
/// assert_eq!(d["kind"], "rpc");
/// assert_eq!(d["params"], serde_json::json!(["value"]));
/// ```
pub fn describe_entrypoint(
    kind: &str,
    method: &str,
    options: Option<&EntrypointOptions>,
) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("kind".into(), Value::from(kind));
    map.insert("method".into(), Value::from(method));
    let params: Vec<Value> = options
        .map(|o| o.param_names().iter().map(|p| Value::from(*p)).collect())
        .unwrap_or_default();
    map.insert("params".into(), Value::Array(params));
    if let Some(options) = options {
        let expected: Vec<Value> = options.expected_names().map(Value::from).collect();
        if !expected.is_empty() {
            map.insert("expected_exceptions".into(), Value::Array(expected));
        }
        let sensitive: Vec<Value> = options.sensitive_arguments().map(Value::from).collect();
        if !sensitive.is_empty() {
            map.insert("sensitive_arguments".into(), Value::Array(sensitive));
        }
    }
    map
}

/// What [`Entrypoint::fire`] runs a worker with: the call's arguments, its context data,
/// and what only one transport understands (an HTTP request).
///
/// ```
/// use nameko_core::entrypoint::FireInput;
/// use nameko_core::{Arguments, ContextData};
///
/// let mut data = ContextData::new();
/// data.insert("language".into(), "fr".into());
/// let fire = FireInput::new(Arguments::positional(vec!["hellø".into()])).context_data(data);
/// assert_eq!(fire.arguments.args.len(), 1);
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct FireInput {
    /// Positional and keyword arguments, bound to the method as its transport binds them
    /// (an RPC's `args` and `kwargs`; an event handler's one payload; none for a timer).
    pub arguments: Arguments,
    /// The incoming context data (`language`, `user_id`, `call_id_stack`, ...), as the
    /// transport would read it from the message headers.
    pub context_data: ContextData,
    /// A transport's own input: an `http::Request<bytes::Bytes>` (or a
    /// `nameko_web::Request`) for an HTTP entrypoint.
    pub input: Option<Box<dyn Any + Send>>,
}

impl FireInput {
    /// Fires with `arguments`, no context data and no transport input.
    pub fn new(arguments: Arguments) -> Self {
        FireInput {
            arguments,
            ..FireInput::default()
        }
    }

    /// Sets the incoming context data.
    pub fn context_data(mut self, data: ContextData) -> Self {
        self.context_data = data;
        self
    }

    /// Sets the transport's own input (an HTTP request).
    pub fn input<T: Any + Send>(mut self, input: T) -> Self {
        self.input = Some(Box::new(input));
        self
    }

    /// Takes the transport input if it is a `T`; leaves it in place otherwise.
    pub fn take_input<T: Any + Send>(&mut self) -> Option<T> {
        let input = self.input.take()?;
        match input.downcast::<T>() {
            Ok(input) => Some(*input),
            Err(other) => {
                self.input = Some(other);
                None
            }
        }
    }
}

/// The former name of [`FireInput`].
#[deprecated(note = "renamed to `FireInput`")]
pub type Fire = FireInput;

/// The former name of [`FireOutput`].
#[deprecated(note = "renamed to `FireOutput`")]
pub type Fired = FireOutput;

/// What a fired worker answered (see [`Entrypoint::fire`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum FireOutput {
    /// The method's result as JSON, or the [`RemoteError`] a caller receives when it
    /// failed (returned `Err`, panicked, or got arguments that do not fit).
    Result(Result<Value, RemoteError>),
    /// A transport's own answer: an `http::Response<bytes::Bytes>` for an HTTP
    /// entrypoint.
    Response(Box<dyn Any + Send>),
}

impl FireOutput {
    /// Settles a worker's [`Outcome`] as a transport whose answer is JSON does: success
    /// and failure are answers; a worker that was rejected or killed is a [`FireError`].
    pub fn from_outcome<E: AsMethodError>(
        outcome: Outcome<Value, E>,
    ) -> Result<FireOutput, FireError> {
        match outcome {
            Outcome::Success(value) => Ok(FireOutput::Result(Ok(value))),
            Outcome::Failed(failure) => Ok(FireOutput::Result(Err(failure.into_remote_error()))),
            Outcome::Rejected => Err(FireError::Rejected),
            Outcome::Killed => Err(FireError::Killed),
        }
    }

    /// The JSON result or error, when the answer is one.
    pub fn into_result(self) -> Option<Result<Value, RemoteError>> {
        match self {
            FireOutput::Result(result) => Some(result),
            FireOutput::Response(_) => None,
        }
    }

    /// The transport's own answer, when it is a `T`.
    pub fn into_response<T: Any>(self) -> Option<T> {
        match self {
            FireOutput::Response(response) => response.downcast::<T>().ok().map(|r| *r),
            FireOutput::Result(_) => None,
        }
    }
}

/// Why [`Entrypoint::fire`] ran no worker, or the worker never answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FireError {
    /// The entrypoint's kind has no way to be fired without its transport.
    #[error("{kind} entrypoint `{method}` cannot be fired from a test")]
    Unsupported {
        /// The entrypoint's kind.
        kind: &'static str,
        /// The method.
        method: String,
    },
    /// The entrypoint needs a transport input that was not given (an HTTP request).
    #[error("{kind} entrypoint `{method}` is fired with {expected}")]
    MissingInput {
        /// The entrypoint's kind.
        kind: &'static str,
        /// The method.
        method: String,
        /// What it needs.
        expected: &'static str,
    },
    /// The entrypoint is misconfigured (an HTTP rule that does not parse); its `setup`
    /// would fail the same way.
    #[error("{kind} entrypoint `{method}` is invalid: {source}")]
    Invalid {
        /// The entrypoint's kind.
        kind: &'static str,
        /// The method.
        method: String,
        /// What is wrong.
        #[source]
        source: BoxError,
    },
    /// The container is stopping: no worker was started ([`Outcome::Rejected`]).
    #[error("the container is stopping: the worker was not started")]
    Rejected,
    /// The container was killed while the worker ran ([`Outcome::Killed`]).
    #[error("the container was killed while the worker ran")]
    Killed,
}

/// The handler `#[service]` makes for a method under a third-party marker
/// (`#[entrypoint(...)]`): it binds [`Arguments`] to the method's parameters by position and
/// keyword, as an RPC call's are bound (wrong arguments are an `IncorrectSignature`), awaits
/// the method, and encodes its result as JSON (or its error as a
/// [`MethodError`](crate::MethodError) whose wire form the entrypoint may send back).
///
/// An entrypoint calls it inside [`ContainerHandle::invoke`](crate::ContainerHandle::invoke),
/// which runs the dependency hooks, catches panics, logs failures and holds a
/// `max_workers` slot. A message with one payload is `Arguments::positional(vec![payload])`
/// (bound to the method's one parameter); an object of named values is
/// `Arguments { args: vec![], kwargs }`.
pub type Handler = std::sync::Arc<
    dyn Fn(Arguments) -> crate::BoxFuture<Result<Value, crate::MethodError>> + Send + Sync,
>;

/// What a method of a service needs to become an entrypoint, as `#[service]` gives it to
/// [`IntoEntrypoint::into_entrypoint`].
#[derive(Clone)]
pub struct Method {
    /// The method's name (the entrypoint's name, as RPC methods are named on the wire).
    pub name: &'static str,
    /// The entrypoint's options: `expected_exceptions`, `sensitive_arguments` and the
    /// method's parameter names.
    pub options: EntrypointOptions,
    /// The method, with its arguments bound.
    pub handler: Handler,
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Method")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// An entrypoint kind that any crate can add to `#[service]`, next to `#[rpc]`: the value
/// a generic `#[entrypoint(...)]` marker names.
///
/// ```text
/// #[service(name = "shop")]
/// impl Shop {
///     #[entrypoint(my_transport::subscribe("orders.created"), expected_exceptions(Invalid))]
///     async fn on_created(&self, order: Order) -> Result<(), Invalid> { ... }
/// }
/// ```
///
/// The marker's first argument is any Rust expression whose type implements this trait,
/// usually a constructor or builder of the transport crate: it is compiled as written, so
/// its arguments are checked by their types, and a value that is not an entrypoint kind is
/// an error at that expression. The other arguments are the keys every marker takes
/// (`expected_exceptions(...)`, `sensitive_arguments(...)`). `#[service]` makes the
/// [`Handler`] (argument binding, result encoding) and calls
/// [`into_entrypoint`](Self::into_entrypoint) once per marker when the service's
/// entrypoints are built; the entrypoint then runs workers through
/// [`ContainerHandle::invoke`](crate::ContainerHandle::invoke), so dependency hooks,
/// `expected_exceptions`, `sensitive_arguments`, panics and logging work as for the
/// built-in markers.
///
/// Why an expression and not an attribute of the transport crate's own: an attribute
/// macro inside `#[service]`'s impl block runs after `#[service]` has read the block, so
/// `#[service]` could not know it makes an entrypoint; a value of a public trait keeps the
/// macro sugar over what a hand-written [`Service`](crate::Service) can do itself (call
/// `into_entrypoint` with a handler of its own).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entrypoint kind",
    label = "the first argument of `#[entrypoint(...)]` must implement `IntoEntrypoint`",
    note = "give the constructor of an entrypoint kind, e.g. `#[entrypoint(my_transport::subscribe(\"orders\"))]`, or implement `nameko::IntoEntrypoint` (`nameko_core::entrypoint::IntoEntrypoint`) for this type"
)]
pub trait IntoEntrypoint {
    /// The entrypoint of `method`.
    fn into_entrypoint(self, method: Method) -> Box<dyn Entrypoint>;
}
