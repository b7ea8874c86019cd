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
