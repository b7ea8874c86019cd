//! Shared helpers of the integration tests.
#![allow(missing_docs)]

use std::future::Future;
use std::time::Duration;

/// Installs a test tracing subscriber once (honours `RUST_LOG`).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// Polls `f` until it returns true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if f().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

use nameko_core::{RemoteError, WorkerContext, event_handler, rpc, service};
use serde_json::{Value, json};

/// A test service whose methods cover the RPC behaviours the tests check.
#[derive(Debug, Clone)]
pub struct Echo {
    /// Which instance this is, returned by `whoami`.
    pub instance: String,
}

impl Echo {
    /// An instance named `instance`.
    pub fn new(instance: &str) -> Self {
        Echo {
            instance: instance.to_owned(),
        }
    }
}

#[service(name = "echo")]
impl Echo {
    /// Returns its argument.
    #[rpc]
    async fn echo(&self, value: Value) -> Value {
        value
    }

    /// Returns the instance's name.
    #[rpc]
    async fn whoami(&self) -> String {
        self.instance.clone()
    }

    /// Sleeps, then returns the instance's name.
    #[rpc]
    async fn sleep(&self, seconds: f64) -> String {
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        self.instance.clone()
    }

    /// Blocks for a minute on instance `stuck`, answers at once elsewhere.
    #[rpc]
    async fn stuck_on(&self, stuck: String) -> String {
        if self.instance == stuck {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        self.instance.clone()
    }

    /// Logs `message` at INFO, target `echo`, from inside the worker.
    #[rpc]
    async fn log(&self, message: String) {
        tracing::info!(target: "echo", "{message}");
    }

    /// Adds two integers.
    #[rpc]
    async fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }

    /// Fails with a `ValueError`.
    #[rpc]
    async fn fail(&self, message: String) -> Result<(), RemoteError> {
        Err(RemoteError::new("ValueError", message))
    }

    /// Returns what the worker context holds.
    #[rpc]
    async fn context(&self) -> Value {
        match WorkerContext::current() {
            Some(ctx) => json!({
                "call_id": ctx.call_id(),
                "call_id_stack": ctx.call_id_stack(),
                "data": ctx.data(),
            }),
            None => Value::Null,
        }
    }
}

/// What event handlers received: `(service, instance, payload)` in arrival order.
pub type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, String, Value)>>>;

/// Counts the events of `service` in `seen`, per instance.
pub fn per_instance(seen: &Seen, service: &str) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (s, i, _) in seen.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        if s == service {
            *counts.entry(i.clone()).or_default() += 1;
        }
    }
    counts
}

/// Total events of `service` in `seen`.
pub fn total(seen: &Seen, service: &str) -> usize {
    per_instance(seen, service).values().sum()
}

fn record(seen: &Seen, service: &str, instance: &str, payload: Value) {
    seen.lock().unwrap_or_else(|p| p.into_inner()).push((
        service.to_owned(),
        instance.to_owned(),
        payload,
    ));
}

macro_rules! listener {
    ($ty:ident, $name:literal, $($attr:tt)*) => {
        /// A test listener recording what it receives.
        #[derive(Debug, Clone)]
        pub struct $ty {
            /// Instance name.
            pub instance: String,
            /// Shared record.
            pub seen: Seen,
        }

        impl $ty {
            /// An instance named `instance` recording into `seen`.
            pub fn new(instance: &str, seen: &Seen) -> Self {
                $ty { instance: instance.to_owned(), seen: seen.clone() }
            }
        }

        #[service(name = $name)]
        impl $ty {
            /// Records the event.
            #[event_handler($($attr)*)]
            async fn handle(&self, payload: Value) {
                record(&self.seen, $name, &self.instance, payload);
            }
        }
    };
}

listener!(PoolListener, "pool_listener", "source", "evt");
listener!(OtherPoolListener, "other_pool_listener", "source", "evt");
listener!(
    BroadcastListener,
    "broadcast_listener",
    "source",
    "evt",
    handler_type = "broadcast",
    reliable_delivery = false
);
listener!(
    SingletonA,
    "singleton_a",
    "source",
    "evt",
    handler_type = "singleton"
);
listener!(
    SingletonB,
    "singleton_b",
    "source",
    "evt",
    handler_type = "singleton"
);
listener!(
    UnreliableListener,
    "unreliable_listener",
    "source",
    "evt",
    reliable_delivery = false
);

/// A typed event payload.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Order {
    /// Order id.
    pub id: u32,
    /// Item name.
    pub item: String,
}

/// Handles typed `order` events; fails on orders for `"bad"` items until `attempts` reach
/// `fail_times` for that order.
#[derive(Debug, Clone)]
pub struct OrderHandler {
    /// Shared record of successful handling.
    pub seen: Seen,
    /// Attempts per order id.
    pub attempts: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u32, usize>>>,
    /// How many times each order fails before it succeeds.
    pub fail_times: usize,
}

impl OrderHandler {
    fn attempt(&self, order: &Order) -> Result<(), RemoteError> {
        let n = {
            let mut a = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
            let n = a.entry(order.id).or_default();
            *n += 1;
            *n
        };
        if n <= self.fail_times {
            return Err(RemoteError::new(
                "OrderFailed",
                format!("attempt {n} of order {}", order.id),
            ));
        }
        record(
            &self.seen,
            "orders",
            "x",
            serde_json::to_value(order).unwrap_or_default(),
        );
        Ok(())
    }
}

/// Orders with requeue on error.
#[derive(Debug, Clone)]
pub struct RequeueOrders(pub OrderHandler);

#[service(name = "requeue_orders")]
impl RequeueOrders {
    /// Handles an order; failures are requeued.
    #[event_handler("shop", "order", requeue_on_error = true)]
    async fn handle(&self, order: Order) -> Result<(), RemoteError> {
        self.0.attempt(&order)
    }
}

/// Orders without requeue on error.
#[derive(Debug, Clone)]
pub struct DropOrders(pub OrderHandler);

#[service(name = "drop_orders")]
impl DropOrders {
    /// Handles an order; failures are dropped.
    #[event_handler("shop", "order")]
    async fn handle(&self, order: Order) -> Result<(), RemoteError> {
        self.0.attempt(&order)
    }
}

/// Dispatches events from a service (the seed's `service_a`).
#[derive(Debug, Default)]
pub struct Dispatching {
    dispatch: nameko_amqp::EventDispatcher,
}

#[service(name = "source", dependencies(dispatch))]
impl Dispatching {
    /// Dispatches `payload` as an `evt` event.
    #[rpc]
    async fn fire(&self, payload: Value) -> Result<(), nameko_amqp::DispatchError> {
        self.dispatch.dispatch("evt", &payload).await
    }
}

/// Log lines written while a test runs, for asserting what an operator would see.
#[derive(Clone, Default)]
pub struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    /// Everything captured so far, which is then forgotten.
    pub fn take(&self) -> String {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()));
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// Captures the current thread's logs at `level` and above (no colours) until the guard
/// is dropped. Works for what runs on the test's thread (`#[tokio::test]`'s
/// current-thread runtime).
pub fn capture_logs(level: tracing::Level) -> (CapturedLogs, tracing::subscriber::DefaultGuard) {
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(level)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

/// Declares `rpc-<service>` bound for `<service>.*` with no consumer, so that requests to
/// `service` are routed and never answered. Keep the returned connection open.
pub async fn bind_silent_queue(uri: &str, service: &str) -> lapin::Connection {
    use lapin::options::{QueueBindOptions, QueueDeclareOptions};
    use lapin::types::FieldTable;
    let conn = lapin::Connection::connect(uri, lapin::ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| panic!("connect to {uri}: {e}"));
    let ch = conn
        .create_channel()
        .await
        .unwrap_or_else(|e| panic!("channel: {e}"));
    let queue = format!("rpc-{service}");
    ch.queue_declare(
        queue.as_str().into(),
        QueueDeclareOptions::default(),
        FieldTable::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("declare {queue}: {e}"));
    ch.queue_bind(
        queue.as_str().into(),
        "nameko-rpc".into(),
        format!("{service}.*").as_str().into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("bind {queue}: {e}"));
    conn
}

/// Spawns `cmd` with its stderr piped and waits (at most `timeout`) for a stderr line
/// containing `marker`; stderr is drained afterwards so the child never blocks on it.
pub fn spawn_until_line(
    mut cmd: std::process::Command,
    marker: &str,
    timeout: Duration,
) -> std::process::Child {
    use std::io::BufRead;
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let Some(stderr) = child.stderr.take() else {
        panic!("no stderr pipe");
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            Ok(line) if line.contains(marker) => break,
            Ok(_) => {}
            Err(_) => panic!("{cmd:?} did not print `{marker}` within {timeout:?}"),
        }
    }
    std::thread::spawn(move || while rx.recv().is_ok() {});
    child
}

/// Sends `sig` (`"-TERM"`, `"-KILL"`, …) to `child` with `kill`.
pub fn signal(child: &std::process::Child, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill {sig}: {e}"));
    assert!(status.success(), "kill {sig} {} failed", child.id());
}
