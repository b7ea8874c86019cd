//! `#[timer(interval = 0.2, singleton)]` across real processes sharing a broker: one
//! instance fires at a time, another takes over within a few seconds when the holder is
//! killed (SIGKILL), stops gracefully (SIGTERM), or loses its broker connection (closed
//! by the broker), and no two ticks ever overlap.
//!
//! Each process of `nameko-test-singleton-timer` appends `S <instance> <seq> <unix ms>`
//! when a tick starts and `E ...` when it ends (or is abandoned) to a file of the test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nameko_integration_tests::{signal, spawn_until_line};
use nameko_test_support::TestVhost;

const BIN: &str = env!("CARGO_BIN_EXE_nameko-test-singleton-timer");
const QUEUE: &str = "timer-singleton.sweeper.sweep";
/// What the test accepts as "within a few seconds".
const HANDOVER_LIMIT_MS: u128 = 3_000;

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[derive(Debug, Clone)]
struct Tick {
    instance: String,
    start: u128,
    /// `None`: the process died during the tick.
    end: Option<u128>,
}

fn read_ticks(log: &Path) -> Vec<Tick> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut ticks: Vec<Tick> = Vec::new();
    let mut open: HashMap<(String, String), usize> = HashMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let [what, instance, seq, at] = fields[..] else {
            panic!("bad line {line:?}");
        };
        let at: u128 = at.parse().unwrap();
        let key = (instance.to_owned(), seq.to_owned());
        match what {
            "S" => {
                open.insert(key, ticks.len());
                ticks.push(Tick {
                    instance: instance.to_owned(),
                    start: at,
                    end: None,
                });
            }
            "E" => {
                let index = open
                    .remove(&key)
                    .unwrap_or_else(|| panic!("end without start: {line}"));
                ticks[index].end = Some(at);
            }
            other => panic!("bad line kind {other}"),
        }
    }
    ticks.sort_by_key(|t| t.start);
    ticks
}

/// No two ticks overlap (a tick without an end lasted until `died` of its instance), and
/// each instance fired in one stretch: `[a, a, b, b, b, c]`, never `[a, b, a]`.
fn assert_one_at_a_time(ticks: &[Tick], died: &HashMap<String, u128>) {
    for w in ticks.windows(2) {
        let end = w[0]
            .end
            .or_else(|| died.get(&w[0].instance).copied())
            .unwrap_or_else(|| panic!("a tick of a live instance never ended: {:?}", w[0]));
        assert!(
            w[1].start >= end,
            "two ticks at once: {:?} and {:?}",
            w[0],
            w[1]
        );
    }
    let mut stretches: Vec<&str> = ticks.iter().map(|t| t.instance.as_str()).collect();
    stretches.dedup();
    let mut seen = stretches.clone();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        seen.len(),
        stretches.len(),
        "an instance fired twice: {stretches:?}"
    );
}

struct Instance {
    name: String,
    child: Child,
}

fn start(name: &str, vhost: &TestVhost, log: &Path) -> Instance {
    let mut cmd = Command::new(BIN);
    cmd.args(["--broker", &vhost.uri()])
        .env("NAMEKO_TEST_INSTANCE", name)
        .env("NAMEKO_TEST_TICK_LOG", log)
        .env("RUST_LOG", "warn,nameko_timer=info");
    Instance {
        name: name.to_owned(),
        child: spawn_until_line(cmd, "started services: sweeper", Duration::from_secs(20)),
    }
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the instance did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `pred` holds for the ticks, polling the log.
fn wait_ticks(log: &Path, what: &str, pred: impl Fn(&[Tick]) -> bool) -> Vec<Tick> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ticks = read_ticks(log);
        if pred(&ticks) {
            return ticks;
        }
        assert!(Instant::now() < deadline, "{what}: {ticks:#?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The first tick of an instance other than `old` that started after `after`.
fn first_tick_of_another(ticks: &[Tick], old: &str, after: u128) -> Option<Tick> {
    ticks
        .iter()
        .find(|t| t.instance != old && t.start >= after)
        .cloned()
}

fn tmp_log() -> PathBuf {
    std::env::temp_dir().join(format!(
        "nameko-singleton-{}.log",
        uuid::Uuid::new_v4().simple()
    ))
}

fn rabbitmqctl(args: &[&str]) -> String {
    let out = Command::new("rabbitmqctl").args(args).output().unwrap();
    assert!(out.status.success(), "rabbitmqctl {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The process id of the connection whose consumer of the lease queue is the active one
/// (what `rabbitmqctl close_connection` takes).
fn holder_connection(vhost: &TestVhost) -> String {
    let consumers = rabbitmqctl(&[
        "list_consumers",
        "-p",
        vhost.name(),
        "queue_name",
        "channel_pid",
        "active",
        "--quiet",
        "--no-table-headers",
    ]);
    let channel = consumers
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.len() == 3 && f[0] == QUEUE && f[2].trim() == "true")
        .map(|f| f[1].to_owned())
        .unwrap_or_else(|| panic!("no active consumer of {QUEUE}: {consumers}"));
    let channels = rabbitmqctl(&[
        "list_channels",
        "pid",
        "connection",
        "--quiet",
        "--no-table-headers",
    ]);
    channels
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.len() == 2 && f[0] == channel)
        .map(|f| f[1].trim().to_owned())
        .unwrap_or_else(|| panic!("no channel {channel}: {channels}"))
}

/// The consumers of the lease queue.
fn consumers(vhost: &TestVhost) -> u64 {
    vhost
        .queue_stats(QUEUE)
        .unwrap()
        .map_or(0, |stats| stats.consumers)
}

#[test]
fn three_instances_one_fires_and_hands_over_on_kill_and_on_stop() {
    let vhost = TestVhost::create("singleton-timer").unwrap();
    let log = tmp_log();
    let mut instances: Vec<Instance> = ["a", "b", "c"]
        .iter()
        .map(|name| start(name, &vhost, &log))
        .collect();
    let mut died: HashMap<String, u128> = HashMap::new();

    // One instance fires, every 0.2 s.
    let ticks = wait_ticks(&log, "ticks", |t| t.len() >= 10);
    let first = ticks[0].instance.clone();
    assert!(ticks.iter().all(|t| t.instance == first), "{ticks:#?}");
    assert!(
        wait_until(|| consumers(&vhost) == 3),
        "every instance waits in line"
    );

    // SIGKILL the holder: another takes over.
    let holder = instances.iter().position(|i| i.name == first).unwrap();
    let mut killed = instances.remove(holder);
    let killed_at = now_ms();
    signal(&killed.child, "-KILL");
    wait_exit(&mut killed.child);
    died.insert(first.clone(), killed_at);
    let ticks = wait_ticks(&log, "a tick of another instance after the kill", |t| {
        first_tick_of_another(t, &first, killed_at).is_some()
    });
    let next = first_tick_of_another(&ticks, &first, killed_at).unwrap();
    let last_of_killed = ticks.iter().rfind(|t| t.instance == first).unwrap();
    let gap = next.start - killed_at;
    println!(
        "handover gap after SIGKILL: {:.2} s (from the killed holder's last tick start: {:.2} s)",
        gap as f64 / 1000.0,
        (next.start - last_of_killed.start) as f64 / 1000.0
    );
    assert!(
        gap < HANDOVER_LIMIT_MS,
        "handover after SIGKILL took {gap} ms"
    );

    // SIGTERM the new holder: its running tick ends, the last one takes over.
    let second = next.instance.clone();
    wait_ticks(&log, "the new holder fires", |t| {
        t.iter().filter(|t| t.instance == second).count() >= 5
    });
    let holder = instances.iter().position(|i| i.name == second).unwrap();
    let mut stopped = instances.remove(holder);
    let stopped_at = now_ms();
    signal(&stopped.child, "-TERM");
    assert!(wait_exit(&mut stopped.child).success());
    let ticks = wait_ticks(&log, "a tick of the last instance after the stop", |t| {
        first_tick_of_another(t, &second, stopped_at).is_some_and(|t| t.instance != first)
    });
    let next = first_tick_of_another(&ticks, &second, stopped_at).unwrap();
    let gap = next.start - stopped_at;
    println!("handover gap after SIGTERM: {:.2} s", gap as f64 / 1000.0);
    assert!(
        gap < HANDOVER_LIMIT_MS,
        "handover after SIGTERM took {gap} ms"
    );
    assert_eq!(next.instance, instances[0].name);

    // Let it fire a little, then stop it too.
    wait_ticks(&log, "the last holder fires", |t| {
        t.iter().filter(|t| t.instance == next.instance).count() >= 3
    });
    let mut last = instances.remove(0);
    signal(&last.child, "-TERM");
    assert!(wait_exit(&mut last.child).success());

    let ticks = read_ticks(&log);
    let count = |name: &str| ticks.iter().filter(|t| t.instance == name).count();
    println!(
        "ticks: {} in all ({first}: {}, {second}: {}, {}: {})",
        ticks.len(),
        count(&first),
        count(&second),
        next.instance,
        count(&next.instance)
    );
    assert!(ticks.len() >= 18, "{ticks:#?}");
    assert_one_at_a_time(&ticks, &died);
    let _ = std::fs::remove_file(&log);
}

#[test]
fn the_holder_that_loses_its_connection_stops_and_another_takes_over() {
    let vhost = TestVhost::create("singleton-timer-conn").unwrap();
    let log = tmp_log();
    let mut instances: Vec<Instance> = ["x", "y"]
        .iter()
        .map(|name| start(name, &vhost, &log))
        .collect();
    let ticks = wait_ticks(&log, "ticks", |t| t.len() >= 5);
    assert!(wait_until(|| consumers(&vhost) == 2), "both wait in line");
    let holder = ticks.last().unwrap().instance.clone();

    // The broker closes the holder's connection (as a broker restart or a network fault
    // would): the holder stops firing at once, the other one takes over.
    let connection = holder_connection(&vhost);
    let before = now_ms();
    rabbitmqctl(&[
        "close_connection",
        &connection,
        "singleton timer test: connection lost",
    ]);
    let after = now_ms();
    let ticks = wait_ticks(&log, "a tick of the other instance", |t| {
        first_tick_of_another(t, &holder, before).is_some()
    });
    let next = first_tick_of_another(&ticks, &holder, before).unwrap();
    let gap = next.start.saturating_sub(after);
    println!(
        "handover gap after the holder's connection was closed: {:.2} s (rabbitmqctl took {:.2} s)",
        gap as f64 / 1000.0,
        (after - before) as f64 / 1000.0
    );
    assert!(next.start - before < HANDOVER_LIMIT_MS + (after - before));

    // The old holder reconnects and waits in line again, without firing.
    assert!(
        wait_until(|| consumers(&vhost) == 2),
        "the old holder waits in line again"
    );
    std::thread::sleep(Duration::from_secs(1));
    let ticks = read_ticks(&log);
    assert!(
        ticks
            .iter()
            .all(|t| t.instance != holder || t.start <= after),
        "the old holder fired after losing its connection: {ticks:#?}"
    );
    assert_one_at_a_time(&ticks, &HashMap::new());
    for mut instance in instances.drain(..) {
        assert!(
            instance.child.try_wait().unwrap().is_none(),
            "{} keeps running across the connection loss",
            instance.name
        );
        signal(&instance.child, "-TERM");
        assert!(wait_exit(&mut instance.child).success());
    }
    let _ = std::fs::remove_file(&log);
}

fn wait_until(f: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}
