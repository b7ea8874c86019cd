//! Tests of the test nodes themselves (`nameko_test_support::TestNode`, `TestCluster` and
//! `stop_node`): a node of a test's own that the test can disconnect, stop and start, a
//! TLS node whose certificates verify, and a cluster of three.
//!
//! They need what the other broker tests need (`rabbitmq-server` installed, root or the
//! rabbitmq user) plus the `openssl` program for the TLS test, which checks the node's
//! certificates with `openssl s_client`. Each node start takes a few seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties, Event};
use nameko_test_support::{NodeOptions, QueueStats, TestCluster, TestNode, stop_node};

/// Bound for one broker round trip or client-side reaction in these tests.
const STEP: Duration = Duration::from_secs(15);

async fn connect(uri: &str) -> lapin::Result<Connection> {
    tokio::time::timeout(
        STEP,
        Connection::connect(uri, ConnectionProperties::default()),
    )
    .await
    .unwrap_or_else(|_| panic!("connecting to {uri} took over {STEP:?}"))
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).is_ok()
}

/// Polls `check` until it is true, for at most `STEP`.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + STEP;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {STEP:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn plain_node_survives_disconnects_and_app_restarts() {
    let node = TestNode::start("plain", NodeOptions::default()).expect("start a node");
    eprintln!(
        "{} started in {:.1} s on port {}",
        node.node_name(),
        node.start_duration().as_secs_f64(),
        node.amqp_port()
    );
    assert!(node.amqps_uri().is_none() && node.ca_cert().is_none());
    assert!(node.dir().is_dir());
    assert_eq!(
        node.amqp_uri(),
        format!("amqp://guest:guest@127.0.0.1:{}/", node.amqp_port())
    );
    // lapin reads a bare trailing `/` as the vhost "", hence `%2F`.
    let uri = node.amqp_uri_for_vhost("/");
    assert_eq!(
        uri,
        format!("amqp://guest:guest@127.0.0.1:{}/%2F", node.amqp_port())
    );

    // A durable queue with one persistent message.
    let conn = connect(&uri).await.expect("connect to the test node");
    let channel = conn.create_channel().await.unwrap();
    let queue = "test-nodes-durable";
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            b"kept",
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    wait_until("the message is in the queue", || {
        node.queue_stats("/", queue).unwrap().map(|s| s.ready) == Some(1)
    });

    // The broker closes every connection: the client hears of it.
    let mut events = conn.events_listener();
    node.close_all_connections().unwrap();
    let event = tokio::time::timeout(STEP, async {
        while let Some(event) = events.next().await {
            if let Event::Error(e) = event {
                return Some(e);
            }
        }
        None
    })
    .await
    .expect("no connection error within the time");
    let error = event.expect("the event stream ended without an error");
    eprintln!("after close_all_connections: {error}");
    assert!(!conn.status().connected());
    assert!(conn.create_channel().await.is_err());

    // The application stops: nothing listens, nobody connects.
    node.stop_app().unwrap();
    assert!(!port_open(node.amqp_port()));
    assert!(connect(&uri).await.is_err());
    node.ctl(&["ping"]).expect("the Erlang node stays up");

    // ... and starts again with the durable queue and its message.
    node.start_app().unwrap();
    let conn = connect(&uri).await.expect("connect after start_app");
    assert_eq!(
        node.queue_stats("/", queue).unwrap(),
        Some(QueueStats {
            ready: 1,
            unacked: 0,
            consumers: 0
        })
    );
    assert_eq!(node.queue_stats("/", "no-such-queue").unwrap(), None);
    drop(conn);

    let (dir, port, name) = (
        node.dir().to_owned(),
        node.amqp_port(),
        node.node_name().to_owned(),
    );
    node.stop().unwrap();
    assert!(!dir.exists(), "{} is left", dir.display());
    assert!(!port_open(port));
    assert!(connect(&uri).await.is_err());
    let ping = Command::new("rabbitmqctl")
        .args(["-n", &name, "-q", "ping"])
        .output()
        .unwrap();
    assert!(!ping.status.success(), "{name} still answers");
}

/// Runs `openssl ARGS...`, feeding it `input`, until its output contains `wanted` (then
/// kills it) or it ends; returns what it printed on stdout.
fn openssl(args: &[&str], input: &[u8], wanted: &str) -> String {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run openssl");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + STEP;
    let mut output = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => {
                output.extend_from_slice(&chunk);
                if String::from_utf8_lossy(&output).contains(wanted) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    String::from_utf8_lossy(&output).into_owned()
}

fn path_str(path: Option<&Path>) -> &str {
    path.expect("a TLS node has it").to_str().unwrap()
}

#[tokio::test]
async fn tls_node_presents_a_verifiable_certificate_and_offers_external() {
    // The AMQPS port chosen by the caller, the AMQP one by the harness.
    let wanted = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let node = TestNode::start(
        "tls",
        NodeOptions {
            tls: true,
            amqps_port: Some(wanted),
            ..NodeOptions::default()
        },
    )
    .expect("start a TLS node");
    assert_eq!(node.amqps_port(), Some(wanted));
    eprintln!(
        "{} started in {:.1} s on ports {} and {:?}",
        node.node_name(),
        node.start_duration().as_secs_f64(),
        node.amqp_port(),
        node.amqps_port()
    );
    let port = node.amqps_port().expect("an AMQPS port");
    assert_eq!(
        node.amqps_uri(),
        Some(format!("amqps://guest:guest@localhost:{port}/"))
    );
    for file in [node.ca_cert(), node.client_cert(), node.client_key()] {
        assert!(file.expect("a TLS node has it").is_file());
    }
    let (p12, password) = node.client_pkcs12().expect("a PKCS#12 bundle");
    assert!(p12.is_file() && !password.is_empty());

    // The chain verifies against the CA, for the name and for the address.
    let connect = format!("127.0.0.1:{port}");
    let ca = path_str(node.ca_cert());
    for check in [
        ["-verify_hostname", "localhost"],
        ["-verify_ip", "127.0.0.1"],
    ] {
        let out = openssl(
            &[
                "s_client",
                "-connect",
                &connect,
                "-CAfile",
                ca,
                "-servername",
                "localhost",
                check[0],
                check[1],
            ],
            b"",
            "Verify return code",
        );
        assert!(
            out.contains("Verify return code: 0 (ok)"),
            "openssl s_client {check:?}:\n{out}"
        );
    }
    // ... and not against another CA (the system's).
    let out = openssl(
        &["s_client", "-connect", &connect],
        b"",
        "Verify return code",
    );
    assert!(
        out.contains("Verify return code:") && !out.contains("Verify return code: 0 (ok)"),
        "{out}"
    );

    // With the client certificate, the broker answers the AMQP header with a
    // connection.start that offers EXTERNAL.
    let out = openssl(
        &[
            "s_client",
            "-quiet",
            "-connect",
            &connect,
            "-CAfile",
            ca,
            "-cert",
            path_str(node.client_cert()),
            "-key",
            path_str(node.client_key()),
        ],
        b"AMQP\x00\x00\x09\x01",
        "EXTERNAL",
    );
    assert!(
        out.contains("PLAIN AMQPLAIN EXTERNAL"),
        "no EXTERNAL in connection.start: {out:?}"
    );

    // The plain listener works as on any node.
    let conn = connect_plain(&node).await;
    drop(conn);
    node.stop().unwrap();
    assert!(!port_open(port));
}

async fn connect_plain(node: &TestNode) -> Connection {
    let conn = connect(&node.amqp_uri_for_vhost("/"))
        .await
        .expect("connect");
    conn.create_channel().await.expect("a channel");
    conn
}

#[tokio::test]
async fn cluster_of_three_shares_its_queues() {
    let started = Instant::now();
    let cluster = TestCluster::start("cluster", NodeOptions::default()).expect("a cluster");
    eprintln!(
        "cluster of {} started in {:.1} s: {:?}",
        cluster.nodes().len(),
        started.elapsed().as_secs_f64(),
        cluster.amqp_uris()
    );
    let nodes = cluster.nodes();
    assert_eq!(nodes.len(), TestCluster::SIZE);
    let status = nodes[0]
        .ctl(&["cluster_status", "--formatter", "json"])
        .unwrap();
    for node in nodes {
        assert!(
            status.matches(&format!("\"{}\"", node.node_name())).count() >= 2,
            "{} is not a running member: {status}",
            node.node_name()
        );
    }

    // A queue declared through the third node is seen by the first.
    let conn = connect_plain(&nodes[2]).await;
    let channel = conn.create_channel().await.unwrap();
    channel
        .queue_declare(
            "test-nodes-cluster".into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    assert!(
        nodes[0]
            .queue_stats("/", "test-nodes-cluster")
            .unwrap()
            .is_some()
    );
    drop(conn);

    let dirs: Vec<_> = nodes.iter().map(|n| n.dir().to_owned()).collect();
    cluster.stop().unwrap();
    for dir in dirs {
        assert!(!dir.exists(), "{} is left", dir.display());
    }
}

#[test]
fn a_node_that_cannot_start_says_why() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let started = Instant::now();
    let error = TestNode::start(
        "never-started",
        NodeOptions {
            amqp_port: Some(port),
            ..NodeOptions::default()
        },
    )
    .expect_err("the port is taken")
    .to_string();
    assert!(
        error.contains(&format!("port {port} is already in use")),
        "{error}"
    );
    assert!(started.elapsed() < STEP);

    // The shared broker's node name is never managed.
    let error = stop_node("rabbit").expect_err("rabbit is refused");
    assert!(error.to_string().contains("refusing"), "{error}");

    // Stopping a node that is not there succeeds.
    stop_node("never-started").unwrap_or_else(|e| panic!("{e}"));
}
