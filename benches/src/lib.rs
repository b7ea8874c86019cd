//! Shared pieces of the nameko-rs benchmark suite (`cargo run --release -p nameko-benches`,
//! see `benches/README.md`):
//!
//! - [`services`]: the services under test, written with the macros as a user would
//!   (`bench_echo` for RPC, `bench_listener` for events, `bench_hello` for HTTP);
//! - [`raw`]: the baselines, raw lapin doing by hand exactly what Nameko's protocol does
//!   (RPC server and client, event publisher and consumers).
//!
//! The driver (`src/driver`) and the server binaries (`src/bin`) are built on these.

pub mod raw;
pub mod services;

/// Name of the RPC echo service.
pub const ECHO_SERVICE: &str = "bench_echo";
/// Its one method.
pub const ECHO_METHOD: &str = "echo";
/// Source service of the benchmark's events.
pub const EVENT_SOURCE: &str = "bench_source";
/// Type of the benchmark's events.
pub const EVENT_TYPE: &str = "tick";
/// Name of the service handling the events.
pub const LISTENER_SERVICE: &str = "bench_listener";
/// Its `service_pool` event handler.
pub const LISTENER_METHOD: &str = "on_tick";

/// The `service_pool` queue of the listener:
/// `evt-bench_source-tick--bench_listener.on_tick`.
pub fn listener_queue() -> String {
    nameko_amqp::wire::service_pool_queue(
        EVENT_SOURCE,
        EVENT_TYPE,
        LISTENER_SERVICE,
        LISTENER_METHOD,
    )
}

/// The value sent in call or event number `n`: a small JSON object.
pub fn payload(n: u64) -> serde_json::Value {
    serde_json::json!({ "n": n, "text": "hello world" })
}
