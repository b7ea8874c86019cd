//! Starting and stopping the `rabbitmq-server` processes of test nodes.
//!
//! A node `NAME@localhost` keeps all its state (config, mnesia, logs, pid file,
//! certificates) under `$NAMEKO_RABBIT_BASE/NAME` (default `/tmp/nameko-rabbit/NAME`),
//! made anew when it starts and deleted when it stops (kept, for its logs, when it fails
//! to start). It listens on 127.0.0.1 only, on ports from the OS unless told, and runs
//! through the same `rabbitmq-server` wrapper as the shared broker, which this module
//! never stops, reconfigures or clusters. A watchdog process (a few lines of `sh`) stops
//! the node should this process die without stopping it.
//!
//! Erlang cookie: on Debian, run as root, that wrapper (like `rabbitmqctl`'s) runs the
//! program as the `rabbitmq` user with `HOME=/var/lib/rabbitmq`, so the node, the shared
//! broker and every `rabbitmqctl` share `/var/lib/rabbitmq/.erlang.cookie`. The node's
//! directory is therefore owned by `rabbitmq` when we are root and that user exists.
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User};

use crate::certs::{self, CertFiles};
use crate::node::TestNodeError;

const HOST: &str = "localhost";

/// How long a node may take to listen, unless `NAMEKO_RABBIT_START_TIMEOUT` (seconds) says.
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(60);

/// What to start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StartOptions {
    pub(crate) tls: bool,
    pub(crate) amqp_port: Option<u16>,
    pub(crate) amqps_port: Option<u16>,
}

/// A node started by [`start`].
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) node: String,
    pub(crate) dir: PathBuf,
    pub(crate) amqp_port: u16,
    pub(crate) amqps_port: Option<u16>,
    pub(crate) certs: Option<CertFiles>,
    pub(crate) processes: Processes,
}

/// The processes of a started node that this process holds, and its ports.
#[derive(Debug)]
pub(crate) struct Processes {
    /// The `rabbitmq-server` wrapper.
    server: Child,
    /// Stops the node once its standard input, which only we hold, closes: when this
    /// process is gone without stopping the node.
    watchdog: Option<Child>,
    _ports: Ports,
}

impl Processes {
    /// After the node was stopped (`stopped`) or not: reaps the server and ends the
    /// watchdog. If the node is still there, the watchdog is left to stop it.
    pub(crate) fn finish(mut self, stopped: bool) {
        if let Some(mut watchdog) = self.watchdog.take()
            && stopped
        {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        // Else dropping it closes its input: it stops the node in the background.
        let _ = self.server.try_wait();
    }
}

/// The watchdog (`sh -c`, arguments: node, directory): waits until its input closes,
/// then stops the node (`rabbitmqctl stop`, then SIGKILL to whatever of it is left, found
/// by its environment as in [`node_pids`]) and removes the directory.
const WATCHDOG: &str = r#"read -r _ignored || true
rabbitmqctl -n "$1" -q stop -t 30 >/dev/null 2>&1
for f in $(grep -lszxF "RABBITMQ_NODENAME=$1" /proc/[0-9]*/environ); do
    pid=${f#/proc/}
    pid=${pid%/environ}
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = epmd ] || kill -KILL "$pid" 2>/dev/null
done
rm -rf -- "$2"
"#;

/// Ports given to the nodes of this process that still run.
static TAKEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

fn taken() -> MutexGuard<'static, BTreeSet<u16>> {
    TAKEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Ports reserved for one node (in [`TAKEN`]), released when dropped.
#[derive(Debug, Default)]
struct Ports(Vec<u16>);

impl Ports {
    /// Reserves `port`, chosen by the caller.
    fn keep(&mut self, port: u16) {
        taken().insert(port);
        self.0.push(port);
    }

    /// A port the OS hands out on 127.0.0.1, not taken by another node of this process.
    /// Its listener is held in `held` until every port of the node is chosen, so the
    /// node's ports differ.
    fn pick(&mut self, held: &mut Vec<TcpListener>) -> std::io::Result<u16> {
        loop {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
            let port = listener.local_addr()?.port();
            held.push(listener);
            if taken().insert(port) {
                self.0.push(port);
                return Ok(port);
            }
        }
    }
}

impl Ports {
    /// The AMQP port, the AMQPS port (with `tls`) and the Erlang distribution port of a
    /// node: the ones asked for, and free ones from the OS.
    fn for_node(&mut self, options: StartOptions) -> std::io::Result<(u16, Option<u16>, u16)> {
        let mut held = Vec::new();
        let mut port = |asked: Option<u16>| match asked {
            Some(port) => {
                self.keep(port);
                Ok(port)
            }
            None => self.pick(&mut held),
        };
        let amqp = port(options.amqp_port)?;
        let amqps = match options.tls {
            true => Some(port(options.amqps_port)?),
            false => None,
        };
        let dist = port(None)?;
        Ok((amqp, amqps, dist))
    }
}

impl Drop for Ports {
    fn drop(&mut self) {
        let mut taken = taken();
        for port in &self.0 {
            taken.remove(port);
        }
    }
}

fn base_dir() -> PathBuf {
    std::env::var_os("NAMEKO_RABBIT_BASE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/nameko-rabbit"))
}

fn start_timeout() -> Duration {
    std::env::var("NAMEKO_RABBIT_START_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(DEFAULT_START_TIMEOUT, Duration::from_secs)
}

/// `name` fit for a node name, and not the shared broker's.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "invalid node name '{name}' (use letters, digits, - and _)"
        ));
    }
    if name == "rabbit" {
        return Err(
            "refusing to manage node 'rabbit': that is the shared broker's name".to_owned(),
        );
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Something listens on `port` (of 127.0.0.1), or it cannot be bound there.
fn port_busy(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err()
}

fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

/// The processes of node `node` (beam.smp, erl_child_setup, the wrappers): the command
/// line does not name the node (RabbitMQ starts distribution itself), but the
/// environment it was started with does. epmd, which the node may have started and which
/// the shared broker uses too, is never included, nor is this process.
fn node_pids(node: &str) -> Vec<i32> {
    let wanted = format!("RABBITMQ_NODENAME={node}");
    let me = std::process::id();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(environ) = fs::read(entry.path().join("environ")) else {
            continue;
        };
        if !environ
            .split(|b| *b == 0)
            .any(|var| var == wanted.as_bytes())
        {
            continue;
        }
        let comm = fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim() == "epmd" {
            continue;
        }
        if let Ok(pid) = i32::try_from(pid) {
            pids.push(pid);
        }
    }
    pids
}

/// Runs `rabbitmqctl -n NODE ARGS...`; its output, or its error output and standard
/// output together.
fn ctl(node: &str, args: &[&str]) -> Result<String, String> {
    match Command::new("rabbitmqctl")
        .arg("-n")
        .arg(node)
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )),
        Err(e) => Err(format!("could not run rabbitmqctl: {e}")),
    }
}

/// Stops the processes of `node`: `rabbitmqctl stop`, then SIGTERM and SIGKILL to
/// whatever of it is left.
fn stop_processes(node: &str) -> Result<(), String> {
    if node_pids(node).is_empty() {
        return Ok(());
    }
    let _ = ctl(node, &["-q", "stop", "-t", "30"]);
    let mut pids = Vec::new();
    for i in 1..=50 {
        pids = node_pids(node);
        if pids.is_empty() {
            return Ok(());
        }
        let signal = match i {
            20 => Some(Signal::SIGTERM),
            40 => Some(Signal::SIGKILL),
            _ => None,
        };
        if let Some(signal) = signal {
            for pid in &pids {
                let _ = kill(Pid::from_raw(*pid), signal);
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let pids: Vec<String> = pids.iter().map(i32::to_string).collect();
    Err(format!("could not stop it (pids {})", pids.join(" ")))
}

fn remove_dir(dir: &Path) -> std::io::Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Stops node `NAME@localhost` if it runs and removes its directory; a node that is not
/// there is no error.
pub(crate) fn stop(name: &str) -> Result<(), TestNodeError> {
    let node = format!("{name}@{HOST}");
    let error = |reason: String| TestNodeError::Stop {
        node: node.clone(),
        reason,
    };
    check_name(name).map_err(error)?;
    stop_processes(&node).map_err(error)?;
    let dir = base_dir().join(name);
    remove_dir(&dir).map_err(|source| TestNodeError::Io {
        node: node.clone(),
        path: dir,
        source,
    })
}

/// A one-line reason from the node's logs: the listener that could not start, else the
/// first error it logged, else the VM's (or the wrapper's) last words.
fn failure_reason(dir: &Path, node: &str) -> String {
    let mut logs = String::new();
    for file in [
        dir.join("startup.log"),
        dir.join("log").join(format!("{node}.log")),
    ] {
        if let Ok(bytes) = fs::read(&file) {
            logs.push_str(&String::from_utf8_lossy(&bytes));
            logs.push('\n');
        }
    }
    if let Some(address) = failed_listener(&logs) {
        let reason = logs
            .split_once("for reason ")
            .map(|(_, rest)| {
                rest.chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect::<String>()
            })
            .unwrap_or_default();
        return format!("could not listen on {address}: {reason}");
    }
    let line = logs
        .lines()
        .find_map(|line| line.split_once("[error]").map(|(_, rest)| rest))
        .map(|rest| {
            let rest = rest.trim_start();
            match rest.strip_prefix('<').and_then(|r| r.split_once('>')) {
                Some((_, after)) => after,
                None => rest,
            }
        })
        .or_else(|| {
            logs.lines().rfind(|line| {
                [
                    "init terminating",
                    "Kernel pid terminated",
                    "error",
                    "Error",
                ]
                .iter()
                .any(|word| line.contains(word))
            })
        })
        .or_else(|| logs.lines().rfind(|line| !line.trim().is_empty()))
        .unwrap_or("");
    let line: String = line
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect();
    if line.is_empty() {
        "no reason found in the logs".to_owned()
    } else {
        line
    }
}

/// `127.0.0.1:5673` of a log's `Failed to start Ranch listener {acceptor,{127,0,0,1},5673}`.
fn failed_listener(logs: &str) -> Option<String> {
    let marker = "Failed to start Ranch listener {acceptor,{";
    let (_, rest) = logs.split_once(marker)?;
    let (ip, rest) = rest.split_once("},")?;
    let (port, _) = rest.split_once('}')?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !ip.split(',').all(digits) || !digits(port) {
        return None;
    }
    Some(format!("{}:{port}", ip.replace(',', ".")))
}

/// The user the server runs as, if not ourselves: `rabbitmq` when we are root and it
/// exists (the Debian wrappers switch to it).
fn server_user() -> Option<User> {
    if !Uid::current().is_root() {
        return None;
    }
    User::from_name("rabbitmq").ok().flatten()
}

/// `chown -R`, not following symbolic links.
fn chown_tree(path: &Path, uid: Uid, gid: Gid) -> std::io::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid.as_raw()), Some(gid.as_raw()))?;
    if fs::symlink_metadata(path)?.is_dir() {
        for entry in fs::read_dir(path)? {
            chown_tree(&entry?.path(), uid, gid)?;
        }
    }
    Ok(())
}

/// Two nodes started at once on a machine where no Erlang node ever ran would each create
/// the cookie; create it once, atomically, the way Erlang would (20 capital letters,
/// mode 400).
fn make_cookie_if_missing(user: &User) -> std::io::Result<()> {
    let cookie = user.dir.join(".erlang.cookie");
    if !user.dir.is_dir() || cookie.exists() {
        return Ok(());
    }
    let letters: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|u| *u.as_bytes())
        .take(20)
        .map(|b| b'A' + b % 26)
        .collect();
    let partial = user
        .dir
        .join(format!(".erlang.cookie.{}", uuid::Uuid::new_v4().simple()));
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o400)
        .open(&partial)
        .and_then(|mut file| file.write_all(&letters))
        .and_then(|()| {
            std::os::unix::fs::chown(&partial, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
        });
    // Another node may have made it meanwhile: then its cookie stays.
    let linked = written.and_then(|()| match fs::hard_link(&partial, &cookie) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    });
    let _ = fs::remove_file(&partial);
    linked
}

/// `rabbitmq.conf` of a node.
fn config(amqp_port: u16, tls: Option<(u16, &CertFiles)>) -> String {
    let mut lines = vec![
        format!("listeners.tcp.default = 127.0.0.1:{amqp_port}"),
        "loopback_users.guest = true".to_owned(),
        "log.file.level = info".to_owned(),
        "log.console = false".to_owned(),
    ];
    if let Some((port, certs)) = tls {
        lines.extend([
            format!("listeners.ssl.default = 127.0.0.1:{port}"),
            format!("ssl_options.cacertfile = {}", certs.ca.display()),
            format!("ssl_options.certfile = {}", certs.server_cert.display()),
            format!("ssl_options.keyfile = {}", certs.server_key.display()),
            "ssl_options.verify = verify_peer".to_owned(),
            "ssl_options.fail_if_no_peer_cert = false".to_owned(),
            "auth_mechanisms.1 = PLAIN".to_owned(),
            "auth_mechanisms.2 = AMQPLAIN".to_owned(),
            "auth_mechanisms.3 = EXTERNAL".to_owned(),
            "ssl_cert_login_from = common_name".to_owned(),
        ]);
    }
    lines.push(String::new());
    lines.join("\n")
}

/// Why node `node` cannot be started as asked, if it cannot.
fn check_can_start(name: &str, node: &str, options: StartOptions) -> Result<(), String> {
    check_name(name)?;
    if !on_path("rabbitmq-server") {
        return Err("rabbitmq-server is not installed (see scripts/ensure-rabbitmq)".to_owned());
    }
    if !node_pids(node).is_empty() {
        return Err("it is already running".to_owned());
    }
    let asked: Vec<u16> = [
        options.amqp_port,
        options.amqps_port.filter(|_| options.tls),
    ]
    .into_iter()
    .flatten()
    .collect();
    if asked.len() == 2 && asked[0] == asked[1] {
        return Err("the AMQP and AMQPS ports must differ".to_owned());
    }
    match asked.iter().find(|port| port_busy(**port)) {
        Some(port) => Err(format!("port {port} is already in use")),
        None => Ok(()),
    }
}

/// Makes the node's directory anew: `mnesia/`, `log/`, the certificates with
/// `amqps_port`, `rabbitmq.conf`, `enabled_plugins` and `rabbitmq-env.conf`, owned by
/// the user the server runs as.
fn prepare_dir(
    node: &str,
    dir: &Path,
    amqp_port: u16,
    amqps_port: Option<u16>,
) -> Result<Option<CertFiles>, TestNodeError> {
    let io = |path: &Path| {
        let (node, path) = (node.to_owned(), path.to_owned());
        move |source| TestNodeError::Io { node, path, source }
    };
    let base = base_dir();
    fs::create_dir_all(&base).map_err(io(&base))?;
    let _ = fs::set_permissions(&base, fs::Permissions::from_mode(0o755));
    remove_dir(dir).map_err(io(dir))?;
    for sub in ["mnesia", "log"] {
        let path = dir.join(sub);
        fs::create_dir_all(&path).map_err(io(&path))?;
    }
    let certs =
        match amqps_port {
            Some(_) => Some(certs::make(&dir.join("certs")).map_err(|source| {
                TestNodeError::Certificates {
                    node: node.to_owned(),
                    source,
                }
            })?),
            None => None,
        };
    let plugins = match certs {
        Some(_) => "[rabbitmq_auth_mechanism_ssl].\n",
        None => "[].\n",
    };
    // An env file of our own, so that /etc/rabbitmq/rabbitmq-env.conf (the shared broker's
    // node name) does not apply; the variables are given to the server as well.
    let env = format!("NODENAME={node}\nERL_EPMD_ADDRESS=127.0.0.1\n");
    for (file, contents) in [
        (
            "rabbitmq.conf",
            config(amqp_port, amqps_port.zip(certs.as_ref())),
        ),
        ("enabled_plugins", plugins.to_owned()),
        ("rabbitmq-env.conf", env),
    ] {
        let path = dir.join(file);
        fs::write(&path, contents).map_err(io(&path))?;
    }
    if let Some(user) = server_user() {
        chown_tree(dir, user.uid, user.gid).map_err(io(dir))?;
        make_cookie_if_missing(&user).map_err(io(&user.dir))?;
    }
    Ok(certs)
}

/// Starts `rabbitmq-server` for the node prepared in `dir`, and its watchdog.
fn spawn(node: &str, dir: &Path, dist_port: u16, ports: Ports) -> Result<Processes, TestNodeError> {
    let log = dir.join("startup.log");
    let io = |source| TestNodeError::Io {
        node: node.to_owned(),
        path: log.clone(),
        source,
    };
    let stdout = fs::File::create(&log).map_err(io)?;
    let stderr = stdout.try_clone().map_err(io)?;
    // A process group of its own (no terminal signals), no inherited input; the
    // variables go to the server only, not to our rabbitmqctl calls or the watchdog.
    let server = Command::new("rabbitmq-server")
        .env("RABBITMQ_NODENAME", node)
        .env("RABBITMQ_DIST_PORT", dist_port.to_string())
        .env("RABBITMQ_CONF_ENV_FILE", dir.join("rabbitmq-env.conf"))
        .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq.conf"))
        .env("RABBITMQ_ADVANCED_CONFIG_FILE", dir.join("advanced.config"))
        .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
        .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
        .env("RABBITMQ_LOG_BASE", dir.join("log"))
        .env("RABBITMQ_PID_FILE", dir.join("rabbitmq.pid"))
        .env(
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
            "-kernel inet_dist_use_interface {127,0,0,1}",
        )
        .env("ERL_EPMD_ADDRESS", "127.0.0.1")
        .env("ERL_CRASH_DUMP", dir.join("erl_crash.dump"))
        .env_remove("RABBITMQ_ENV_LOADED")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .map_err(|source| TestNodeError::Spawn {
            program: "rabbitmq-server".to_owned(),
            source,
        })?;
    let watchdog = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("watchdog")
        .arg(node)
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    if let Err(e) = &watchdog {
        tracing::warn!(node, "no watchdog for the test node: {e}");
    }
    Ok(Processes {
        server,
        // Without a watchdog the node is still stopped when dropped, only not when this
        // process dies first.
        watchdog: watchdog.ok(),
        _ports: ports,
    })
}

/// Waits until the node listens on its ports and `rabbitmqctl` reaches it; else why not.
fn wait_until_up(
    node: &str,
    dir: &Path,
    server: &mut Child,
    ports: (u16, Option<u16>),
    since: Instant,
) -> Result<(), String> {
    let (amqp_port, amqps_port) = ports;
    let failed = |why: &str| {
        format!(
            "{why}: {} (logs in {})",
            failure_reason(dir, node),
            dir.display()
        )
    };
    let timeout = start_timeout();
    loop {
        if !matches!(server.try_wait(), Ok(None)) {
            return Err(failed("failed to start"));
        }
        if since.elapsed() >= timeout {
            return Err(failed(&format!(
                "did not start within {} s",
                timeout.as_secs()
            )));
        }
        if port_open(amqp_port) && amqps_port.is_none_or(port_open) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // The listeners are up; make sure rabbitmqctl reaches the node (same cookie).
    let Err(out) = ctl(node, &["-q", "await_startup", "--timeout", "30"]) else {
        return Ok(());
    };
    std::thread::sleep(Duration::from_secs(1));
    if !matches!(server.try_wait(), Ok(None)) {
        return Err(failed("failed to start"));
    }
    let hint: Vec<&str> = out
        .lines()
        .filter(|line| {
            ["epmd reports", "cookie", "unable to"]
                .iter()
                .any(|w| line.contains(w))
        })
        .flat_map(str::split_whitespace)
        .collect();
    let hint: String = hint.join(" ").chars().take(300).collect();
    Err(format!(
        "it listens but rabbitmqctl cannot reach it (Erlang cookie?): {hint}"
    ))
}

/// Starts node `NAME@localhost` anew and waits until it accepts AMQP (and AMQPS)
/// connections and answers `rabbitmqctl`; on failure, the node is stopped and its
/// directory, with the logs, kept.
///
/// With `tls`, certificates are made (see [`certs`]) and an AMQPS listener is enabled
/// (`verify_peer`, `fail_if_no_peer_cert = false`) with the EXTERNAL mechanism
/// (`rabbitmq_auth_mechanism_ssl`, user name from the certificate's common name) next to
/// PLAIN and AMQPLAIN.
pub(crate) fn start(name: &str, options: StartOptions) -> Result<Started, TestNodeError> {
    let node = format!("{name}@{HOST}");
    let error = |reason: String| TestNodeError::Start {
        node: node.clone(),
        reason,
    };
    check_can_start(name, &node, options).map_err(error)?;
    let mut ports = Ports::default();
    let (amqp_port, amqps_port, dist_port) = ports
        .for_node(options)
        .map_err(|e| error(format!("no free port from the OS: {e}")))?;
    let dir = base_dir().join(name);
    let certs = prepare_dir(&node, &dir, amqp_port, amqps_port)?;
    let since = Instant::now();
    let mut processes = spawn(&node, &dir, dist_port, ports)?;
    let up = wait_until_up(
        &node,
        &dir,
        &mut processes.server,
        (amqp_port, amqps_port),
        since,
    );
    if let Err(reason) = up {
        processes.finish(stop_processes(&node).is_ok());
        return Err(error(reason));
    }
    Ok(Started {
        node,
        dir,
        amqp_port,
        amqps_port,
        certs,
        processes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("plain-1a2b_3").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").unwrap_err().contains("invalid node name"));
        assert!(check_name("rabbit").unwrap_err().contains("refusing"));
    }

    #[test]
    fn the_failed_listener_is_read_from_the_logs() {
        let logs = "2024 [error] <0.1.0> Failed to start Ranch listener \
                    {acceptor,{127,0,0,1},5673} in ranch_acceptors_sup:listen for reason eaddrinuse\n";
        assert_eq!(failed_listener(logs).as_deref(), Some("127.0.0.1:5673"));
        let dir = std::env::temp_dir().join(format!(
            "nameko-test-support-logs-{}",
            uuid::Uuid::new_v4().simple()
        ));
        fs::create_dir_all(dir.join("log")).unwrap_or_else(|e| panic!("{e}"));
        fs::write(dir.join("log").join("n@localhost.log"), logs).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            failure_reason(&dir, "n@localhost"),
            "could not listen on 127.0.0.1:5673: eaddrinuse"
        );
        fs::write(
            dir.join("startup.log"),
            "booting\n2024 [error] <0.2.0>   bad   config\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        fs::remove_file(dir.join("log").join("n@localhost.log")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(failure_reason(&dir, "n@localhost"), "bad config");
        fs::write(dir.join("startup.log"), "\nlast words\n\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(failure_reason(&dir, "n@localhost"), "last words");
        fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn ports_differ_and_are_released() {
        let mut held = Vec::new();
        let mut ports = Ports::default();
        let a = ports.pick(&mut held).unwrap_or_else(|e| panic!("{e}"));
        let b = ports.pick(&mut held).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a, b);
        assert!(taken().contains(&a) && taken().contains(&b));
        drop(ports);
        assert!(!taken().contains(&a) && !taken().contains(&b));
    }
}
