//! RabbitMQ nodes and clusters of a test's own.
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::vhost::{QueueStats, parse_queue_stats};

/// The script that starts and stops test nodes.
fn node_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/rabbitmq-node")
}

/// How long `scripts/rabbitmq-node start` may take at most before it is killed. The script
/// gives up by itself after 60 s of waiting for the node (with a reason); this only
/// guards against a script that hangs elsewhere.
const START_DEADLINE: Duration = Duration::from_secs(150);

/// How long `scripts/rabbitmq-node stop` may take at most.
const STOP_DEADLINE: Duration = Duration::from_secs(60);

/// Why a test node could not be started, driven or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestNodeError {
    /// A program could not be run at all.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// `scripts/rabbitmq-node` failed.
    #[error("scripts/rabbitmq-node {command}: {reason}")]
    Script {
        /// The command line after the script's name.
        command: String,
        /// The script's error message.
        reason: String,
    },
    /// `scripts/rabbitmq-node` did not finish in time (and was killed).
    #[error("scripts/rabbitmq-node {command} did not finish within {} s", .limit.as_secs())]
    Timeout {
        /// The command line after the script's name.
        command: String,
        /// The time it had.
        limit: Duration,
    },
    /// `scripts/rabbitmq-node start` printed something unexpected.
    #[error("scripts/rabbitmq-node {command}: {problem} in its output: {output:?}")]
    Output {
        /// The command line after the script's name.
        command: String,
        /// What is wrong.
        problem: String,
        /// What it printed.
        output: String,
    },
    /// `rabbitmqctl` failed.
    #[error("rabbitmqctl -n {node} {args}: {reason}")]
    Ctl {
        /// The node.
        node: String,
        /// The arguments after the node.
        args: String,
        /// Its error message.
        reason: String,
    },
}

/// Runs `scripts/rabbitmq-node ARGS...` with a deadline; returns its stdout.
fn run_node_script(args: &[&str], deadline: Duration) -> Result<String, TestNodeError> {
    let script = node_script();
    let command = args.join(" ");
    let mut child = Command::new(&script)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| TestNodeError::Spawn {
            program: script.display().to_string(),
            source,
        })?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            text
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status {
        None => Err(TestNodeError::Timeout {
            command,
            limit: deadline,
        }),
        Some(status) if status.success() => Ok(stdout),
        Some(status) => {
            let reason = stderr
                .lines()
                .rev()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .map(|line| line.trim_start_matches("rabbitmq-node: ").to_owned())
                .unwrap_or_else(|| format!("exited with {status}"));
            Err(TestNodeError::Script { command, reason })
        }
    }
}

/// Options of [`TestNode::start`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeOptions {
    /// Also listen for AMQPS, with a CA, server and client certificates made for the node
    /// (see [`TestNode::amqps_uri`] and [`TestNode::ca_cert`]). The EXTERNAL mechanism is
    /// enabled: the client certificate's common name is `guest`.
    pub tls: bool,
    /// The AMQP port; by default the script picks a free one (see `scripts/rabbitmq-node`:
    /// from 5673 up, below the ephemeral range, never one another test node took).
    pub amqp_port: Option<u16>,
    /// The AMQPS port (with `tls`); picked like `amqp_port` by default.
    pub amqps_port: Option<u16>,
}

/// A RabbitMQ node of one test's own, stopped (and its state deleted) when dropped.
///
/// Started by `scripts/rabbitmq-node` as `<name>-<random>@localhost`, listening on
/// 127.0.0.1 only, on ports no other test node uses, with an empty state and the
/// `guest`/`guest` user. Should the test process die without dropping it, the script's
/// watchdog stops the node within seconds.
#[derive(Debug)]
pub struct TestNode {
    name: String,
    node: String,
    amqp_port: u16,
    amqps_port: Option<u16>,
    dir: PathBuf,
    ca_cert: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    client_pkcs12: Option<(PathBuf, String)>,
    start_duration: Duration,
    stopped: bool,
}

/// `name` made fit for a node name (letters, digits, `-`, `_`), with a random suffix so
/// that tests running at once never share a node.
fn unique_node_name(name: &str) -> String {
    let base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let suffix = suffix.get(..8).unwrap_or(&suffix);
    if base.is_empty() {
        format!("test-{suffix}")
    } else {
        format!("{base}-{suffix}")
    }
}

impl TestNode {
    /// Starts a node named `<name>-<random>` and waits until it accepts connections
    /// (typically 3 to 10 seconds; the script gives up after 60 s, saying why).
    pub fn start(name: &str, options: NodeOptions) -> Result<Self, TestNodeError> {
        let name = unique_node_name(name);
        let owner = std::process::id().to_string();
        let mut args = vec!["start", name.as_str(), "--owner-pid", owner.as_str()];
        if options.tls {
            args.push("--tls");
        }
        let amqp_port = options.amqp_port.map(|port| port.to_string());
        if let Some(port) = &amqp_port {
            args.extend(["--port", port.as_str()]);
        }
        let amqps_port = options.amqps_port.map(|port| port.to_string());
        if let Some(port) = &amqps_port {
            args.extend(["--tls-port", port.as_str()]);
        }
        let command = args.join(" ");
        let started = Instant::now();
        let output = match run_node_script(&args, START_DEADLINE) {
            Ok(output) => output,
            Err(e) => {
                if let TestNodeError::Timeout { .. } = e {
                    // The script was killed before it could clean up.
                    let _ = run_node_script(&["stop", &name], STOP_DEADLINE);
                }
                return Err(e);
            }
        };
        let start_duration = started.elapsed();
        let mut node = TestNode {
            name,
            node: String::new(),
            amqp_port: 0,
            amqps_port: None,
            dir: PathBuf::new(),
            ca_cert: None,
            client_cert: None,
            client_key: None,
            client_pkcs12: None,
            start_duration,
            // Until the output is understood, dropping it must still stop the node.
            stopped: false,
        };
        node.read_start_output(&command, &output, options)?;
        Ok(node)
    }

    fn read_start_output(
        &mut self,
        command: &str,
        output: &str,
        options: NodeOptions,
    ) -> Result<(), TestNodeError> {
        let fields: HashMap<&str, &str> = output
            .lines()
            .filter_map(|line| line.split_once('='))
            .collect();
        let problem = |problem: String| TestNodeError::Output {
            command: command.to_owned(),
            problem,
            output: output.to_owned(),
        };
        let text = |key: &str| {
            fields
                .get(key)
                .map(|value| (*value).to_owned())
                .ok_or_else(|| problem(format!("no `{key}=`")))
        };
        let port = |key: &str| {
            text(key)?
                .parse::<u16>()
                .map_err(|_| problem(format!("a bad `{key}=`")))
        };
        self.node = text("node")?;
        self.amqp_port = port("amqp_port")?;
        self.dir = PathBuf::from(text("dir")?);
        if options.tls {
            self.amqps_port = Some(port("amqps_port")?);
            self.ca_cert = Some(PathBuf::from(text("ca")?));
            self.client_cert = Some(PathBuf::from(text("client_cert")?));
            self.client_key = Some(PathBuf::from(text("client_key")?));
            if let (Some(path), Some(password)) =
                (fields.get("client_p12"), fields.get("client_p12_password"))
            {
                self.client_pkcs12 = Some((PathBuf::from(path), (*password).to_owned()));
            }
        }
        Ok(())
    }

    /// The Erlang node name, e.g. `reconnect-1a2b3c4d@localhost` (for `rabbitmqctl -n`).
    pub fn node_name(&self) -> &str {
        &self.node
    }

    /// The AMQP port (on 127.0.0.1).
    pub fn amqp_port(&self) -> u16 {
        self.amqp_port
    }

    /// The AMQPS port (on 127.0.0.1), if started with [`NodeOptions::tls`].
    pub fn amqps_port(&self) -> Option<u16> {
        self.amqps_port
    }

    /// `amqp://guest:guest@127.0.0.1:<port>/`: the default vhost `/` for nameko-amqp
    /// (and Python nameko), which read an empty vhost as `/`; see
    /// [`TestNode::amqp_uri_for_vhost`] for a URI to give lapin itself.
    pub fn amqp_uri(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/", self.amqp_port)
    }

    /// `amqp://guest:guest@127.0.0.1:<port>/<vhost>`, the vhost percent-encoded
    /// (`"/"` gives `.../%2F`, which lapin itself reads as the `/` vhost, while it reads
    /// the bare trailing `/` of [`TestNode::amqp_uri`] as the vhost `""`).
    pub fn amqp_uri_for_vhost(&self, vhost: &str) -> String {
        let mut encoded = String::new();
        for byte in vhost.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                encoded.push(char::from(byte));
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
        format!("amqp://guest:guest@127.0.0.1:{}/{encoded}", self.amqp_port)
    }

    /// `amqps://guest:guest@localhost:<port>/`, if started with [`NodeOptions::tls`].
    /// The server certificate names both `localhost` and `127.0.0.1`.
    pub fn amqps_uri(&self) -> Option<String> {
        self.amqps_port
            .map(|port| format!("amqps://guest:guest@localhost:{port}/"))
    }

    /// The PEM file of the CA that signed the server and client certificates.
    pub fn ca_cert(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// The PEM client certificate (common name `guest`, for the EXTERNAL mechanism).
    pub fn client_cert(&self) -> Option<&Path> {
        self.client_cert.as_deref()
    }

    /// The PEM (PKCS#8) key of [`TestNode::client_cert`].
    pub fn client_key(&self) -> Option<&Path> {
        self.client_key.as_deref()
    }

    /// The client certificate, its key and the CA as a PKCS#12 file, with its password.
    pub fn client_pkcs12(&self) -> Option<(&Path, &str)> {
        self.client_pkcs12
            .as_ref()
            .map(|(path, password)| (path.as_path(), password.as_str()))
    }

    /// The directory with all of the node's state, logs (`log/`) and certificates.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How long [`TestNode::start`] took.
    pub fn start_duration(&self) -> Duration {
        self.start_duration
    }

    /// Runs `rabbitmqctl -n <node> ARGS...` and returns its standard output.
    pub fn ctl(&self, args: &[&str]) -> Result<String, TestNodeError> {
        let out = Command::new("rabbitmqctl")
            .arg("-n")
            .arg(&self.node)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| TestNodeError::Spawn {
                program: "rabbitmqctl".to_owned(),
                source,
            })?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let reason = stderr
                .lines()
                .chain(stdout.lines())
                .map(str::trim)
                .filter(|line| !line.is_empty() && *line != "Error:")
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            Err(TestNodeError::Ctl {
                node: self.node.clone(),
                args: args.join(" "),
                reason: if reason.is_empty() {
                    format!("exited with {}", out.status)
                } else {
                    reason
                },
            })
        }
    }

    /// Stops the RabbitMQ application (`rabbitmqctl stop_app`): every connection is
    /// closed and the listeners go away, the Erlang node stays up.
    pub fn stop_app(&self) -> Result<(), TestNodeError> {
        self.ctl(&["stop_app"]).map(drop)
    }

    /// Starts the RabbitMQ application again after [`TestNode::stop_app`]; returns once
    /// it accepts connections again.
    pub fn start_app(&self) -> Result<(), TestNodeError> {
        self.ctl(&["start_app"])?;
        self.ctl(&["await_startup"]).map(drop)
    }

    /// Closes every client connection (`rabbitmqctl close_all_connections`); clients see
    /// a connection.close with reply code 320 (CONNECTION_FORCED).
    pub fn close_all_connections(&self) -> Result<(), TestNodeError> {
        self.ctl(&["close_all_connections", "closed by a test"])
            .map(drop)
    }

    /// Messages ready, messages delivered but not acknowledged, and consumers of `queue`
    /// in `vhost`, or `None` if there is no such queue (like [`TestVhost::queue_stats`](crate::TestVhost::queue_stats)).
    pub fn queue_stats(
        &self,
        vhost: &str,
        queue: &str,
    ) -> Result<Option<QueueStats>, TestNodeError> {
        let out = self.ctl(&[
            "list_queues",
            "-p",
            vhost,
            "name",
            "messages_ready",
            "messages_unacknowledged",
            "consumers",
            "--quiet",
            "--no-table-headers",
        ])?;
        Ok(parse_queue_stats(&out, queue))
    }

    /// Stops the node and deletes its directory.
    pub fn stop(mut self) -> Result<(), TestNodeError> {
        self.stopped = true;
        run_node_script(&["stop", &self.name], STOP_DEADLINE).map(drop)
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if !self.stopped
            && let Err(e) = run_node_script(&["stop", &self.name], STOP_DEADLINE)
        {
            eprintln!("warning: could not stop test node {}: {e}", self.name);
        }
    }
}

/// Three [`TestNode`]s clustered together (`join_cluster`), all stopped when dropped.
///
/// Nodes 2 and 3 joined node 1 as disc nodes; each has its own AMQP port.
#[derive(Debug)]
pub struct TestCluster {
    nodes: Vec<TestNode>,
}

impl TestCluster {
    /// How many nodes [`TestCluster::start`] starts.
    pub const SIZE: usize = 3;

    /// Starts three nodes `<name>-<i>-<random>` at once and clusters them. The ports
    /// of `options` are ignored: each node gets ports of its own.
    pub fn start(name: &str, options: NodeOptions) -> Result<Self, TestNodeError> {
        let options = NodeOptions {
            amqp_port: None,
            amqps_port: None,
            ..options
        };
        let started: Vec<Result<TestNode, TestNodeError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (1..=Self::SIZE)
                .map(|i| {
                    let name = format!("{name}-{i}");
                    scope.spawn(move || TestNode::start(&name, options))
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        Err(TestNodeError::Script {
                            command: format!("start {name}-?"),
                            reason: "the thread starting the node panicked".to_owned(),
                        })
                    })
                })
                .collect()
        });
        // Keep every node that did start, so that an error below drops (stops) them.
        let mut nodes = Vec::with_capacity(Self::SIZE);
        let mut first_error = None;
        for node in started {
            match node {
                Ok(node) => nodes.push(node),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let cluster = TestCluster { nodes };
        if let Some((first, others)) = cluster.nodes.split_first() {
            for node in others {
                node.stop_app()?;
                node.ctl(&["join_cluster", first.node_name()])?;
                node.start_app()?;
            }
        }
        Ok(cluster)
    }

    /// The nodes; the others joined the first.
    pub fn nodes(&self) -> &[TestNode] {
        &self.nodes
    }

    /// The AMQP URI of every node, in order.
    pub fn amqp_uris(&self) -> Vec<String> {
        self.nodes.iter().map(TestNode::amqp_uri).collect()
    }

    /// Stops every node, reporting the first failure.
    pub fn stop(self) -> Result<(), TestNodeError> {
        let mut result = Ok(());
        for node in self.nodes {
            if let Err(e) = node.stop()
                && result.is_ok()
            {
                result = Err(e);
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_are_unique_and_valid() {
        let a = unique_node_name("reconnect test/1");
        let b = unique_node_name("reconnect test/1");
        assert_ne!(a, b);
        assert!(a.starts_with("reconnect-test-1-"), "{a}");
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert!(unique_node_name("").starts_with("test-"));
    }
}
