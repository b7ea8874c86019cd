//! The RPC cases: sequential calls, calls with 100 in flight, the server's CPU time per
//! call and its resident memory after the load, and the time from exec to the first
//! answered call.

use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use nameko_amqp::testing::TestVhost;
use nameko_amqp::{ClusterRpc, RpcError};
use nameko_benches::raw::{self, RawRpcClient};
use nameko_benches::{ECHO_METHOD, ECHO_SERVICE, payload};
use serde_json::Value;

use crate::Plan;
use crate::procs::{Server, scratch_dir, sibling};
use crate::python::{NO_VENV, Python, field};
use crate::table::Cell;

/// A client of the echo service.
enum Client {
    Framework(ClusterRpc),
    Raw {
        client: Box<RawRpcClient>,
        _conn: lapin::Connection,
    },
}

impl Client {
    async fn call(&self, n: u64) -> Result<(), String> {
        let out: Value = match self {
            Client::Framework(c) => c
                .service(ECHO_SERVICE)
                .call(ECHO_METHOD, (payload(n),))
                .await
                .map_err(|e| e.to_string())?,
            Client::Raw { client: c, .. } => c.call(ECHO_SERVICE, ECHO_METHOD, &payload(n)).await?,
        };
        if out.get("n").and_then(Value::as_u64) == Some(n) {
            Ok(())
        } else {
            Err(format!("echo({}) returned {out}", payload(n)))
        }
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

/// Starts `bench-echo` (framework) or `bench-raw-echo` (raw) on `uri`.
pub(crate) fn spawn_rust_server(framework: bool, uri: &str) -> Result<Server, String> {
    let (name, label) = if framework {
        ("bench-echo", "bench-echo (nameko-rs)")
    } else {
        ("bench-raw-echo", "bench-raw-echo (raw lapin)")
    };
    let mut cmd = Command::new(sibling(name));
    if framework {
        cmd.args(["--broker", uri, "--log-level", "warn"]);
    } else {
        cmd.arg(uri);
    }
    Server::spawn(label, scratch_dir(name)?, cmd)
}

/// Waits until `bench_echo` answers a call from `client` (30 s at most).
async fn wait_echo_ready(cluster: &ClusterRpc, server: &mut Server) -> Result<(), String> {
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

async fn cluster(uri_config: &nameko_core::Config) -> Result<ClusterRpc, String> {
    ClusterRpc::connect(uri_config)
        .await
        .map(|c| c.with_timeout(Duration::from_secs(30)))
        .map_err(|e| format!("ClusterRpc::connect: {e}"))
}

/// One implementation under test: its vhost, server and client.
struct Subject {
    server: Server,
    client: Client,
    _vhost: TestVhost,
}

async fn framework_subject() -> Result<Subject, String> {
    let vhost = TestVhost::create("bench-rpc").map_err(|e| e.to_string())?;
    let mut server = spawn_rust_server(true, &vhost.uri())?;
    let cluster = cluster(&vhost.config()).await?;
    wait_echo_ready(&cluster, &mut server).await?;
    Ok(Subject {
        server,
        client: Client::Framework(cluster),
        _vhost: vhost,
    })
}

async fn raw_subject() -> Result<Subject, String> {
    let vhost = TestVhost::create("bench-rpc-raw").map_err(|e| e.to_string())?;
    let mut server = spawn_rust_server(false, &vhost.uri())?;
    {
        let probe = cluster(&vhost.config()).await?;
        wait_echo_ready(&probe, &mut server).await?;
        probe.close().await;
    }
    let conn = raw::connect(&vhost.uri()).await?;
    let client = RawRpcClient::start(&conn).await?;
    Ok(Subject {
        server,
        client: Client::Raw {
            client: Box::new(client),
            _conn: conn,
        },
        _vhost: vhost,
    })
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
    let framework = framework_subject().await?;
    let raw = raw_subject().await?;
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
    };

    eprintln!("== RPC: warm-up");
    for s in [&framework, &raw] {
        s.client.sequential(plan.warmup_calls).await?;
        s.client
            .in_flight(plan.warmup_calls * 4, plan.in_flight)
            .await?;
    }

    for run in 0..plan.runs {
        eprintln!("== RPC sequential, run {}/{}", run + 1, plan.runs);
        for (i, s) in [&framework, &raw].into_iter().enumerate() {
            let (rate, cpu) = measured(s, plan.rpc_sequential_calls, None).await;
            results.sequential[i].push(rate);
            results.cpu_per_call_sequential[i].push(cpu);
        }
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
            results.in_flight[i].push(rate);
            results.cpu_per_call_in_flight[i].push(cpu);
        }
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
    results.rss[0].push(framework.server.rss_mib());
    results.rss[1].push(raw.server.rss_mib());
    if let Some(p) = &py {
        results.rss[2].push(p.server.rss_mib());
    }
    if let Client::Framework(c) = framework.client {
        c.close().await;
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
