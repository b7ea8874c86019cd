//! Prometheus metrics of the process (feature `metrics`), in the text format that
//! [`encode`] renders; the probe listener serves it at `GET /metrics` on `METRICS_ADDRESS`,
//! and nameko-web on the web server.
//!
//! One registry per process ([`with_registry`]): a scrape endpoint answers for the process, a
//! runner's services are told apart by the `service` label, and the transports record
//! without a handle being passed around. The worker families are recorded through
//! nameko-core's worker observer ([`nameko_core::worker::observe`]), added when the
//! registry is first used ([`install`]); other crates register families of their own with
//! [`Registration`] (nameko-amqp, feature `metrics`: RPC client calls and timeouts,
//! publishes, messages in flight, the broker connection).
//!
//! | family | type | labels |
//! |---|---|---|
//! | `nameko_worker_calls_total` | counter | `service`, `entrypoint`, `kind` |
//! | `nameko_worker_failures_total` | counter | `service`, `entrypoint`, `kind`, `expected` |
//! | `nameko_worker_duration_seconds` | histogram | `service`, `entrypoint`, `kind` |
//! | `nameko_workers_in_use` | gauge | `service`, `entrypoint`, `kind` |
//!
//! ```
//! let text = nameko_run::metrics::encode();
//! assert!(text.ends_with("# EOF\n"));
//! ```

use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use nameko_core::worker::observe::{self, EntrypointObserver, WorkerEnd, WorkerObserver};
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

/// Families another crate registers in the process's registry when it is created:
/// `inventory::submit!(Registration(register))`, where `register` registers the crate's
/// families (clones of its own statics).
///
/// ```
/// use std::sync::LazyLock;
/// use prometheus_client::metrics::counter::Counter;
/// use prometheus_client::registry::Registry;
/// use nameko_run::metrics::{Registration, prometheus_client};
///
/// static ORDERS: LazyLock<Counter> = LazyLock::new(Counter::default);
///
/// fn register(registry: &mut Registry) {
///     registry.register("shop_orders", "Orders placed", ORDERS.clone());
/// }
/// nameko_run::metrics::inventory::submit!(Registration(register));
///
/// ORDERS.inc();
/// assert!(nameko_run::metrics::encode().contains("shop_orders_total 1"));
/// ```
#[derive(Debug)]
pub struct Registration(pub fn(&mut Registry));

inventory::collect!(Registration);

#[doc(hidden)]
pub use inventory;

/// The worker families of the process, registered in the process's registry
/// ([`with_registry`]).
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
    for registration in inventory::iter::<Registration> {
        (registration.0)(&mut registry);
    }
    observe::add_observer(Arc::new(WorkerMetrics));
    Global {
        registry: Mutex::new(registry),
        families,
    }
});

/// Creates the process's registry if it is not yet, and with it the observer that records
/// the worker families: call it before starting services whose workers should be counted
/// (the probe listener, `cli::run`, nameko-web and nameko-amqp with their `metrics`
/// features do).
pub fn install() {
    LazyLock::force(&GLOBAL);
}

/// The process's worker families.
pub fn families() -> &'static Families {
    &GLOBAL.families
}

/// Runs `f` with the process's registry, to register families of your own.
///
/// ```
/// use prometheus_client::metrics::counter::Counter;
/// use nameko_run::metrics::prometheus_client;
/// let orders = Counter::<u64>::default();
/// nameko_run::metrics::with_registry(|r| {
///     r.register("shop_orders_placed", "Orders placed", orders.clone())
/// });
/// orders.inc();
/// assert!(nameko_run::metrics::encode().contains("shop_orders_placed_total 1"));
/// ```
pub fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut registry = nameko_core::sync::lock(&GLOBAL.registry);
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

/// The observer of nameko-core's worker pipeline that records the worker families.
struct WorkerMetrics;

impl WorkerObserver for WorkerMetrics {
    fn entrypoint(
        &self,
        service: &str,
        entrypoint: &str,
        kind: &'static str,
    ) -> Box<dyn EntrypointObserver> {
        Box::new(EntrypointMetrics::new(service, entrypoint, kind))
    }
}

/// The metrics of one entrypoint of one service: handles into the families, looked up
/// once per container so that a worker only touches atomics.
#[derive(Debug, Clone)]
struct EntrypointMetrics {
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
}

impl EntrypointObserver for EntrypointMetrics {
    fn started(&self) {
        self.calls.inc();
        self.in_use.inc();
    }

    fn finished(&self, elapsed: Duration, end: WorkerEnd) {
        self.in_use.dec();
        self.duration.observe(elapsed.as_secs_f64());
        match end {
            WorkerEnd::ExpectedFailure => {
                self.failures_expected.inc();
            }
            WorkerEnd::Failure => {
                self.failures_unexpected.inc();
            }
            _ => {}
        }
    }
}
