//! # nameko-timer
//!
//! The timer entrypoint of nameko-rs (`#[timer(interval = 1)]`), on tokio's clock, with
//! Nameko's schedule: every instance fires, ticks never overlap, the schedule does not
//! drift.
//!
//! **Status:** not implemented yet. Until it is, `#[timer]` inside a `#[service]` is a
//! compile error that says so.
#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod __private {}
