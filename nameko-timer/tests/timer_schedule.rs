//! The timer's schedule on tokio's paused clock: interval, eager, no overlap, no drift, a
//! failing tick, and stopping during a tick.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nameko_core::{Config, Entrypoint, RemoteError, Service, ServiceContainer};
use nameko_timer::Timer;
use serde_json::Value;
use tokio::time::Instant;

/// Records (start, end) of every tick, relative to the container's start.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(f64, f64)>>>);

impl Log {
    fn ticks(&self) -> Vec<(f64, f64)> {
        self.0.lock().unwrap().clone()
    }
    fn starts(&self) -> Vec<f64> {
        self.ticks().iter().map(|t| t.0).collect()
    }
}

struct Ticker {
    log: Log,
    origin: Instant,
    interval: f64,
    eager: bool,
    work: Duration,
    fail_every_other: bool,
    panic_on: Option<usize>,
}

fn round(d: Duration) -> f64 {
    (d.as_secs_f64() * 100.0).round() / 100.0
}

impl Service for Ticker {
    fn name(&self) -> &str {
        "ticker"
    }
    fn entrypoints(self: &Arc<Self>) -> Vec<Box<dyn Entrypoint>> {
        let this = Arc::clone(self);
        let timer = Timer::from_secs("tick", self.interval, move || {
            let this = Arc::clone(&this);
            Box::pin(async move {
                let start = round(this.origin.elapsed());
                tokio::time::sleep(this.work).await;
                let end = round(this.origin.elapsed());
                let n = {
                    let mut log = this.log.0.lock().unwrap();
                    log.push((start, end));
                    log.len()
                };
                if this.panic_on == Some(n) {
                    panic!("tick {n} panicked");
                }
                if this.fail_every_other && n % 2 == 1 {
                    return Err(RemoteError::new("TickFailed", format!("tick {n}")).into());
                }
                Ok(Value::Null)
            })
        })
        .unwrap()
        .eager(self.eager);
        vec![Box::new(timer)]
    }
}

fn ticker(interval: f64, eager: bool, work: Duration) -> Ticker {
    Ticker {
        log: Log::default(),
        origin: Instant::now(),
        interval,
        eager,
        work,
        fail_every_other: false,
        panic_on: None,
    }
}

async fn run_for(t: Ticker, secs: f64) -> (Log, ServiceContainer) {
    let log = t.log.clone();
    let c = ServiceContainer::new(t, Arc::new(Config::new()));
    c.start().await.unwrap();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    (log, c)
}

#[tokio::test(start_paused = true)]
async fn fires_every_interval() {
    let (log, c) = run_for(ticker(1.0, false, Duration::ZERO), 3.5).await;
    assert_eq!(log.starts(), [1.0, 2.0, 3.0]);
    c.stop().await;
}

#[tokio::test(start_paused = true)]
async fn fractional_interval() {
    let (log, c) = run_for(ticker(0.25, false, Duration::ZERO), 1.1).await;
    assert_eq!(log.starts(), [0.25, 0.5, 0.75, 1.0]);
    c.stop().await;
}

#[tokio::test(start_paused = true)]
async fn eager_fires_at_start() {
    let (log, c) = run_for(ticker(1.0, true, Duration::ZERO), 2.5).await;
    assert_eq!(log.starts(), [0.0, 1.0, 2.0]);
    c.stop().await;
}

#[tokio::test(start_paused = true)]
async fn long_ticks_never_overlap() {
    // Each tick takes 2.5 s with a 1 s interval: the next fires when the previous ends.
    let (log, c) = run_for(ticker(1.0, false, Duration::from_millis(2500)), 8.7).await;
    let ticks = log.ticks();
    assert_eq!(ticks, [(1.0, 3.5), (3.5, 6.0), (6.0, 8.5)]);
    for w in ticks.windows(2) {
        assert!(w[1].0 >= w[0].1, "overlap: {ticks:?}");
    }
    c.stop().await;
}

#[tokio::test(start_paused = true)]
async fn schedule_does_not_drift() {
    // Ticks taking 0.3 s still start on the whole seconds.
    let (log, c) = run_for(ticker(1.0, false, Duration::from_millis(300)), 5.5).await;
    assert_eq!(log.starts(), [1.0, 2.0, 3.0, 4.0, 5.0]);
    c.stop().await;
}

#[tokio::test(start_paused = true)]
async fn failing_tick_does_not_stop_the_timer() {
    let mut t = ticker(1.0, false, Duration::ZERO);
    t.fail_every_other = true;
    let (log, c) = run_for(t, 4.5).await;
    assert_eq!(log.starts(), [1.0, 2.0, 3.0, 4.0]);
    c.stop().await;
}

#[tokio::test(start_paused = true)]
async fn panicking_tick_does_not_stop_the_timer() {
    let mut t = ticker(1.0, false, Duration::ZERO);
    t.panic_on = Some(2);
    let (log, c) = run_for(t, 4.5).await;
    // The second tick panicked; the third and fourth ran on schedule.
    assert_eq!(log.starts(), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(c.handle().running_workers(), 0);
    c.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_waits_for_a_running_tick_and_fires_no_more() {
    let t = ticker(1.0, false, Duration::from_millis(1500));
    let origin = t.origin;
    let (log, c) = run_for(t, 1.5).await;
    // A tick runs from 1.0 to 2.5; stop at 1.5 waits for it.
    c.stop().await;
    assert_eq!(round(origin.elapsed()), 2.5);
    assert_eq!(log.ticks(), [(1.0, 2.5)]);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(log.ticks().len(), 1, "no tick after stop");
}

#[test]
fn invalid_intervals_are_refused() {
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let r = Timer::from_secs("t", bad, || Box::pin(async { Ok(Value::Null) }));
        assert!(r.is_err(), "{bad}");
    }
}
