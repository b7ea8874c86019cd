//! A service binary for the singleton timer tests: `sweeper` with
//! `#[timer(interval = 0.2, singleton)]`, each tick taking 50 ms and appending
//! `S <instance> <seq> <unix ms>` when it starts and `E <instance> <seq> <unix ms>` when it
//! ends (or is abandoned) to the file `NAMEKO_TEST_TICK_LOG`; the instance is
//! `NAMEKO_TEST_INSTANCE`.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nameko_core::{service, timer};

/// The singleton timer's service.
pub struct Sweeper {
    instance: String,
    log: std::path::PathBuf,
    seq: AtomicU64,
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Sweeper {
    fn record(&self, what: &str, seq: u64) {
        let line = format!("{what} {} {seq} {}\n", self.instance, now_ms());
        // One write per line, appended: lines of the processes do not interleave.
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
        {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// Writes the end of a tick when the tick ends, also when it is abandoned (dropped).
struct End<'a>(&'a Sweeper, u64);

impl Drop for End<'_> {
    fn drop(&mut self) {
        self.0.record("E", self.1);
    }
}

#[service(name = "sweeper")]
impl Sweeper {
    #[timer(interval = 0.2, singleton)]
    async fn sweep(&self) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        self.record("S", seq);
        let _end = End(self, seq);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn main() -> std::process::ExitCode {
    let instance = std::env::var("NAMEKO_TEST_INSTANCE").unwrap_or_else(|_| "?".to_owned());
    let log = std::env::var_os("NAMEKO_TEST_TICK_LOG")
        .map_or_else(|| std::env::temp_dir().join("ticks.log"), Into::into);
    nameko_run::cli::run("nameko-test-singleton-timer", move |runner| {
        runner.add_service(Sweeper {
            instance,
            log,
            seq: AtomicU64::new(0),
        })?;
        Ok(())
    })
}
