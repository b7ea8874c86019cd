//! The expansion of `#[service]` compiled as ordinary test code, so `cargo clippy
//! --all-targets -- -D warnings` (with pedantic lints on here) checks what it generates,
//! and the tests check the dispatch table it builds and run a macro-built timer.
#![warn(clippy::pedantic)]

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nameko_core::{
    Config, DependencyProvider, Extension, RemoteError, Service, ServiceContainer, event_handler,
    rpc, service, timer,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
struct Query {
    terms: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Hits {
    total: usize,
}

#[derive(Debug)]
struct Invalid;

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid")
    }
}

#[derive(Default)]
struct Counter(AtomicU64);

impl Extension for Counter {}

impl DependencyProvider for Counter {}

#[derive(Default)]
struct Search {
    counter: Counter,
}

#[service(name = "search", dependencies(counter))]
impl Search {
    #[rpc]
    async fn search(&self, query: Query, limit: Option<usize>) -> Result<Hits, Invalid> {
        self.counter.0.fetch_add(1, Ordering::Relaxed);
        if query.terms.is_empty() {
            return Err(Invalid);
        }
        Ok(Hits {
            total: query.terms.len().min(limit.unwrap_or(usize::MAX)),
        })
    }

    #[rpc]
    async fn count(&self) -> u64 {
        self.counter.0.load(Ordering::Relaxed)
    }

    #[rpc]
    async fn reset(&self) -> Result<(), RemoteError> {
        self.counter.0.store(0, Ordering::Relaxed);
        Ok(())
    }

    #[rpc]
    async fn ping(&self) {}
}

#[test]
fn dispatch_table() {
    let service = Arc::new(Search::default());
    assert_eq!(service.name(), "search");
    let entrypoints: Vec<(String, &str)> = service
        .entrypoints()
        .iter()
        .map(|e| (e.method_name().to_owned(), e.kind()))
        .collect();
    assert_eq!(
        entrypoints,
        [
            ("search".to_owned(), "rpc"),
            ("count".to_owned(), "rpc"),
            ("reset".to_owned(), "rpc"),
            ("ping".to_owned(), "rpc"),
        ]
    );
    assert_eq!(service.dependencies().len(), 1);
}

#[derive(Debug, Deserialize)]
struct Order {
    id: u64,
}

/// Event handlers and timers, next to an RPC method.
#[derive(Default)]
struct Shop {
    orders: AtomicU64,
    ticks: AtomicU64,
}

#[service(name = "shop")]
impl Shop {
    #[event_handler("checkout", "order_placed")]
    async fn count_order(&self, order: Order) {
        self.orders.fetch_add(order.id, Ordering::Relaxed);
    }

    #[event_handler(
        "checkout",
        "order_placed",
        handler_type = "broadcast",
        reliable_delivery = false,
        requeue_on_error = true
    )]
    async fn check_order(&self, order: Order) -> Result<(), Invalid> {
        if order.id == 0 { Err(Invalid) } else { Ok(()) }
    }

    #[timer(interval = 0.01, eager = true)]
    async fn tick(&self) -> Result<u64, RemoteError> {
        Ok(self.ticks.fetch_add(1, Ordering::Relaxed))
    }

    #[timer(3600)]
    async fn hourly(&self) {}

    #[rpc]
    async fn orders(&self) -> u64 {
        self.orders.load(Ordering::Relaxed)
    }
}

#[test]
fn event_handler_and_timer_dispatch_table() {
    let service = Arc::new(Shop::default());
    let entrypoints: Vec<(String, &str)> = service
        .entrypoints()
        .iter()
        .map(|e| (e.method_name().to_owned(), e.kind()))
        .collect();
    assert_eq!(
        entrypoints,
        [
            ("count_order".to_owned(), "event_handler"),
            ("check_order".to_owned(), "event_handler"),
            ("tick".to_owned(), "timer"),
            ("hourly".to_owned(), "timer"),
            ("orders".to_owned(), "rpc"),
        ]
    );
}

/// Only timers: a container runs them without a broker.
#[derive(Default)]
struct Clock {
    ticks: Arc<AtomicU64>,
}

#[service(name = "clock")]
impl Clock {
    #[timer(interval = 0.01, eager = true)]
    async fn tick(&self) {
        self.ticks.fetch_add(1, Ordering::Relaxed);
    }

    /// Fails every time: the timer keeps going.
    #[timer(0.01)]
    async fn fail(&self) -> Result<(), Invalid> {
        Err(Invalid)
    }
}

#[tokio::test]
async fn macro_timer_ticks() {
    let clock = Clock::default();
    let ticks = Arc::clone(&clock.ticks);
    let container = ServiceContainer::new(clock, Arc::new(Config::new()));
    container.start().await.unwrap();
    let ticked = tokio::time::timeout(Duration::from_secs(10), async {
        while ticks.load(Ordering::Relaxed) < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    container.stop().await;
    assert!(ticked.is_ok(), "the timer ticked {ticks:?} times");
}
