//! Helpers for integration tests against a real RabbitMQ (feature `testing`).
//!
//! [`TestVhost`] creates a virtual host of its own for one test, so tests running at once
//! never see each other's queues, and deletes it (with everything declared in it) when
//! dropped. It drives `rabbitmqctl`, so the tests must run where that works (the broker's
//! machine, as root or the rabbitmq user).

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

fn rabbitmqctl(args: &[&str]) -> Result<(), TestVhostError> {
    let err = |reason: String| TestVhostError {
        args: args.join(" "),
        reason,
    };
    let out = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .map_err(|e| err(e.to_string()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(err(String::from_utf8_lossy(&out.stderr).trim().to_owned()))
    }
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
