//! [`WorkerContext`]: what a worker knows about the call it serves, the context data
//! that travels with every outgoing RPC call and event, and the per-worker values of
//! dependencies ([`WorkerLocal`](crate::WorkerLocal)).
//!
//! Nameko carries context data as AMQP headers named `nameko.<key>`: the call-id stack
//! (`nameko.call_id_stack`), `language`, `user_id`, `user_agent`, `auth_token` (Nameko's
//! `authorization`), the W3C trace context (`nameko.traceparent`, see [`crate::trace`])
//! and any key a user sets. Transports turn headers into a
//! [`ContextData`] map with [`ContextData`] keys stripped of the prefix, and back.

use std::any::Any;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::trace::{TRACEPARENT, TraceParent};
use crate::worker::{CallArguments, EntrypointOptions};

/// Header prefix of context data on the wire.
pub const HEADER_PREFIX: &str = "nameko.";
/// Context key of the call-id stack.
pub const CALL_ID_STACK: &str = "call_id_stack";
/// Context key of the caller's language.
pub const LANGUAGE: &str = "language";
/// Context key of the caller's user id.
pub const USER_ID: &str = "user_id";
/// Context key of the caller's user agent.
pub const USER_AGENT: &str = "user_agent";
/// Context key of the caller's authorization token.
pub const AUTH_TOKEN: &str = "auth_token";

/// Context data: keys without the `nameko.` prefix, JSON values.
pub type ContextData = Map<String, Value>;

tokio::task_local! {
    static CURRENT: Arc<WorkerContext>;
}

/// The context of one worker: one call of one entrypoint.
///
/// Its call id is `<service>.<method>.<uuid4>`; its call-id stack is the caller's stack plus
/// its own id, keeping its own id and the last `parent_calls_tracked` parents (as Python
/// Nameko's `deque(maxlen=parent_calls_tracked + 1)`). Inside a worker,
/// [`WorkerContext::current`] returns it, and RPC proxies and event dispatchers use it to
/// propagate context data and the call-id stack.
///
/// Context data can be changed while the worker runs ([`set`](Self::set),
/// [`set_user_id`](Self::set_user_id), ...): by a dependency's `worker_setup` (an auth
/// dependency setting `user_id`) or by the method; every call and event the worker sends
/// afterwards carries the new data. A clone is a handle to the same worker: it shares the
/// context data and the per-worker values.
#[derive(Clone, Debug)]
pub struct WorkerContext {
    service_name: Arc<str>,
    entrypoint_name: Arc<str>,
    call_id: String,
    call_id_stack: Vec<String>,
    state: Arc<WorkerState>,
    trace: TraceParent,
    remote_parent: Option<TraceParent>,
    container: Option<crate::container::ContainerHandle>,
    options: Option<Arc<EntrypointOptions>>,
    arguments: CallArguments,
    deadline: Option<SystemTime>,
}

/// What a worker may change while it runs.
#[derive(Default)]
struct WorkerState {
    data: RwLock<ContextData>,
    /// The values of [`WorkerLocal`](crate::WorkerLocal)s, by their ids.
    locals: Mutex<Vec<(u64, Arc<dyn Any + Send + Sync>)>>,
}

impl std::fmt::Debug for WorkerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerState")
            .field("data", &*read(&self.data))
            .field("locals", &lock(&self.locals).len())
            .finish()
    }
}

// A panic while a lock is held (user code never runs under these locks) leaves the data
// as it was: the poison flag is ignored.
use crate::sync::{lock, read, write};

impl WorkerContext {
    /// A new worker context for `service.entrypoint`, from the incoming context data (with or
    /// without a `call_id_stack`).
    pub fn new(
        service_name: impl Into<Arc<str>>,
        entrypoint_name: impl Into<Arc<str>>,
        mut data: ContextData,
        parent_calls_tracked: usize,
    ) -> Self {
        let service_name = service_name.into();
        let entrypoint_name = entrypoint_name.into();
        // `<service>.<method>.<uuid4>`, written without the formatting machinery.
        let mut uuid = uuid::Uuid::encode_buffer();
        let uuid = crate::ids::uuid_v4().hyphenated().encode_lower(&mut uuid);
        let mut call_id =
            String::with_capacity(service_name.len() + entrypoint_name.len() + uuid.len() + 2);
        call_id.push_str(&service_name);
        call_id.push('.');
        call_id.push_str(&entrypoint_name);
        call_id.push('.');
        call_id.push_str(uuid);
        let mut call_id_stack: Vec<String> = match data.remove(CALL_ID_STACK) {
            Some(Value::Array(items)) => {
                let mut stack = Vec::with_capacity(items.len() + 1);
                stack.extend(items.into_iter().filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                }));
                stack
            }
            _ => Vec::with_capacity(1),
        };
        call_id_stack.push(call_id.clone());
        // Python keeps `parent_calls_tracked` parents plus the worker's own id.
        let keep = parent_calls_tracked.saturating_add(1);
        if call_id_stack.len() > keep {
            call_id_stack.drain(..call_id_stack.len() - keep);
        }
        data.retain(|_, v| !v.is_null());
        // The caller's span, if it sent a valid one: this worker continues its trace.
        let remote_parent = match data.remove(TRACEPARENT) {
            Some(Value::String(s)) => TraceParent::parse(&s).ok(),
            _ => None,
        };
        let trace = match &remote_parent {
            Some(parent) => parent.child(),
            None => TraceParent::new_root(),
        };
        WorkerContext {
            service_name,
            entrypoint_name,
            call_id,
            call_id_stack,
            state: Arc::new(WorkerState {
                data: RwLock::new(data),
                locals: Mutex::default(),
            }),
            trace,
            remote_parent,
            container: None,
            options: None,
            arguments: CallArguments::None,
            deadline: None,
        }
    }

    /// The same context with `deadline`: the time after which the caller no longer
    /// waits for this worker's result (transports set it from the request, e.g. an RPC
    /// request's deadline header; see [`deadline`](Self::deadline)).
    pub fn with_deadline(mut self, deadline: Option<SystemTime>) -> Self {
        self.deadline = deadline;
        self
    }

    /// When the caller stops waiting for this worker's result, if it said (an RPC caller
    /// with a timeout). Calls the worker makes inherit it: an RPC call waits at most
    /// until then, and sends it on.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use nameko_core::{ContextData, WorkerContext};
    ///
    /// let ctx = WorkerContext::new("s", "m", ContextData::new(), 10);
    /// assert_eq!(ctx.deadline(), None);
    /// assert_eq!(ctx.remaining(), None);
    /// let at = SystemTime::now() + Duration::from_secs(5);
    /// let ctx = ctx.with_deadline(Some(at));
    /// assert_eq!(ctx.deadline(), Some(at));
    /// assert!(ctx.remaining().unwrap() <= Duration::from_secs(5));
    /// ```
    pub fn deadline(&self) -> Option<SystemTime> {
        self.deadline
    }

    /// The time left until the [`deadline`](Self::deadline) (zero once it passed), or
    /// `None` when there is no deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline.map(|d| {
            d.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
    }

    /// Records the call's arguments and its entrypoint's options (for
    /// [`arguments`](Self::arguments)).
    pub(crate) fn set_call(&mut self, options: Arc<EntrypointOptions>, arguments: CallArguments) {
        self.options = Some(options);
        self.arguments = arguments;
    }

    /// The call's arguments by parameter name, with the entrypoint's
    /// `sensitive_arguments` replaced by `"********"`: what logs show and what dependency
    /// providers may record. An empty object when the transport gave none (a timer).
    ///
    /// Built on each call from the arguments the worker received.
    pub fn arguments(&self) -> Value {
        match &self.options {
            Some(options) => options.redact(&self.arguments),
            None => EntrypointOptions::default().redact(&self.arguments),
        }
    }

    /// The options of the entrypoint this worker runs (its `expected_exceptions` and
    /// `sensitive_arguments`).
    pub fn entrypoint_options(&self) -> Option<&EntrypointOptions> {
        self.options.as_deref()
    }

    /// The container running this worker (set by
    /// [`ContainerHandle::invoke`](crate::ContainerHandle::invoke)).
    pub fn container(&self) -> Option<&crate::container::ContainerHandle> {
        self.container.as_ref()
    }

    /// Replaces the worker's own trace context (with the ids OpenTelemetry gave its span).
    #[cfg(feature = "otel")]
    pub(crate) fn set_trace_parent(&mut self, trace: TraceParent) {
        self.trace = trace;
    }

    /// The trace context of this worker's span: the caller's trace id (a new one when the
    /// caller sent none, in header `nameko.traceparent`, a plain `traceparent` header or
    /// an HTTP `traceparent` header) and this worker's own span id.
    ///
    /// Calls and events the worker sends carry it, each with a span id of its own, as
    /// header `nameko.traceparent`.
    pub fn trace_parent(&self) -> TraceParent {
        self.trace
    }

    /// The caller's trace context as received, if it sent a valid one.
    pub fn remote_parent(&self) -> Option<TraceParent> {
        self.remote_parent
    }

    pub(crate) fn set_container(&mut self, handle: crate::container::ContainerHandle) {
        self.container = Some(handle);
    }

    /// The context of the worker running the current task, if any.
    pub fn current() -> Option<Arc<WorkerContext>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// Runs `fut` with `ctx` as the current worker context.
    pub async fn scope<F: Future>(ctx: Arc<WorkerContext>, fut: F) -> F::Output {
        CURRENT.scope(ctx, fut).await
    }

    /// The service's name.
    pub fn service_name(&self) -> &str {
        &self.service_name
    }

    /// The entrypoint's (method's) name.
    pub fn entrypoint_name(&self) -> &str {
        &self.entrypoint_name
    }

    /// This worker's call id: `<service>.<method>.<uuid4>`.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The call-id stack: callers first, this worker's id last.
    pub fn call_id_stack(&self) -> &[String] {
        &self.call_id_stack
    }

    /// The id of the call that started this chain of calls.
    pub fn origin_call_id(&self) -> Option<&str> {
        self.call_id_stack.first().map(String::as_str)
    }

    /// The id of the direct caller, if the caller was a worker.
    pub fn immediate_parent_call_id(&self) -> Option<&str> {
        let n = self.call_id_stack.len();
        (n >= 2).then(|| self.call_id_stack[n - 2].as_str())
    }

    /// The context data (without the call-id stack and the trace context: see
    /// [`call_id_stack`](Self::call_id_stack) and [`trace_parent`](Self::trace_parent)):
    /// what the caller sent, with the changes made in this worker since. A copy.
    pub fn data(&self) -> ContextData {
        read(&self.state.data).clone()
    }

    /// One context value (a copy).
    pub fn get(&self, key: &str) -> Option<Value> {
        read(&self.state.data).get(key).cloned()
    }

    fn get_str(&self, key: &str) -> Option<String> {
        match read(&self.state.data).get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// The caller's `language`.
    pub fn language(&self) -> Option<String> {
        self.get_str(LANGUAGE)
    }

    /// The caller's `user_id`.
    pub fn user_id(&self) -> Option<String> {
        self.get_str(USER_ID)
    }

    /// The caller's `user_agent`.
    pub fn user_agent(&self) -> Option<String> {
        self.get_str(USER_AGENT)
    }

    /// The caller's `auth_token` (authorization).
    pub fn auth_token(&self) -> Option<String> {
        self.get_str(AUTH_TOKEN)
    }

    /// Sets context value `key` for the rest of this worker: every call and event it sends
    /// from now on carries it (header `nameko.<key>`), as Nameko does with
    /// `worker_ctx.context_data[key] = value`. `null` removes the key.
    ///
    /// `call_id_stack` and `traceparent` are the worker's own (each outgoing message gets
    /// them from the worker): setting them has no effect on what is sent.
    ///
    /// ```
    /// use nameko_core::{ContextData, WorkerContext};
    /// use serde_json::json;
    ///
    /// let ctx = WorkerContext::new("orders", "create", ContextData::new(), 10);
    /// ctx.set_user_id("u-42");
    /// ctx.set("tenant", json!("acme"));
    /// let sent = ctx.outgoing_data();
    /// assert_eq!(sent["user_id"], "u-42");
    /// assert_eq!(sent["tenant"], "acme");
    /// ```
    pub fn set(&self, key: impl Into<String>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        let mut data = write(&self.state.data);
        if value.is_null() {
            data.remove(&key);
        } else {
            data.insert(key, value);
        }
    }

    /// Removes context value `key` for the rest of this worker, returning it.
    pub fn remove(&self, key: &str) -> Option<Value> {
        write(&self.state.data).remove(key)
    }

    /// Sets `user_id` (see [`set`](Self::set)).
    pub fn set_user_id(&self, user_id: impl Into<String>) {
        self.set(USER_ID, Value::String(user_id.into()));
    }

    /// Sets `auth_token` (see [`set`](Self::set)).
    pub fn set_auth_token(&self, token: impl Into<String>) {
        self.set(AUTH_TOKEN, Value::String(token.into()));
    }

    /// Sets `language` (see [`set`](Self::set)).
    pub fn set_language(&self, language: impl Into<String>) {
        self.set(LANGUAGE, Value::String(language.into()));
    }

    /// Sets `user_agent` (see [`set`](Self::set)).
    pub fn set_user_agent(&self, user_agent: impl Into<String>) {
        self.set(USER_AGENT, Value::String(user_agent.into()));
    }

    /// The per-worker value stored under `id`, or the one `init` makes (stored).
    pub(crate) fn local_or_insert(
        &self,
        id: u64,
        init: impl FnOnce() -> Arc<dyn Any + Send + Sync>,
    ) -> Arc<dyn Any + Send + Sync> {
        let mut locals = lock(&self.state.locals);
        if let Some((_, value)) = locals.iter().find(|(k, _)| *k == id) {
            return Arc::clone(value);
        }
        let value = init();
        locals.push((id, Arc::clone(&value)));
        value
    }

    /// The per-worker value stored under `id`.
    pub(crate) fn local(&self, id: u64) -> Option<Arc<dyn Any + Send + Sync>> {
        lock(&self.state.locals)
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, v)| Arc::clone(v))
    }

    /// Removes the per-worker value stored under `id`.
    pub(crate) fn remove_local(&self, id: u64) -> Option<Arc<dyn Any + Send + Sync>> {
        let mut locals = lock(&self.state.locals);
        let index = locals.iter().position(|(k, _)| *k == id)?;
        Some(locals.swap_remove(index).1)
    }

    /// The context data to send with an outgoing call or event: this worker's data plus its
    /// call-id stack and its trace context (`traceparent`, whose parent is this worker's
    /// span; transports replace it with the span of each call or publish).
    pub fn outgoing_data(&self) -> ContextData {
        let mut data = self.data();
        data.insert(
            TRACEPARENT.to_owned(),
            Value::String(self.trace.header_value()),
        );
        data.insert(
            CALL_ID_STACK.to_owned(),
            Value::Array(
                self.call_id_stack
                    .iter()
                    .map(|s| Value::String(s.clone()))
                    .collect(),
            ),
        );
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(v: Value) -> ContextData {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn call_id_shape() {
        let ctx = WorkerContext::new("service_x", "remote_method", ContextData::new(), 10);
        let parts: Vec<_> = ctx.call_id().splitn(3, '.').collect();
        assert_eq!(parts[0], "service_x");
        assert_eq!(parts[1], "remote_method");
        assert!(uuid::Uuid::parse_str(parts[2]).is_ok());
        assert_eq!(ctx.call_id_stack(), [ctx.call_id().to_owned()]);
        assert_eq!(ctx.origin_call_id(), Some(ctx.call_id()));
        assert_eq!(ctx.immediate_parent_call_id(), None);
    }

    #[test]
    fn call_id_stack_grows_and_truncates() {
        let tracked = 2;
        let mut incoming = ContextData::new();
        let mut stacks = Vec::new();
        for i in 0..5 {
            let ctx = WorkerContext::new(format!("svc{i}"), "m", incoming.clone(), tracked);
            stacks.push(ctx.call_id_stack().to_vec());
            incoming = ctx.outgoing_data();
        }
        assert_eq!(stacks[0].len(), 1);
        assert_eq!(stacks[1].len(), 2);
        assert_eq!(stacks[2].len(), 3);
        assert_eq!(
            stacks[3].len(),
            3,
            "own id plus parent_calls_tracked parents"
        );
        assert_eq!(stacks[4].len(), 3);
        // the newest entries are kept, in order, with our own id last
        assert_eq!(stacks[4][..2], stacks[3][1..]);
        assert!(stacks[4][2].starts_with("svc4.m."));
    }

    #[test]
    fn context_data_is_kept_and_propagated() {
        let incoming = data(json!({
            "call_id_stack": ["standalone_rpc_proxy.call.1"],
            "language": "fr", "user_id": "u1", "user_agent": "curl", "auth_token": "t",
            "custom": 5, "dropped": null,
        }));
        let ctx = WorkerContext::new("s", "m", incoming, 10);
        assert_eq!(ctx.language().as_deref(), Some("fr"));
        assert_eq!(ctx.user_id().as_deref(), Some("u1"));
        assert_eq!(ctx.user_agent().as_deref(), Some("curl"));
        assert_eq!(ctx.auth_token().as_deref(), Some("t"));
        assert_eq!(ctx.get("custom"), Some(json!(5)));
        assert!(ctx.get("dropped").is_none());
        assert_eq!(
            ctx.immediate_parent_call_id(),
            Some("standalone_rpc_proxy.call.1")
        );
        let out = ctx.outgoing_data();
        assert_eq!(out["language"], "fr");
        assert_eq!(out["call_id_stack"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn trace_context_is_continued_and_propagated() {
        let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let incoming = data(json!({"traceparent": parent, "custom": 1}));
        let ctx = WorkerContext::new("s", "m", incoming, 10);
        assert!(ctx.get("traceparent").is_none(), "not plain context data");
        let remote = ctx.remote_parent().unwrap();
        assert_eq!(remote.to_string(), parent);
        let own = ctx.trace_parent();
        assert_eq!(own.trace_id(), remote.trace_id());
        assert_ne!(own.span_id(), remote.span_id());
        let out = ctx.outgoing_data();
        assert_eq!(out["traceparent"], own.to_string());

        // None, or an invalid one: a new trace.
        let fresh = WorkerContext::new("s", "m", data(json!({"traceparent": "bogus"})), 10);
        assert!(fresh.remote_parent().is_none());
        assert_ne!(fresh.trace_parent().trace_id(), remote.trace_id());
    }

    #[tokio::test]
    async fn current_is_scoped() {
        assert!(WorkerContext::current().is_none());
        let ctx = Arc::new(WorkerContext::new("s", "m", ContextData::new(), 10));
        let id = ctx.call_id().to_owned();
        let seen = WorkerContext::scope(ctx, async {
            WorkerContext::current().map(|c| c.call_id().to_owned())
        })
        .await;
        assert_eq!(seen, Some(id));
    }
}
