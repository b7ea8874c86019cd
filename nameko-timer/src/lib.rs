//! # nameko-timer
//!
//! The timer entrypoint of [nameko-rs](https://github.com/nameko-rs/nameko-rs):
//! `#[timer(interval = 1)]` runs a method every `interval` seconds, with Python Nameko's
//! schedule (`nameko/timer.py`):
//!
//! - ticks are not cluster-aware: every running instance fires, unless the timer is a
//!   `singleton` (`#[timer(interval = 1, singleton)]`, below);
//! - ticks fall at `start + k * interval` (`k` from 1, or from 0 with `eager = true`), so
//!   the schedule does not drift with the method's duration;
//! - a tick never overlaps the previous one: when a tick overruns, the next fires as soon
//!   as it finishes;
//! - a failing tick is logged and the timer goes on;
//! - stopping the service fires no new tick and lets a running one finish within the grace
//!   period.
//!
//! Ticks are workers like any other: they count against `max_workers` and get a
//! [`WorkerContext`](nameko_core::WorkerContext).
//!
//! ```
//! use nameko_core::{service, timer};
//!
//! pub struct Pinger;
//!
//! #[service(name = "service")]
//! impl Pinger {
//!     #[timer(interval = 1)]
//!     async fn ping(&self) {
//!         println!("pong");
//!     }
//! }
//! ```
//!
//! ## Singleton timers
//!
//! `#[timer(interval = 1, singleton)]` fires on one instance of the service at a time,
//! across every process sharing the broker: the instances wait in line for a
//! cluster-wide lease ([`nameko_core::lease`]; nameko-amqp's is a single-active-consumer
//! queue `timer-singleton.<service>.<method>`), the holder fires, and the next in line
//! takes over as soon as the holder is gone. See [`Timer`]'s "Singleton timers" for the details, and the
//! guide's timer chapter for what happens on a network partition.
//!
//! ```
//! use nameko_core::{service, timer};
//!
//! pub struct Reports;
//!
//! #[service(name = "reports")]
//! impl Reports {
//!     #[timer(interval = 60, singleton)]
//!     async fn send(&self) {
//!         println!("one report a minute, for the whole cluster");
//!     }
//! }
//! ```
#![forbid(unsafe_code)]

pub mod settings;
pub mod timer;

#[doc(hidden)]
pub mod __private;

pub use settings::TimerSettings;
pub use timer::{Timer, TimerError, lease_name};
