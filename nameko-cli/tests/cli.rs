//! The `nameko` binary as operators run it, against real services started in this
//! process on a fresh vhost of the test broker.
#![allow(clippy::unwrap_used)] // helpers of the tests, outside `#[test]` functions

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use example_rpc::{ServiceX, ServiceY};
use nameko_core::ServiceRunner;
use nameko_integration_tests::{Echo, PoolListener, Seen, eventually};
use nameko_test_support::TestVhost;
use serde_json::{Value, json};

const NAMEKO: &str = env!("CARGO_BIN_EXE_nameko");

/// Services on their own vhost: `echo`, `service_x` and `service_y` (the seed's RPC
/// example), and `pool_listener`, which records `source.evt` events in `seen`.
struct Cluster {
    seen: Seen,
    runner: ServiceRunner,
    rt: tokio::runtime::Runtime,
    vhost: TestVhost,
}

impl Cluster {
    fn start(label: &str) -> Cluster {
        let vhost = TestVhost::create(label).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let seen = Seen::default();
        let mut runner = ServiceRunner::new(vhost.config());
        runner.add_service(Echo::new("a")).unwrap();
        runner.add_service(ServiceX::default()).unwrap();
        runner.add_service(ServiceY).unwrap();
        runner.add_service(PoolListener::new("a", &seen)).unwrap();
        rt.block_on(runner.start()).unwrap();
        Cluster {
            seen,
            runner,
            rt,
            vhost,
        }
    }

    /// Runs `nameko --broker <vhost> args...`.
    fn nameko(&self, args: &[&str]) -> Output {
        nameko(&[&["--broker", &self.vhost.uri()], args].concat(), None)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.rt.block_on(self.runner.kill());
    }
}

fn nameko(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(NAMEKO)
        .args(args)
        .env_remove("RUST_LOG")
        .env("HOME", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_out(out: &Output) -> Value {
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Failed with `code`, and stderr is the one line `line`.
fn assert_fails(out: &Output, code: i32, line: &str) {
    assert_eq!(out.status.code(), Some(code), "{out:?}");
    assert_eq!(stderr(out), format!("{line}\n"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
}

#[test]
fn call_with_args_kwargs_and_context_data() {
    let c = Cluster::start("cli-call");
    // The seed's call: through service_x to service_y.
    let out = c.nameko(&["call", "service_x.remote_method", r#"["hellø"]"#]);
    assert_eq!(json_out(&out), json!("hellø-x-y"));
    assert_eq!(stdout(&out), "\"hellø-x-y\"\n");
    // Keyword arguments, and the wire form.
    let out = c.nameko(&["call", "echo.add", r#"{"a": 1, "b": 2}"#]);
    assert_eq!(json_out(&out), json!(3));
    let out = c.nameko(&["call", "echo.add", r#"{"args": [1], "kwargs": {"b": 41}}"#]);
    assert_eq!(json_out(&out), json!(42));
    // No arguments; context data reaches the worker.
    let out = c.nameko(&["call", "echo.whoami"]);
    assert_eq!(json_out(&out), json!("a"));
    let out = c.nameko(&[
        "call",
        "echo.context",
        "--context-data",
        r#"{"language": "fr", "user_id": 7}"#,
    ]);
    let context = json_out(&out);
    assert_eq!(context["data"]["language"], "fr");
    assert_eq!(context["data"]["user_id"], 7);
    // Options after the subcommand work too.
    let out = nameko(
        &[
            "call",
            "echo.echo",
            r#"[{"k": [1, null]}]"#,
            "--broker",
            &c.vhost.uri(),
        ],
        None,
    );
    assert_eq!(json_out(&out), json!({"k": [1, null]}));
}

#[test]
fn failures_are_one_line_with_their_exit_code() {
    let c = Cluster::start("cli-errors");
    let out = c.nameko(&["call", "echo.fail", r#"["boom"]"#]);
    assert_fails(&out, 1, "ValueError: boom");
    let out = c.nameko(&["call", "echo.nope"]);
    assert_fails(&out, 1, "MethodNotFound: nope");
    let out = c.nameko(&["call", "echo.add", r#"{"a": 1}"#]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr(&out).starts_with("IncorrectSignature: "), "{out:?}");
    let out = c.nameko(&["call", "nosuch.method", "[]"]);
    assert_fails(
        &out,
        6,
        "nameko: error: unknown service `nosuch`: no service of that name is listening",
    );
    let out = c.nameko(&["call", "echo.sleep", "[5]", "--timeout", "0.3"]);
    assert_fails(
        &out,
        5,
        "nameko: error: RPC call to `echo.sleep` timed out after 300ms",
    );
    let out = c.nameko(&["call", "echo.echo", "[1,"]);
    assert_fails(
        &out,
        2,
        "nameko: error: invalid JSON arguments: EOF while parsing a value at line 1 column 3",
    );
    let out = c.nameko(&["call", "echo", "[]"]);
    assert_fails(
        &out,
        2,
        "nameko: error: invalid target `echo`: expected SERVICE.METHOD, e.g. service_x.remote_method",
    );
    let out = c.nameko(&["call", "echo.echo", "[1]", "--context-data", "[]"]);
    assert_fails(
        &out,
        2,
        "nameko: error: invalid context data: expected a JSON object, got an array",
    );
}

#[test]
fn broker_and_config_failures() {
    let out = nameko(
        &["--broker", "amqp://guest:secret@127.0.0.1:1", "call", "a.b"],
        None,
    );
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "nameko: error: cannot connect to the broker at amqp://guest:***@127.0.0.1:1"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = nameko(&["--config", "/no/such.yaml", "call", "a.b"], None);
    assert_fails(
        &out,
        3,
        "nameko: error: cannot read config file /no/such.yaml: No such file or directory (os error 2)",
    );
    let out = nameko(&["--broker", "http://x", "dispatch", "a", "b"], None);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    // clap's usage errors: 2.
    let out = nameko(&["call"], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn dispatch_reaches_a_handler() {
    let c = Cluster::start("cli-dispatch");
    let out = c.nameko(&["dispatch", "source", "evt", r#"{"n": 1, "s": "hellø"}"#]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    let seen = c.seen.clone();
    let got = c.rt.block_on(eventually(Duration::from_secs(5), || {
        let seen = seen.clone();
        async move { !seen.lock().unwrap().is_empty() }
    }));
    assert!(got, "the handler never received the event");
    assert_eq!(c.seen.lock().unwrap()[0].2, json!({"n": 1, "s": "hellø"}));
    let out = c.nameko(&["dispatch", "source", "evt", "{nope"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn shell_session_piped_through_stdin() {
    let c = Cluster::start("cli-shell");
    let session = r#"help
service_x.remote_method("hellø")
echo.add(1, b=2)
n.rpc.echo.echo({'ok': True, 'none': None, 'list': (1, 2)})
echo.fail('boom')
nosuch.method()
echo.echo(oops)
dispatch("source", "evt", {"from": "shell"})
exit
echo.whoami()
"#;
    let out = nameko(&["--broker", &c.vhost.uri(), "shell"], Some(session));
    assert!(out.status.success(), "{out:?}");
    let stdout = stdout(&out);
    let stderr = stderr(&out);
    assert!(stdout.starts_with(nameko_cli::shell::HELP), "{stdout}");
    let rest = &stdout[nameko_cli::shell::HELP.len() + 1..];
    assert_eq!(
        rest,
        "\"hellø-x-y\"\n3\n{\n  \"list\": [\n    1,\n    2\n  ],\n  \"none\": null,\n  \"ok\": true\n}\ndispatched source.evt\n",
        "(nothing after exit)"
    );
    assert_eq!(
        stderr,
        "ValueError: boom\n\
         unknown service `nosuch`: no service of that name is listening\n\
         syntax error: unknown name `oops`: strings need quotes (\"oops\") (at column 11)\n"
    );
    let seen = c.seen.clone();
    let got = c.rt.block_on(eventually(Duration::from_secs(5), || {
        let seen = seen.clone();
        async move { !seen.lock().unwrap().is_empty() }
    }));
    assert!(got);
    assert_eq!(c.seen.lock().unwrap()[0].2, json!({"from": "shell"}));
}

#[test]
fn show_config_redacts_secrets() {
    let dir = std::env::temp_dir().join(format!("nameko-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.yaml");
    std::fs::write(
        &path,
        "AMQP_URI: amqp://guest:${NAMEKO_CLI_TEST_PASSWORD:guest}@127.0.0.1:5672/\n\
         AMQP_SSL:\n  keyfile: /etc/ssl/private/client.key\n  certfile: /etc/ssl/client.pem\n\
         API_TOKEN: abcdef\n\
         DATABASE:\n  url: postgresql://app:hunter2@db/app\n  Password: hunter2\n\
         max_workers: 4\n",
    )
    .unwrap();
    let out = Command::new(NAMEKO)
        .args(["show-config", "--config", path.to_str().unwrap()])
        .env("NAMEKO_CLI_TEST_PASSWORD", "s3cret")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(
        !text.contains("s3cret") && !text.contains("hunter2") && !text.contains("abcdef"),
        "{text}"
    );
    let yaml: Value = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(yaml["AMQP_URI"], "amqp://guest:***@127.0.0.1:5672/");
    assert_eq!(yaml["AMQP_SSL"]["keyfile"], "/etc/ssl/private/client.key");
    assert_eq!(yaml["API_TOKEN"], "***");
    assert_eq!(yaml["DATABASE"]["Password"], "***");
    assert_eq!(yaml["DATABASE"]["url"], "postgresql://app:***@db/app");
    assert_eq!(yaml["max_workers"], 4);
    // Defaults of the keys the file does not set.
    assert_eq!(yaml["rpc_exchange"], "nameko-rpc");
    // `--broker` wins, and its password is hidden too.
    let out = nameko(
        &[
            "show-config",
            "--no-defaults",
            "--format",
            "json",
            "--broker",
            "amqp://u:pw@h/",
        ],
        None,
    );
    assert_eq!(json_out(&out), json!({"AMQP_URI": "amqp://u:***@h/"}));
}

#[test]
fn define_sets_keys_after_the_file_and_show_config_shows_them() {
    let dir = std::env::temp_dir().join(format!("nameko-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.yaml");
    std::fs::write(
        &path,
        "max_workers: ${NAMEKO_CLI_TEST_WORKERS:10}
rpc_exchange: from-file
KEEP: kept
",
    )
    .unwrap();
    let config = path.to_str().unwrap();
    let out = nameko(
        &[
            "show-config",
            "--no-defaults",
            "--format",
            "json",
            "--config",
            config,
            "--define",
            "max_workers=3",
            "--define",
            "rpc_exchange=from-define",
            "--define",
            "ACCEPT=[json, msgpack]",
            "--define",
            "AMQP_URI=amqp://u:pw@h/",
            "--define",
            "DEBUG",
            // a later definition of a key wins
            "--define",
            "max_workers=4",
        ],
        None,
    );
    assert_eq!(
        json_out(&out),
        json!({
            "max_workers": 4,
            "rpc_exchange": "from-define",
            "KEEP": "kept",
            "ACCEPT": ["json", "msgpack"],
            "AMQP_URI": "amqp://u:***@h/",
            "DEBUG": true,
        })
    );
    // A defined value is checked as a file's is: exit code 3 and the key named.
    let out = nameko(
        &[
            "show-config",
            "--config",
            config,
            "--define",
            "max_workers=0",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "nameko: error: config key `max_workers`: expected a positive integer, got 0"
    );
    // A definition without a key is a usage error that says how to write one.
    let out = nameko(&["show-config", "--define", "=4"], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no key before `=` (write KEY=VALUE"),
        "{out:?}"
    );
}

/// `example-quickstart` (every seed service in one binary), built next to `nameko`; built
/// here if it is not.
fn quickstart_binary() -> PathBuf {
    let dir = PathBuf::from(NAMEKO).parent().unwrap().to_owned();
    let bin = dir.join(format!(
        "example-quickstart{}",
        std::env::consts::EXE_SUFFIX
    ));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--quiet",
            "-p",
            "example-quickstart",
            "--bin",
            "example-quickstart",
        ])
        .status()
        .unwrap();
    assert!(status.success(), "cannot build example-quickstart");
    assert!(bin.exists(), "{} is missing", bin.display());
    bin
}

#[test]
fn describe_and_asyncapi_of_the_quickstart_binary() {
    let bin = quickstart_binary();
    let bin = bin.to_str().unwrap();
    // Nothing is connected to: an unreachable broker does not matter.
    let out = nameko(
        &["describe", "--", bin, "--broker", "amqp://127.0.0.1:1"],
        None,
    );
    let d = json_out(&out);
    assert_eq!(d["binary"], "example-quickstart");
    let services = d["services"].as_array().unwrap();
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "service_y",
            "service_x",
            "service_a",
            "service_b",
            "listener",
            "http_service",
            "advanced_http_service",
            "service"
        ]
    );
    let service = |name: &str| services.iter().find(|s| s["name"] == name).unwrap();
    assert_eq!(
        service("service_x")["entrypoints"],
        json!([{"kind": "rpc", "method": "remote_method", "params": ["value"]}])
    );
    assert_eq!(service("service_x")["dependencies"], json!(["y"]));
    assert_eq!(
        service("listener")["entrypoints"][0],
        json!({
            "kind": "event_handler", "method": "ping", "params": ["_payload"],
            "source_service": "monitor", "event_type": "ping", "handler_type": "broadcast",
            "reliable_delivery": false, "requeue_on_error": false
        })
    );
    let http = &service("http_service")["entrypoints"][0];
    assert_eq!(http["kind"], "http");
    assert!(http["rule"].as_str().unwrap().starts_with('/'), "{http}");
    assert!(http["http_methods"].is_string(), "{http}");
    let timer = &service("service")["entrypoints"][0];
    assert_eq!(timer["kind"], "timer");
    assert!(timer["interval"].as_f64().unwrap() > 0.0, "{timer}");

    // The same binary through --binary, as AsyncAPI.
    let out = nameko(&["describe", "--asyncapi", "--binary", bin], None);
    let doc = json_out(&out);
    assert_eq!(doc["asyncapi"], "3.0.0");
    assert_eq!(doc["info"]["title"], "example-quickstart");
    let channel = &doc["channels"]["service_x.remote_method"];
    assert_eq!(channel["address"], "service_x.remote_method");
    assert_eq!(
        channel["bindings"]["amqp"]["exchange"]["name"],
        "nameko-rpc"
    );
    let op = &doc["operations"]["service_x.remote_method"];
    assert_eq!(op["action"], "receive");
    assert_eq!(
        op["reply"]["messages"][1]["$ref"],
        "#/channels/service_x.remote_method.reply/messages/error"
    );
    assert_eq!(
        doc["channels"]["event.service_a.event_type"]["address"],
        "event_type"
    );
    assert_eq!(
        doc["operations"]["service_b.handle_event"]["action"],
        "receive"
    );
    assert!(doc["components"]["schemas"]["RemoteError"].is_object());
    // YAML too.
    let out = nameko(
        &["describe", "--asyncapi", "--format", "yaml", "--", bin],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).starts_with("asyncapi: 3.0.0\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn describe_failures() {
    let out = nameko(&["describe", "--", "/no/such/binary"], None);
    assert_fails(
        &out,
        7,
        "nameko: error: cannot run /no/such/binary: No such file or directory (os error 2)",
    );
    let out = nameko(&["describe", "--binary", "/bin/echo"], None);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    assert!(
        stderr(&out).contains("printed no service description"),
        "{out:?}"
    );
    let out = nameko(&["describe"], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // A saved description.
    let out = nameko(
        &["describe", "--asyncapi", "--input", "-"],
        Some(
            r#"{"binary": "b", "services": [{"name": "s", "entrypoints": [{"kind": "rpc", "method": "m", "params": []}]}]}"#,
        ),
    );
    assert_eq!(json_out(&out)["channels"]["s.m"]["address"], "s.m");
}

/// Writes `value` as JSON to a fresh file of the temp dir.
fn saved(name: &str, value: &Value) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "nameko-cli-diff-{}-{name}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

#[test]
fn describe_diff_of_two_files() {
    let old = saved(
        "old.json",
        &json!({"binary": "b", "services": [{"name": "svc", "entrypoints": [
            {"kind": "rpc", "method": "get", "params": ["id"]},
            {"kind": "rpc", "method": "legacy", "params": []},
            {"kind": "http", "method": "create", "params": [], "http_methods": "POST", "rule": "/orders",
             "body_schema": {"type": "object", "properties": {"item": {"type": "string"}}, "required": ["item"]}}
        ]}]}),
    );
    let new = saved(
        "new.json",
        &json!({"binary": "b", "services": [{"name": "svc", "entrypoints": [
            {"kind": "rpc", "method": "get", "params": ["id"]},
            {"kind": "rpc", "method": "fresh", "params": []},
            {"kind": "http", "method": "create", "params": [], "http_methods": "POST", "rule": "/orders",
             "body_schema": {"type": "object", "properties": {"item": {"type": "string"}, "qty": {"type": "integer"}},
                             "required": ["item", "qty"]}}
        ]}]}),
    );
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let out = nameko(&["describe", "--diff", o, n], None);
    assert_eq!(out.status.code(), Some(8), "{out:?}");
    assert_eq!(
        stdout(&out),
        format!(
            "{o} -> {n}: 2 breaking changes, 1 other change\n\nBreaking:\n  \
             RPC method `svc.legacy` removed  [rpc.removed]\n  \
             HTTP route `POST /orders`: new required property `body.qty` (callers that do not send it fail)  [http.body_schema.required_added]\n\
             \nNot breaking:\n  RPC method `svc.fresh` added  [rpc.added]\n"
        )
    );
    assert_eq!(
        stderr(&out),
        format!("nameko: error: 2 breaking changes from {o} to {n}\n")
    );
    // As JSON, for CI.
    let out = nameko(&["describe", "--diff", o, n, "--json"], None);
    assert_eq!(out.status.code(), Some(8), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["breaking"], true);
    assert_eq!(report["summary"], json!({"breaking": 2, "non_breaking": 1}));
    assert_eq!(report["breaking_changes"][0]["code"], "rpc.removed");
    assert_eq!(report["non_breaking_changes"][0]["entrypoint"], "fresh");
    // The other way round only adds: exit 0. The same file: no changes.
    let out = nameko(&["describe", "--diff", n, o, "--json"], None);
    assert_eq!(
        out.status.code(),
        Some(8),
        "removing `fresh` breaks: {out:?}"
    );
    let out = nameko(&["describe", "--diff", o, o], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stdout(&out), format!("{o} -> {o}: no changes\n"));
    // NEW from stdin.
    let text = std::fs::read_to_string(&new).unwrap();
    let out = nameko(&["describe", "--diff", o, "--input", "-"], Some(&text));
    assert_eq!(out.status.code(), Some(8), "{out:?}");
    // Usage and bad input.
    let out = nameko(&["describe", "--diff", o, n, "--", "/bin/true"], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = nameko(&["describe", "--json", "--input", o], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = nameko(&["describe", "--diff", "/no/such.json", n], None);
    assert_fails(
        &out,
        7,
        "nameko: error: cannot read /no/such.json: No such file or directory (os error 2)",
    );
    let bad = saved("bad.json", &json!({"services": [{"entrypoints": []}]}));
    let out = nameko(&["describe", "--diff", bad.to_str().unwrap(), n], None);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    assert!(stderr(&out).contains("service 1 has no `name`"), "{out:?}");
    for f in [old, new, bad] {
        std::fs::remove_file(f).unwrap();
    }
}

#[test]
fn describe_diff_of_a_real_binary_against_an_older_description() {
    let bin = quickstart_binary();
    let bin = bin.to_str().unwrap();
    let current = json_out(&nameko(&["describe", "--", bin], None));
    // An older release: `service_y` had a method the binary no longer has, `service_x`'s
    // method had no parameter yet, and the timer service did not exist.
    let mut older = current.clone();
    let services = older["services"].as_array_mut().unwrap();
    services.retain(|s| s["name"] != "service");
    for s in services.iter_mut() {
        if s["name"] == "service_y" {
            s["entrypoints"]
                .as_array_mut()
                .unwrap()
                .push(json!({"kind": "rpc", "method": "old_method", "params": []}));
        }
        if s["name"] == "service_x" {
            s["entrypoints"][0]["params"] = json!([]);
        }
    }
    let old = saved("quickstart-old.json", &older);
    let o = old.to_str().unwrap();
    let out = nameko(&["describe", "--diff", o, "--json", "--", bin], None);
    assert_eq!(out.status.code(), Some(8), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["new"], bin);
    let codes = |key: &str| -> Vec<(String, String)> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["code"].as_str().unwrap().to_owned(),
                    c["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        codes("breaking_changes"),
        [
            (
                "rpc.removed".to_owned(),
                "RPC method `service_y.old_method` removed".to_owned()
            ),
            (
                "rpc.param_added_required".to_owned(),
                "`service_x.remote_method`: new required parameter `value` (callers that do not pass it fail; the description does not mark it optional)".to_owned()
            ),
        ]
    );
    assert_eq!(
        codes("non_breaking_changes"),
        [(
            "service.added".to_owned(),
            "service `service` added".to_owned()
        )]
    );
    // Its own saved description: nothing changed, exit 0, through --binary too.
    let same = saved("quickstart-now.json", &current);
    let out = nameko(
        &[
            "describe",
            "--diff",
            same.to_str().unwrap(),
            "--binary",
            bin,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout(&out).ends_with(": no changes\n"), "{out:?}");
    std::fs::remove_file(old).unwrap();
    std::fs::remove_file(same).unwrap();
}
