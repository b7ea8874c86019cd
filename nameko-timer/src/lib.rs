//! # nameko-timer
//!
//! The timer entrypoint of [nameko-rs](https://github.com/nameko-rs/nameko-rs):
//! `#[timer(interval = 1)]` runs a method every `interval` seconds, with Python Nameko's
//! schedule (`nameko/timer.py`):
//!
//! - ticks are not cluster-aware: every running instance fires;
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
#![forbid(unsafe_code)]

pub mod timer;

#[doc(hidden)]
pub mod __private;

pub use timer::{Timer, TimerError};
