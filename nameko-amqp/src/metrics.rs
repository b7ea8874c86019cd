//! nameko-amqp's Prometheus families (feature `metrics`), registered in the process's
//! registry (`nameko_run::metrics`) when it is created.
//!
//! | family | type | labels |
//! |---|---|---|
//! | `nameko_messages_in_flight` | gauge | `service`, `queue` |
//! | `nameko_rpc_client_calls_total` | counter | `target_service` |
//! | `nameko_rpc_client_timeouts_total` | counter | `target_service` |
//! | `nameko_publishes_total` | counter | `exchange` |
//! | `nameko_publish_failures_total` | counter | `exchange` |
//! | `nameko_broker_reconnects_total` | counter | `vhost` |
//! | `nameko_broker_connected` | gauge: connections up (a runner has one) | `vhost` |

use std::sync::LazyLock;

use nameko_run::metrics::prometheus_client::metrics::counter::Counter;
use nameko_run::metrics::prometheus_client::metrics::family::Family;
use nameko_run::metrics::prometheus_client::metrics::gauge::Gauge;
use nameko_run::metrics::prometheus_client::registry::Registry;
pub(crate) use nameko_run::metrics::{GaugeGuard, Labels, label};

/// The families of nameko-amqp.
#[derive(Debug, Default)]
pub(crate) struct Families {
    /// `nameko_messages_in_flight`: deliveries (RPC requests, events) received and not yet
    /// settled (acked, requeued or rejected), by `service` and `queue`.
    pub(crate) messages_in_flight: Family<Labels, Gauge>,
    /// `nameko_rpc_client_calls_total`: RPC requests sent, by `target_service`.
    pub(crate) rpc_client_calls: Family<Labels, Counter>,
    /// `nameko_rpc_client_timeouts_total`: RPC calls that timed out, by `target_service`.
    pub(crate) rpc_client_timeouts: Family<Labels, Counter>,
    /// `nameko_publishes_total`: messages published and confirmed, by `exchange`.
    pub(crate) publishes: Family<Labels, Counter>,
    /// `nameko_publish_failures_total`: publishes that failed, by `exchange`.
    pub(crate) publish_failures: Family<Labels, Counter>,
    /// `nameko_broker_reconnects_total`: connections re-established, by `vhost`.
    pub(crate) broker_reconnects: Family<Labels, Counter>,
    /// `nameko_broker_connected`: the broker connections of the process that are up.
    pub(crate) broker_connected: Family<Labels, Gauge>,
}

static FAMILIES: LazyLock<Families> = LazyLock::new(Families::default);

/// The families of nameko-amqp; the first use creates the process's registry (so that
/// the workers of the services are counted too).
pub(crate) fn families() -> &'static Families {
    nameko_run::metrics::install();
    &FAMILIES
}

fn register(registry: &mut Registry) {
    let f = &*FAMILIES;
    for (name, help, family) in [
        (
            "nameko_rpc_client_calls",
            "RPC requests sent, per target service",
            &f.rpc_client_calls,
        ),
        (
            "nameko_rpc_client_timeouts",
            "RPC calls whose reply did not come in time, per target service",
            &f.rpc_client_timeouts,
        ),
        (
            "nameko_publishes",
            "Messages published and confirmed, per exchange",
            &f.publishes,
        ),
        (
            "nameko_publish_failures",
            "Publishes that failed, per exchange",
            &f.publish_failures,
        ),
        (
            "nameko_broker_reconnects",
            "Broker connections re-established after a loss, per vhost",
            &f.broker_reconnects,
        ),
    ] {
        registry.register(name, help, family.clone());
    }
    registry.register(
        "nameko_messages_in_flight",
        "Deliveries received and not yet settled, per service and queue",
        f.messages_in_flight.clone(),
    );
    registry.register(
        "nameko_broker_connected",
        "Broker connections up (a runner has one), per vhost",
        f.broker_connected.clone(),
    );
}

nameko_run::metrics::inventory::submit!(nameko_run::metrics::Registration(register));
