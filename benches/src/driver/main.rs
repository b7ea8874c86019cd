//! The benchmark driver of nameko-rs: runs every case against raw lapin, bare axum and
//! (when its venv is there) Python Nameko 2.14, and prints a markdown table.
//!
//! ```text
//! cargo run --release -p nameko-benches -- [--quick] [--runs N] [--only CASES] [--no-python] [--no-curves]
//! cargo run --release -p nameko-benches -- --curves [CURVES] [--quick] [--runs N] [--out DIR]
//! ```
//!
//! A full run (no `--only`) runs the cases, then the curves (unless `--no-curves`).
//!
//! Progress goes to stderr, the machine description and the table to stdout. Needs
//! RabbitMQ on 127.0.0.1:5672 (or `NAMEKO_TEST_AMQP_URI`) managed by a working
//! `rabbitmqctl` (each case runs in a vhost of its own). See `benches/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod curve;
mod curves;
mod events;
mod http;
mod plot;
mod procs;
mod python;
mod rpc;
mod table;

use std::fmt::Write as _;
use std::process::{Command, ExitCode};

use clap::Parser;

use crate::python::Python;
use crate::table::{Cell, Row, Target, Unit};

/// Runs the benchmark suite and prints the table.
#[derive(Debug, Parser)]
#[command(about = "nameko-rs benchmarks against raw lapin, bare axum and Python Nameko")]
struct Args {
    /// Smaller sizes and 2 runs (1 for the backlog): a smoke test of a few minutes.
    #[arg(long)]
    quick: bool,
    /// Runs of each case (default 5, or 2 with --quick); the backlog takes 3/5 of them.
    #[arg(long, value_name = "N")]
    runs: Option<usize>,
    /// Only these cases (comma-separated): startup, rpc, events, backlog, http.
    #[arg(long, value_delimiter = ',', value_name = "CASES")]
    only: Vec<String>,
    /// Leave Python Nameko out even if its venv is there.
    #[arg(long)]
    no_python: bool,
    /// Leave the curves out of a full run (one without --only), which runs them after the
    /// cases.
    #[arg(long)]
    no_curves: bool,
    /// Run the scale curves instead of the cases: all, or these (comma-separated):
    /// inflight, payload, instances, services, backlog. 3 runs a point (1 with --quick).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CURVES",
        num_args = 0..=1,
        default_missing_value = "all"
    )]
    curves: Option<Vec<String>>,
    /// Where --curves writes its SVGs and `curves.md` (default: benches/curves of the
    /// source tree).
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

/// Sizes and run counts.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    runs: usize,
    backlog_runs: usize,
    py_backlog_runs: usize,
    warmup_calls: u64,
    py_warmup_calls: u64,
    rpc_sequential_calls: u64,
    py_rpc_sequential_calls: u64,
    rpc_in_flight_calls: u64,
    py_rpc_in_flight_calls: u64,
    in_flight: usize,
    warmup_events: u64,
    events: u64,
    py_events: u64,
    events_in_flight: usize,
    backlog: u64,
    py_backlog: u64,
    http_secs: u64,
    no_python: bool,
}

impl Plan {
    fn new(args: &Args) -> Self {
        let runs = args.runs.unwrap_or(if args.quick { 2 } else { 5 }).max(1);
        let q = |full: u64, quick: u64| if args.quick { quick } else { full };
        Plan {
            runs,
            backlog_runs: (runs * 3 / 5).max(1),
            py_backlog_runs: 1,
            warmup_calls: q(500, 200),
            py_warmup_calls: q(100, 50),
            rpc_sequential_calls: q(5_000, 1_000),
            py_rpc_sequential_calls: q(1_000, 200),
            rpc_in_flight_calls: q(30_000, 5_000),
            py_rpc_in_flight_calls: q(5_000, 1_000),
            in_flight: 100,
            warmup_events: q(2_000, 500),
            events: q(20_000, 5_000),
            py_events: q(2_000, 500),
            events_in_flight: 100,
            backlog: q(100_000, 20_000),
            py_backlog: q(20_000, 5_000),
            http_secs: q(5, 2),
            no_python: args.no_python,
        }
    }
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .trim()
            .to_owned()
    })
}

fn proc_field(path: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()?.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_owned())
    })
}

/// The machine and software the numbers come from, as markdown.
fn machine(python: &str, generator: &str) -> String {
    let unknown = || "unknown".to_owned();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| unknown());
    let model = proc_field("/proc/cpuinfo", "model name").unwrap_or_else(unknown);
    let ram = proc_field("/proc/meminfo", "MemTotal")
        .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(unknown);
    let rabbit = command_line("rabbitmqctl", &["version"]).unwrap_or_else(unknown);
    let rustc = command_line("rustc", &["--version"]).unwrap_or_else(unknown);
    let kernel = command_line("uname", &["-sr"]).unwrap_or_else(unknown);
    let date = command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(unknown);
    format!(
        "- date: {date}\n- CPU: {model}, {cpus} CPUs (nproc)\n- RAM: {ram}\n- kernel: {kernel}\n\
         - RabbitMQ {rabbit} on 127.0.0.1\n- {rustc}, release profile\n- Python: {python}\n\
         - HTTP load: {generator}\n"
    )
}

fn failed(e: &str) -> Cell {
    Cell::Missing(format!("failed: {}", e.lines().next().unwrap_or_default()))
}

fn failed3(e: &str) -> [Cell; 3] {
    [failed(e), failed(e), failed(e)]
}

fn skipped3() -> [Cell; 3] {
    let c = || Cell::Missing("not run (--only)".to_owned());
    [c(), c(), c()]
}

fn row(
    case: &str,
    unit: Unit,
    cells: [Cell; 3],
    baseline_name: &'static str,
    target: Target,
) -> Row {
    let [framework, baseline, python] = cells;
    Row {
        case: case.to_owned(),
        unit,
        framework,
        baseline_name,
        baseline,
        target,
        python,
    }
}

/// `--curves`: runs them, prints the machine and their tables, writes the SVGs and the
/// markdown into the output directory.
async fn run_curves(args: &Args, which: &[String]) -> ExitCode {
    let which: Vec<String> = which.iter().filter(|w| *w != "all").cloned().collect();
    if let Some(bad) = which.iter().find(|c| !curves::CURVES.contains(&c.as_str())) {
        eprintln!(
            "nameko-benches: error: unknown curve `{bad}` in --curves (curves: {})",
            curves::CURVES.join(", ")
        );
        return ExitCode::FAILURE;
    }
    let plan = curves::CurvePlan {
        runs: args.runs.unwrap_or(if args.quick { 1 } else { 3 }).max(1),
        quick: args.quick,
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("curves"));
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        eprintln!("nameko-benches: error: {}: {e}", out_dir.display());
        return ExitCode::FAILURE;
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for meaningful numbers");
    }
    if let Err(e) = procs::build_siblings() {
        eprintln!("nameko-benches: error: {e}");
        return ExitCode::FAILURE;
    }
    let started = std::time::Instant::now();
    let results = curves::run(&plan, &which).await;
    let mut markdown = format!(
        "## Machine\n\n{}\n## Curves ({} runs a point{}; {:.0} min)\n\n",
        machine("not run (--curves)", "–"),
        plan.runs,
        if plan.quick { ", --quick sizes" } else { "" },
        started.elapsed().as_secs_f64() / 60.0
    );
    let mut failed = false;
    for result in results {
        match result {
            Ok(curve) => {
                failed |= curve.has_failures();
                markdown.push_str(&curve.markdown());
                markdown.push('\n');
                let svg = plot::svg(&curve.title, &curve.plot_panels(), 520, 380);
                let path = out_dir.join(format!("{}.svg", curve.id));
                match svg.and_then(|s| {
                    std::fs::write(&path, s).map_err(|e| format!("{}: {e}", path.display()))
                }) {
                    Ok(()) => {
                        let _ = writeln!(markdown, "![{}]({}.svg)\n", curve.id, curve.id);
                        eprintln!("wrote {}", path.display());
                    }
                    Err(e) => {
                        failed = true;
                        eprintln!("nameko-benches: {e}");
                    }
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("nameko-benches: {e}");
                let _ = writeln!(markdown, "{e}\n");
            }
        }
    }
    println!("{markdown}");
    let md_path = out_dir.join("curves.md");
    if let Err(e) = std::fs::write(&md_path, &markdown) {
        eprintln!("nameko-benches: {}: {e}", md_path.display());
        failed = true;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(which) = &args.curves {
        return run_curves(&args, which).await;
    }
    let cases = run_cases(&args).await;
    // A full run (no --only) goes on with every curve.
    if !args.only.is_empty() || args.no_curves {
        return cases;
    }
    let curves = run_curves(&args, &["all".to_owned()]).await;
    if cases == ExitCode::SUCCESS && curves == ExitCode::SUCCESS {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The cases (all, or those of `--only`): prints the machine and their table.
async fn run_cases(args: &Args) -> ExitCode {
    const CASES: [&str; 5] = ["startup", "rpc", "events", "backlog", "http"];
    if let Some(bad) = args.only.iter().find(|c| !CASES.contains(&c.as_str())) {
        eprintln!(
            "nameko-benches: error: unknown case `{bad}` in --only (cases: {})",
            CASES.join(", ")
        );
        return ExitCode::FAILURE;
    }
    let plan = Plan::new(args);
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for meaningful numbers");
    }
    if let Err(e) = procs::build_siblings() {
        eprintln!("nameko-benches: error: {e}");
        return ExitCode::FAILURE;
    }
    let python = Python::find();
    if python.is_none() {
        eprintln!("note: {}", python::NO_VENV);
    }
    // The cases say "skipped" themselves when --no-python is given.
    let py = python.as_ref();
    let wanted = |case: &str| args.only.is_empty() || args.only.iter().any(|c| c == case);
    let mut errors = Vec::new();
    let mut record = |case: &str, e: String| {
        eprintln!("nameko-benches: case `{case}` failed: {e}");
        errors.push(case.to_owned());
        e
    };

    let startup = if wanted("startup") {
        rpc::startup(&plan, py)
            .await
            .unwrap_or_else(|e| failed3(&record("startup", e)))
    } else {
        skipped3()
    };
    let rpc = if wanted("rpc") {
        rpc::run(&plan, py).await.map_err(|e| record("rpc", e))
    } else {
        Err(String::new())
    };
    let (events, events_driver_cpu, events_broker_cpu) = if wanted("events") {
        match events::end_to_end(&plan, py).await {
            Ok(e) => (e.rate, e.driver_cpu, e.broker_cpu),
            Err(e) => {
                let e = record("events", e);
                (failed3(&e), failed3(&e), failed3(&e))
            }
        }
    } else {
        (skipped3(), skipped3(), skipped3())
    };
    let (backlog, backlog_raw_acked, backlog_big_prefetch) = if wanted("backlog") {
        match events::backlog(&plan, py).await {
            Ok(b) => (b.cells, b.raw_acked, b.big_prefetch),
            Err(e) => {
                let e = record("backlog", e);
                (failed3(&e), failed(&e), failed(&e))
            }
        }
    } else {
        let [a, b, ..] = skipped3();
        (skipped3(), a, b)
    };
    let none = || Cell::Missing("–".to_owned());
    let backlog_reference = [backlog[0].clone(), backlog_raw_acked, none()];
    let backlog_big_prefetch = [backlog_big_prefetch, backlog[1].clone(), none()];
    let four = |[a, b, c]: [Cell; 3]| {
        let d = a.clone();
        [a, b, c, d]
    };
    let (http, generator, http_loads) = if wanted("http") {
        match http::run(&plan, py).await {
            Ok(r) => (r.main, r.generator, r.other_loads),
            Err(e) => (four(failed3(&record("http", e))), "–", Vec::new()),
        }
    } else {
        (four(skipped3()), "–", Vec::new())
    };
    let [http_default, http_axum, http_python, http_untimed] = http;
    let http = [http_default, http_axum.clone(), http_python];
    let http_untimed = [http_untimed, http_axum, none()];
    let rpc_cells = |pick: fn(rpc::RpcResults) -> [Cell; 3]| match &rpc {
        Ok(r) => pick(r.clone()),
        Err(e) if e.is_empty() => skipped3(),
        Err(e) => failed3(e),
    };
    let k = plan.in_flight;
    let http_load_rows = http_loads.into_iter().map(|(load, [framework, axum])| {
        row(
            &format!(
                "HTTP hello world, `wrk -t{} -c{}` (header guard on)",
                load.threads, load.connections
            ),
            Unit::RequestsPerSec,
            [framework, axum, none()],
            "bare axum",
            Target::RatioAtLeast(0.90),
        )
    });
    let mut rows = vec![
        row(
            "RPC, sequential calls",
            Unit::CallsPerSec,
            rpc_cells(|r| r.sequential),
            "raw lapin",
            Target::RatioAtLeast(0.85),
        ),
        row(
            &format!("RPC, {k} calls in flight"),
            Unit::CallsPerSec,
            rpc_cells(|r| r.in_flight),
            "raw lapin",
            Target::RatioAtLeast(0.95),
        ),
        row(
            "RPC, sequential calls, msgpack (`serializer: msgpack` on both sides)",
            Unit::CallsPerSec,
            rpc_cells(|r| r.sequential_msgpack),
            "raw lapin (JSON)",
            Target::Reference,
        ),
        row(
            &format!("RPC, {k} calls in flight, msgpack (`serializer: msgpack` on both sides)"),
            Unit::CallsPerSec,
            rpc_cells(|r| r.in_flight_msgpack),
            "raw lapin (JSON)",
            Target::Reference,
        ),
        row(
            &format!(
                "RPC, {k} calls in flight, against a raw client that does not acknowledge \
                 its replies (`no_ack`; not Nameko's protocol, which acks each reply)"
            ),
            Unit::CallsPerSec,
            rpc_cells(|r| r.in_flight_no_ack),
            "raw lapin, no_ack replies",
            Target::Reference,
        ),
        row(
            &format!("RPC, {k} calls in flight, metrics on (`bench-echo-ops`)"),
            Unit::CallsPerSec,
            rpc_cells(|r| r.in_flight_metrics),
            "plain",
            Target::RatioAtLeast(0.95),
        ),
        row(
            &format!(
                "RPC, {k} calls in flight, metrics and worker spans on (`bench-echo-ops \
                 --log-format json`: the subscriber records every worker's span)"
            ),
            Unit::CallsPerSec,
            rpc_cells(|r| r.in_flight_log_spans),
            "plain",
            Target::RatioAtLeast(0.95),
        ),
        row(
            &format!(
                "RPC, {k} calls in flight, metrics and spans exported (`bench-echo-ops --spans`: \
                 OpenTelemetry layer, batch export)"
            ),
            Unit::CallsPerSec,
            rpc_cells(|r| r.in_flight_spans),
            "plain",
            Target::RatioAtLeast(0.95),
        ),
        row(
            &format!(
                "events with confirms, end to end ({} in flight)",
                plan.events_in_flight
            ),
            Unit::EventsPerSec,
            events,
            "raw lapin",
            Target::RatioAtLeast(0.95),
        ),
        row(
            "events end to end: CPU of the driver process per event (dispatcher and handler)",
            Unit::Micros,
            events_driver_cpu,
            "raw lapin",
            Target::Reference,
        ),
        row(
            "events end to end: CPU of the broker per event",
            Unit::Micros,
            events_broker_cpu,
            "raw lapin",
            Target::Reference,
        ),
        row(
            &format!("draining a backlog of {} events", plan.backlog),
            Unit::EventsPerSec,
            backlog,
            "lapin no-ack",
            Target::AtLeastAndRatio(15_000.0, 0.5),
        ),
        row(
            &format!(
                "draining a backlog of {} events, against lapin doing Nameko's protocol \
                 (prefetch 10, ack each; for reference)",
                plan.backlog
            ),
            Unit::EventsPerSec,
            backlog_reference,
            "lapin acking",
            Target::Reference,
        ),
        row(
            &format!(
                "draining a backlog of {} events with `PREFETCH_COUNT: {}` (max_workers 10; \
                 for reference)",
                plan.backlog,
                events::BIG_PREFETCH
            ),
            Unit::EventsPerSec,
            backlog_big_prefetch,
            "lapin no-ack",
            Target::Reference,
        ),
        row(
            "HTTP hello world, 20 connections",
            Unit::RequestsPerSec,
            http,
            "bare axum",
            Target::RatioAtLeast(0.90),
        ),
        row(
            "HTTP hello world, 20 connections, `WEB_HEADER_READ_TIMEOUT: false` (no header-read guard, like bare axum)",
            Unit::RequestsPerSec,
            http_untimed,
            "bare axum",
            Target::RatioAtLeast(0.80),
        ),
    ];
    rows.extend(http_load_rows);
    rows.extend(vec![
        row(
            "exec to first RPC reply",
            Unit::Millis,
            startup,
            "raw lapin",
            Target::AtMost(60.0),
        ),
        row(
            "RSS of the echo service after load",
            Unit::Mib,
            rpc_cells(|r| r.rss),
            "raw lapin",
            Target::AtMost(20.0),
        ),
        row(
            &format!("server CPU per RPC call ({k} in flight)"),
            Unit::Micros,
            rpc_cells(|r| r.cpu_per_call_in_flight),
            "raw lapin",
            Target::RatioAtMost(1.5),
        ),
        row(
            &format!("server CPU per RPC call ({k} in flight), metrics on"),
            Unit::Micros,
            rpc_cells(|r| r.cpu_per_call_metrics),
            "plain",
            Target::Reference,
        ),
        row(
            &format!("server CPU per RPC call ({k} in flight), metrics and worker spans on"),
            Unit::Micros,
            rpc_cells(|r| r.cpu_per_call_log_spans),
            "plain",
            Target::Reference,
        ),
        row(
            &format!("server CPU per RPC call ({k} in flight), metrics and spans exported"),
            Unit::Micros,
            rpc_cells(|r| r.cpu_per_call_spans),
            "plain",
            Target::Reference,
        ),
        row(
            "server CPU per RPC call (sequential)",
            Unit::Micros,
            rpc_cells(|r| r.cpu_per_call_sequential),
            "raw lapin",
            Target::RatioAtMost(1.5),
        ),
    ]);
    let python_note = match (py, plan.no_python) {
        (_, true) => "not run (--no-python)".to_owned(),
        (Some(p), false) => format!("{} (the venv of scripts/python-venv)", p.describe()),
        (None, false) => python::NO_VENV.to_owned(),
    };
    println!("## Machine\n\n{}", machine(&python_note, generator));
    println!(
        "## Results ({} runs; backlog {} runs)\n",
        plan.runs, plan.backlog_runs
    );
    println!("{}", table::render(&rows));
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("nameko-benches: failed cases: {}", errors.join(", "));
        ExitCode::FAILURE
    }
}
