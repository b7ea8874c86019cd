//! The fuzz targets of nameko-rs: one function per decoder reachable from the network
//! (and the shell and config parsers), each taking the raw input bytes.
//!
//! The libFuzzer bins of `fuzz_targets/` (built by `cargo fuzz`, see `scripts/fuzz`) and
//! the smoke pass of `tests/smoke.rs` (a plain `cargo test`: the seeds of `seeds/` and
//! their mutations) call the same functions. A target panics when an invariant fails:
//! beyond "no panic", each checks what its decoder promises (errors of the right kind,
//! round trips, rebuilt values).
#![allow(clippy::panic)]

pub mod json;
mod targets;

pub use targets::{
    config_yaml, context_headers, event_body, http_request, rpc_body, rule, shell_line,
    websocket_frame,
};

/// A fuzz target: the raw input; panics on a failed invariant.
pub type Target = fn(&[u8]);

/// Every target, by the name of its bin and of its seed directory (`seeds/<name>`).
pub const TARGETS: [(&str, Target); 8] = [
    ("rpc_body", rpc_body),
    ("event_body", event_body),
    ("context_headers", context_headers),
    ("rule", rule),
    ("http_request", http_request),
    ("websocket_frame", websocket_frame),
    ("shell_line", shell_line),
    ("config_yaml", config_yaml),
];

/// The `main` of a target's bin built without libFuzzer: runs `target` on each file named
/// on the command line (a crash artifact to reproduce, a corpus file).
pub fn replay_files(target: Target) -> std::process::ExitCode {
    let mut status = std::process::ExitCode::SUCCESS;
    for path in std::env::args_os().skip(1) {
        match std::fs::read(&path) {
            Ok(data) => {
                target(&data);
                println!("ok: {}", path.to_string_lossy());
            }
            Err(e) => {
                eprintln!("cannot read {}: {e}", path.to_string_lossy());
                status = std::process::ExitCode::FAILURE;
            }
        }
    }
    status
}
