//! The event cases: events dispatched with publisher confirms, end to end to a
//! `service_pool` handler; and draining a backlog through that handler.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use nameko_amqp::{ClusterRpc, RpcError, StandaloneDispatcher};
use nameko_benches::raw;
use nameko_benches::services::{BenchListener, Counter};
use nameko_benches::{EVENT_SOURCE, EVENT_TYPE, LISTENER_SERVICE, payload};
use nameko_core::ServiceRunner;
use nameko_test_support::TestVhost;
use serde_json::Value;

use crate::Plan;
use crate::procs::{CpuProbe, CpuSplit, Server, broker_pid, cpu_seconds};
use crate::python::{NO_VENV, Python, field};
use crate::table::Cell;

/// How long the handled count may take to reach its target.
const HANDLED_TIMEOUT: Duration = Duration::from_secs(600);

fn vhost(label: &str) -> Result<TestVhost, String> {
    TestVhost::create(label).map_err(|e| e.to_string())
}

async fn start_listener(
    config: &nameko_core::Config,
    counter: &Arc<Counter>,
) -> Result<ServiceRunner, String> {
    let mut runner = ServiceRunner::new(config.clone());
    runner
        .add_service(BenchListener::new(counter))
        .map_err(|e| e.to_string())?;
    runner.start().await.map_err(|e| e.to_string())?;
    Ok(runner)
}

async fn wait_handled(counter: &Counter, n: u64) -> Result<(), String> {
    if counter.wait_for(n, HANDLED_TIMEOUT).await {
        Ok(())
    } else {
        Err(format!(
            "only {} of {n} events handled after {HANDLED_TIMEOUT:?}",
            counter.get()
        ))
    }
}

/// nameko-rs: `StandaloneDispatcher` → `bench_listener.on_tick` (in this process).
struct FrameworkEvents {
    runner: ServiceRunner,
    dispatcher: StandaloneDispatcher,
    counter: Arc<Counter>,
    _vhost: TestVhost,
}

impl FrameworkEvents {
    async fn start() -> Result<Self, String> {
        let vhost = vhost("bench-events")?;
        let counter = Counter::new();
        let runner = start_listener(&vhost.config(), &counter).await?;
        let dispatcher = StandaloneDispatcher::connect(&vhost.config())
            .await
            .map_err(|e| e.to_string())?;
        Ok(FrameworkEvents {
            runner,
            dispatcher,
            counter,
            _vhost: vhost,
        })
    }

    async fn run(&self, n: u64, in_flight: usize) -> Result<f64, String> {
        self.counter.reset();
        let start = Instant::now();
        let sent = futures_util::stream::iter(0..n)
            .map(|i| async move {
                self.dispatcher
                    .dispatch(EVENT_SOURCE, EVENT_TYPE, &payload(i))
                    .await
            })
            .buffer_unordered(in_flight);
        futures_util::pin_mut!(sent);
        while let Some(r) = sent.next().await {
            r.map_err(|e| e.to_string())?;
        }
        wait_handled(&self.counter, n).await?;
        Ok(n as f64 / start.elapsed().as_secs_f64())
    }

    async fn stop(self) {
        self.runner.stop().await;
        self.dispatcher.close().await;
    }
}

/// Raw lapin: a publisher with confirms → a consumer acking after handling.
struct RawEvents {
    publisher: lapin::Channel,
    consumer: tokio::task::JoinHandle<()>,
    counter: Arc<Counter>,
    conns: [lapin::Connection; 2],
    _vhost: TestVhost,
}

impl RawEvents {
    async fn start() -> Result<Self, String> {
        let vhost = vhost("bench-events-raw")?;
        let counter = Counter::new();
        let consumer_conn = raw::connect(&vhost.uri()).await?;
        let consumer = raw::consume_events(&consumer_conn, 10, Arc::clone(&counter)).await?;
        let publisher_conn = raw::connect(&vhost.uri()).await?;
        let publisher = raw::confirm_channel(&publisher_conn).await?;
        Ok(RawEvents {
            publisher,
            consumer,
            counter,
            conns: [consumer_conn, publisher_conn],
            _vhost: vhost,
        })
    }

    async fn run(&self, n: u64, in_flight: usize) -> Result<f64, String> {
        self.counter.reset();
        let start = Instant::now();
        raw::publish_events(&self.publisher, 0, n, in_flight).await?;
        wait_handled(&self.counter, n).await?;
        Ok(n as f64 / start.elapsed().as_secs_f64())
    }

    async fn stop(self) {
        self.consumer.abort();
        for c in &self.conns {
            let _ = c.close(200, "OK".into()).await;
        }
    }
}

/// Waits until the Python listener answers `count()`.
async fn wait_count_ready(cluster: &ClusterRpc, server: &mut Server) -> Result<u64, String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        server.check_alive()?;
        match cluster
            .service(LISTENER_SERVICE)
            .call::<u64>("count", ())
            .await
        {
            Ok(c) => return Ok(c),
            Err(RpcError::UnknownService(_) | RpcError::Timeout { .. }) => {}
            Err(e) => return Err(format!("python listener not ready: {e}")),
        }
        if Instant::now() > deadline {
            return Err(format!(
                "python listener not ready after 60 s\n{}",
                server.output()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn cluster(vhost: &TestVhost) -> Result<ClusterRpc, String> {
    ClusterRpc::connect(&vhost.config())
        .await
        .map(|c| c.with_timeout(Duration::from_secs(30)))
        .map_err(|e| format!("ClusterRpc::connect: {e}"))
}

/// Python: the standalone `event_dispatcher` → a `nameko run` listener.
struct PythonEvents {
    _server: Server,
    python: Python,
    vhost: TestVhost,
}

impl PythonEvents {
    async fn start(python: &Python) -> Result<Self, String> {
        let vhost = vhost("bench-events-py")?;
        let mut server = python.nameko_run("BenchListener", &vhost.uri(), "")?;
        let probe = cluster(&vhost).await?;
        wait_count_ready(&probe, &mut server).await?;
        probe.close().await;
        Ok(PythonEvents {
            _server: server,
            python: python.clone(),
            vhost,
        })
    }

    async fn run(&self, n: u64, in_flight: usize) -> Result<f64, String> {
        let args = vec!["events".to_owned(), n.to_string(), in_flight.to_string()];
        let out = self.python.client(&self.vhost.uri(), &args).await?;
        Ok(field(&out, "events")? / field(&out, "elapsed")?)
    }
}

fn python_missing(plan: &Plan, python: Option<&Python>) -> Option<String> {
    match python {
        None => Some(NO_VENV.to_owned()),
        Some(_) if plan.no_python => Some("skipped (--no-python)".to_owned()),
        Some(_) => None,
    }
}

fn cells(missing: Option<&String>) -> [Cell; 3] {
    [
        Cell::empty(),
        Cell::empty(),
        missing.map_or_else(Cell::empty, |m| Cell::Missing(m.clone())),
    ]
}

/// What the end-to-end events case measured: `[nameko-rs, raw lapin, python]` each.
#[derive(Debug)]
pub(crate) struct EndToEnd {
    /// Events per second.
    pub(crate) rate: [Cell; 3],
    /// CPU of this process (the dispatcher and the handler both run in it) per event, µs.
    pub(crate) driver_cpu: [Cell; 3],
    /// CPU of the broker per event, µs.
    pub(crate) broker_cpu: [Cell; 3],
}

/// Runs `run` (`n` events) and returns its rate and this process's and the broker's CPU
/// per event, in µs.
async fn with_cpu(
    n: u64,
    run: impl Future<Output = Result<f64, String>>,
) -> (
    Result<f64, String>,
    Result<f64, String>,
    Result<f64, String>,
) {
    let me = std::process::id();
    let broker = broker_pid();
    let cpu = |pid: Option<u32>| {
        pid.ok_or_else(|| "no single RabbitMQ process found".to_owned())
            .and_then(cpu_seconds)
    };
    let (driver_before, broker_before) = (cpu(Some(me)), cpu(broker));
    let rate = run.await;
    let per_event = |before: Result<f64, String>, after: Result<f64, String>| {
        Ok((after? - before?) / n as f64 * 1e6)
    };
    let driver = per_event(driver_before, cpu(Some(me)));
    let broker = per_event(broker_before, cpu(broker));
    match rate {
        Ok(rate) => (Ok(rate), driver, broker),
        Err(e) => (Err(e.clone()), Err(e.clone()), Err(e)),
    }
}

/// Events dispatched with confirms, `plan.events_in_flight` at a time, end to end: from
/// the first dispatch to the last event handled.
pub(crate) async fn end_to_end(plan: &Plan, python: Option<&Python>) -> Result<EndToEnd, String> {
    eprintln!("== events end to end: starting");
    let missing = python_missing(plan, python);
    let mut cells = cells(missing.as_ref());
    let none = || Cell::Missing("–".to_owned());
    let mut driver_cpu = [Cell::empty(), Cell::empty(), none()];
    let mut broker_cpu = [Cell::empty(), Cell::empty(), none()];
    let framework = FrameworkEvents::start().await?;
    let raw = RawEvents::start().await?;
    let py = match python {
        Some(p) if missing.is_none() => match PythonEvents::start(p).await {
            Ok(s) => Some(s),
            Err(e) => {
                cells[2] = Cell::Missing(format!("failed: {}", e.lines().next().unwrap_or("")));
                eprintln!("python listener failed: {e}");
                None
            }
        },
        _ => None,
    };
    framework
        .run(plan.warmup_events, plan.events_in_flight)
        .await?;
    raw.run(plan.warmup_events, plan.events_in_flight).await?;
    for run in 0..plan.runs {
        eprintln!("== events end to end, run {}/{}", run + 1, plan.runs);
        let (rate, driver, broker) = with_cpu(
            plan.events,
            framework.run(plan.events, plan.events_in_flight),
        )
        .await;
        cells[0].push(rate);
        driver_cpu[0].push(driver);
        broker_cpu[0].push(broker);
        let (rate, driver, broker) =
            with_cpu(plan.events, raw.run(plan.events, plan.events_in_flight)).await;
        cells[1].push(rate);
        driver_cpu[1].push(driver);
        broker_cpu[1].push(broker);
        if let Some(p) = &py {
            cells[2].push(p.run(plan.py_events, plan.events_in_flight).await);
        }
    }
    framework.stop().await;
    raw.stop().await;
    Ok(EndToEnd {
        rate: cells,
        driver_cpu,
        broker_cpu,
    })
}

/// Empties the listener's queue (no consumer on it), then publishes `n` events into it.
async fn prepublish(publisher: &lapin::Channel, n: u64) -> Result<(), String> {
    raw::purge_listener_queue(publisher).await?;
    raw::publish_events(publisher, 0, n, 1000).await
}

/// The results of the backlog case.
#[derive(Debug)]
pub(crate) struct Backlog {
    /// `[framework, lapin no-ack, python]`.
    pub(crate) cells: [Cell; 3],
    /// Raw lapin doing Nameko's protocol: prefetch 10, an ack after each event.
    pub(crate) raw_acked: Cell,
    /// nameko-rs with `PREFETCH_COUNT` [`BIG_PREFETCH`] (`max_workers` still 10).
    pub(crate) big_prefetch: Cell,
}

/// The `PREFETCH_COUNT` of the backlog's reference run with a large prefetch.
pub(crate) const BIG_PREFETCH: u64 = 1000;

/// What drains a backlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drain {
    /// The listener service (`service_pool` handler: prefetch = `max_workers`, ack after
    /// each handler), in a runner of the driver's process.
    Framework,
    /// The same with `PREFETCH_COUNT` set (`max_workers` still 10).
    FrameworkPrefetch(u64),
    /// A lapin `no_ack` consumer.
    NoAck,
    /// Lapin doing what the handler does on the wire: prefetch 10, an ack after each event.
    Acking,
}

impl Drain {
    fn describe(self) -> String {
        match self {
            Drain::Framework => "nameko-rs".to_owned(),
            Drain::FrameworkPrefetch(p) => format!("nameko-rs with PREFETCH_COUNT {p}"),
            Drain::NoAck => "lapin no-ack".to_owned(),
            Drain::Acking => "lapin, prefetch 10, ack each".to_owned(),
        }
    }
}

/// The listener's queue in a vhost of its own, declared by starting the service once
/// (`reliable_delivery`: it stays while no one consumes), and a publisher to fill it.
pub(crate) struct BacklogQueue {
    config: nameko_core::Config,
    counter: Arc<Counter>,
    publisher_conn: lapin::Connection,
    publisher: lapin::Channel,
    vhost: TestVhost,
}

impl BacklogQueue {
    /// Declares the queue.
    pub(crate) async fn declare() -> Result<Self, String> {
        let vhost = vhost("bench-backlog")?;
        let config = vhost.config();
        let counter = Counter::new();
        start_listener(&config, &counter).await?.stop().await;
        let publisher_conn = raw::connect(&vhost.uri()).await?;
        let publisher = raw::confirm_channel(&publisher_conn).await?;
        Ok(BacklogQueue {
            config,
            counter,
            publisher_conn,
            publisher,
            vhost,
        })
    }

    /// Fills the queue with `n` events, then drains it with `how`: events per second from
    /// starting the consumer to the last event handled, and where the CPU went meanwhile
    /// (every consumer runs in the driver's process).
    pub(crate) async fn drain(&self, how: Drain, n: u64) -> Result<(f64, CpuSplit), String> {
        prepublish(&self.publisher, n).await?;
        self.counter.reset();
        let probe = CpuProbe::start(&[])?;
        let start = Instant::now();
        let handled = match how {
            Drain::Framework | Drain::FrameworkPrefetch(_) => {
                let config = match how {
                    Drain::FrameworkPrefetch(p) => self.config.clone().with("PREFETCH_COUNT", p),
                    _ => self.config.clone(),
                };
                let runner = start_listener(&config, &self.counter).await?;
                let handled = wait_handled(&self.counter, n).await;
                let elapsed = start.elapsed().as_secs_f64();
                let cpu = probe.finish();
                runner.stop().await;
                handled.map(|()| (elapsed, cpu))
            }
            Drain::NoAck => {
                let conn = raw::connect(&self.vhost.uri()).await?;
                let drained = raw::drain_no_ack(&conn, n, &self.counter).await;
                let elapsed = start.elapsed().as_secs_f64();
                let cpu = probe.finish();
                let _ = conn.close(200, "OK".into()).await;
                drained.map(|()| (elapsed, cpu))
            }
            Drain::Acking => {
                let conn = raw::connect(&self.vhost.uri()).await?;
                let consumer = raw::consume_events(&conn, 10, Arc::clone(&self.counter)).await?;
                let handled = wait_handled(&self.counter, n).await;
                let elapsed = start.elapsed().as_secs_f64();
                let cpu = probe.finish();
                // Let the last acks go out before closing.
                tokio::time::sleep(Duration::from_millis(100)).await;
                consumer.abort();
                let _ = conn.close(200, "OK".into()).await;
                handled.map(|()| (elapsed, cpu))
            }
        };
        let (elapsed, cpu) = handled?;
        Ok((n as f64 / elapsed, cpu?))
    }

    /// Closes the publisher's connection and deletes the vhost.
    pub(crate) async fn close(self) {
        let _ = self.publisher_conn.close(200, "OK".into()).await;
    }
}

/// Draining a backlog: `plan.backlog` events wait in the listener's queue while no
/// consumer runs; the rate is from starting the consumer to the last event handled.
/// nameko-rs starts the listener service (its `service_pool` handler: prefetch =
/// `max_workers`, ack after each handler); the baseline is a lapin `no_ack` consumer on
/// the same queue. For reference, a raw lapin consumer doing what the handler does on the
/// wire (prefetch 10, ack after each event) drains the same backlog too.
pub(crate) async fn backlog(plan: &Plan, python: Option<&Python>) -> Result<Backlog, String> {
    eprintln!("== backlog: declaring the queue");
    let missing = python_missing(plan, python);
    let mut cells = cells(missing.as_ref());
    let mut raw_acked = Cell::empty();
    let mut big_prefetch = Cell::empty();
    let queue = BacklogQueue::declare().await?;
    let n = plan.backlog;
    for run in 0..plan.backlog_runs {
        for how in [
            Drain::Framework,
            Drain::NoAck,
            Drain::Acking,
            Drain::FrameworkPrefetch(BIG_PREFETCH),
        ] {
            eprintln!(
                "== backlog of {n} events, run {}/{}: {}",
                run + 1,
                plan.backlog_runs,
                how.describe()
            );
            let rate = queue.drain(how, n).await.map(|(rate, _)| rate);
            match how {
                Drain::Framework => cells[0].push(rate),
                Drain::NoAck => cells[1].push(rate),
                Drain::Acking => raw_acked.push(rate),
                Drain::FrameworkPrefetch(_) => big_prefetch.push(rate),
            }
        }
    }
    queue.close().await;
    if let (Some(p), None) = (python, &missing) {
        for run in 0..plan.py_backlog_runs {
            eprintln!(
                "== backlog of {} events, run {}/{}: python",
                plan.py_backlog,
                run + 1,
                plan.py_backlog_runs
            );
            cells[2].push(python_backlog(p, plan.py_backlog).await);
        }
    }
    Ok(Backlog {
        cells,
        raw_acked,
        big_prefetch,
    })
}

/// The Python listener drains `n` events. Its handled count is read by RPC from the
/// service (every 20 ms); the rate is over the window from the first count read (the
/// service is up) to the count reaching `n`.
async fn python_backlog(python: &Python, n: u64) -> Result<f64, String> {
    let vhost = vhost("bench-backlog-py")?;
    let probe = cluster(&vhost).await?;
    {
        // Declares the queue.
        let mut server = python.nameko_run("BenchListener", &vhost.uri(), "")?;
        wait_count_ready(&probe, &mut server).await?;
        tokio::task::block_in_place(|| server.stop());
    }
    let publisher_conn = raw::connect(&vhost.uri()).await?;
    let publisher = raw::confirm_channel(&publisher_conn).await?;
    prepublish(&publisher, n).await?;
    let _ = publisher_conn.close(200, "OK".into()).await;
    let mut server = python.nameko_run("BenchListener", &vhost.uri(), "")?;
    let first = wait_count_ready(&probe, &mut server).await?;
    let start = Instant::now();
    let deadline = start + HANDLED_TIMEOUT;
    loop {
        let count: u64 = probe
            .service(LISTENER_SERVICE)
            .call::<Value>("count", ())
            .await
            .map_err(|e| e.to_string())?
            .as_u64()
            .unwrap_or(0);
        if count >= n {
            break;
        }
        server.check_alive()?;
        if Instant::now() > deadline {
            return Err(format!("python handled only {count} of {n} events"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    probe.close().await;
    tokio::task::block_in_place(|| server.stop());
    Ok((n - first.min(n)) as f64 / elapsed)
}
