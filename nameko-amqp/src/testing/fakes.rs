//! Test doubles of the AMQP dependencies: [`FakeRpcProxy`] for an
//! [`RpcProxy`](crate::RpcProxy) (and a typed client built on one), [`FakeEventDispatcher`]
//! for an [`EventDispatcher`](crate::EventDispatcher).
//!
//! The test kit (`nameko_core::testing::worker_factory`, `replace_dependencies`) turns a
//! dependency into its double with
//! [`DependencyProvider::replace_with_double`](nameko_core::DependencyProvider::replace_with_double),
//! which hands back the double's handle: a clone shares everything with the dependency,
//! so the test tells it what to answer and reads what it recorded. A replaced dependency
//! never connects to a broker; its calls go to the double, inside a worker or outside
//! one, with the worker's context data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use nameko_core::context::{CALL_ID_STACK, ContextData};
use nameko_core::{Arguments, IntoArguments, RemoteError, WorkerContext};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::RpcError;
use crate::events::DispatchError;
use crate::rpc::RpcReply;
use nameko_core::sync::lock;

type Answer = Arc<dyn Fn(&Arguments) -> Result<Value, RemoteError> + Send + Sync>;

/// One call a [`FakeRpcProxy`] received.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RecordedCall {
    /// The method called.
    pub method: String,
    /// The positional arguments.
    pub args: Vec<Value>,
    /// The keyword arguments.
    pub kwargs: Map<String, Value>,
    /// The context data sent with the call: the calling worker's data and its call-id
    /// stack (`call_id_stack`), as the headers of a real call carry them.
    pub context_data: ContextData,
}

impl RecordedCall {
    /// The positional arguments decoded into `T` (a tuple: `(String,)`).
    pub fn args_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(Value::Array(self.args.clone()))
    }

    /// One context value (`language`, `user_id`, a custom key).
    pub fn context(&self, key: &str) -> Option<&Value> {
        self.context_data.get(key)
    }

    /// The call-id stack sent with the call: the caller's, ending with the calling
    /// worker's call id.
    pub fn call_id_stack(&self) -> Vec<&str> {
        match self.context_data.get(CALL_ID_STACK) {
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

struct FakeRpcInner {
    service: String,
    answers: Mutex<HashMap<String, Answer>>,
    calls: Mutex<Vec<RecordedCall>>,
}

/// The test double of an [`RpcProxy`](crate::RpcProxy): answers each method as the test
/// says, and records every call.
///
/// A cloneable handle: the clone the test holds and the one inside the replaced proxy are
/// the same double. Until told, it answers every call with
/// [`RpcError::NoFakeAnswer`], which names the service and the method and says how to
/// answer it.
///
/// ```
/// use nameko_amqp::testing::FakeRpcProxy;
/// use nameko_core::RemoteError;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let y = FakeRpcProxy::new("service_y");
/// y.answer("append_identifier", |(value,): (String,)| {
///     Ok::<_, RemoteError>(format!("{value}-y"))
/// })
/// .returns("ping", "pong")
/// .fails("explode", RemoteError::new("ValueError", "boom"));
///
/// // What the replaced `RpcProxy` does when the service calls it:
/// let reply = y.call_async("append_identifier", ("hellø-x",), Default::default())?;
/// assert_eq!(reply.result::<String>().await?, "hellø-x-y");
///
/// let call = &y.calls_to("append_identifier")[0];
/// assert_eq!(call.args_as::<(String,)>()?, ("hellø-x".to_owned(),));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FakeRpcProxy {
    inner: Arc<FakeRpcInner>,
}

impl std::fmt::Debug for FakeRpcProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut answered: Vec<String> = lock(&self.inner.answers).keys().cloned().collect();
        answered.sort();
        f.debug_struct("FakeRpcProxy")
            .field("service", &self.inner.service)
            .field("answers", &answered)
            .field("calls", &lock(&self.inner.calls).len())
            .finish()
    }
}

/// Decodes arguments into a typed answer's `A`: the positional ones as an array (a
/// tuple), or, when there are only keyword ones, an object (a struct).
fn decode_args<A: DeserializeOwned>(
    service: &str,
    method: &str,
    args: &Arguments,
) -> Result<A, RemoteError> {
    let value = match (args.args.is_empty(), args.kwargs.is_empty()) {
        (_, true) => Value::Array(args.args.clone()),
        (true, false) => Value::Object(args.kwargs.clone()),
        (false, false) => {
            return Err(RemoteError::incorrect_signature(format!(
                "the fake answer of `{service}.{method}` takes positional or keyword arguments, not both: use `answer_raw`"
            )));
        }
    };
    A::deserialize(value).map_err(|e| {
        RemoteError::incorrect_signature(format!(
            "{method}() arguments do not fit the fake answer of `{service}.{method}` ({}): {e}",
            std::any::type_name::<A>()
        ))
    })
}

impl FakeRpcProxy {
    /// A double of a proxy to `service`, with no answers.
    pub fn new(service: impl Into<String>) -> Self {
        FakeRpcProxy {
            inner: Arc::new(FakeRpcInner {
                service: service.into(),
                answers: Mutex::new(HashMap::new()),
                calls: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The name of the service the proxy calls.
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// Answers calls of `method` with `f`, given the arguments decoded into `A`: a tuple
    /// of the positional arguments (`(String,)`), or a struct of the keyword ones. `f`'s
    /// error is what the remote method raises (a [`RemoteError`], or anything that
    /// converts into one). Arguments that do not decode into `A` are an
    /// `IncorrectSignature`, as a real service would answer.
    pub fn answer<A, R, E, F>(&self, method: &str, f: F) -> &Self
    where
        A: DeserializeOwned,
        R: Serialize,
        E: Into<RemoteError>,
        F: Fn(A) -> Result<R, E> + Send + Sync + 'static,
    {
        let service = self.inner.service.clone();
        let name = method.to_owned();
        self.answer_raw(method, move |args: &Arguments| {
            let args = decode_args::<A>(&service, &name, args)?;
            let value = f(args).map_err(Into::into)?;
            serde_json::to_value(value).map_err(RemoteError::unserializable_value)
        })
    }

    /// Answers calls of `method` with `f`, given the raw [`Arguments`] (positional and
    /// keyword).
    pub fn answer_raw<F>(&self, method: &str, f: F) -> &Self
    where
        F: Fn(&Arguments) -> Result<Value, RemoteError> + Send + Sync + 'static,
    {
        lock(&self.inner.answers).insert(method.to_owned(), Arc::new(f));
        self
    }

    /// Answers every call of `method` with `value`. A value that cannot be encoded as
    /// JSON is answered as an `UnserializableValueError`.
    pub fn returns(&self, method: &str, value: impl Serialize) -> &Self {
        let value = serde_json::to_value(value).map_err(RemoteError::unserializable_value);
        self.answer_raw(method, move |_| value.clone())
    }

    /// Fails every call of `method` with `error`, as if the remote method raised it.
    pub fn fails(&self, method: &str, error: impl Into<RemoteError>) -> &Self {
        let error = error.into();
        self.answer_raw(method, move |_| Err(error.clone()))
    }

    /// Forgets the answer of `method`.
    pub fn forget(&self, method: &str) -> &Self {
        lock(&self.inner.answers).remove(method);
        self
    }

    /// Every call received, in order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.inner.calls).clone()
    }

    /// The calls of `method`, in order.
    pub fn calls_to(&self, method: &str) -> Vec<RecordedCall> {
        lock(&self.inner.calls)
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// How many calls of `method` were received.
    pub fn call_count(&self, method: &str) -> usize {
        lock(&self.inner.calls)
            .iter()
            .filter(|c| c.method == method)
            .count()
    }

    /// The last call received.
    pub fn last_call(&self) -> Option<RecordedCall> {
        lock(&self.inner.calls).last().cloned()
    }

    /// Forgets the calls received so far.
    pub fn clear_calls(&self) {
        lock(&self.inner.calls).clear();
    }

    /// Makes a call as the replaced proxy does: records it, with `context_data`, and
    /// returns a reply that is ready at once.
    pub fn call_async(
        &self,
        method: &str,
        args: impl IntoArguments,
        context_data: ContextData,
    ) -> Result<RpcReply, RpcError> {
        let args = args
            .into_arguments()
            .map_err(|source| RpcError::EncodeArguments {
                method: method.to_owned(),
                source,
            })?;
        lock(&self.inner.calls).push(RecordedCall {
            method: method.to_owned(),
            args: args.args.clone(),
            kwargs: args.kwargs.clone(),
            context_data,
        });
        // Out of the lock: an answer may call the fake again.
        let answer = lock(&self.inner.answers).get(method).cloned();
        let result = match answer {
            Some(answer) => answer(&args).map_err(RpcError::Remote),
            None => Err(RpcError::NoFakeAnswer {
                service: self.inner.service.clone(),
                method: method.to_owned(),
            }),
        };
        Ok(RpcReply::ready(&self.inner.service, method, result))
    }
}

/// One event a [`FakeEventDispatcher`] received.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DispatchedEvent {
    /// The service that dispatched it, when it was dispatched from a worker.
    pub source_service: Option<String>,
    /// The event type.
    pub event_type: String,
    /// The payload, as JSON.
    pub payload: Value,
    /// The context data sent with it: the dispatching worker's data and call-id stack.
    pub context_data: ContextData,
}

impl DispatchedEvent {
    /// The payload decoded into `T`.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.payload)
    }
}

/// The test double of an [`EventDispatcher`](crate::EventDispatcher): records every event
/// dispatched, dispatches nothing.
///
/// A cloneable handle, shared with the replaced dispatcher.
///
/// ```
/// use nameko_amqp::testing::FakeEventDispatcher;
/// use serde_json::json;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatch = FakeEventDispatcher::new();
/// // What the replaced `EventDispatcher` does when the service dispatches:
/// dispatch.dispatch("event_type", &json!({"n": 1}))?;
/// assert_eq!(dispatch.payloads_of::<serde_json::Value>("event_type")?, [json!({"n": 1})]);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct FakeEventDispatcher {
    events: Arc<Mutex<Vec<DispatchedEvent>>>,
}

impl FakeEventDispatcher {
    /// A double with no events.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an event as the replaced dispatcher does: the payload encoded as JSON (a
    /// payload that cannot be is [`DispatchError::Encode`], as for a real dispatch), with
    /// the current worker's service and context data.
    pub fn dispatch(
        &self,
        event_type: &str,
        payload: &impl Serialize,
    ) -> Result<(), DispatchError> {
        // Recorded as a JSON value: what any serializer's receiver decodes it into.
        let payload = serde_json::to_value(payload).map_err(|e| DispatchError::Encode {
            event_type: event_type.to_owned(),
            source: nameko_core::serialization::SerializationError::Encode {
                serializer: nameko_core::serialization::JSON.to_owned(),
                source: Box::new(e),
            },
        })?;
        let ctx = WorkerContext::current();
        lock(&self.events).push(DispatchedEvent {
            source_service: ctx.as_ref().map(|c| c.service_name().to_owned()),
            event_type: event_type.to_owned(),
            payload,
            context_data: ctx.map(|c| c.outgoing_data()).unwrap_or_default(),
        });
        Ok(())
    }

    /// Every event dispatched, in order.
    pub fn events(&self) -> Vec<DispatchedEvent> {
        lock(&self.events).clone()
    }

    /// The events of type `event_type`, in order.
    pub fn events_of(&self, event_type: &str) -> Vec<DispatchedEvent> {
        lock(&self.events)
            .iter()
            .filter(|e| e.event_type == event_type)
            .cloned()
            .collect()
    }

    /// The payloads of the events of type `event_type`, decoded into `T`.
    pub fn payloads_of<T: DeserializeOwned>(
        &self,
        event_type: &str,
    ) -> Result<Vec<T>, serde_json::Error> {
        lock(&self.events)
            .iter()
            .filter(|e| e.event_type == event_type)
            .map(|e| T::deserialize(&e.payload))
            .collect()
    }

    /// Forgets the events recorded so far.
    pub fn clear(&self) {
        lock(&self.events).clear();
    }
}
