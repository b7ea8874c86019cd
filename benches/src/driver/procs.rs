//! Child processes (the servers under test), their CPU time and memory from `/proc`, and
//! the sibling binaries of the driver.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A binary built next to the driver (`target/release/<name>`).
pub(crate) fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("nameko-benches"));
    exe.with_file_name(name)
}

/// The server binaries the driver starts.
pub(crate) const SIBLINGS: [&str; 6] = [
    "bench-echo",
    "bench-echo-many",
    "bench-raw-echo",
    "bench-http",
    "bench-axum",
    "bench-echo-ops",
];

/// Builds the server binaries with the driver's profile when the driver was started by
/// `cargo run` (`cargo run` builds only the binary it runs), then checks they exist.
pub(crate) fn build_siblings() -> Result<(), String> {
    if let Some(cargo) = std::env::var_os("CARGO") {
        let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
        let profile_dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "nameko-benches", "--bins"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let profile = profile_dir.file_name().and_then(|n| n.to_str());
        if matches!(profile, Some("release" | "debug"))
            && let Some(target_dir) = profile_dir.parent()
        {
            cmd.arg("--target-dir").arg(target_dir);
        }
        eprintln!("building the server binaries (cargo build -p nameko-benches --bins)");
        let status = cmd
            .status()
            .map_err(|e| format!("cannot run cargo build: {e}"))?;
        if !status.success() {
            return Err(format!(
                "cargo build -p nameko-benches --bins failed ({status})"
            ));
        }
        // A build of its own: its features (metrics, otel) must not reach the plain
        // servers, and features are unified within one build.
        let mut ops = Command::new(cmd.get_program());
        ops.args(cmd.get_args().map(|a| {
            if a == "nameko-benches" {
                std::ffi::OsStr::new("nameko-bench-ops")
            } else {
                a
            }
        }));
        eprintln!("building bench-echo-ops (cargo build -p nameko-bench-ops)");
        let status = ops
            .status()
            .map_err(|e| format!("cannot run cargo build: {e}"))?;
        if !status.success() {
            return Err(format!("cargo build -p nameko-bench-ops failed ({status})"));
        }
    }
    for name in SIBLINGS {
        let path = sibling(name);
        if !path.is_file() {
            return Err(format!(
                "{} not found: run `cargo build --release -p nameko-benches --bins` and \
                 `cargo build --release -p nameko-bench-ops` first (or run the driver with \
                 `cargo run --release -p nameko-benches`)",
                path.display()
            ));
        }
    }
    Ok(())
}

/// A fresh scratch directory.
pub(crate) fn scratch_dir(label: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!(
        "nameko-bench-{label}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// A free TCP port on 127.0.0.1.
pub(crate) fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot find a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

/// A server process, with its output in a scratch directory; stopped when dropped.
#[derive(Debug)]
pub(crate) struct Server {
    child: std::process::Child,
    label: String,
    dir: PathBuf,
}

impl Server {
    /// Runs `cmd` with its stdout and stderr in files of `dir` (a [`scratch_dir`], removed
    /// when the server is dropped).
    pub(crate) fn spawn(label: &str, dir: PathBuf, mut cmd: Command) -> Result<Self, String> {
        let file = |name: &str| {
            std::fs::File::create(dir.join(name))
                .map_err(|e| format!("cannot create {}: {e}", dir.join(name).display()))
        };
        cmd.stdin(Stdio::null())
            .stdout(file("stdout.log")?)
            .stderr(file("stderr.log")?);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {label} ({cmd:?}): {e}"))?;
        Ok(Server {
            child,
            label: label.to_owned(),
            dir,
        })
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// An error if the process has exited, with its output.
    pub(crate) fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "{} exited ({status})\n{}",
                self.label,
                self.output()
            )),
            Err(e) => Err(format!("{}: {e}", self.label)),
        }
    }

    /// The last lines of the process's output.
    pub(crate) fn output(&self) -> String {
        let tail = |name: &str| {
            let text = std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(30)..].join("\n")
        };
        format!(
            "--- {} stdout ---\n{}\n--- {} stderr ---\n{}",
            self.label,
            tail("stdout.log"),
            self.label,
            tail("stderr.log")
        )
    }

    /// User + system CPU seconds of the process so far (`/proc/<pid>/stat`).
    pub(crate) fn cpu_seconds(&self) -> Result<f64, String> {
        cpu_seconds(self.pid())
    }

    /// Resident memory in MiB (`VmRSS` of `/proc/<pid>/status`).
    pub(crate) fn rss_mib(&self) -> Result<f64, String> {
        status_mib(self.pid(), "VmRSS")
    }

    /// Stops the process: SIGTERM, then SIGKILL after 10 s.
    pub(crate) fn stop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// User + system CPU seconds of process `pid` so far (`/proc/<pid>/stat`).
pub(crate) fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    // Fields after the command name (which may hold spaces), from field 3 (state).
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| format!("{path}: unexpected format"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> Result<f64, String> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .ok_or_else(|| format!("{path}: no field {n}"))
    };
    Ok((field(14)? + field(15)?) / clock_ticks())
}

/// A `kB` line of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in MiB.
pub(crate) fn status_mib(pid: u32, key: &str) -> Result<f64, String> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .ok_or_else(|| format!("{path}: no {key}"))
}

/// Resets the peak resident set size (`VmHWM`) of `pid` to its current RSS (writing 5
/// to `/proc/<pid>/clear_refs`, Linux 4.0+; needs to own the process or be root).
pub(crate) fn reset_peak_rss(pid: u32) -> Result<(), String> {
    let path = format!("/proc/{pid}/clear_refs");
    std::fs::write(&path, "5").map_err(|e| format!("{path}: {e}"))
}

/// The process id of this machine's RabbitMQ (`beam.smp`), if there is exactly one.
pub(crate) fn broker_pid() -> Option<u32> {
    let mut found = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "beam.smp" {
            if found.is_some() {
                return None;
            }
            found = Some(pid);
        }
    }
    found
}

/// Busy and total CPU seconds of the whole machine so far (`/proc/stat`, all CPUs).
fn machine_seconds() -> Result<(f64, f64), String> {
    let stat = std::fs::read_to_string("/proc/stat").map_err(|e| format!("/proc/stat: {e}"))?;
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .ok_or("/proc/stat: no cpu line")?;
    let ticks: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    if ticks.len() < 5 {
        return Err("/proc/stat: short cpu line".to_owned());
    }
    // user nice system idle iowait irq softirq steal (guest time is within user).
    let total: f64 = ticks.iter().take(8).sum();
    let idle = ticks[3] + ticks[4];
    Ok(((total - idle) / clock_ticks(), total / clock_ticks()))
}

/// Where the CPU went over a measured run: cores in use on average (CPU seconds over wall
/// seconds) by the servers, the driver (clients; in-process handlers), the broker and
/// everything else on the machine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CpuSplit {
    pub(crate) server: f64,
    pub(crate) driver: f64,
    pub(crate) broker: f64,
    pub(crate) other: f64,
}

/// CPU counters at the start of a run; [`CpuProbe::finish`] gives the [`CpuSplit`].
#[derive(Debug)]
pub(crate) struct CpuProbe {
    servers: Vec<u32>,
    broker: Option<u32>,
    start: Instant,
    at_start: [f64; 4],
}

impl CpuProbe {
    fn counters(servers: &[u32], broker: Option<u32>) -> Result<[f64; 4], String> {
        let mut server = 0.0;
        for &pid in servers {
            server += cpu_seconds(pid)?;
        }
        let driver = cpu_seconds(std::process::id())?;
        let broker = broker.map(cpu_seconds).transpose()?.unwrap_or(0.0);
        let (busy, _) = machine_seconds()?;
        Ok([server, driver, broker, busy])
    }

    /// Starts measuring; `servers` are the pids of the server processes (may be none).
    pub(crate) fn start(servers: &[u32]) -> Result<Self, String> {
        let broker = broker_pid();
        Ok(CpuProbe {
            servers: servers.to_vec(),
            broker,
            at_start: Self::counters(servers, broker)?,
            start: Instant::now(),
        })
    }

    /// The split since [`start`](Self::start).
    pub(crate) fn finish(&self) -> Result<CpuSplit, String> {
        let now = Self::counters(&self.servers, self.broker)?;
        let wall = self.start.elapsed().as_secs_f64().max(1e-6);
        let d = |i: usize| (now[i] - self.at_start[i]).max(0.0) / wall;
        let (server, driver, broker) = (d(0), d(1), d(2));
        Ok(CpuSplit {
            server,
            driver,
            broker,
            other: (d(3) - server - driver - broker).max(0.0),
        })
    }
}
