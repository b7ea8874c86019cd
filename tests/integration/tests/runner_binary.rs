//! The runner as users meet it, by running a built service binary: config errors, an
//! unreachable broker, env substitution, `--help`, and SIGTERM with work in flight.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use nameko_amqp::ClusterRpc;
use nameko_integration_tests::{signal, spawn_until_line};
use nameko_test_support::TestVhost;

const BIN: &str = env!("CARGO_BIN_EXE_nameko-test-service");

fn tmp_config(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nameko-runner-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The process failed, and its last stderr line (the only one naming an error, after any
/// log lines) says why.
fn assert_one_line_failure(out: &Output, expected: &str) {
    assert!(!out.status.success(), "{out:?}");
    let lines = stderr_lines(out);
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("nameko-test-service: error: "))
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {lines:#?}");
    assert_eq!(lines.last(), errors.first().copied(), "{lines:#?}");
    assert!(
        errors[0].contains(expected),
        "{lines:#?} should contain {expected:?}"
    );
}

#[test]
fn missing_config_file() {
    let out = run(&["--config", "/no/such/config.yaml"], &[]);
    assert_one_line_failure(&out, "cannot read config file /no/such/config.yaml");
}

#[test]
fn malformed_config_file() {
    let path = tmp_config("bad.yaml", "AMQP_URI: [unclosed\n");
    let out = run(&["--config", path.to_str().unwrap()], &[]);
    assert_one_line_failure(&out, "invalid YAML in");
}

#[test]
fn invalid_config_value() {
    let path = tmp_config("bad.yaml", "max_workers: lots\n");
    let out = run(&["--config", path.to_str().unwrap()], &[]);
    assert_one_line_failure(
        &out,
        "config key `max_workers`: expected a positive integer",
    );
}

#[test]
fn unset_variable_without_default() {
    let path = tmp_config("env.yaml", "AMQP_URI: ${NAMEKO_TEST_UNSET_VARIABLE}\n");
    let out = run(&["--config", path.to_str().unwrap()], &[]);
    assert_one_line_failure(&out, "`NAMEKO_TEST_UNSET_VARIABLE` is not set");
}

#[test]
fn unreachable_broker_with_fail_fast() {
    let started = Instant::now();
    let path = tmp_config("failfast.yaml", "AMQP_CONNECT_FAIL_FAST: true\n");
    let out = run(
        &[
            "--config",
            path.to_str().unwrap(),
            "--broker",
            "amqp://guest:secret@127.0.0.1:1/",
        ],
        &[],
    );
    assert_one_line_failure(
        &out,
        "cannot connect to the broker at amqp://guest:***@127.0.0.1:1/",
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secret"));
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// By default a service waits for its broker: it retries with back-off, logging each
/// attempt (password hidden), and a signal stops it cleanly meanwhile.
#[test]
fn unreachable_broker_is_retried_until_stopped() {
    let mut child = Command::new(BIN)
        .args(["--broker", "amqp://guest:secret@127.0.0.1:1/"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen
        .iter()
        .filter(|l: &&String| l.contains("cannot reach the broker; retrying"))
        .count()
        < 3
    {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no retry logged: {seen:#?}"));
        seen.push(line);
    }
    assert!(child.try_wait().unwrap().is_none(), "still running");
    assert!(!seen.iter().any(|l| l.contains("secret")), "{seen:#?}");
    signal(&child, "-TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "SIGTERM did not stop it");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn help_documents_the_options() {
    let out = run(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--config",
        "--broker",
        "--log-level",
        "--log-format",
        "--describe",
        "--define",
        "SIGTERM",
    ] {
        assert!(help.contains(opt), "{opt} in {help}");
    }
}

/// Starts the binary and waits for its "started services" line.
fn start(args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    spawn_until_line(cmd, "started services: echo", Duration::from_secs(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_substitution_and_sigterm_with_work_in_flight() {
    let vhost = TestVhost::create("runner").unwrap();
    let base = nameko_test_support::base_uri();
    let config = tmp_config(
        "config.yaml",
        "AMQP_URI: ${NAMEKO_TEST_BASE}/${NAMEKO_TEST_VHOST}\n\
         max_workers: ${NAMEKO_TEST_WORKERS:4}\n\
         SHUTDOWN_GRACE_PERIOD: ${NAMEKO_TEST_GRACE:20}\n",
    );
    let child = start(
        &["--config", config.to_str().unwrap()],
        &[
            ("NAMEKO_TEST_BASE", &base),
            ("NAMEKO_TEST_VHOST", vhost.name()),
        ],
    );
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(20));
    let who: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    assert_eq!(who, "binary");
    // Three slow calls in flight, then SIGTERM: all three are answered.
    let mut replies = Vec::new();
    for _ in 0..3 {
        replies.push(
            cluster
                .service("echo")
                .call_async("sleep", (1.0,))
                .await
                .unwrap(),
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&child, "-TERM");
    for r in replies {
        assert_eq!(r.result::<String>().await.unwrap(), "binary");
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success(), "clean exit after SIGTERM: {out:?}");
    cluster.close().await;
}

#[test]
fn a_defined_value_is_checked_like_the_file() {
    let path = tmp_config("ok.yaml", "max_workers: 4\n");
    let out = run(
        &[
            "--config",
            path.to_str().unwrap(),
            "--define",
            "max_workers=0",
        ],
        &[],
    );
    assert_one_line_failure(
        &out,
        "config key `max_workers`: expected a positive integer, got 0",
    );
}

/// `--define` (nameko 3.0) overrides the file after `${VAR}` substitution: the file names
/// an unreachable broker with fail-fast, the definitions the test vhost and the worker
/// count, and the service starts and answers there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn define_overrides_the_file() {
    let vhost = TestVhost::create("runner-define").unwrap();
    let config = tmp_config(
        "config.yaml",
        "AMQP_URI: amqp://guest:guest@127.0.0.1:1/\n\
         AMQP_CONNECT_FAIL_FAST: true\n\
         max_workers: ${NAMEKO_TEST_WORKERS:1}\n",
    );
    let amqp_uri = format!("AMQP_URI={}", vhost.uri());
    let mut child = start(
        &[
            "--config",
            config.to_str().unwrap(),
            "--define",
            &amqp_uri,
            "--define",
            "max_workers=3",
        ],
        &[],
    );
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(20));
    // Three one-second calls at once finish together only with more than one worker.
    let started = Instant::now();
    let mut replies = Vec::new();
    for _ in 0..3 {
        replies.push(
            cluster
                .service("echo")
                .call_async("sleep", (1.0,))
                .await
                .unwrap(),
        );
    }
    for r in replies {
        assert_eq!(r.result::<String>().await.unwrap(), "binary");
    }
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "three workers ran the calls side by side: {:?}",
        started.elapsed()
    );
    signal(&child, "-TERM");
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
    cluster.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_signal_forces_the_stop() {
    let vhost = TestVhost::create("runner-force").unwrap();
    let child = start(&["--broker", &vhost.uri()], &[]);
    let cluster = ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(20));
    let _slow = cluster
        .service("echo")
        .call_async("sleep", (30.0,))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&child, "-INT");
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&child, "-INT");
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    cluster.close().await;
}

#[test]
fn taken_http_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let config = tmp_config("web.yaml", &format!("WEB_SERVER_ADDRESS: '{addr}'\n"));
    let out = Command::new(env!("CARGO_BIN_EXE_nameko-test-web-service"))
        .args(["--config", config.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("nameko-test-web-service: error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains(&format!(
            "cannot bind WEB_SERVER_ADDRESS {addr}: address in use"
        )),
        "{stderr}"
    );
    drop(taken);
}

/// A lost connection is survived: the service reconnects and answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_broker_connection_is_survived() {
    let vhost = TestVhost::create("runner-lost").unwrap();
    let mut child = start(&["--broker", &vhost.uri()], &[]);
    let cluster = nameko_amqp::ClusterRpc::connect(&vhost.config())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let before: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    let status = Command::new("rabbitmqctl")
        .args([
            "close_all_connections",
            "-p",
            vhost.name(),
            "test: broker went away",
        ])
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    // Both the service's and the client's connections were closed; both come back.
    let after: String = cluster.service("echo").call("whoami", ()).await.unwrap();
    assert_eq!(before, after);
    assert!(child.try_wait().unwrap().is_none(), "the service exited");
    signal(&child, "-TERM");
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "SIGTERM did not stop it");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "{exit:?}");
    cluster.close().await;
}

/// `--log-format json`, and `LOGGING`'s per-logger levels: one JSON object per line, and a
/// line logged inside a worker carries the worker's service, entrypoint and call id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_worker() {
    let vhost = TestVhost::create("runner-json").unwrap();
    let config = tmp_config(
        "json-logs.yaml",
        &format!(
            "AMQP_URI: {}\nLOGGING:\n  version: 1\n  root: {{level: WARNING}}\n  loggers:\n    echo: {{level: INFO}}\n",
            vhost.uri()
        ),
    );
    let mut child = Command::new(BIN)
        .args(["--config", config.to_str().unwrap(), "--log-format", "json"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next_line = |what: &str, pred: &dyn Fn(&str) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!("no {what} line within 20 s"),
            }
        }
    };
    next_line("started", &|l| l.contains("started services: echo"));

    let cluster = ClusterRpc::connect(&vhost.config()).await.unwrap();
    cluster
        .service("echo")
        .call::<()>("log", ("hellø from the worker",))
        .await
        .unwrap();
    let line = next_line("worker log", &|l| l.contains("hellø from the worker"));
    let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(entry["level"], "INFO", "{entry}");
    assert_eq!(entry["target"], "echo", "{entry}");
    assert_eq!(
        entry["fields"]["message"], "hellø from the worker",
        "{entry}"
    );
    assert_eq!(entry["span"]["service"], "echo", "{entry}");
    assert_eq!(entry["span"]["entrypoint"], "log", "{entry}");
    let call_id = entry["span"]["call_id"].as_str().unwrap();
    assert!(call_id.starts_with("echo.log."), "{entry}");

    // The root level is WARNING: the container's INFO lines are not written; a bad request
    // (WARN, target nameko::worker) is, as JSON too.
    let err = cluster
        .service("echo")
        .call::<i64>("add", (1,))
        .await
        .unwrap_err();
    assert_eq!(err.exc_type(), Some("IncorrectSignature"));
    let line = next_line("bad request", &|l| l.contains("bad request"));
    let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(entry["level"], "WARN", "{entry}");
    assert_eq!(entry["fields"]["entrypoint"], "add", "{entry}");
    cluster.close().await;
    signal(&child, "-TERM");
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
}
