//! Fuzz target `config_yaml`: see [`nameko_fuzz::config_yaml`].
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nameko_fuzz::config_yaml(data));

/// Without libFuzzer: runs the target on each file given (a crash to reproduce).
#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    nameko_fuzz::replay_files(nameko_fuzz::config_yaml)
}
