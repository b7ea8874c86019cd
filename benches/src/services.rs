//! The services under test, written with the macros as a user would.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nameko_amqp::rpc::Rpc;
use nameko_core::payload::ArgBinder;
use nameko_core::{Arguments, Entrypoint, MethodError, Service, event_handler, http, rpc, service};
use serde_json::Value;
use tokio::sync::Notify;

/// `bench_echo`: returns what it is given.
#[derive(Debug, Default)]
pub struct BenchEcho;

#[service(name = "bench_echo")]
impl BenchEcho {
    /// Returns `value`.
    #[rpc]
    pub async fn echo(&self, value: Value) -> Value {
        value
    }
}

/// An echo service with a name given at run time (`#[service]` names are constants), so
/// that one runner can host many: `<name>.echo(value)` returns `value`. Written against
/// nameko-core's public traits as `#[service]` would generate it.
#[derive(Debug)]
pub struct NamedEcho {
    name: String,
}

impl NamedEcho {
    /// The echo service `name`.
    pub fn new(name: String) -> Self {
        NamedEcho { name }
    }
}

impl Service for NamedEcho {
    fn name(&self) -> &str {
        &self.name
    }

    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        vec![Box::new(Rpc::new(crate::ECHO_METHOD, |args: Arguments| {
            Box::pin(async move {
                let mut b = ArgBinder::new(crate::ECHO_METHOD, &["value"], args)?;
                let value: Value = b.take(0)?;
                Ok::<Value, MethodError>(value)
            })
        }))]
    }
}

/// Counts handled events; a waiter learns when a count is reached.
#[derive(Debug, Default)]
pub struct Counter {
    count: AtomicU64,
    target: AtomicU64,
    reached: Notify,
}

impl Counter {
    /// A counter at zero.
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Counts one event.
    pub fn hit(&self) {
        let n = self.count.fetch_add(1, Ordering::AcqRel) + 1;
        if n == self.target.load(Ordering::Acquire) {
            self.reached.notify_waiters();
        }
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.count.load(Ordering::Acquire)
    }

    /// Sets the count back to zero.
    pub fn reset(&self) {
        self.count.store(0, Ordering::Release);
    }

    /// Waits until the count reaches `target`; false if `timeout` passed first.
    pub async fn wait_for(&self, target: u64, timeout: Duration) -> bool {
        self.target.store(target, Ordering::Release);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.reached.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.get() >= target {
                return true;
            }
            // Also wake up now and then: a count that jumps past the target (events
            // from an earlier run) never equals it.
            let tick = tokio::time::sleep(Duration::from_millis(50));
            tokio::select! {
                _ = notified => {}
                _ = tick => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return self.get() >= target;
            }
        }
    }
}

/// `bench_listener`: a `service_pool` handler of `bench_source`'s `tick` events that
/// counts them.
#[derive(Debug)]
pub struct BenchListener {
    counter: Arc<Counter>,
}

impl BenchListener {
    /// A listener counting into `counter`.
    pub fn new(counter: &Arc<Counter>) -> Self {
        BenchListener {
            counter: Arc::clone(counter),
        }
    }
}

#[service(name = "bench_listener")]
impl BenchListener {
    /// Counts the event.
    #[event_handler("bench_source", "tick")]
    pub async fn on_tick(&self, _payload: Value) {
        self.counter.hit();
    }
}

/// `bench_hello`: `GET /hello` answers `hello world` (`text/plain; charset=utf-8`).
#[derive(Debug, Default)]
pub struct BenchHello;

#[service(name = "bench_hello")]
impl BenchHello {
    /// The hello world.
    #[http("GET", "/hello")]
    pub async fn hello(&self) -> &'static str {
        "hello world"
    }
}
