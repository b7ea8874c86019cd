//! Singleton timers on tokio's paused clock, with an in-process lease whose holder the
//! tests can take away: one instance fires at a time, handover on a graceful stop and on
//! a lost lease, an unreachable backend retried, failing ticks keep the lease.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko_core::lease::{Lease, LeaseGuard, LeaseName};
use nameko_core::{
    BoxError, Config, ContainerHandle, Entrypoint, RemoteError, Service, ServiceContainer,
    async_trait,
};
use nameko_timer::Timer;
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The backend's state: who holds the lease, and the token that takes it away.
#[derive(Default)]
struct State {
    holder: Option<(u64, CancellationToken)>,
    next_id: u64,
    /// Attempts fail while set (an unreachable broker).
    unreachable: bool,
    attempts: u64,
    releases: u64,
}

/// One holder at a time, within this process.
#[derive(Clone, Default)]
struct FakeLease(Arc<Mutex<State>>);

impl FakeLease {
    /// Takes the lease away from its holder, as a lost connection does.
    fn revoke(&self) {
        let mut state = self.0.lock().unwrap();
        if let Some((_, token)) = state.holder.take() {
            token.cancel();
        }
    }
    fn set_unreachable(&self, unreachable: bool) {
        self.0.lock().unwrap().unreachable = unreachable;
    }
    fn attempts(&self) -> u64 {
        self.0.lock().unwrap().attempts
    }
    fn releases(&self) -> u64 {
        self.0.lock().unwrap().releases
    }
    fn is_held(&self) -> bool {
        self.0.lock().unwrap().holder.is_some()
    }
}

struct FakeGuard {
    lease: FakeLease,
    id: u64,
    lost: CancellationToken,
}

/// How often a waiting instance of the fake looks whether the lease is free.
const POLL: Duration = Duration::from_millis(50);

#[async_trait]
impl Lease for FakeLease {
    async fn acquire(
        &self,
        _container: &ContainerHandle,
        name: &LeaseName,
    ) -> Result<Box<dyn LeaseGuard>, BoxError> {
        assert_eq!(name.to_string(), "timer.ticker.tick");
        {
            let mut state = self.0.lock().unwrap();
            state.attempts += 1;
            if state.unreachable {
                return Err("the broker cannot be reached".into());
            }
        }
        loop {
            {
                let mut state = self.0.lock().unwrap();
                if state.holder.is_none() {
                    state.next_id += 1;
                    let id = state.next_id;
                    let lost = CancellationToken::new();
                    state.holder = Some((id, lost.clone()));
                    return Ok(Box::new(FakeGuard {
                        lease: self.clone(),
                        id,
                        lost,
                    }));
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

#[async_trait]
impl LeaseGuard for FakeGuard {
    async fn lost(&mut self) -> String {
        self.lost.cancelled().await;
        "revoked".to_owned()
    }

    async fn release(self: Box<Self>) {
        let mut state = self.lease.0.lock().unwrap();
        state.releases += 1;
        if state.holder.as_ref().is_some_and(|(id, _)| *id == self.id) {
            state.holder = None;
        }
    }
}

/// A tick: (instance, start, end), relative to the test's origin; `end` is `None` while
/// it runs (and stays so for an abandoned tick).
type Tick = (&'static str, f64, Option<f64>);

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Tick>>>);

impl Log {
    fn ticks(&self) -> Vec<Tick> {
        self.0.lock().unwrap().clone()
    }
    fn of(&self, instance: &str) -> Vec<Tick> {
        self.ticks()
            .into_iter()
            .filter(|t| t.0 == instance)
            .collect()
    }
}

fn round(d: Duration) -> f64 {
    (d.as_secs_f64() * 100.0).round() / 100.0
}

struct Ticker {
    instance: &'static str,
    lease: FakeLease,
    log: Log,
    origin: Instant,
    interval: Duration,
    work: Duration,
    fail: bool,
}

impl Service for Ticker {
    fn name(&self) -> &str {
        "ticker"
    }
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        let this = Arc::clone(self);
        let timer = Timer::new("tick", self.interval, move || {
            let this = Arc::clone(&this);
            Box::pin(async move {
                let index = {
                    let mut log = this.log.0.lock().unwrap();
                    log.push((this.instance, round(this.origin.elapsed()), None));
                    log.len() - 1
                };
                tokio::time::sleep(this.work).await;
                this.log.0.lock().unwrap()[index].2 = Some(round(this.origin.elapsed()));
                if this.fail {
                    if index % 2 == 0 {
                        panic!("tick {index} panicked");
                    }
                    return Err(RemoteError::new("TickFailed", "failed").into());
                }
                Ok(Value::Null)
            })
        })
        .singleton(Arc::new(self.lease.clone()))
        .retry_interval(Duration::from_secs(1));
        vec![Box::new(timer)]
    }
}

struct Cluster {
    lease: FakeLease,
    log: Log,
    origin: Instant,
}

impl Cluster {
    fn new() -> Self {
        Cluster {
            lease: FakeLease::default(),
            log: Log::default(),
            origin: Instant::now(),
        }
    }

    async fn start(&self, instance: &'static str, work: Duration, fail: bool) -> ServiceContainer {
        let ticker = Ticker {
            instance,
            lease: self.lease.clone(),
            log: self.log.clone(),
            origin: self.origin,
            interval: Duration::from_millis(200),
            work,
            fail,
        };
        let c = ServiceContainer::new(ticker, Arc::new(Config::new()));
        c.start().await.unwrap();
        c
    }

    fn now(&self) -> f64 {
        round(self.origin.elapsed())
    }
}

/// No two ticks overlap, whichever instance ran them.
fn assert_no_overlap(ticks: &[Tick]) {
    let mut sorted = ticks.to_vec();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    for w in sorted.windows(2) {
        let end = w[0].2.unwrap_or(f64::INFINITY);
        assert!(w[1].1 >= end, "overlap: {w:?} in {sorted:?}");
    }
}

fn instances(ticks: &[Tick]) -> Vec<&'static str> {
    let mut seen: Vec<&'static str> = ticks.iter().map(|t| t.0).collect();
    seen.dedup();
    seen
}

#[tokio::test(start_paused = true)]
async fn one_instance_fires_and_a_graceful_stop_hands_over() {
    let cluster = Cluster::new();
    let a = cluster.start("a", Duration::from_millis(50), false).await;
    // Let `a` take the lease first.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let b = cluster.start("b", Duration::from_millis(50), false).await;
    let c = cluster.start("c", Duration::from_millis(50), false).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ticks = cluster.log.ticks();
    assert_eq!(instances(&ticks), ["a"], "{ticks:?}");
    // Every 0.2 s from when `a` took the lease.
    assert!(ticks.len() >= 14, "{ticks:?}");
    assert_eq!(ticks[0].1, 0.2);
    assert_eq!(cluster.lease.attempts(), 3, "each waits once");

    let stopped_at = cluster.now();
    a.stop().await;
    assert_eq!(cluster.lease.releases(), 1);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ticks = cluster.log.ticks();
    assert_no_overlap(&ticks);
    let after: Vec<&Tick> = ticks.iter().filter(|t| t.0 != "a").collect();
    assert!(!after.is_empty(), "another instance took over: {ticks:?}");
    assert_eq!(
        instances(&after.iter().map(|t| **t).collect::<Vec<_>>()).len(),
        1
    );
    let gap = after[0].1 - stopped_at;
    // At once (the fake looks every 50 ms), then one timer interval.
    assert!(gap <= 0.25 + 0.01, "handover gap {gap}: {ticks:?}");
    b.stop().await;
    c.stop().await;
    assert!(!cluster.lease.is_held());
}

#[tokio::test(start_paused = true)]
async fn a_lost_lease_stops_the_holder_at_once_and_another_takes_over() {
    let cluster = Cluster::new();
    // Ticks of 0.15 s every 0.2 s: the lease is likely lost during one.
    let a = cluster.start("a", Duration::from_millis(150), false).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    let b = cluster.start("b", Duration::from_millis(150), false).await;
    tokio::time::sleep(Duration::from_millis(1250)).await;
    // `a` runs a tick from 1.2 to 1.35; take the lease away in the middle of it.
    assert_eq!(cluster.log.of("a").last().unwrap().2, None, "a tick runs");
    let lost_at = cluster.now();
    cluster.lease.revoke();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let of_a = cluster.log.of("a");
    // The running tick was abandoned, no tick started after.
    assert_eq!(of_a.last().unwrap().2, None, "{of_a:?}");
    assert!(of_a.iter().all(|t| t.1 <= lost_at), "{of_a:?}");
    let of_b = cluster.log.of("b");
    assert!(!of_b.is_empty(), "b took over");
    let gap = of_b[0].1 - lost_at;
    assert!(gap <= 0.25 + 0.01, "handover gap {gap}");
    // `a` waits for the lease again, behind `b`: only `b` fires.
    let after: Vec<Tick> = cluster
        .log
        .ticks()
        .into_iter()
        .filter(|t| t.1 > lost_at)
        .collect();
    assert_eq!(instances(&after), ["b"]);
    assert_eq!(cluster.lease.attempts(), 3, "a waits again");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_backend_is_retried() {
    let cluster = Cluster::new();
    cluster.lease.set_unreachable(true);
    let a = cluster.start("a", Duration::ZERO, false).await;
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(cluster.log.ticks().is_empty());
    // An attempt at 0, then every second.
    assert_eq!(cluster.lease.attempts(), 4);
    cluster.lease.set_unreachable(false);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Taken at 4.0, first tick at 4.2.
    let ticks = cluster.log.ticks();
    assert_eq!(ticks.first().map(|t| t.1), Some(4.2), "{ticks:?}");
    a.stop().await;
}

#[tokio::test(start_paused = true)]
async fn failing_and_panicking_ticks_keep_the_lease_and_the_schedule() {
    let cluster = Cluster::new();
    let a = cluster.start("a", Duration::ZERO, true).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    let b = cluster.start("b", Duration::ZERO, true).await;
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let ticks = cluster.log.ticks();
    let starts: Vec<f64> = ticks.iter().map(|t| t.1).collect();
    assert_eq!(starts, [0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(instances(&ticks), ["a"]);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_graceful_stop_lets_the_running_tick_finish_before_releasing() {
    let cluster = Cluster::new();
    let a = cluster.start("a", Duration::from_millis(500), false).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A tick runs from 0.2 to 0.7.
    a.stop().await;
    assert_eq!(cluster.now(), 0.7);
    assert_eq!(cluster.log.ticks(), [("a", 0.2, Some(0.7))]);
    assert!(!cluster.lease.is_held());
}

#[test]
fn describe_says_singleton() {
    let timer = Timer::new("tick", Duration::from_secs(1), || {
        Box::pin(async { Ok(Value::Null) })
    });
    assert_eq!(timer.describe()["singleton"], false);
    let timer = timer.singleton(Arc::new(FakeLease::default()));
    assert!(timer.is_singleton());
    assert_eq!(timer.describe()["singleton"], true);
}
