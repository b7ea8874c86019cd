//! The scale curves (`--curves`): each framework implementation against its raw baseline
//! in the same run, point by point, the implementations alternated run by run:
//!
//! - `inflight`: RPC throughput, p50/p99 latency and peak RSS vs calls in flight;
//! - `payload`: the same vs payload size (10 calls in flight);
//! - `instances`: vs processes of one service sharing its queue;
//! - `services`: services in one runner: start time, RSS, AMQP connections and channels;
//! - `backlog`: draining a backlog of queued events, vs its size.
//!
//! Every point also gets the CPU split of its runs (server, driver, broker, the rest of
//! the machine), the evidence of what bounds the curve.

use std::process::Command;
use std::time::{Duration, Instant};

use nameko_amqp::{ClusterRpc, RpcError};
use nameko_benches::{ECHO_SERVICE, echo_service_name, payload};
use nameko_test_support::TestVhost;

use crate::curve::{Curve, Metric, PanelSpec, Sample, percentile_ms};
use crate::events::{BacklogQueue, Drain};
use crate::procs::{CpuProbe, Server, reset_peak_rss, scratch_dir, sibling, status_mib};
use crate::rpc::{self, Client, Subject};
use crate::table::Unit;

/// The curves, in the order they run.
pub(crate) const CURVES: [&str; 5] = ["inflight", "payload", "instances", "services", "backlog"];

/// Sizes and run counts of the curves.
#[derive(Debug, Clone)]
pub(crate) struct CurvePlan {
    pub(crate) runs: usize,
    pub(crate) quick: bool,
}

impl CurvePlan {
    fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }
}

fn metric(name: &'static str, short: &'static str, unit: Unit) -> Metric {
    Metric { name, short, unit }
}

fn panel(title: &'static str, y_label: &'static str, log_y: bool, metrics: &[usize]) -> PanelSpec {
    PanelSpec {
        title,
        y_label,
        log_y,
        metrics: metrics.to_vec(),
    }
}

fn thousands_label(n: u64) -> String {
    crate::table::Unit::Count.format(n as f64)
}

fn size_label(bytes: usize) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{} MB", b / 1_000_000),
        b if b >= 1_000 => format!("{} kB", b / 1_000),
        b => format!("{b} B"),
    }
}

/// Gives the free memory of the driver's heap back to the kernel, so that its RSS before a
/// run is its live memory, not what an earlier run left in malloc's free lists.
fn trim_driver_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own arenas; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// One RPC load on `client` while measuring `servers`: rate, p50, p99 (ms), the servers'
/// peak RSS over the run (the largest, MiB; `VmHWM` reset before it), the driver's peak
/// RSS growth over the run (MiB), and the CPU split.
async fn rpc_sample(
    servers: &[u32],
    client: &Client,
    calls: u64,
    in_flight: usize,
    size: Option<usize>,
) -> Sample {
    let me = std::process::id();
    trim_driver_heap();
    let reset: Result<(), String> = servers
        .iter()
        .chain(std::iter::once(&me))
        .try_for_each(|&pid| reset_peak_rss(pid));
    let driver_before = status_mib(me, "VmRSS");
    let probe = match CpuProbe::start(servers) {
        Ok(p) => p,
        Err(e) => return Sample::failed(5, &e),
    };
    let load = client.load(calls, in_flight, size).await;
    let cpu = probe.finish();
    let load = match load {
        Ok(l) => l,
        Err(e) => return Sample::failed(5, &e),
    };
    let server_peak = reset.clone().and_then(|()| {
        servers
            .iter()
            .map(|&pid| status_mib(pid, "VmHWM"))
            .try_fold(0.0f64, |max, v| Ok::<f64, String>(max.max(v?)))
    });
    let driver_growth = reset.and_then(|()| Ok(status_mib(me, "VmHWM")? - driver_before?));
    let pct = |p| percentile_ms(&load.latencies, p).ok_or_else(|| "no calls".to_owned());
    Sample {
        values: vec![
            Ok(load.rate),
            pct(50.0),
            pct(99.0),
            server_peak,
            driver_growth,
        ],
        cpu,
    }
}

const RPC_IMPLS: [&str; 2] = ["nameko-rs", "raw lapin"];

/// The RPC curves' metrics (the first five are [`rpc_sample`]'s).
fn rpc_metrics() -> Vec<Metric> {
    vec![
        metric("throughput", "", Unit::CallsPerSec),
        metric("p50", "p50", Unit::Millis),
        metric("p99", "p99", Unit::Millis),
        metric("server peak RSS", "server", Unit::Mib),
        metric("driver RSS growth", "driver growth", Unit::Mib),
    ]
}

async fn start_rpc_subjects() -> Result<[Subject; 2], String> {
    let framework = rpc::framework_subject(false).await?;
    let raw = rpc::raw_subject().await?;
    Ok([framework, raw])
}

/// RPC throughput, latency and memory vs calls in flight.
async fn inflight(plan: &CurvePlan) -> Result<Curve, String> {
    let points: [(usize, u64, u64); 5] = [
        (1, 3_000, 300),
        (10, 10_000, 1_000),
        (100, 20_000, 2_000),
        (1_000, 30_000, 3_000),
        (10_000, 50_000, 20_000),
    ];
    let mut curve = Curve::new(
        "inflight",
        "RPC vs calls in flight (ClusterRpc → bench-echo; raw lapin client → bench-raw-echo)"
            .to_owned(),
        "calls in flight",
        &points.map(|(k, _, _)| (k as f64, thousands_label(k as u64))),
        RPC_IMPLS.to_vec(),
        rpc_metrics(),
        vec![
            panel("throughput", "calls/s", false, &[0]),
            panel("latency (p50, p99)", "ms", true, &[1, 2]),
            panel("peak RSS (server; driver growth)", "MiB", false, &[3, 4]),
        ],
    );
    eprintln!("== curve inflight: starting the echo servers");
    let subjects = start_rpc_subjects().await?;
    let mut idle = Vec::new();
    for s in &subjects {
        s.client.load(plan.pick(1_000, 200), 100, None).await?;
        idle.push(s.server.rss_mib()?);
    }
    for (p, &(k, full, quick)) in points.iter().enumerate() {
        let calls = plan.pick(full, quick);
        for s in &subjects {
            s.client.load((calls / 10).max(k as u64), k, None).await?;
        }
        for run in 0..plan.runs {
            eprintln!(
                "== curve inflight: {k} in flight, {calls} calls, run {}/{}",
                run + 1,
                plan.runs
            );
            for (i, s) in subjects.iter().enumerate() {
                let sample = rpc_sample(&[s.server.pid()], &s.client, calls, k, None).await;
                curve.push(p, i, sample);
            }
        }
    }
    let last = points.len() - 1;
    for (i, name) in RPC_IMPLS.iter().enumerate() {
        let at = |p: usize| curve.median(p, i, 3);
        let per_1000 = |p: usize| {
            at(p).map_or_else(
                || "–".to_owned(),
                |m| {
                    let k = points[p].0 as f64 / 1000.0;
                    format!(
                        "{:.2} MiB ({:+.0} KiB per 1,000 in flight)",
                        m,
                        (m - idle[i]) * 1024.0 / k
                    )
                },
            )
        };
        let driver = |p: usize| {
            curve.median(p, i, 4).map_or_else(
                || "–".to_owned(),
                |m| {
                    let k = points[p].0 as f64 / 1000.0;
                    format!("{:.0} KiB per 1,000 in flight", m * 1024.0 / k)
                },
            )
        };
        curve.notes.push(format!(
            "RSS per 1,000 calls in flight, {name}: server idle {:.2} MiB; peak at 1,000 in \
             flight {}, at 10,000 {}. Driver (the client's pending calls) grows by {} at \
             1,000 and {} at 10,000.",
            idle[i],
            per_1000(last - 1),
            per_1000(last),
            driver(last - 1),
            driver(last),
        ));
    }
    for s in subjects {
        close_subject(s).await;
    }
    Ok(curve)
}

async fn close_subject(subject: Subject) {
    if let Client::Framework(c) = subject.client {
        c.close().await;
    }
}

/// RPC throughput, latency and the server's peak RSS vs payload size, 10 calls in flight.
async fn payload_curve(plan: &CurvePlan) -> Result<Curve, String> {
    const IN_FLIGHT: usize = 10;
    let points: [(usize, u64, u64); 5] = [
        (100, 10_000, 1_000),
        (10_000, 5_000, 500),
        (100_000, 2_000, 200),
        (1_000_000, 400, 50),
        (4_000_000, 100, 20),
    ];
    let mut metrics = rpc_metrics();
    metrics.insert(1, metric("payload", "", Unit::MbPerSec));
    let mut curve = Curve::new(
        "payload",
        format!(
            "RPC vs payload size ({IN_FLIGHT} calls in flight; the size of the JSON value \
             echoed, each way)"
        ),
        "payload",
        &points.map(|(b, _, _)| (b as f64, size_label(b))),
        RPC_IMPLS.to_vec(),
        metrics,
        vec![
            panel("throughput", "calls/s", true, &[0]),
            panel("latency (p50, p99)", "ms", true, &[2, 3]),
            panel("server peak RSS", "MiB", false, &[4]),
        ],
    );
    eprintln!("== curve payload: starting the echo servers");
    let subjects = start_rpc_subjects().await?;
    for (p, &(size, full, quick)) in points.iter().enumerate() {
        let calls = plan.pick(full, quick);
        for s in &subjects {
            s.client
                .load((calls / 10).max(IN_FLIGHT as u64), IN_FLIGHT, Some(size))
                .await?;
        }
        for run in 0..plan.runs {
            eprintln!(
                "== curve payload: {}, {calls} calls, run {}/{}",
                size_label(size),
                run + 1,
                plan.runs
            );
            for (i, s) in subjects.iter().enumerate() {
                let mut sample =
                    rpc_sample(&[s.server.pid()], &s.client, calls, IN_FLIGHT, Some(size)).await;
                let mb = sample.values[0].clone().map(|r| r * size as f64 / 1e6);
                sample.values.insert(1, mb);
                curve.push(p, i, sample);
            }
        }
    }
    for s in subjects {
        close_subject(s).await;
    }
    Ok(curve)
}

/// The consumer count of `queue` (a passive declare).
async fn consumers(admin: &lapin::Channel, queue: &str) -> Result<u32, String> {
    admin
        .queue_declare(
            queue.into(),
            lapin::options::QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            lapin::types::FieldTable::default(),
        )
        .await
        .map(|q| q.consumer_count())
        .map_err(|e| format!("queue.declare (passive) {queue}: {e}"))
}

/// `count` processes of the framework's or the raw echo server on one vhost, sharing the
/// queue; ready when the queue has `count` consumers.
async fn instances_subject(
    framework: bool,
    count: usize,
) -> Result<(Vec<Server>, Subject), String> {
    let mut subject = if framework {
        rpc::framework_subject(false).await?
    } else {
        rpc::raw_subject().await?
    };
    let mut extra = Vec::new();
    for _ in 1..count {
        extra.push(rpc::spawn_rust_server(framework, &subject.vhost.uri())?);
    }
    let admin_conn = nameko_benches::raw::connect(&subject.vhost.uri()).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let queue = nameko_amqp::wire::rpc_queue(ECHO_SERVICE);
    loop {
        let admin = admin_conn
            .create_channel()
            .await
            .map_err(|e| format!("channel.open: {e}"))?;
        let n = consumers(&admin, &queue).await?;
        let _ = admin.close(200, "OK".into()).await;
        if n as usize >= count {
            break;
        }
        subject.server.check_alive()?;
        for s in &mut extra {
            s.check_alive()?;
        }
        if Instant::now() > deadline {
            return Err(format!("{n} of {count} instances consuming after 30 s"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = admin_conn.close(200, "OK".into()).await;
    Ok((extra, subject))
}

/// RPC throughput and latency vs processes of one service sharing its queue.
async fn instances(plan: &CurvePlan) -> Result<Curve, String> {
    const IN_FLIGHT: usize = 100;
    let counts = [1usize, 2, 4];
    let mut curve = Curve::new(
        "instances",
        format!(
            "RPC vs instances of one service ({IN_FLIGHT} calls in flight; bench-echo or \
             bench-raw-echo processes sharing the queue, prefetch 10 each)"
        ),
        "instances",
        &counts.map(|c| (c as f64, c.to_string())),
        RPC_IMPLS.to_vec(),
        rpc_metrics(),
        vec![
            panel("throughput", "calls/s", false, &[0]),
            panel("latency (p50, p99)", "ms", true, &[1, 2]),
        ],
    );
    curve.x_log = false;
    let calls = plan.pick(20_000, 3_000);
    for (p, &count) in counts.iter().enumerate() {
        eprintln!("== curve instances: starting {count} of each server");
        let started = async {
            let framework = instances_subject(true, count).await?;
            let raw = instances_subject(false, count).await?;
            for (_, s) in [&framework, &raw] {
                s.client.load(calls / 5, IN_FLIGHT, None).await?;
            }
            Ok::<_, String>([framework, raw])
        };
        let groups = match started.await {
            Ok(g) => g,
            Err(e) => {
                eprintln!("curve instances: {count} instances failed: {e}");
                curve.fail(p, 0, &e);
                curve.fail(p, 1, &e);
                continue;
            }
        };
        for run in 0..plan.runs {
            eprintln!(
                "== curve instances: {count} instances, {calls} calls, run {}/{}",
                run + 1,
                plan.runs
            );
            for (i, (extra, s)) in groups.iter().enumerate() {
                let pids: Vec<u32> = std::iter::once(s.server.pid())
                    .chain(extra.iter().map(Server::pid))
                    .collect();
                let sample = rpc_sample(&pids, &s.client, calls, IN_FLIGHT, None).await;
                curve.push(p, i, sample);
            }
        }
        for (extra, s) in groups {
            drop(extra);
            close_subject(s).await;
        }
    }
    Ok(curve)
}

/// Counts the broker's connections and channels in `vhost` (`rabbitmqctl`).
fn broker_counts(vhost: &str) -> Result<(f64, f64), String> {
    let count = |what: &str| -> Result<f64, String> {
        let out = Command::new("rabbitmqctl")
            .args([what, "-q", "--no-table-headers", "vhost"])
            .output()
            .map_err(|e| format!("rabbitmqctl {what}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "rabbitmqctl {what}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.trim() == vhost)
            .count() as f64)
    };
    Ok((count("list_connections")?, count("list_channels")?))
}

/// Spawns a runner of `n` echo services (`bench-echo-many` or `bench-raw-echo URI n`) and
/// waits until every one answers a call from `cluster`: the time from the spawn (ms), its
/// RSS then (MiB), the connections and channels it opened, and the CPU split over the
/// start. The services' queues are deleted first, so the first calls come back
/// `UnknownService` until each is declared.
async fn start_many(
    framework: bool,
    n: usize,
    vhost: &TestVhost,
    cluster: &ClusterRpc,
    admin: &lapin::Channel,
) -> Sample {
    let fail = |e: String| Sample::failed(4, &e);
    for i in 0..n {
        if let Err(e) = admin
            .queue_delete(
                nameko_amqp::wire::rpc_queue(&echo_service_name(i))
                    .as_str()
                    .into(),
                lapin::options::QueueDeleteOptions::default(),
            )
            .await
        {
            return fail(format!("queue.delete: {e}"));
        }
    }
    let before = match tokio::task::block_in_place(|| broker_counts(vhost.name())) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let uri = vhost.uri();
    let (name, cmd) = if framework {
        let mut cmd = Command::new(sibling("bench-echo-many"));
        cmd.args(["--services", &n.to_string(), "--broker", &uri]);
        cmd.args(["--log-level", "warn"]);
        ("bench-echo-many", cmd)
    } else {
        let mut cmd = Command::new(sibling("bench-raw-echo"));
        cmd.args([uri.as_str(), &n.to_string()]);
        ("bench-raw-echo", cmd)
    };
    let dir = match scratch_dir(name) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let start = Instant::now();
    let mut server = match Server::spawn(name, dir, cmd) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let probe = match CpuProbe::start(&[server.pid()]) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    // One call at a time, service after service: with several calls in flight, some
    // returned (`UnknownService`) and some routed, lapin 4.12 can give a return to the
    // wrong publish when the broker acks several at once (`basic.ack` with `multiple`:
    // `Acknowledgements::complete_pending_before` pairs the queued returns with pending
    // tags in hash-map order), and a call to a service not there yet then waits for a
    // reply until its timeout. See benches/README.md.
    let deadline = start + Duration::from_secs(120);
    for i in 0..n {
        let service = echo_service_name(i);
        let value = payload(i as u64);
        loop {
            match cluster
                .service(&service)
                .call::<serde_json::Value>("echo", (&value,))
                .await
            {
                Ok(v) if v == value => break,
                Ok(v) => return fail(format!("{service} echoed {v}")),
                Err(RpcError::UnknownService(_)) => {}
                Err(e) => return fail(format!("{service}: {e}\n{}", server.output())),
            }
            if let Err(e) = server.check_alive() {
                return fail(e);
            }
            if Instant::now() > deadline {
                return fail(format!(
                    "{service} of {n} services not answering after 120 s"
                ));
            }
            // 1 ms polls for a fast start; then 10 ms, to leave the CPU to a slow one.
            let pause = if start.elapsed() < Duration::from_millis(500) {
                1
            } else {
                10
            };
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
    }
    let elapsed = start.elapsed().as_secs_f64() * 1e3;
    let cpu = probe.finish();
    let rss = server.rss_mib();
    let counts = tokio::task::block_in_place(|| broker_counts(vhost.name()));
    tokio::task::block_in_place(|| server.stop());
    let (connections, channels) = match counts {
        Ok((c, ch)) => (Ok(c - before.0), Ok(ch - before.1)),
        Err(e) => (Err(e.clone()), Err(e)),
    };
    Sample {
        values: vec![Ok(elapsed), rss, connections, channels],
        cpu,
    }
}

/// Services in one runner: start time to all answering, RSS, AMQP connections and
/// channels, vs the number of services.
async fn services(plan: &CurvePlan) -> Result<Curve, String> {
    let counts = [1usize, 10, 100];
    let mut curve = Curve::new(
        "services",
        "Services in one runner (bench-echo-many --services N: N `NamedEcho` services in one \
         `ServiceRunner`; bench-raw-echo URI N: N queues on one lapin connection)"
            .to_owned(),
        "services",
        &counts.map(|c| (c as f64, c.to_string())),
        vec!["nameko-rs", "raw lapin"],
        vec![
            metric("exec to all answering", "", Unit::Millis),
            metric("RSS", "", Unit::Mib),
            metric("AMQP connections", "connections", Unit::Count),
            metric("AMQP channels", "channels", Unit::Count),
        ],
        vec![
            panel("exec to all answering", "ms", true, &[0]),
            panel("RSS when all answer", "MiB", false, &[1]),
            panel("AMQP channels (connections)", "count", true, &[3, 2]),
        ],
    );
    let mut vhosts = Vec::new();
    for (framework, label) in [(true, "bench-many"), (false, "bench-many-raw")] {
        let vhost = TestVhost::create(label).map_err(|e| e.to_string())?;
        let cluster = rpc::cluster(&vhost.config()).await?;
        let admin_conn = nameko_benches::raw::connect(&vhost.uri()).await?;
        let admin = admin_conn
            .create_channel()
            .await
            .map_err(|e| format!("channel.open: {e}"))?;
        // A first start, not measured: page cache, broker-side exchange.
        let first = start_many(framework, 1, &vhost, &cluster, &admin).await;
        if let Some(Err(e)) = first.values.first() {
            return Err(e.clone());
        }
        vhosts.push((framework, vhost, cluster, admin_conn, admin));
    }
    for (p, &n) in counts.iter().enumerate() {
        for run in 0..plan.runs {
            eprintln!(
                "== curve services: {n} services, run {}/{}",
                run + 1,
                plan.runs
            );
            for (i, (framework, vhost, cluster, _, admin)) in vhosts.iter().enumerate() {
                let sample = start_many(*framework, n, vhost, cluster, admin).await;
                curve.push(p, i, sample);
            }
        }
    }
    for (i, name) in curve.impls.clone().iter().enumerate() {
        let (Some(one), Some(hundred)) = (curve.median(0, i, 1), curve.median(2, i, 1)) else {
            continue;
        };
        let (Some(t1), Some(t100)) = (curve.median(0, i, 0), curve.median(2, i, 0)) else {
            continue;
        };
        curve.notes.push(format!(
            "RSS per idle service, {name}: {:.0} KiB ((RSS at 100 − RSS at 1) / 99); start \
             time per service {:.2} ms.",
            (hundred - one) * 1024.0 / 99.0,
            (t100 - t1) / 99.0
        ));
    }
    for (_, _, cluster, admin_conn, _) in vhosts {
        cluster.close().await;
        let _ = admin_conn.close(200, "OK".into()).await;
    }
    Ok(curve)
}

/// Draining a backlog vs its size: the framework's handler, lapin no-ack, lapin acking.
async fn backlog(plan: &CurvePlan) -> Result<Curve, String> {
    let sizes: Vec<u64> = plan.pick(vec![100_000, 1_000_000], vec![10_000, 50_000]);
    let points: Vec<(f64, String)> = sizes
        .iter()
        .map(|&n| (n as f64, thousands_label(n)))
        .collect();
    let mut curve = Curve::new(
        "backlog",
        "Draining a backlog of queued events (the `service_pool` handler in a runner of the \
         driver's process, prefetch 10, ack each; lapin no-ack; lapin prefetch 10, ack each)"
            .to_owned(),
        "events queued",
        &points,
        vec!["nameko-rs", "lapin no-ack", "lapin acking"],
        vec![metric("drain rate", "", Unit::EventsPerSec)],
        vec![panel("drain rate", "events/s", false, &[0])],
    );
    let queue = BacklogQueue::declare().await?;
    let drains = [Drain::Framework, Drain::NoAck, Drain::Acking];
    for (p, &n) in sizes.iter().enumerate() {
        for run in 0..plan.runs {
            for (i, how) in drains.into_iter().enumerate() {
                eprintln!(
                    "== curve backlog: {n} events, run {}/{}: {how:?}",
                    run + 1,
                    plan.runs
                );
                let sample = match queue.drain(how, n).await {
                    Ok((rate, cpu)) => Sample {
                        values: vec![Ok(rate)],
                        cpu: Ok(cpu),
                    },
                    Err(e) => Sample::failed(1, &e),
                };
                curve.push(p, i, sample);
            }
        }
    }
    queue.close().await;
    Ok(curve)
}

/// Runs the curves named in `which` (all when empty) and returns them (a failed curve is
/// an error naming it).
pub(crate) async fn run(plan: &CurvePlan, which: &[String]) -> Vec<Result<Curve, String>> {
    let wanted = |id: &str| which.is_empty() || which.iter().any(|w| w == id || w == "all");
    let mut out = Vec::new();
    for id in CURVES {
        if !wanted(id) {
            continue;
        }
        let result = match id {
            "inflight" => inflight(plan).await,
            "payload" => payload_curve(plan).await,
            "instances" => instances(plan).await,
            "services" => services(plan).await,
            _ => backlog(plan).await,
        };
        out.push(result.map_err(|e| format!("curve `{id}` failed: {e}")));
    }
    out
}
