//! The HTTP case: hello world under 20 connections, with `wrk -t2 -c20` (or, without wrk,
//! an in-crate load generator doing the same over 20 keep-alive connections), and the
//! framework against bare axum under more loads: wrk with 1 and 2 threads, 20 and 200
//! connections.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::Plan;
use crate::procs::{Server, free_port, scratch_dir, sibling};
use crate::python::{NO_VENV, Python};
use crate::table::Cell;

/// Connections of the load.
const CONNECTIONS: usize = 20;

/// A wrk load: threads and connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Load {
    /// `wrk -t`.
    pub(crate) threads: usize,
    /// `wrk -c`.
    pub(crate) connections: usize,
}

/// The main load (`wrk -t2 -c20`), measured for every server.
const MAIN_LOAD: Load = Load {
    threads: 2,
    connections: CONNECTIONS,
};

/// The other loads, measured with wrk for the framework (header guard on) and bare axum.
pub(crate) const OTHER_LOADS: [Load; 3] = [
    Load {
        threads: 1,
        connections: 20,
    },
    Load {
        threads: 1,
        connections: 200,
    },
    Load {
        threads: 2,
        connections: 200,
    },
];

/// Whether `wrk` is on the PATH.
pub(crate) fn have_wrk() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
}

const REQUEST: &[u8] = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/// Reads one response from `stream` (with `buf` holding bytes already read); returns its
/// status. Handles `content-length` bodies only, which is what hello world answers.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<u16, String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let status = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse::<u16>().ok())
                .ok_or_else(|| format!("bad response head: {head}"))?;
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            let total = end + 4 + length;
            while buf.len() < total {
                read_more(stream, buf).await?;
            }
            buf.drain(..total);
            return Ok(status);
        }
        read_more(stream, buf).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    let mut chunk = [0u8; 4096];
    let n = stream
        .read(&mut chunk)
        .await
        .map_err(|e| format!("read: {e}"))?;
    if n == 0 {
        return Err("connection closed".into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// One `GET /hello`; its status.
async fn get_once(port: u16) -> Result<u16, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream
        .write_all(REQUEST)
        .await
        .map_err(|e| format!("write: {e}"))?;
    read_response(&mut stream, &mut Vec::new()).await
}

async fn wait_ready(port: u16, server: &mut Server) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        server.check_alive()?;
        match get_once(port).await {
            Ok(200) => return Ok(()),
            Ok(status) => return Err(format!("GET /hello answered {status}")),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => {
                return Err(format!(
                    "server not ready after 60 s: {e}\n{}",
                    server.output()
                ));
            }
        }
    }
}

/// Requests per second of `wrk -t<threads> -c<connections> -d<secs>s`.
async fn wrk(port: u16, secs: u64, load: Load) -> Result<f64, String> {
    let url = format!("http://127.0.0.1:{port}/hello");
    let mut cmd = Command::new("wrk");
    cmd.args([
        &format!("-t{}", load.threads),
        &format!("-c{}", load.connections),
        &format!("-d{secs}s"),
        &url,
    ]);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| format!("wrk: {e}"))?
        .map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        return Err(format!("wrk failed: {text}"));
    }
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        return Err(format!("wrk saw errors: {text}"));
    }
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output: {text}"))
}

/// The in-crate load generator: 20 keep-alive connections, each sending the next request
/// when the previous answer arrived, for `secs` seconds; requests per second.
async fn load(port: u16, secs: u64) -> Result<f64, String> {
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let done = Arc::clone(&done);
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let _ = stream.set_nodelay(true);
            let mut buf = Vec::new();
            while Instant::now() < deadline {
                stream
                    .write_all(REQUEST)
                    .await
                    .map_err(|e| format!("write: {e}"))?;
                let status = read_response(&mut stream, &mut buf).await?;
                if status != 200 {
                    return Err(format!("GET /hello answered {status}"));
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

async fn measure(port: u16, secs: u64, use_wrk: bool) -> Result<f64, String> {
    if use_wrk {
        wrk(port, secs, MAIN_LOAD).await
    } else {
        load(port, secs).await
    }
}

/// `bench-http` on `port`, with `extra` config lines.
fn framework_server(port: u16, extra: &str) -> Result<Server, String> {
    let dir = scratch_dir("bench-http")?;
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        format!("WEB_SERVER_ADDRESS: \"127.0.0.1:{port}\"\n{extra}"),
    )
    .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let mut cmd = Command::new(sibling("bench-http"));
    cmd.arg("--config")
        .arg(&config)
        .args(["--log-level", "warn"]);
    Server::spawn("bench-http (nameko-rs)", dir, cmd)
}

fn axum_server(port: u16) -> Result<Server, String> {
    let mut cmd = Command::new(sibling("bench-axum"));
    cmd.arg(format!("127.0.0.1:{port}"));
    Server::spawn("bench-axum", scratch_dir("bench-axum")?, cmd)
}

/// What the HTTP case measured.
pub(crate) struct HttpResults {
    /// Under the main load: `[framework, axum, python, framework without a header read
    /// timer]`.
    pub(crate) main: [Cell; 4],
    /// Under each of [`OTHER_LOADS`]: `[framework, axum]` (empty without wrk).
    pub(crate) other_loads: Vec<(Load, [Cell; 2])>,
    /// The load generator of the main load.
    pub(crate) generator: &'static str,
}

/// The HTTP case.
pub(crate) async fn run(plan: &Plan, python: Option<&Python>) -> Result<HttpResults, String> {
    let use_wrk = have_wrk();
    let generator = if use_wrk {
        "wrk -t2 -c20"
    } else {
        "in-crate load generator, 20 connections (wrk not found)"
    };
    eprintln!("== HTTP: starting the servers (load: {generator})");
    // (server, port, index in `cells`)
    let mut servers = Vec::new();
    let port = free_port()?;
    let mut framework = framework_server(port, "")?;
    wait_ready(port, &mut framework).await?;
    servers.push((framework, port, 0));
    let port = free_port()?;
    let mut axum = axum_server(port)?;
    wait_ready(port, &mut axum).await?;
    servers.push((axum, port, 1));
    // Bare axum arms no timer for a request's head; nameko-web does by default.
    let port = free_port()?;
    let mut untimed = framework_server(port, "WEB_HEADER_READ_TIMEOUT: false\n")?;
    wait_ready(port, &mut untimed).await?;
    servers.push((untimed, port, 3));
    let mut cells = [Cell::empty(), Cell::empty(), Cell::empty(), Cell::empty()];
    match python {
        None => cells[2] = Cell::Missing(NO_VENV.to_owned()),
        Some(_) if plan.no_python => cells[2] = Cell::Missing("skipped (--no-python)".into()),
        Some(p) => {
            let port = free_port()?;
            let base = nameko_test_support::base_uri();
            let started = p.nameko_run(
                "BenchHello",
                &base,
                &format!("WEB_SERVER_ADDRESS: \"127.0.0.1:{port}\"\n"),
            );
            match started {
                Ok(mut s) => match wait_ready(port, &mut s).await {
                    Ok(()) => servers.push((s, port, 2)),
                    Err(e) => {
                        cells[2] =
                            Cell::Missing(format!("failed: {}", e.lines().next().unwrap_or("")));
                    }
                },
                Err(e) => cells[2] = Cell::Missing(format!("failed: {e}")),
            }
        }
    }
    for (_, port, _) in &servers {
        measure(*port, 1, use_wrk).await?;
    }
    let mut other_loads: Vec<(Load, [Cell; 2])> = if use_wrk {
        OTHER_LOADS
            .iter()
            .map(|&load| (load, [Cell::empty(), Cell::empty()]))
            .collect()
    } else {
        Vec::new()
    };
    for run in 0..plan.runs {
        eprintln!("== HTTP hello world, run {}/{}", run + 1, plan.runs);
        for (server, port, i) in &mut servers {
            let r = measure(*port, plan.http_secs, use_wrk).await;
            cells[*i].push(r.and_then(|v| server.check_alive().map(|()| v)));
        }
        for (load, cells) in &mut other_loads {
            eprintln!(
                "== HTTP hello world, wrk -t{} -c{}, run {}/{}",
                load.threads,
                load.connections,
                run + 1,
                plan.runs
            );
            // The framework (header guard on) and bare axum.
            for (server, port, i) in servers.iter_mut().filter(|(_, _, i)| *i < 2) {
                let r = wrk(*port, plan.http_secs, *load).await;
                cells[*i].push(r.and_then(|v| server.check_alive().map(|()| v)));
            }
        }
    }
    Ok(HttpResults {
        main: cells,
        other_loads,
        generator,
    })
}
