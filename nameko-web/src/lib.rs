//! # nameko-web
//!
//! The HTTP entrypoint of nameko-rs (`#[http("GET", "/get/<int:value>")]`), served by axum
//! with werkzeug's rule syntax and Nameko's return conventions.
//!
//! **Status:** not implemented yet. Until it is, `#[http]` inside a `#[service]` is a
//! compile error that says so. The design: one server per runner bound to
//! `WEB_SERVER_ADDRESS`, started and stopped with the containers; HTTP handlers are workers
//! counted against `max_workers`.
#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod __private {}
