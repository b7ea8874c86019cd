//! The `nameko` command (nameko-cli) against Python Nameko 2.14 services: `call` and a
//! piped `shell` work with Python services as with Rust ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use nameko_interop_tests::{PythonServices, init_tracing, workspace_root};
use nameko_test_support::TestVhost;

/// The `nameko` binary, built (if needed) into this test's target directory.
fn nameko_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test> -> target/<profile>/nameko
    let dir = exe.parent().unwrap().parent().unwrap().to_owned();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .args(["build", "--quiet", "-p", "nameko-cli", "--bin", "nameko"])
        .status()
        .unwrap();
    assert!(status.success(), "cannot build nameko-cli");
    let bin = dir.join(format!("nameko{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing", bin.display());
    bin
}

fn nameko(bin: &PathBuf, vhost: &TestVhost, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(bin)
        .arg("--broker")
        .arg(vhost.uri())
        .args(args)
        .env_remove("RUST_LOG")
        .env("HOME", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nameko_call_and_shell_against_python_services() {
    init_tracing();
    let bin = tokio::task::spawn_blocking(nameko_binary).await.unwrap();
    let vhost = TestVhost::create("interop-cli").unwrap();
    let _py = PythonServices::start(
        &vhost,
        &["seed_services", "interop_services:PyErrors"],
        &["service_x", "service_y", "py_errors"],
        "",
    )
    .await;
    let run = |args: &[&str], stdin: &str| nameko(&bin, &vhost, args, stdin);

    let out = run(&["call", "service_x.remote_method", r#"["hellø"]"#], "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"hellø-x-y\"\n");

    let out = run(
        &["call", "py_errors.takes_two", r#"{"a": 1, "b": [2]}"#],
        "",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[\n  1,\n  [\n    2\n  ]\n]\n"
    );

    let out = run(&["call", "py_errors.value_error"], "");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ValueError: ('bad value', 3)\n"
    );

    let out = run(
        &["shell"],
        "service_y.append_identifier('hellø')\npy_errors.takes_two(1, b=None)\npy_errors.nope()\n",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "\"hellø-y\"\n[\n  1,\n  null\n]\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "MethodNotFound: nope\n"
    );
}

/// The `nameko` command honours the configured serializer: with `serializer: msgpack`
/// (here through `--define`), `call` and `shell` reach Python services that accept msgpack
/// only (kombu would refuse a JSON request to them) and read their msgpack replies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nameko_call_and_shell_with_msgpack_against_python_msgpack_services() {
    init_tracing();
    let bin = tokio::task::spawn_blocking(nameko_binary).await.unwrap();
    let vhost = TestVhost::create("interop-cli-msgpack").unwrap();
    let _py = PythonServices::start_probed(
        &vhost,
        &["seed_services", "interop_services:PyErrors"],
        &["service_x", "service_y", "py_errors"],
        "serializer: msgpack\nACCEPT: [msgpack]\n",
        vhost
            .config()
            .with("serializer", "msgpack")
            .with("ACCEPT", serde_json::json!(["msgpack"])),
    )
    .await;
    let msgpack = [
        "--define",
        "serializer=msgpack",
        "--define",
        "ACCEPT=[msgpack]",
    ];
    let run = |args: &[&str], stdin: &str| {
        let args: Vec<&str> = msgpack.iter().chain(args).copied().collect();
        nameko(&bin, &vhost, &args, stdin)
    };

    let out = run(&["call", "service_x.remote_method", r#"["hellø"]"#], "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\"hellø-x-y\"\n");

    let out = run(&["call", "py_errors.value_error"], "");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ValueError: ('bad value', 3)\n"
    );

    let out = run(
        &["shell"],
        "service_y.append_identifier('hellø')\npy_errors.takes_two(1, b=[2.5, None, True])\n",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "\"hellø-y\"\n[\n  1,\n  [\n    2.5,\n    null,\n    true\n  ]\n]\n"
    );
}
