//! The `nameko` command: see the [`nameko_cli`] crate docs, or `nameko --help`.

fn main() -> std::process::ExitCode {
    nameko_cli::main()
}
