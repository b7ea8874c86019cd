//! Timers with an integer, a float and a positional interval, eager or not, and every return
//! shape the macro supports.
#![deny(warnings)]

use std::sync::atomic::{AtomicU64, Ordering};

use nameko::{RemoteError, service, timer};

pub struct Ticker {
    ticks: AtomicU64,
}

#[service(name = "ticker")]
impl Ticker {
    #[timer(interval = 1)]
    async fn every_second(&self) {
        self.ticks.fetch_add(1, Ordering::Relaxed);
    }

    #[timer(interval = 0.5, eager = true)]
    async fn twice_a_second(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    #[timer(60)]
    async fn every_minute(&self) -> Result<(), RemoteError> {
        Ok(())
    }

    #[timer(1e-3, eager = false)]
    async fn every_millisecond(&self) -> Result<u64, std::io::Error> {
        Ok(self.ticks.load(Ordering::Relaxed))
    }

    #[nameko::timer(eager = true, interval = 3600)]
    async fn hourly(&self) {}
}

fn main() {
    use nameko::Service;
    use std::sync::Arc;

    let service = Arc::new(Ticker {
        ticks: AtomicU64::new(0),
    });
    let entrypoints: Vec<(String, &str)> = service
        .entrypoints()
        .iter()
        .map(|e| (e.method_name().to_owned(), e.kind()))
        .collect();
    assert_eq!(
        entrypoints,
        [
            ("every_second".to_owned(), "timer"),
            ("twice_a_second".to_owned(), "timer"),
            ("every_minute".to_owned(), "timer"),
            ("every_millisecond".to_owned(), "timer"),
            ("hourly".to_owned(), "timer"),
        ]
    );
}
