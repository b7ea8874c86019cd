//! Fuzz target `websocket_frame`: see [`nameko_fuzz::websocket_frame`].
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nameko_fuzz::websocket_frame(data));

/// Without libFuzzer: runs the target on each file given (a crash to reproduce).
#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    nameko_fuzz::replay_files(nameko_fuzz::websocket_frame)
}
