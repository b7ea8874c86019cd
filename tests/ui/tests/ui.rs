//! Compile tests of the macros: every `pass` file must build without warnings and run,
//! and every `fail` file must fail with the errors in the `.stderr` file beside it.
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p nameko-ui-tests`, then
//! read each changed `.stderr`: the message must point at the mistake and say how to fix it.

#[test]
fn service() {
    let t = trybuild::TestCases::new();
    t.pass("tests/service/pass/*.rs");
    t.compile_fail("tests/service/fail/*.rs");
}

#[test]
fn rpc() {
    let t = trybuild::TestCases::new();
    t.pass("tests/rpc/pass/*.rs");
    t.compile_fail("tests/rpc/fail/*.rs");
}

#[test]
fn event_handler() {
    let t = trybuild::TestCases::new();
    t.pass("tests/event_handler/pass/*.rs");
    t.compile_fail("tests/event_handler/fail/*.rs");
}

#[test]
fn http() {
    let t = trybuild::TestCases::new();
    t.pass("tests/http/pass/*.rs");
    t.compile_fail("tests/http/fail/*.rs");
}

#[test]
fn timer() {
    let t = trybuild::TestCases::new();
    t.pass("tests/timer/pass/*.rs");
    t.compile_fail("tests/timer/fail/*.rs");
}

#[test]
fn client() {
    let t = trybuild::TestCases::new();
    t.pass("tests/client/pass/*.rs");
    t.compile_fail("tests/client/fail/*.rs");
}

#[test]
fn rpc_client() {
    let t = trybuild::TestCases::new();
    t.pass("tests/rpc_client/pass/*.rs");
    t.compile_fail("tests/rpc_client/fail/*.rs");
}

#[test]
fn entrypoint() {
    let t = trybuild::TestCases::new();
    t.pass("tests/entrypoint/pass/*.rs");
    t.compile_fail("tests/entrypoint/fail/*.rs");
}
