//! Fuzz target `http_request`: see [`nameko_fuzz::http_request`].
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nameko_fuzz::http_request(data));

/// Without libFuzzer: runs the target on each file given (a crash to reproduce).
#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    nameko_fuzz::replay_files(nameko_fuzz::http_request)
}
