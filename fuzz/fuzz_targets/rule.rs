//! Fuzz target `rule`: see [`nameko_fuzz::rule`].
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nameko_fuzz::rule(data));

/// Without libFuzzer: runs the target on each file given (a crash to reproduce).
#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    nameko_fuzz::replay_files(nameko_fuzz::rule)
}
