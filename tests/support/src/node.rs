//! RabbitMQ nodes and clusters of a test's own.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::certs::{CertificateError, PKCS12_PASSWORD};
use crate::server::{self, Processes, StartOptions};
use crate::vhost::{QueueStats, parse_queue_stats};

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
    /// The node could not be started as asked, or did not come up.
    #[error("test node {node}: {reason}")]
    Start {
        /// The node, e.g. `plain-1a2b3c4d@localhost`.
        node: String,
        /// Why, e.g. `port 5673 is already in use`, or what the node logged.
        reason: String,
    },
    /// The node could not be stopped.
    #[error("test node {node}: {reason}")]
    Stop {
        /// The node.
        node: String,
        /// Why.
        reason: String,
    },
    /// A file or directory of the node could not be written or removed.
    #[error("test node {node}: {}: {source}", path.display())]
    Io {
        /// The node.
        node: String,
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The certificates of a TLS node could not be made.
    #[error("test node {node}: {source}")]
    Certificates {
        /// The node.
        node: String,
        /// Why.
        source: CertificateError,
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

/// Options of [`TestNode::start`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeOptions {
    /// Also listen for AMQPS, with a CA, server and client certificates made for the node
    /// (see [`TestNode::amqps_uri`] and [`TestNode::ca_cert`]). The EXTERNAL mechanism is
    /// enabled: the client certificate's common name is `guest`.
    pub tls: bool,
    /// The AMQP port; by default a free one from the OS (bound on `127.0.0.1:0` just
    /// before the node starts), never one another node of this process has.
    pub amqp_port: Option<u16>,
    /// The AMQPS port (with `tls`); picked like `amqp_port` by default.
    pub amqps_port: Option<u16>,
}

/// A RabbitMQ node of one test's own, stopped (and its state deleted) when dropped.
///
/// Started with `rabbitmq-server` as `<name>-<random>@localhost`, listening on
/// 127.0.0.1 only, on ports no other test node of this process uses, with an empty state
/// (under `$NAMEKO_RABBIT_BASE/<name>-<random>`, by default `/tmp/nameko-rabbit/...`) and
/// the `guest`/`guest` user. Should the test process die without dropping it, a small
/// watchdog process stops the node and deletes its state.
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
    /// Until stopped.
    processes: Option<Processes>,
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
    /// (typically 3 to 10 seconds; it gives up after 60 s, or
    /// `NAMEKO_RABBIT_START_TIMEOUT` seconds, saying why).
    pub fn start(name: &str, options: NodeOptions) -> Result<Self, TestNodeError> {
        let name = unique_node_name(name);
        let started = Instant::now();
        let node = server::start(
            &name,
            StartOptions {
                tls: options.tls,
                amqp_port: options.amqp_port,
                amqps_port: options.amqps_port,
            },
        )?;
        let certs = node.certs;
        Ok(TestNode {
            name,
            node: node.node,
            amqp_port: node.amqp_port,
            amqps_port: node.amqps_port,
            dir: node.dir,
            ca_cert: certs.as_ref().map(|c| c.ca.clone()),
            client_cert: certs.as_ref().map(|c| c.client_cert.clone()),
            client_key: certs.as_ref().map(|c| c.client_key.clone()),
            client_pkcs12: certs.map(|c| (c.client_pkcs12, PKCS12_PASSWORD.to_owned())),
            start_duration: started.elapsed(),
            processes: Some(node.processes),
        })
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
    /// in `vhost`, or `None` if there is no such queue (like
    /// [`TestVhost::queue_stats`](crate::TestVhost::queue_stats)).
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
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), TestNodeError> {
        let Some(processes) = self.processes.take() else {
            return Ok(());
        };
        let result = server::stop(&self.name);
        processes.finish(!matches!(result, Err(TestNodeError::Stop { .. })));
        result
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            eprintln!("warning: could not stop test node {}: {e}", self.name);
        }
    }
}

/// Stops the test node `<name>@localhost` if it runs and deletes its directory, as
/// dropping its [`TestNode`] does; `name` is the full name, random suffix included, as in
/// [`TestNode::node_name`] before the `@`. For cleaning up by hand after a test process
/// whose watchdog could not. A node that is not there is no error; the shared broker's
/// node `rabbit` is never touched.
pub fn stop_node(name: &str) -> Result<(), TestNodeError> {
    server::stop(name)
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
                .zip(1..)
                .map(|(handle, i)| {
                    handle.join().unwrap_or_else(|_| {
                        Err(TestNodeError::Start {
                            node: format!("{name}-{i}"),
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
