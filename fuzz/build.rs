//! Declares `cfg(fuzzing)`, which `cargo fuzz` sets (the bins link libFuzzer only then).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
}
