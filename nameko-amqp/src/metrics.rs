//! The transport's metric families (feature `metrics`), defined here and registered in the
//! process's registry (`nameko_run::metrics`) when it is created; the only module of
//! nameko-amqp that touches metrics. Every other module records through these helpers,
//! which do nothing without the feature.
//!
//! | family | labels | recorded by |
//! |---|---|---|
//! | `nameko_rpc_client_calls_total` | `target_service` | [`rpc_call_sent`] |
//! | `nameko_rpc_client_timeouts_total` | `target_service` | [`rpc_call_timed_out`] |
//! | `nameko_rpc_expired_requests_total` | `service`, `method` | [`rpc_request_expired`] |
//! | `nameko_publishes_total` | `exchange` | [`published`] |
//! | `nameko_publish_failures_total` | `exchange` | [`published`] |
//! | `nameko_broker_reconnects_total` | `vhost` | [`BrokerMetrics::reconnected`] |
//! | `nameko_broker_connected` | `vhost` | [`BrokerMetrics::connected`] |
//! | `nameko_messages_in_flight` | `service`, `queue` | [`InFlight::enter`] |
//! | `nameko_retries_total` | `service`, `entrypoint` | [`retried`] |
//! | `nameko_dead_letters_total` | `service`, `entrypoint` | [`dead_lettered`] |

pub(crate) use imp::*;

#[cfg(feature = "metrics")]
mod imp {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    use nameko_run::metrics::prometheus_client::metrics::counter::Counter;
    use nameko_run::metrics::prometheus_client::metrics::family::Family;
    use nameko_run::metrics::prometheus_client::metrics::gauge::Gauge;
    use nameko_run::metrics::prometheus_client::registry::Registry;
    use nameko_run::metrics::{GaugeGuard, Labels, label};

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
        /// `nameko_rpc_expired_requests_total`: RPC requests received past their
        /// deadline and dropped unserved, by `service` and `method`.
        pub(crate) rpc_expired_requests: Family<Labels, Counter>,
        /// `nameko_publishes_total`: messages published and confirmed, by `exchange`.
        pub(crate) publishes: Family<Labels, Counter>,
        /// `nameko_publish_failures_total`: publishes that failed, by `exchange`.
        pub(crate) publish_failures: Family<Labels, Counter>,
        /// `nameko_broker_reconnects_total`: connections re-established, by `vhost`.
        pub(crate) broker_reconnects: Family<Labels, Counter>,
        /// `nameko_broker_connected`: the broker connections of the process that are up.
        pub(crate) broker_connected: Family<Labels, Gauge>,
        /// `nameko_retries_total`: failed messages sent to be retried later, by `service`
        /// and `entrypoint`.
        pub(crate) retries: Family<Labels, Counter>,
        /// `nameko_dead_letters_total`: messages sent to a dead-letter queue, by `service`
        /// and `entrypoint`.
        pub(crate) dead_letters: Family<Labels, Counter>,
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
                "nameko_rpc_expired_requests",
                "RPC requests received past their deadline and dropped unserved, per service and method",
                &f.rpc_expired_requests,
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
            (
                "nameko_retries",
                "Failed messages sent to be retried later, per service and entrypoint",
                &f.retries,
            ),
            (
                "nameko_dead_letters",
                "Messages sent to a dead-letter queue, per service and entrypoint",
                &f.dead_letters,
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

    /// Counts an RPC request sent to `target_service`.
    pub(crate) fn rpc_call_sent(target_service: &str) {
        families()
            .rpc_client_calls
            .get_or_create(&label("target_service", target_service))
            .inc();
    }

    /// Counts an RPC call to `target_service` whose reply did not come in time.
    pub(crate) fn rpc_call_timed_out(target_service: &str) {
        families()
            .rpc_client_timeouts
            .get_or_create(&label("target_service", target_service))
            .inc();
    }

    /// Counts an RPC request for `service.method` dropped because its deadline had passed.
    pub(crate) fn rpc_request_expired(service: &str, method: &str) {
        let labels: Labels = vec![
            ("service", service.to_owned()),
            ("method", method.to_owned()),
        ];
        families().rpc_expired_requests.get_or_create(&labels).inc();
    }

    /// Counts a publish to `exchange`: confirmed when `ok`, else failed.
    pub(crate) fn published(exchange: &str, ok: bool) {
        let families = families();
        let family = if ok {
            &families.publishes
        } else {
            &families.publish_failures
        };
        family.get_or_create(&label("exchange", exchange)).inc();
    }

    fn entrypoint(service: &str, entrypoint: &str) -> Labels {
        vec![
            ("service", service.to_owned()),
            ("entrypoint", entrypoint.to_owned()),
        ]
    }

    /// Counts a failed message of `service`'s `entrypoint` sent to be retried later.
    pub(crate) fn retried(service: &str, entrypoint: &str) {
        families()
            .retries
            .get_or_create(&self::entrypoint(service, entrypoint))
            .inc();
    }

    /// Counts a message of `service`'s `entrypoint` sent to its dead-letter queue.
    pub(crate) fn dead_lettered(service: &str, entrypoint: &str) {
        families()
            .dead_letters
            .get_or_create(&self::entrypoint(service, entrypoint))
            .inc();
    }

    /// The metrics of one broker connection, by the vhost of its first URI.
    #[derive(Debug)]
    pub(crate) struct BrokerMetrics {
        vhost: Labels,
        /// Whether this connection is counted up in `nameko_broker_connected`.
        counted_up: AtomicBool,
    }

    impl BrokerMetrics {
        /// The metrics of a connection to `vhost`, not counted up yet.
        pub(crate) fn new(vhost: &str) -> Self {
            BrokerMetrics {
                vhost: label("vhost", vhost),
                counted_up: AtomicBool::new(false),
            }
        }

        /// Counts the connection in `nameko_broker_connected` while it is up (`up`), or
        /// no longer; saying the same twice changes nothing.
        pub(crate) fn connected(&self, up: bool) {
            if self.counted_up.swap(up, Ordering::AcqRel) == up {
                return;
            }
            let gauge = families().broker_connected.get_or_create(&self.vhost);
            if up {
                gauge.inc();
            } else {
                gauge.dec();
            }
        }

        /// Counts a reconnection in `nameko_broker_reconnects_total`.
        pub(crate) fn reconnected(&self) {
            families()
                .broker_reconnects
                .get_or_create(&self.vhost)
                .inc();
        }
    }

    /// `nameko_messages_in_flight` of one consumer: looked up once, entered per delivery.
    #[derive(Debug, Clone)]
    pub(crate) struct InFlight(Gauge);

    /// Holds a delivery in `nameko_messages_in_flight` until dropped (settled).
    #[derive(Debug)]
    pub(crate) struct InFlightGuard(#[allow(dead_code)] GaugeGuard);

    impl InFlight {
        /// The deliveries in flight of `service` from `queue`.
        pub(crate) fn new(service: &str, queue: &str) -> Self {
            let labels: Labels = vec![("service", service.to_owned()), ("queue", queue.to_owned())];
            InFlight(families().messages_in_flight.get_or_create(&labels).clone())
        }

        /// Counts one more delivery in flight, until the guard is dropped.
        pub(crate) fn enter(&self) -> InFlightGuard {
            InFlightGuard(GaugeGuard::new(&self.0))
        }
    }
}

#[cfg(not(feature = "metrics"))]
mod imp {
    //! Without the feature: the same helpers, doing nothing.

    /// Counts an RPC request sent (no-op).
    pub(crate) fn rpc_call_sent(_target_service: &str) {}

    /// Counts an RPC call that timed out (no-op).
    pub(crate) fn rpc_call_timed_out(_target_service: &str) {}

    /// Counts an RPC request dropped past its deadline (no-op).
    pub(crate) fn rpc_request_expired(_service: &str, _method: &str) {}

    /// Counts a publish (no-op).
    pub(crate) fn published(_exchange: &str, _ok: bool) {}

    /// Counts a retry (no-op).
    pub(crate) fn retried(_service: &str, _entrypoint: &str) {}

    /// Counts a dead-lettered message (no-op).
    pub(crate) fn dead_lettered(_service: &str, _entrypoint: &str) {}

    /// The metrics of one broker connection (none).
    #[derive(Debug)]
    pub(crate) struct BrokerMetrics;

    impl BrokerMetrics {
        /// No metrics.
        pub(crate) fn new(_vhost: &str) -> Self {
            BrokerMetrics
        }

        /// No-op.
        pub(crate) fn connected(&self, _up: bool) {}

        /// No-op.
        pub(crate) fn reconnected(&self) {}
    }

    /// The deliveries in flight of one consumer (not counted).
    #[derive(Debug, Clone)]
    pub(crate) struct InFlight;

    /// Nothing to hold.
    #[derive(Debug)]
    pub(crate) struct InFlightGuard;

    impl InFlight {
        /// Not counted.
        pub(crate) fn new(_service: &str, _queue: &str) -> Self {
            InFlight
        }

        /// Not counted.
        pub(crate) fn enter(&self) -> InFlightGuard {
            InFlightGuard
        }
    }
}
