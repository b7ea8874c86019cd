//! Prometheus metrics of the process (feature `metrics`), in the text format that
//! [`encode`] renders and nameko-web serves at `GET /metrics`.
//!
//! One registry per process ([`with_registry`]): a scrape endpoint answers for the process, a
//! runner's services are told apart by the `service` label, and the transport (publishes,
//! the broker connection) records without a handle being passed around.
//!
//! | family | type | labels |
//! |---|---|---|
//! | `nameko_worker_calls_total` | counter | `service`, `entrypoint`, `kind` |
//! | `nameko_worker_failures_total` | counter | `service`, `entrypoint`, `kind`, `expected` |
//! | `nameko_worker_duration_seconds` | histogram | `service`, `entrypoint`, `kind` |
//! | `nameko_workers_in_use` | gauge | `service`, `entrypoint`, `kind` |
//! | `nameko_messages_in_flight` | gauge | `service`, `queue` |
//! | `nameko_rpc_client_calls_total` | counter | `target_service` |
//! | `nameko_rpc_client_timeouts_total` | counter | `target_service` |
//! | `nameko_publishes_total` | counter | `exchange` |
//! | `nameko_publish_failures_total` | counter | `exchange` |
//! | `nameko_broker_reconnects_total` | counter | `vhost` |
//! | `nameko_broker_connected` | gauge: connections up (a runner has one) | `vhost` |
//!
//! The last seven are recorded by nameko-amqp with its `metrics` feature.
//!
//! ```
//! let text = nameko_core::metrics::encode();
//! assert!(text.ends_with("# EOF\n"));
//! ```

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

use prometheus_client::encoding::text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The `content-type` of [`encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A label set: `(name, value)` pairs.
pub type Labels = Vec<(&'static str, String)>;

type HistogramFamily = Family<Labels, Histogram, fn() -> Histogram>;

fn new_histogram() -> Histogram {
    // 1 ms to ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The families of the process, registered in the process's registry ([`with_registry`]).
#[derive(Debug)]
pub struct Families {
    /// `nameko_worker_calls_total`: workers started.
    pub worker_calls: Family<Labels, Counter>,
    /// `nameko_worker_failures_total`: workers whose method failed.
    pub worker_failures: Family<Labels, Counter>,
    /// `nameko_worker_duration_seconds`: how long workers ran.
    pub worker_duration: HistogramFamily,
    /// `nameko_workers_in_use`: workers running now.
    pub workers_in_use: Family<Labels, Gauge>,
    /// `nameko_messages_in_flight`: deliveries (RPC requests, events) received and not yet
    /// settled (acked, requeued or rejected), by `service` and `queue`.
    pub messages_in_flight: Family<Labels, Gauge>,
    /// `nameko_rpc_client_calls_total`: RPC requests sent, by `target_service`.
    pub rpc_client_calls: Family<Labels, Counter>,
    /// `nameko_rpc_client_timeouts_total`: RPC calls that timed out, by `target_service`.
    pub rpc_client_timeouts: Family<Labels, Counter>,
    /// `nameko_publishes_total`: messages published and confirmed, by `exchange`.
    pub publishes: Family<Labels, Counter>,
    /// `nameko_publish_failures_total`: publishes that failed, by `exchange`.
    pub publish_failures: Family<Labels, Counter>,
    /// `nameko_broker_reconnects_total`: connections re-established, by `vhost`.
    pub broker_reconnects: Family<Labels, Counter>,
    /// `nameko_broker_connected`: the broker connections of the process that are up, by
    /// `vhost` (a runner has one: 1 while it is up, 0 while it is re-established).
    pub broker_connected: Family<Labels, Gauge>,
}

struct Global {
    registry: Mutex<Registry>,
    families: Families,
}

static GLOBAL: LazyLock<Global> = LazyLock::new(|| {
    let families = Families {
        worker_calls: Family::default(),
        worker_failures: Family::default(),
        worker_duration: Family::new_with_constructor(new_histogram),
        workers_in_use: Family::default(),
        messages_in_flight: Family::default(),
        rpc_client_calls: Family::default(),
        rpc_client_timeouts: Family::default(),
        publishes: Family::default(),
        publish_failures: Family::default(),
        broker_reconnects: Family::default(),
        broker_connected: Family::default(),
    };
    let mut registry = Registry::default();
    registry.register(
        "nameko_worker_calls",
        "Workers started, per entrypoint",
        families.worker_calls.clone(),
    );
    registry.register(
        "nameko_worker_failures",
        "Workers whose method failed, per entrypoint (expected: an error the entrypoint declares)",
        families.worker_failures.clone(),
    );
    registry.register(
        "nameko_worker_duration_seconds",
        "How long workers ran, per entrypoint",
        families.worker_duration.clone(),
    );
    registry.register(
        "nameko_workers_in_use",
        "Workers running now, per entrypoint",
        families.workers_in_use.clone(),
    );
    for (name, help, family) in [
        (
            "nameko_rpc_client_calls",
            "RPC requests sent, per target service",
            &families.rpc_client_calls,
        ),
        (
            "nameko_rpc_client_timeouts",
            "RPC calls whose reply did not come in time, per target service",
            &families.rpc_client_timeouts,
        ),
        (
            "nameko_publishes",
            "Messages published and confirmed, per exchange",
            &families.publishes,
        ),
        (
            "nameko_publish_failures",
            "Publishes that failed, per exchange",
            &families.publish_failures,
        ),
        (
            "nameko_broker_reconnects",
            "Broker connections re-established after a loss, per vhost",
            &families.broker_reconnects,
        ),
    ] {
        registry.register(name, help, family.clone());
    }
    registry.register(
        "nameko_messages_in_flight",
        "Deliveries received and not yet settled, per service and queue",
        families.messages_in_flight.clone(),
    );
    registry.register(
        "nameko_broker_connected",
        "Broker connections up (a runner has one), per vhost",
        families.broker_connected.clone(),
    );
    Global {
        registry: Mutex::new(registry),
        families,
    }
});

/// The process's families.
pub fn families() -> &'static Families {
    &GLOBAL.families
}

/// Runs `f` with the process's registry, to register families of your own.
///
/// ```
/// use prometheus_client::metrics::counter::Counter;
/// let orders = Counter::<u64>::default();
/// nameko_core::metrics::with_registry(|r| {
///     r.register("shop_orders", "Orders placed", orders.clone())
/// });
/// orders.inc();
/// assert!(nameko_core::metrics::encode().contains("shop_orders_total 1"));
/// ```
pub fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut registry = match GLOBAL.registry.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(&mut registry)
}

/// The process's metrics in the OpenMetrics text format ([`CONTENT_TYPE`]).
pub fn encode() -> String {
    let mut out = String::new();
    with_registry(|r| {
        // Writing to a String does not fail.
        let _ = text::encode(&mut out, r);
    });
    out
}

pub use prometheus_client;

/// One label: `name="value"`.
pub fn label(name: &'static str, value: &str) -> Labels {
    vec![(name, value.to_owned())]
}

/// Holds a gauge up by one while it lives (a delivery in flight).
#[derive(Debug)]
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    /// Increments `gauge`; the guard decrements it when dropped.
    pub fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        GaugeGuard(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The metrics of one entrypoint of one service: handles into the families, looked up
/// once per container so that a worker only touches atomics.
#[derive(Debug, Clone)]
pub(crate) struct EntrypointMetrics {
    calls: Counter,
    failures_expected: Counter,
    failures_unexpected: Counter,
    duration: Histogram,
    in_use: Gauge,
}

impl EntrypointMetrics {
    fn new(service: &str, entrypoint: &str, kind: &str) -> Self {
        let f = families();
        let labels: Labels = vec![
            ("service", service.to_owned()),
            ("entrypoint", entrypoint.to_owned()),
            ("kind", kind.to_owned()),
        ];
        let with_expected = |expected: &str| {
            let mut l = labels.clone();
            l.push(("expected", expected.to_owned()));
            f.worker_failures.get_or_create(&l).clone()
        };
        EntrypointMetrics {
            calls: f.worker_calls.get_or_create(&labels).clone(),
            failures_expected: with_expected("true"),
            failures_unexpected: with_expected("false"),
            duration: f.worker_duration.get_or_create(&labels).clone(),
            in_use: f.workers_in_use.get_or_create(&labels).clone(),
        }
    }

    /// A worker starts: counted, and in use until [`finished`](Self::finished).
    pub(crate) fn started(&self) -> Instant {
        self.calls.inc();
        self.in_use.inc();
        Instant::now()
    }

    /// A worker started at `start` finished; `failed`: `Some(expected)` when it failed.
    pub(crate) fn finished(&self, start: Instant, failed: Option<bool>) {
        self.in_use.dec();
        self.duration.observe(start.elapsed().as_secs_f64());
        match failed {
            Some(true) => {
                self.failures_expected.inc();
            }
            Some(false) => {
                self.failures_unexpected.inc();
            }
            None => {}
        }
    }
}

/// The metrics of a container's entrypoints, by entrypoint name.
#[derive(Debug, Default)]
pub(crate) struct ContainerMetrics {
    service: Arc<str>,
    entrypoints: HashMap<Arc<str>, EntrypointMetrics>,
}

impl ContainerMetrics {
    pub(crate) fn new<'a>(
        service: Arc<str>,
        entrypoints: impl IntoIterator<Item = (&'a str, &'static str)>,
    ) -> Self {
        let entrypoints = entrypoints
            .into_iter()
            .map(|(name, kind)| {
                (
                    Arc::from(name),
                    EntrypointMetrics::new(&service, name, kind),
                )
            })
            .collect();
        ContainerMetrics {
            service,
            entrypoints,
        }
    }

    /// The metrics of `entrypoint` (looked up in the families when the container does
    /// not declare it, as a test may fire any name).
    pub(crate) fn entrypoint(
        &self,
        entrypoint: &str,
        kind: &'static str,
    ) -> std::borrow::Cow<'_, EntrypointMetrics> {
        match self.entrypoints.get(entrypoint) {
            Some(m) => std::borrow::Cow::Borrowed(m),
            None => {
                std::borrow::Cow::Owned(EntrypointMetrics::new(&self.service, entrypoint, kind))
            }
        }
    }
}
