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
/// Name of service `i` of a runner hosting many echo services (`bench-echo-many`,
/// `bench-raw-echo URI N`): `bench_echo_<i>`.
pub fn echo_service_name(i: usize) -> String {
    format!("{ECHO_SERVICE}_{i}")
}

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

/// The value sent in call `n` of about `size` bytes of JSON: `{"n": n, "text": "xx..."}`
/// with as many `x` as make up `size` (at least `"hello world"`'s size).
pub fn sized_payload(n: u64, size: usize) -> serde_json::Value {
    // `{"n":` + digits + `,"text":"` + text + `"}`
    let overhead = 17 + n.max(1).ilog10() as usize;
    serde_json::json!({ "n": n, "text": "x".repeat(size.saturating_sub(overhead).max(1)) })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sized_payload_has_its_size() {
        for (n, size) in [(0, 100), (7, 10_000), (123_456, 1_000_000)] {
            let len = serde_json::to_vec(&super::sized_payload(n, size))
                .unwrap()
                .len();
            assert_eq!(len, size, "n {n}");
        }
        assert_eq!(super::echo_service_name(3), "bench_echo_3");
    }
}
