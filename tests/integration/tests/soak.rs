//! The soak test: three instances of a service on a RabbitMQ node of the test's own, a
//! steady stream of RPC calls and reliable events, and faults injected in turn: an
//! instance killed with SIGKILL and restarted, every connection closed from the broker
//! side, the broker app stopped and started again.
//!
//! Asserted: every call ends, answered or failed with a clear error (none hangs, none is
//! lost without a word); every event the broker confirmed is handled at least once; no
//! instance exits on its own. The figures (counts and recovery times per fault) are
//! printed.
//!
//! About 45 s of load by default; `NAMEKO_SOAK_SECS` sets it (e.g. 600 for a long run).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nameko_amqp::{ClusterRpc, RpcError, StandaloneDispatcher};
use nameko_core::Config;
use nameko_integration_tests::{eventually, init_tracing, spawn_until_line};
use nameko_test_support::{NodeOptions, TestNode};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_nameko-soak-service");

/// One instance of the soak service, as a process.
struct Instance {
    child: Child,
}

impl Instance {
    /// Starts an instance and waits for its "started services" line.
    fn start(config: &Path, events: &Path) -> Instance {
        let mut cmd = Command::new(BIN);
        cmd.args(["--config", &config.to_string_lossy()])
            .env("SOAK_EVENTS_FILE", events)
            .env("RUST_LOG", "warn");
        Instance {
            child: spawn_until_line(cmd, "started services: soak", Duration::from_secs(60)),
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

#[derive(Default)]
struct Tally {
    sent: AtomicUsize,
    answered: AtomicUsize,
    failed: Mutex<BTreeMap<String, usize>>,
}

/// The kind of an RPC failure, for the tally.
fn kind(e: &RpcError) -> String {
    match e {
        RpcError::Timeout { .. } => "timeout".into(),
        RpcError::ReplyQueueLost(_) => "reply queue lost".into(),
        RpcError::Remote(r) => format!("remote {}", r.exc_type),
        RpcError::Amqp(a) => format!("amqp: {a}"),
        other => format!("{other}"),
    }
}

fn median_max(values: &mut [Duration]) -> String {
    values.sort();
    match (values.get(values.len() / 2), values.last()) {
        (Some(m), Some(x)) => format!("median {m:.1?}, max {x:.1?} ({} faults)", values.len()),
        _ => "no faults".into(),
    }
}

fn handled_events(path: &Path) -> BTreeSet<u64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_instances_and_broker_faults() {
    init_tracing();
    let secs: u64 = std::env::var("NAMEKO_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(45);
    let node = match TestNode::start("soak", NodeOptions::default()) {
        Ok(node) => node,
        Err(e) => panic!("cannot start a RabbitMQ node for the soak test: {e}"),
    };
    let dir: PathBuf = node.dir().join("soak-files");
    std::fs::create_dir_all(&dir).unwrap();
    let events_file = dir.join("events.log");
    let config_file = dir.join("config.yaml");
    std::fs::write(
        &config_file,
        format!(
            "AMQP_URI: {}\nmax_workers: 4\nRECONNECT_INTERVAL_MAX: 1\nSHUTDOWN_GRACE_PERIOD: 5\n",
            node.amqp_uri()
        ),
    )
    .unwrap();
    let mut instances: Vec<Instance> = (0..3)
        .map(|_| Instance::start(&config_file, &events_file))
        .collect();

    let config = Config::new()
        .with("AMQP_URI", node.amqp_uri())
        .with("RECONNECT_INTERVAL_MAX", 1)
        .with(
            "PUBLISH_RETRY_POLICY",
            json!({"max_retries": 10, "interval_start": 1, "interval_step": 1, "interval_max": 3}),
        );
    let cluster = Arc::new(
        ClusterRpc::connect(&config)
            .await
            .unwrap()
            .with_timeout(Duration::from_secs(20)),
    );
    let dispatcher = Arc::new(StandaloneDispatcher::connect(&config).await.unwrap());
    let tally = Arc::new(Tally::default());
    let confirmed = Arc::new(Mutex::new(Vec::<u64>::new()));
    let dispatch_failed = Arc::new(Mutex::new(BTreeMap::<String, usize>::new()));
    let stop = Arc::new(AtomicBool::new(false));

    let mut load = Vec::new();
    for worker in 0..4u64 {
        let (cluster, tally, stop) = (Arc::clone(&cluster), Arc::clone(&tally), Arc::clone(&stop));
        load.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let value = json!({"worker": worker, "n": n});
                tally.sent.fetch_add(1, Ordering::SeqCst);
                match cluster
                    .service("soak")
                    .call::<Value>("echo", (value.clone(),))
                    .await
                {
                    Ok(v) => {
                        assert_eq!(v, value, "a wrong answer");
                        tally.answered.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => *tally.failed.lock().unwrap().entry(kind(&e)).or_default() += 1,
                }
                n += 1;
            }
        }));
    }
    {
        let (dispatcher, confirmed, failed, stop) = (
            Arc::clone(&dispatcher),
            Arc::clone(&confirmed),
            Arc::clone(&dispatch_failed),
            Arc::clone(&stop),
        );
        load.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                match dispatcher
                    .dispatch("soak_source", "tick", &json!({"n": n}))
                    .await
                {
                    Ok(()) => confirmed.lock().unwrap().push(n),
                    Err(e) => *failed.lock().unwrap().entry(e.to_string()).or_default() += 1,
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }

    // Faults, in turn, until the time is up.
    let mut recoveries: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let started = Instant::now();
    let mut round = 0usize;
    let mut killed = 0usize;
    while started.elapsed() < Duration::from_secs(secs) {
        tokio::time::sleep(Duration::from_secs(4)).await;
        let before = tally.answered.load(Ordering::SeqCst);
        let fault = Instant::now();
        let what = match round % 3 {
            0 => {
                let i = killed % instances.len();
                instances[i].kill();
                killed += 1;
                instances[i] = Instance::start(&config_file, &events_file);
                "instance killed (SIGKILL) and restarted"
            }
            1 => {
                node.close_all_connections().unwrap();
                "connections closed by the broker"
            }
            _ => {
                node.stop_app().unwrap();
                tokio::time::sleep(Duration::from_secs(2)).await;
                node.start_app().unwrap();
                "broker app restarted (2 s down)"
            }
        };
        assert!(
            eventually(Duration::from_secs(60), || async {
                tally.answered.load(Ordering::SeqCst) > before + 20
            })
            .await,
            "calls answered again after: {what}"
        );
        recoveries.entry(what).or_default().push(fault.elapsed());
        for (i, instance) in instances.iter_mut().enumerate() {
            assert!(
                instance.is_running(),
                "instance {i} exited on its own after: {what}"
            );
        }
        round += 1;
    }
    stop.store(true, Ordering::SeqCst);
    for task in load {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("no call or dispatch hangs")
            .unwrap();
    }

    let confirmed: BTreeSet<u64> = confirmed.lock().unwrap().iter().copied().collect();
    assert!(
        eventually(Duration::from_secs(60), || async {
            confirmed.is_subset(&handled_events(&events_file))
        })
        .await,
        "confirmed events not handled: {:?}",
        confirmed
            .difference(&handled_events(&events_file))
            .take(20)
            .collect::<Vec<_>>()
    );
    let handled = handled_events(&events_file);
    let sent = tally.sent.load(Ordering::SeqCst);
    let answered = tally.answered.load(Ordering::SeqCst);
    let failed = tally.failed.lock().unwrap().clone();
    let failed_total: usize = failed.values().sum();
    println!("soak: {secs} s of load, {round} faults");
    println!(
        "  calls: sent {sent}, answered {answered}, failed clearly {failed_total} {failed:?}, lost {}",
        sent - answered - failed_total
    );
    println!(
        "  events: confirmed {}, handled {} distinct, dispatch failures {:?}, lost {}",
        confirmed.len(),
        handled.len(),
        dispatch_failed.lock().unwrap(),
        confirmed.difference(&handled).count()
    );
    for (what, times) in &mut recoveries {
        println!("  recovery after {what}: {}", median_max(times));
    }
    assert_eq!(sent, answered + failed_total, "every call ended");
    assert!(
        answered > sent / 2,
        "most calls answered: {answered} of {sent}"
    );

    for (i, instance) in instances.iter_mut().enumerate() {
        assert!(instance.is_running(), "instance {i} exited on its own");
        let _ = Command::new("kill")
            .args(["-TERM", &instance.child.id().to_string()])
            .status();
    }
    for instance in &mut instances {
        let status = instance.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
    cluster.close().await;
    dispatcher.close().await;
    drop(node);
}
