//! Harness of the Python interop tests: runs Python Nameko 2.14 services (`nameko run`) and
//! clients (`python client.py`) from the venv made by `scripts/python-venv`, against a test
//! vhost of their own, next to Rust services written by hand against nameko-core's traits.
//!
//! - [`PythonServices`]: a `nameko run` child process, ready once its services answer RPC,
//!   stopped (SIGTERM, then SIGKILL) when dropped; its output is printed if the test fails.
//! - [`python_client`]: runs `python/client.py` with a JSON plan of calls and returns the
//!   outcome of each call.
//! - [`ServiceX`] and [`RustErrors`]: the Rust services of the tests.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nameko_amqp::rpc::Rpc;
use nameko_amqp::{ClusterRpc, RpcError, RpcProxy};
use nameko_core::payload::{ArgBinder, encode_result};
use nameko_core::{
    Arguments, DependencyProvider, Entrypoint, MethodError, RemoteError, Service, WorkerContext,
};
use nameko_test_support::TestVhost;
use serde::Deserialize;
use serde_json::{Value, json};

/// Installs a test tracing subscriber once (honours `RUST_LOG`; by default `warn`, without
/// lapin's warnings about the returned messages of the readiness probes).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,lapin::returned_messages=error".into()),
        )
        .with_test_writer()
        .try_init();
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/interop/python`: the Python services and client.
pub fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// The Python venv with nameko 2.14.1: `NAMEKO_VENV`, or `<workspace root>/.venv`.
///
/// # Panics
/// If it has no `bin/nameko`: run `scripts/python-venv` first.
pub fn venv() -> PathBuf {
    let venv = std::env::var_os("NAMEKO_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv"));
    assert!(
        venv.join("bin/nameko").is_file(),
        "no Python Nameko venv at {}: run scripts/python-venv first",
        venv.display()
    );
    venv
}

/// A `Command` for a program of the venv, run in [`python_dir`] with `AMQP_URI` set.
fn venv_command(program: &str, amqp_uri: &str) -> Command {
    let mut cmd = Command::new(venv().join("bin").join(program));
    cmd.current_dir(python_dir())
        .env("AMQP_URI", amqp_uri)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUTF8", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null());
    cmd
}

/// A standalone Rust client on `vhost`, with a 10 s timeout.
pub async fn cluster(vhost: &TestVhost) -> ClusterRpc {
    match ClusterRpc::connect(&vhost.config()).await {
        Ok(c) => c.with_timeout(Duration::from_secs(10)),
        Err(e) => panic!("cannot connect ClusterRpc to {}: {e}", vhost.uri()),
    }
}

/// Python services started with `nameko run`, stopped when dropped.
pub struct PythonServices {
    child: Child,
    dir: PathBuf,
    what: String,
}

impl fmt::Debug for PythonServices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PythonServices")
            .field("pid", &self.child.id())
            .field("services", &self.what)
            .finish()
    }
}

/// How long Python services may take to start answering.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

impl PythonServices {
    /// Runs `nameko run --config <tmp>/config.yaml <services...>` in [`python_dir`] against
    /// `vhost`, and waits until each service named in `ready` answers RPC.
    ///
    /// `services` are `nameko run` arguments (`module` or `module:Class`); `extra_config`
    /// is YAML appended to the config (e.g. `"parent_calls_tracked: 3\n"`).
    pub async fn start(
        vhost: &TestVhost,
        services: &[&str],
        ready: &[&str],
        extra_config: &str,
    ) -> Self {
        Self::start_probed(vhost, services, ready, extra_config, vhost.config()).await
    }

    /// [`start`](Self::start), with the readiness calls made by a client of `probe`'s
    /// config: one with the Python services' `serializer` and `ACCEPT` when they take no
    /// JSON.
    pub async fn start_probed(
        vhost: &TestVhost,
        services: &[&str],
        ready: &[&str],
        extra_config: &str,
        probe: nameko_core::Config,
    ) -> Self {
        let dir =
            std::env::temp_dir().join(format!("nameko-interop-{}", uuid::Uuid::new_v4().simple()));
        let file = |name: &str| dir.join(name);
        let setup = || -> std::io::Result<(std::fs::File, std::fs::File)> {
            std::fs::create_dir_all(&dir)?;
            let uri = serde_json::to_string(&vhost.uri()).unwrap_or_default();
            std::fs::write(
                file("config.yaml"),
                format!("AMQP_URI: {uri}\n{extra_config}"),
            )?;
            Ok((
                std::fs::File::create(file("stdout.log"))?,
                std::fs::File::create(file("stderr.log"))?,
            ))
        };
        let (stdout, stderr) = match setup() {
            Ok(files) => files,
            Err(e) => panic!("cannot prepare {}: {e}", dir.display()),
        };
        let mut cmd = venv_command("nameko", &vhost.uri());
        cmd.arg("run")
            .arg("--config")
            .arg(file("config.yaml"))
            .args(services)
            .stdout(stdout)
            .stderr(stderr);
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot start `nameko run {}`: {e}", services.join(" ")),
        };
        let mut this = PythonServices {
            child,
            dir,
            what: services.join(" "),
        };
        this.wait_ready(&probe, ready).await;
        this
    }

    /// Waits until every service in `ready` replies to a call of a method it does not have
    /// (with `MethodNotFound`): its queue exists and it consumes.
    async fn wait_ready(&mut self, probe: &nameko_core::Config, ready: &[&str]) {
        let deadline = Instant::now() + READY_TIMEOUT;
        let client = match ClusterRpc::connect(probe).await {
            Ok(c) => c.with_timeout(Duration::from_secs(1)),
            Err(e) => panic!("cannot connect ClusterRpc: {e}"),
        };
        for service in ready {
            loop {
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!(
                        "`nameko run {}` exited with {status} before `{service}` was ready",
                        self.what
                    );
                }
                match client
                    .service(service)
                    .call::<Value>("__interop_ready__", ())
                    .await
                {
                    Err(RpcError::Remote(e)) if e.exc_type == "MethodNotFound" => break,
                    Err(RpcError::UnknownService(_) | RpcError::Timeout { .. }) => {}
                    other => panic!("unexpected readiness reply from `{service}`: {other:?}"),
                }
                assert!(
                    Instant::now() < deadline,
                    "`{service}` of `nameko run {}` not ready after {READY_TIMEOUT:?}",
                    self.what
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        client.close().await;
    }

    /// What the `nameko run` process printed so far (its last 150 lines).
    pub fn output(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        let tail = |s: String| {
            let lines: Vec<&str> = s.lines().collect();
            lines[lines.len().saturating_sub(150)..].join("\n")
        };
        format!(
            "----- nameko run {} (pid {}): stdout -----\n{}\n----- stderr -----\n{}\n-----",
            self.what,
            self.child.id(),
            tail(read("stdout.log")),
            tail(read("stderr.log"))
        )
    }

    /// Stops the process: SIGTERM (Nameko stops its services gracefully), SIGKILL after 5 s.
    pub fn stop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PythonServices {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("{}", self.output());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One call of a [`python_client`] plan.
#[derive(Debug, Clone)]
pub struct PyCall {
    service: String,
    method: String,
    args: Vec<Value>,
    kwargs: Value,
    is_async: bool,
}

impl PyCall {
    /// `cluster_rpc.<service>.<method>(*args)`.
    pub fn new(service: &str, method: &str, args: Vec<Value>) -> Self {
        PyCall {
            service: service.to_owned(),
            method: method.to_owned(),
            args,
            kwargs: json!({}),
            is_async: false,
        }
    }

    /// Adds keyword arguments.
    pub fn kwargs(mut self, kwargs: Value) -> Self {
        self.kwargs = kwargs;
        self
    }

    /// Makes it `call_async(...)`; its result is awaited after every call was sent.
    pub fn call_async(mut self) -> Self {
        self.is_async = true;
        self
    }

    fn to_json(&self) -> Value {
        json!({
            "service": self.service, "method": self.method, "args": self.args,
            "kwargs": self.kwargs, "async": self.is_async,
        })
    }
}

/// An exception a Python client caught, as `client.py` describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PyException {
    /// `<module>.<class name>` of the exception, e.g. `nameko.exceptions.RemoteError`.
    pub class: String,
    /// The exception's `args`.
    pub args: Vec<Value>,
    /// `str(exc)`.
    pub str: String,
    /// `RemoteError.exc_type`.
    pub exc_type: Option<String>,
    /// `RemoteError.value`.
    pub value: Option<String>,
}

/// The outcome of one Python client call.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PyOutcome {
    /// The call returned this.
    Result(Value),
    /// The call raised this.
    Error(PyException),
}

impl PyOutcome {
    /// The result; panics on an error.
    pub fn result(&self) -> &Value {
        match self {
            PyOutcome::Result(v) => v,
            PyOutcome::Error(e) => panic!("the Python call raised {e:?}"),
        }
    }

    /// The exception; panics on a result.
    pub fn error(&self) -> &PyException {
        match self {
            PyOutcome::Error(e) => e,
            PyOutcome::Result(v) => panic!("the Python call returned {v} instead of raising"),
        }
    }
}

/// Runs `python client.py <plan>`: a Python `ClusterRpcProxy` on `vhost` (with
/// `context_data` when given) makes `calls`, and the outcome of each is returned, in order.
pub async fn python_client(
    vhost: &TestVhost,
    context_data: Option<Value>,
    calls: &[PyCall],
) -> Vec<PyOutcome> {
    python_client_with(vhost, context_data, None, calls).await
}

/// [`python_client`] with the client's config `serializer` set (`msgpack`, `json`, ...).
pub async fn python_client_with(
    vhost: &TestVhost,
    context_data: Option<Value>,
    serializer: Option<&str>,
    calls: &[PyCall],
) -> Vec<PyOutcome> {
    let plan = json!({
        "context_data": context_data,
        "serializer": serializer,
        "timeout": 10,
        "calls": calls.iter().map(PyCall::to_json).collect::<Vec<_>>(),
    });
    let mut cmd = venv_command("python", &vhost.uri());
    cmd.arg("client.py").arg(plan.to_string());
    // Blocking, off the runtime: the Rust services the client calls keep running.
    let output = match tokio::task::spawn_blocking(move || cmd.output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => panic!("cannot run the Python client: {e}"),
        Err(e) => panic!("the Python client task failed: {e}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "Python client failed ({}) with plan {plan}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    match serde_json::from_str(last) {
        Ok(outcomes) => outcomes,
        Err(e) => panic!(
            "Python client printed no outcome list ({e})\nstdout:\n{stdout}\nstderr:\n{stderr}"
        ),
    }
}

/// What a worker saw of its context, as [`ServiceX`]'s `context_report` returns it (and,
/// with the same keys, the Python `py_context` service).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContextView {
    /// The worker's call id.
    pub call_id: String,
    /// The worker's call-id stack, callers first.
    pub call_id_stack: Vec<String>,
    /// The context data, without the call-id stack.
    pub data: serde_json::Map<String, Value>,
    /// The `language` context value.
    pub language: Option<String>,
    /// The `user_id` context value.
    pub user_id: Option<String>,
    /// The worker's own W3C trace context (Rust workers only).
    #[serde(default)]
    pub trace_parent: Option<String>,
    /// The trace context the worker received (Rust workers only).
    #[serde(default)]
    pub remote_parent: Option<String>,
    /// The worker's deadline, in milliseconds since the Unix epoch (Rust workers only;
    /// `None` when the request carried none).
    #[serde(default)]
    pub deadline: Option<u64>,
}

/// The current worker's context as JSON (see [`ContextView`]); `null` outside a worker.
pub fn current_context_view() -> Value {
    match WorkerContext::current() {
        Some(ctx) => json!({
            "call_id": ctx.call_id(),
            "call_id_stack": ctx.call_id_stack(),
            "data": ctx.data(),
            "language": ctx.language(),
            "user_id": ctx.user_id(),
            "trace_parent": ctx.trace_parent().to_string(),
            "remote_parent": ctx.remote_parent().map(|p| p.to_string()),
            "deadline": ctx.deadline().and_then(|d| {
                let ms = d.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
                u64::try_from(ms).ok()
            }),
        }),
        None => Value::Null,
    }
}

type Handler = Pin<Box<dyn Future<Output = Result<Value, MethodError>> + Send + 'static>>;

/// An RPC entrypoint for `method` of `svc`, calling `f(svc, args)`: what `#[rpc]` generates.
fn entry<S, F, Fut>(svc: &Arc<S>, method: &'static str, f: F) -> Box<dyn Entrypoint>
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Arguments) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, RemoteError>> + Send + 'static,
{
    let svc = Arc::clone(svc);
    Box::new(Rpc::new(method, move |args: Arguments| {
        let fut = f(Arc::clone(&svc), args);
        Box::pin(async move { fut.await.map_err(MethodError::from) }) as Handler
    }))
}

/// The Rust `service_x`: the seed's `ServiceX`, plus methods reporting its worker context.
///
/// ```text
/// remote_method(value)  -> service_y.append_identifier(value + "-x")
/// context_report()      -> ContextView of this worker
/// context_chain()       -> {"rust": ContextView, "python": py_context.report()}
/// ```
#[derive(Debug)]
pub struct ServiceX {
    y: RpcProxy,
    py_context: RpcProxy,
}

impl Default for ServiceX {
    fn default() -> Self {
        ServiceX {
            y: RpcProxy::new("service_y"),
            py_context: RpcProxy::new("py_context"),
        }
    }
}

impl ServiceX {
    async fn remote_method(&self, value: String) -> Result<String, RpcError> {
        self.y
            .call("append_identifier", (format!("{value}-x"),))
            .await
    }

    async fn context_chain(&self) -> Result<Value, RpcError> {
        let rust = current_context_view();
        let python: Value = self.py_context.call("report", ()).await?;
        Ok(json!({"rust": rust, "python": python}))
    }
}

impl Service for ServiceX {
    fn name(&self) -> &str {
        "service_x"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![
            entry(self, "remote_method", |this, args| async move {
                let mut b = ArgBinder::new("remote_method", &["value"], args)?;
                let value: String = b.take(0)?;
                encode_result(this.remote_method(value).await?)
            }),
            entry(self, "context_report", |_this, args| async move {
                ArgBinder::new("context_report", &[], args)?;
                Ok(current_context_view())
            }),
            entry(self, "context_chain", |this, args| async move {
                ArgBinder::new("context_chain", &[], args)?;
                Ok(this.context_chain().await?)
            }),
        ]
    }

    fn dependencies(&self) -> Vec<&dyn DependencyProvider> {
        vec![&self.y, &self.py_context]
    }
}

/// An arbitrary Rust error type, returned by [`RustErrors`]' `broken_widget`.
#[derive(Debug)]
pub struct WidgetBroken(pub u32);

impl fmt::Display for WidgetBroken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "widget {} is broken", self.0)
    }
}

impl std::error::Error for WidgetBroken {}

/// The Rust `rust_errors` service: errors for a Python caller to receive.
///
/// ```text
/// invalid_widget()   -> Err(RemoteError::new("InvalidWidget", "widget 7 is broken"))
/// broken_widget(id)  -> Err(WidgetBroken(id)), through RemoteError::from_error
/// add(a: i64, b: i64) -> a + b
/// panics()           -> panics: the caller gets a `WorkerPanic` error
/// ```
#[derive(Debug, Default)]
pub struct RustErrors;

impl RustErrors {
    async fn broken_widget(&self, id: u32) -> Result<(), WidgetBroken> {
        Err(WidgetBroken(id))
    }
}

impl Service for RustErrors {
    fn name(&self) -> &str {
        "rust_errors"
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![
            entry(self, "invalid_widget", |_this, args| async move {
                ArgBinder::new("invalid_widget", &[], args)?;
                Err(RemoteError::new("InvalidWidget", "widget 7 is broken"))
            }),
            entry(self, "broken_widget", |this, args| async move {
                let mut b = ArgBinder::new("broken_widget", &["id"], args)?;
                let id: u32 = b.take(0)?;
                this.broken_widget(id)
                    .await
                    .map_err(|e| RemoteError::from_error(&e))?;
                Ok(Value::Null)
            }),
            entry(self, "panics", |_this, args| async move {
                ArgBinder::new("panics", &[], args)?;
                if std::hint::black_box(true) {
                    panic!("the widget press jammed");
                }
                Ok(Value::Null)
            }),
            entry(self, "add", |_this, args| async move {
                let mut b = ArgBinder::new("add", &["a", "b"], args)?;
                let a: i64 = b.take(0)?;
                let bb: i64 = b.take(1)?;
                encode_result(a + bb)
            }),
        ]
    }
}
