//! Virtual hosts of a test's own on the shared broker.
use std::process::Command;

use nameko_core::Config;

/// Base URI of the test broker: `NAMEKO_TEST_AMQP_URI`, or the local default.
pub fn base_uri() -> String {
    std::env::var("NAMEKO_TEST_AMQP_URI")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672".to_owned())
}

/// A virtual host created for one test and deleted when dropped.
#[derive(Debug)]
pub struct TestVhost {
    name: String,
}

/// Why a test vhost could not be made.
#[derive(Debug, thiserror::Error)]
#[error("rabbitmqctl {args}: {reason}")]
pub struct TestVhostError {
    args: String,
    reason: String,
}

/// What [`TestVhost::queue_stats`] reports of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    /// Messages waiting to be delivered.
    pub ready: u64,
    /// Messages delivered and not yet acknowledged.
    pub unacked: u64,
    /// Consumers.
    pub consumers: u64,
}

fn rabbitmqctl_output(args: &[&str]) -> Result<String, TestVhostError> {
    let err = |reason: String| TestVhostError {
        args: args.join(" "),
        reason,
    };
    let out = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .map_err(|e| err(e.to_string()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(err(String::from_utf8_lossy(&out.stderr).trim().to_owned()))
    }
}

/// Finds `queue` in the output of `list_queues name messages_ready
/// messages_unacknowledged consumers --quiet --no-table-headers`.
pub(crate) fn parse_queue_stats(out: &str, queue: &str) -> Option<QueueStats> {
    for line in out.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if let [name, ready, unacked, consumers] = fields[..]
            && name == queue
        {
            let num = |s: &str| s.trim().parse::<u64>().unwrap_or(0);
            return Some(QueueStats {
                ready: num(ready),
                unacked: num(unacked),
                consumers: num(consumers),
            });
        }
    }
    None
}

fn rabbitmqctl(args: &[&str]) -> Result<(), TestVhostError> {
    rabbitmqctl_output(args).map(drop)
}

impl TestVhost {
    /// Creates a vhost named `nameko-test-<label>-<uuid>` with full rights for `guest`.
    pub fn create(label: &str) -> Result<Self, TestVhostError> {
        let name = format!("nameko-test-{label}-{}", uuid::Uuid::new_v4().simple());
        rabbitmqctl(&["add_vhost", &name])?;
        let vhost = TestVhost { name };
        rabbitmqctl(&[
            "set_permissions",
            "-p",
            &vhost.name,
            "guest",
            ".*",
            ".*",
            ".*",
        ])?;
        Ok(vhost)
    }

    /// The vhost's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The AMQP URI of this vhost.
    pub fn uri(&self) -> String {
        format!("{}/{}", base_uri().trim_end_matches('/'), self.name)
    }

    /// Messages ready, messages delivered but not acknowledged, and consumers of `queue`
    /// (`rabbitmqctl list_queues`), or `None` if there is no such queue.
    pub fn queue_stats(&self, queue: &str) -> Result<Option<QueueStats>, TestVhostError> {
        let args = [
            "list_queues",
            "-p",
            &self.name,
            "name",
            "messages_ready",
            "messages_unacknowledged",
            "consumers",
            "--quiet",
            "--no-table-headers",
        ];
        let out = rabbitmqctl_output(&args)?;
        Ok(parse_queue_stats(&out, queue))
    }

    /// A config whose `AMQP_URI` points at this vhost.
    pub fn config(&self) -> Config {
        Config::new().with("AMQP_URI", self.uri())
    }
}

impl Drop for TestVhost {
    fn drop(&mut self) {
        if let Err(e) = rabbitmqctl(&["delete_vhost", &self.name]) {
            eprintln!("warning: could not delete test vhost: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_queue_stats() {
        let out = "other\t1\t2\t3\nq\t4\t5\t6\n";
        assert_eq!(
            parse_queue_stats(out, "q"),
            Some(QueueStats {
                ready: 4,
                unacked: 5,
                consumers: 6
            })
        );
        assert_eq!(parse_queue_stats(out, "missing"), None);
    }
}
