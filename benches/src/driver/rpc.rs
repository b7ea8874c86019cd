//! The RPC cases: sequential calls, calls with 100 in flight, the server's CPU time per
//! call and its resident memory after the load, and the time from exec to the first
//! answered call.

use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use nameko_amqp::{ClusterRpc, RpcError};
use nameko_benches::raw::{self, RawRpcClient, ReplyAcks};
use nameko_benches::{ECHO_METHOD, ECHO_SERVICE, payload, sized_payload};
use nameko_test_support::TestVhost;
use serde_json::Value;

use crate::Plan;
use crate::procs::{Server, free_port, scratch_dir, sibling};
use crate::python::{NO_VENV, Python, field};
use crate::table::Cell;

/// A client of the echo service.
pub(crate) enum Client {
    Framework(ClusterRpc),
    Raw {
        client: Box<RawRpcClient>,
        _conn: lapin::Connection,
    },
}

impl Client {
    async fn call(&self, n: u64) -> Result<(), String> {
        self.call_service(ECHO_SERVICE, n, None).await
    }

    /// Calls `service.echo` with call `n`'s value (`payload(n)`, or `sized_payload(n, size)`)
    /// and checks the echo: the same `n` and the same text length.
    pub(crate) async fn call_service(
        &self,
        service: &str,
        n: u64,
        size: Option<usize>,
    ) -> Result<(), String> {
        let value = match size {
            None => payload(n),
            Some(size) => sized_payload(n, size),
        };
        let out: Value = match self {
            Client::Framework(c) => c
                .service(service)
                .call(ECHO_METHOD, (&value,))
                .await
                .map_err(|e| e.to_string())?,
            Client::Raw { client: c, .. } => c.call(service, ECHO_METHOD, &value).await?,
        };
        let text_len = |v: &Value| v.get("text").and_then(Value::as_str).map(str::len);
        if out.get("n").and_then(Value::as_u64) == Some(n) && text_len(&out) == text_len(&value) {
            Ok(())
        } else {
            let shown: String = out.to_string().chars().take(200).collect();
            Err(format!("echo(n = {n}) returned {shown}"))
        }
    }

    /// `calls` calls of about `size` bytes each (`None`: the small payload), `in_flight` at
    /// a time, every echo checked; the rate and each call's latency.
    pub(crate) async fn load(
        &self,
        calls: u64,
        in_flight: usize,
        size: Option<usize>,
    ) -> Result<Load, String> {
        let start = Instant::now();
        let results = futures_util::stream::iter(0..calls)
            .map(|n| async move {
                let t = Instant::now();
                self.call_service(ECHO_SERVICE, n, size).await?;
                Ok::<Duration, String>(t.elapsed())
            })
            .buffer_unordered(in_flight.max(1));
        futures_util::pin_mut!(results);
        let mut latencies = Vec::with_capacity(calls as usize);
        while let Some(r) = results.next().await {
            latencies.push(r?);
        }
        Ok(Load {
            rate: calls as f64 / start.elapsed().as_secs_f64(),
            latencies,
        })
    }

    /// `calls` calls one after the other; calls per second.
    async fn sequential(&self, calls: u64) -> Result<f64, String> {
        let start = Instant::now();
        for n in 0..calls {
            self.call(n).await?;
        }
        Ok(calls as f64 / start.elapsed().as_secs_f64())
    }

    /// `calls` calls, `in_flight` at a time; calls per second.
    async fn in_flight(&self, calls: u64, in_flight: usize) -> Result<f64, String> {
        let start = Instant::now();
        let results = futures_util::stream::iter(0..calls)
            .map(|n| self.call(n))
            .buffer_unordered(in_flight);
        futures_util::pin_mut!(results);
        while let Some(r) = results.next().await {
            r?;
        }
        Ok(calls as f64 / start.elapsed().as_secs_f64())
    }
}

/// The outcome of [`Client::load`].
#[derive(Debug, Clone)]
pub(crate) struct Load {
    /// Calls per second.
    pub(crate) rate: f64,
    /// Each call's time from its publish to its checked reply.
    pub(crate) latencies: Vec<Duration>,
}

/// Starts `bench-echo` (framework) or `bench-raw-echo` (raw) on `uri`.
pub(crate) fn spawn_rust_server(framework: bool, uri: &str) -> Result<Server, String> {
    if framework {
        spawn_server_with("bench-echo", uri, &[])
    } else {
        let mut cmd = Command::new(sibling("bench-raw-echo"));
        cmd.arg(uri);
        Server::spawn(
            "bench-raw-echo (raw lapin)",
            scratch_dir("bench-raw-echo")?,
            cmd,
        )
    }
}

/// Starts the nameko-rs service binary `name` on `uri`, with `extra` arguments
/// (`--define key=value` pairs) after the common ones.
pub(crate) fn spawn_server_with(name: &str, uri: &str, extra: &[&str]) -> Result<Server, String> {
    let mut cmd = Command::new(sibling(name));
    cmd.args(["--broker", uri, "--log-level", "warn"])
        .args(extra);
    let label = if extra.is_empty() {
        format!("{name} (nameko-rs)")
    } else {
        format!("{name} {} (nameko-rs)", extra.join(" "))
    };
    Server::spawn(&label, scratch_dir(name)?, cmd)
}

/// Waits until `bench_echo` answers a call from `client` (30 s at most).
pub(crate) async fn wait_echo_ready(
    cluster: &ClusterRpc,
    server: &mut Server,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        server.check_alive()?;
        match cluster
            .service(ECHO_SERVICE)
            .call::<Value>(ECHO_METHOD, (payload(0),))
            .await
        {
            Ok(_) => return Ok(()),
            Err(RpcError::UnknownService(_) | RpcError::Timeout { .. }) => {}
            Err(e) => return Err(format!("echo service not ready: {e}")),
        }
        if Instant::now() > deadline {
            return Err(format!(
                "echo service not ready after 30 s\n{}",
                server.output()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) async fn cluster(uri_config: &nameko_core::Config) -> Result<ClusterRpc, String> {
    ClusterRpc::connect(uri_config)
        .await
        .map(|c| c.with_timeout(Duration::from_secs(30)))
        .map_err(|e| format!("ClusterRpc::connect: {e}"))
}

/// One implementation under test: its vhost, server and client.
pub(crate) struct Subject {
    pub(crate) server: Server,
    pub(crate) client: Client,
    pub(crate) vhost: TestVhost,
}

/// The msgpack settings of the msgpack subject's server and client (nothing else
/// accepted, so every message is msgpack).
const MSGPACK_DEFINES: [&str; 4] = [
    "--define",
    "serializer=msgpack",
    "--define",
    "ACCEPT=[msgpack]",
];

/// `bench-echo` and a `ClusterRpc`, both with the default serializer (JSON) or, when
/// `msgpack`, with `serializer: msgpack` and `ACCEPT: [msgpack]`.
pub(crate) async fn framework_subject(msgpack: bool) -> Result<Subject, String> {
    let vhost = TestVhost::create(if msgpack {
        "bench-rpc-msgpack"
    } else {
        "bench-rpc"
    })
    .map_err(|e| e.to_string())?;
    let mut config = vhost.config();
    let mut server = if msgpack {
        config = config
            .with("serializer", "msgpack")
            .with("ACCEPT", serde_json::json!(["msgpack"]));
        spawn_server_with("bench-echo", &vhost.uri(), &MSGPACK_DEFINES)?
    } else {
        spawn_rust_server(true, &vhost.uri())?
    };
    let cluster = cluster(&config).await?;
    wait_echo_ready(&cluster, &mut server).await?;
    Ok(Subject {
        server,
        client: Client::Framework(cluster),
        vhost,
    })
}

/// `bench-raw-echo` and a [`RawRpcClient`] acknowledging each reply, as Nameko.
pub(crate) async fn raw_subject() -> Result<Subject, String> {
    raw_subject_with(ReplyAcks::Each).await
}

/// `bench-raw-echo` and a [`RawRpcClient`] settling its replies as `acks` says.
pub(crate) async fn raw_subject_with(acks: ReplyAcks) -> Result<Subject, String> {
    let vhost = TestVhost::create(match acks {
        ReplyAcks::Each => "bench-rpc-raw",
        ReplyAcks::None => "bench-rpc-raw-noack",
    })
    .map_err(|e| e.to_string())?;
    let mut server = spawn_rust_server(false, &vhost.uri())?;
    {
        let probe = cluster(&vhost.config()).await?;
        wait_echo_ready(&probe, &mut server).await?;
        probe.close().await;
    }
    let conn = raw::connect(&vhost.uri()).await?;
    let client = RawRpcClient::start_with(&conn, acks).await?;
    Ok(Subject {
        server,
        client: Client::Raw {
            client: Box::new(client),
            _conn: conn,
        },
        vhost,
    })
}

/// What `bench-echo-ops` runs with, beyond metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ops {
    /// Metrics only.
    Metrics,
    /// Metrics, and JSON logs: the subscriber records every worker's span (its fields go
    /// on each line logged inside the worker).
    LogSpans,
    /// Metrics, and every span exported by the OpenTelemetry layer.
    Otel,
}

/// `bench-echo-ops` in mode `ops`, and its metrics address.
async fn ops_subject(ops: Ops) -> Result<(Subject, String), String> {
    let (vhost_name, label) = match ops {
        Ops::Metrics => ("bench-rpc-metrics", "bench-echo-ops (metrics)"),
        Ops::LogSpans => (
            "bench-rpc-log-spans",
            "bench-echo-ops --log-format json (metrics and worker spans)",
        ),
        Ops::Otel => (
            "bench-rpc-spans",
            "bench-echo-ops --spans (metrics and spans)",
        ),
    };
    let vhost = TestVhost::create(vhost_name).map_err(|e| e.to_string())?;
    let dir = scratch_dir("bench-echo-ops")?;
    let address = format!("127.0.0.1:{}", free_port()?);
    let config = dir.join("ops.yaml");
    std::fs::write(&config, format!("METRICS_ADDRESS: \"{address}\"\n"))
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let mut cmd = Command::new(sibling("bench-echo-ops"));
    match ops {
        Ops::Metrics => {}
        Ops::LogSpans => {
            cmd.args(["--log-format", "json"]);
        }
        Ops::Otel => {
            cmd.arg("--spans");
        }
    }
    cmd.args(["--broker", &vhost.uri(), "--log-level", "warn", "--config"])
        .arg(&config);
    let mut server = Server::spawn(label, dir, cmd)?;
    let cluster = cluster(&vhost.config()).await?;
    wait_echo_ready(&cluster, &mut server).await?;
    Ok((
        Subject {
            server,
            client: Client::Framework(cluster),
            vhost,
        },
        address,
    ))
}

/// `GET /metrics` from `address`: the value of the `echo` workers' call counter.
async fn scrape_echo_calls(address: &str) -> Result<f64, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect {address}: {e}"))?;
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| format!("GET /metrics: {e}"))?;
    let mut body = String::new();
    stream
        .read_to_string(&mut body)
        .await
        .map_err(|e| format!("GET /metrics: {e}"))?;
    body.lines()
        .find(|l| l.starts_with("nameko_worker_calls_total{") && l.contains("entrypoint=\"echo\""))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .ok_or_else(|| format!("no nameko_worker_calls_total for echo on {address}/metrics"))
}

/// Checks that an ops server did record what it served: its metrics count at least
/// `calls` echo workers, and (stopped) it exported at least `calls` spans when `spans`.
async fn check_ops(
    subject: &mut Subject,
    address: &str,
    calls: u64,
    spans: bool,
) -> Result<(), String> {
    let counted = scrape_echo_calls(address).await?;
    if counted < calls as f64 {
        return Err(format!(
            "metrics count {counted} echo calls of {calls} made"
        ));
    }
    if spans {
        tokio::task::block_in_place(|| subject.server.stop());
        let output = subject.server.output();
        let exported = output
            .lines()
            .find_map(|l| l.strip_prefix("exported spans: "))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .ok_or_else(|| {
                format!("bench-echo-ops did not say how many spans it exported\n{output}")
            })?;
        if exported < calls {
            return Err(format!("{exported} spans exported for {calls} calls"));
        }
        eprintln!("bench-echo-ops --spans: {exported} spans exported, {counted} calls counted");
    } else {
        eprintln!("bench-echo-ops: {counted} calls counted by its metrics");
    }
    Ok(())
}

struct PythonSubject {
    server: Server,
    python: Python,
    vhost: TestVhost,
}

async fn python_subject(python: &Python) -> Result<PythonSubject, String> {
    let vhost = TestVhost::create("bench-rpc-py").map_err(|e| e.to_string())?;
    let mut server = python.nameko_run("BenchEcho", &vhost.uri(), "")?;
    let probe = cluster(&vhost.config()).await?;
    wait_echo_ready(&probe, &mut server).await?;
    probe.close().await;
    Ok(PythonSubject {
        server,
        python: python.clone(),
        vhost,
    })
}

/// The results of the RPC cases: `[framework, raw, python]` each.
#[derive(Debug, Clone)]
pub(crate) struct RpcResults {
    pub(crate) sequential: [Cell; 3],
    pub(crate) in_flight: [Cell; 3],
    pub(crate) cpu_per_call_sequential: [Cell; 3],
    pub(crate) cpu_per_call_in_flight: [Cell; 3],
    pub(crate) rss: [Cell; 3],
    /// `[msgpack, raw lapin (JSON), –]`, sequential.
    pub(crate) sequential_msgpack: [Cell; 3],
    /// `[msgpack, raw lapin (JSON), –]`, 100 in flight.
    pub(crate) in_flight_msgpack: [Cell; 3],
    /// `[nameko-rs, raw lapin with no_ack replies, –]`, 100 in flight.
    pub(crate) in_flight_no_ack: [Cell; 3],
    /// `[metrics on, plain, –]`, 100 in flight.
    pub(crate) in_flight_metrics: [Cell; 3],
    /// `[metrics and worker spans (JSON logs), plain, –]`, 100 in flight.
    pub(crate) in_flight_log_spans: [Cell; 3],
    /// `[metrics and spans on, plain, –]`, 100 in flight.
    pub(crate) in_flight_spans: [Cell; 3],
    /// Server CPU per call, 100 in flight: `[metrics on, plain, –]`.
    pub(crate) cpu_per_call_metrics: [Cell; 3],
    /// Server CPU per call, 100 in flight: `[metrics and worker spans, plain, –]`.
    pub(crate) cpu_per_call_log_spans: [Cell; 3],
    /// Server CPU per call, 100 in flight: `[metrics and spans on, plain, –]`.
    pub(crate) cpu_per_call_spans: [Cell; 3],
}

fn cells(python_missing: Option<&str>) -> [Cell; 3] {
    [
        Cell::empty(),
        Cell::empty(),
        python_missing.map_or_else(Cell::empty, |why| Cell::Missing(why.to_owned())),
    ]
}

/// Runs a Rust subject's run and its server's CPU time per call, in µs.
async fn measured(
    subject: &Subject,
    calls: u64,
    in_flight: Option<usize>,
) -> (Result<f64, String>, Result<f64, String>) {
    let before = subject.server.cpu_seconds();
    let rate = match in_flight {
        None => subject.client.sequential(calls).await,
        Some(k) => subject.client.in_flight(calls, k).await,
    };
    let after = subject.server.cpu_seconds();
    let cpu = match (&rate, before, after) {
        (Ok(_), Ok(b), Ok(a)) => Ok((a - b) / calls as f64 * 1e6),
        (Err(e), _, _) => Err(e.clone()),
        (_, Err(e), _) | (_, _, Err(e)) => Err(e),
    };
    (rate, cpu)
}

async fn measured_python(
    subject: &PythonSubject,
    args: Vec<String>,
) -> (Result<f64, String>, Result<f64, String>) {
    let before = subject.server.cpu_seconds();
    let out = subject.python.client(&subject.vhost.uri(), &args).await;
    let after = subject.server.cpu_seconds();
    let out = match out {
        Ok(v) => v,
        Err(e) => return (Err(e.clone()), Err(e)),
    };
    let rate = field(&out, "calls").and_then(|c| Ok(c / field(&out, "elapsed")?));
    let cpu = match (before, after, field(&out, "total_calls")) {
        (Ok(b), Ok(a), Ok(total)) => Ok((a - b) / total * 1e6),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
    };
    (rate, cpu)
}

/// Runs the sequential and in-flight cases, interleaving the implementations run by run,
/// then reads each server's resident memory.
pub(crate) async fn run(plan: &Plan, python: Option<&Python>) -> Result<RpcResults, String> {
    eprintln!("== RPC: starting the echo servers");
    let framework = framework_subject(false).await?;
    let msgpack = framework_subject(true).await?;
    let raw = raw_subject().await?;
    let raw_no_ack = raw_subject_with(ReplyAcks::None).await?;
    let (mut metrics, metrics_address) = ops_subject(Ops::Metrics).await?;
    let (mut log_spans, log_spans_address) = ops_subject(Ops::LogSpans).await?;
    let (mut spans, spans_address) = ops_subject(Ops::Otel).await?;
    let mut py_missing = python.is_none().then(|| NO_VENV.to_owned());
    let py = match python {
        Some(p) if !plan.no_python => match python_subject(p).await {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("python echo service failed: {e}");
                py_missing = Some(format!("failed: {}", e.lines().next().unwrap_or("")));
                None
            }
        },
        _ => {
            if plan.no_python {
                py_missing = Some("skipped (--no-python)".to_owned());
            }
            None
        }
    };
    let mut results = RpcResults {
        sequential: cells(py_missing.as_deref()),
        in_flight: cells(py_missing.as_deref()),
        cpu_per_call_sequential: cells(py_missing.as_deref()),
        cpu_per_call_in_flight: cells(py_missing.as_deref()),
        rss: cells(py_missing.as_deref()),
        sequential_msgpack: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
        in_flight_msgpack: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
        in_flight_no_ack: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
        in_flight_metrics: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
        in_flight_log_spans: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
        in_flight_spans: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
        cpu_per_call_metrics: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
        cpu_per_call_log_spans: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
        cpu_per_call_spans: [Cell::empty(), Cell::empty(), Cell::Missing("–".to_owned())],
    };

    eprintln!("== RPC: warm-up");
    for s in [
        &framework,
        &msgpack,
        &raw,
        &raw_no_ack,
        &metrics,
        &log_spans,
        &spans,
    ] {
        s.client.sequential(plan.warmup_calls).await?;
        s.client
            .in_flight(plan.warmup_calls * 4, plan.in_flight)
            .await?;
    }

    for run in 0..plan.runs {
        eprintln!("== RPC sequential, run {}/{}", run + 1, plan.runs);
        for (i, s) in [&framework, &raw].into_iter().enumerate() {
            let (rate, cpu) = measured(s, plan.rpc_sequential_calls, None).await;
            if i == 1 {
                results.sequential_msgpack[1].push(rate.clone());
            }
            results.sequential[i].push(rate);
            results.cpu_per_call_sequential[i].push(cpu);
        }
        let (rate, _) = measured(&msgpack, plan.rpc_sequential_calls, None).await;
        results.sequential_msgpack[0].push(rate);
        if let Some(p) = &py {
            let args = vec![
                "rpc-seq".to_owned(),
                plan.py_rpc_sequential_calls.to_string(),
                plan.py_warmup_calls.to_string(),
            ];
            let (rate, cpu) = measured_python(p, args).await;
            results.sequential[2].push(rate);
            results.cpu_per_call_sequential[2].push(cpu);
        }
    }
    for run in 0..plan.runs {
        eprintln!(
            "== RPC {} in flight, run {}/{}",
            plan.in_flight,
            run + 1,
            plan.runs
        );
        for (i, s) in [&framework, &raw].into_iter().enumerate() {
            let (rate, cpu) = measured(s, plan.rpc_in_flight_calls, Some(plan.in_flight)).await;
            if i == 0 {
                // The plain run is the baseline of the operations rows.
                results.in_flight_metrics[1].push(rate.clone());
                results.in_flight_log_spans[1].push(rate.clone());
                results.in_flight_spans[1].push(rate.clone());
                results.cpu_per_call_metrics[1].push(cpu.clone());
                results.cpu_per_call_log_spans[1].push(cpu.clone());
                results.cpu_per_call_spans[1].push(cpu.clone());
            }
            if i == 0 {
                results.in_flight_no_ack[0].push(rate.clone());
            }
            if i == 1 {
                results.in_flight_msgpack[1].push(rate.clone());
            }
            results.in_flight[i].push(rate);
            results.cpu_per_call_in_flight[i].push(cpu);
        }
        let (rate, _) = measured(&msgpack, plan.rpc_in_flight_calls, Some(plan.in_flight)).await;
        results.in_flight_msgpack[0].push(rate);
        let (rate, _) = measured(&raw_no_ack, plan.rpc_in_flight_calls, Some(plan.in_flight)).await;
        results.in_flight_no_ack[1].push(rate);
        let (rate, cpu) = measured(&metrics, plan.rpc_in_flight_calls, Some(plan.in_flight)).await;
        results.in_flight_metrics[0].push(rate);
        results.cpu_per_call_metrics[0].push(cpu);
        let (rate, cpu) =
            measured(&log_spans, plan.rpc_in_flight_calls, Some(plan.in_flight)).await;
        results.in_flight_log_spans[0].push(rate);
        results.cpu_per_call_log_spans[0].push(cpu);
        let (rate, cpu) = measured(&spans, plan.rpc_in_flight_calls, Some(plan.in_flight)).await;
        results.in_flight_spans[0].push(rate);
        results.cpu_per_call_spans[0].push(cpu);
        if let Some(p) = &py {
            let args = vec![
                "rpc-inflight".to_owned(),
                plan.py_rpc_in_flight_calls.to_string(),
                plan.in_flight.to_string(),
                plan.py_warmup_calls.to_string(),
            ];
            let (rate, cpu) = measured_python(p, args).await;
            results.in_flight[2].push(rate);
            results.cpu_per_call_in_flight[2].push(cpu);
        }
    }
    let served = plan.warmup_calls * 5 + plan.rpc_in_flight_calls * plan.runs as u64;
    for (subject, address, ops) in [
        (&mut metrics, &metrics_address, Ops::Metrics),
        (&mut log_spans, &log_spans_address, Ops::LogSpans),
        (&mut spans, &spans_address, Ops::Otel),
    ] {
        if let Err(e) = check_ops(subject, address, served, ops == Ops::Otel).await {
            let failed = Cell::Missing(format!("failed: {e}"));
            let (rate, cpu) = match ops {
                Ops::Metrics => (
                    &mut results.in_flight_metrics[0],
                    &mut results.cpu_per_call_metrics[0],
                ),
                Ops::LogSpans => (
                    &mut results.in_flight_log_spans[0],
                    &mut results.cpu_per_call_log_spans[0],
                ),
                Ops::Otel => (
                    &mut results.in_flight_spans[0],
                    &mut results.cpu_per_call_spans[0],
                ),
            };
            *rate = failed.clone();
            *cpu = failed;
        }
    }
    results.rss[0].push(framework.server.rss_mib());
    results.rss[1].push(raw.server.rss_mib());
    if let Some(p) = &py {
        results.rss[2].push(p.server.rss_mib());
    }
    for subject in [framework, msgpack] {
        if let Client::Framework(c) = subject.client {
            c.close().await;
        }
    }
    Ok(results)
}

/// Deletes the echo queue of the vhost at `uri`, so that a new server starts from none.
async fn delete_echo_queue(admin: &lapin::Channel) -> Result<(), String> {
    admin
        .queue_delete(
            nameko_amqp::wire::rpc_queue(ECHO_SERVICE).as_str().into(),
            lapin::options::QueueDeleteOptions::default(),
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("queue.delete: {e}"))
}

/// Time from spawning the server to the first answered call, in ms. The client is
/// connected before the spawn; the echo queue does not exist yet, so the first calls come
/// back `UnknownService` (the broker returns them) until the server has declared it.
async fn exec_to_first_reply(
    cluster: &ClusterRpc,
    admin: &lapin::Channel,
    spawn: &dyn Fn() -> Result<Server, String>,
) -> Result<f64, String> {
    delete_echo_queue(admin).await?;
    let start = Instant::now();
    let mut server = spawn()?;
    let deadline = start + Duration::from_secs(60);
    let elapsed = loop {
        match cluster
            .service(ECHO_SERVICE)
            .call::<Value>(ECHO_METHOD, (payload(1),))
            .await
        {
            Ok(_) => break start.elapsed(),
            Err(RpcError::UnknownService(_)) => {
                // 1 ms polls for a fast start; then 10 ms, to leave the CPU to a slow one.
                let pause = if start.elapsed() < Duration::from_millis(200) {
                    1
                } else {
                    10
                };
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            Err(e) => return Err(format!("first call failed: {e}\n{}", server.output())),
        }
        server.check_alive()?;
        if Instant::now() > deadline {
            return Err(format!("no reply after 60 s\n{}", server.output()));
        }
    };
    tokio::task::block_in_place(|| server.stop());
    Ok(elapsed.as_secs_f64() * 1e3)
}

/// The exec-to-first-reply case: `[framework, raw, python]`.
pub(crate) async fn startup(plan: &Plan, python: Option<&Python>) -> Result<[Cell; 3], String> {
    let vhost = TestVhost::create("bench-startup").map_err(|e| e.to_string())?;
    let uri = vhost.uri();
    let cluster = cluster(&vhost.config()).await?;
    let admin_conn = raw::connect(&uri).await?;
    let admin = admin_conn
        .create_channel()
        .await
        .map_err(|e| format!("channel.open: {e}"))?;
    let python_missing = match python {
        None => Some(NO_VENV.to_owned()),
        Some(_) if plan.no_python => Some("skipped (--no-python)".to_owned()),
        Some(_) => None,
    };
    let mut cells = cells(python_missing.as_deref());
    let framework = || spawn_rust_server(true, &uri);
    let raw_server = || spawn_rust_server(false, &uri);
    let py_server = || match python {
        Some(p) => p.nameko_run("BenchEcho", &uri, ""),
        None => Err(NO_VENV.to_owned()),
    };
    // A first start of each, not measured: page cache, broker-side exchange.
    exec_to_first_reply(&cluster, &admin, &framework).await?;
    exec_to_first_reply(&cluster, &admin, &raw_server).await?;
    for run in 0..plan.runs {
        eprintln!("== exec to first RPC reply, run {}/{}", run + 1, plan.runs);
        cells[0].push(exec_to_first_reply(&cluster, &admin, &framework).await);
        cells[1].push(exec_to_first_reply(&cluster, &admin, &raw_server).await);
        if python_missing.is_none() {
            cells[2].push(exec_to_first_reply(&cluster, &admin, &py_server).await);
        }
    }
    cluster.close().await;
    let _ = admin_conn.close(200, "OK".into()).await;
    Ok(cells)
}
