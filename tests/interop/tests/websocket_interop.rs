//! RPC over WebSocket between a Python client and a Rust service: `python/ws_client.py`
//! (the `websocket-client` package, Nameko's frame format of `nameko/web/websocket.py`,
//! errors read back with Nameko 2.14's own `nameko.exceptions.deserialize`) calls the
//! `websocket_rpc` methods of a Rust service on the runner's web server: a result, an
//! error the method returns, arguments that do not fit, an unknown method, a frame that
//! is not JSON, and an event pushed by the hub to another subscribed socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::Duration;

use nameko::web::websocket::{ConnectionNotFound, WebSocketHub, rpc};
use nameko::{Config, ServiceRunner, entrypoint, service};
use nameko_interop_tests::{init_tracing, python_dir, venv};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
#[error("no luck: {0}")]
struct Unlucky(String);

/// The Rust side: WebSocket RPC methods and the hub.
#[derive(Default)]
struct WsInterop {
    hub: WebSocketHub,
}

#[service(name = "ws_interop_chat", dependencies(hub))]
impl WsInterop {
    #[entrypoint(rpc())]
    async fn greet(&self, socket_id: String, name: String, punctuation: Option<String>) -> Value {
        let greeting = format!("hello {name}{}", punctuation.as_deref().unwrap_or("!"));
        json!({"greeting": greeting, "socket_id": socket_id})
    }

    #[entrypoint(rpc())]
    async fn fail(&self, _socket_id: String, why: String) -> Result<(), Unlucky> {
        Err(Unlucky(why))
    }

    #[entrypoint(rpc())]
    async fn subscribe(
        &self,
        socket_id: String,
        channel: String,
    ) -> Result<(), ConnectionNotFound> {
        self.hub.subscribe(&socket_id, &channel)
    }

    #[entrypoint(rpc())]
    async fn say(&self, socket_id: String, channel: String, text: String) -> String {
        self.hub
            .broadcast(&channel, "said", json!({"from": socket_id, "text": text}));
        "sent".to_owned()
    }
}

/// Runs `ws_client.py` with `plan` (off the runtime: the server keeps serving) and returns
/// what it printed; it must exit 0, which it does after closing its sockets.
async fn ws_client(plan: Value) -> Value {
    let mut cmd = Command::new(venv().join("bin/python"));
    cmd.current_dir(python_dir())
        .arg("ws_client.py")
        .arg(plan.to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("cannot run ws_client.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ws_client.py failed ({}) with plan {plan}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("ws_client.py printed no JSON ({e}):\n{stdout}\n{stderr}"))
}

/// The error part of a failed result frame, as Nameko's `serialize(exc)` writes it.
fn error(exc_type: &str, exc_path: &str, exc_args: Value, value: &str) -> Value {
    json!({"exc_type": exc_type, "exc_path": exc_path, "exc_args": exc_args, "value": value})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_websocket_client_calls_rust_methods() {
    init_tracing();
    let mut runner = ServiceRunner::new(Config::new().with("WEB_SERVER_ADDRESS", "127.0.0.1:0"));
    runner.add_service(WsInterop::default()).unwrap();
    runner.start().await.unwrap();
    let addr = nameko::web::bound_address(runner.shared()).unwrap();

    let plan = json!({
        "url": format!("ws://{addr}/ws"),
        "sockets": 2,
        "timeout": 10,
        "steps": [
            {"socket": 0, "method": "greet", "data": {"name": "wørld"}, "correlation_id": "c-1"},
            {"socket": 0, "method": "greet", "data": {"name": "you", "punctuation": "?"}, "correlation_id": 2},
            {"socket": 0, "method": "fail", "data": {"why": "black cat"}, "correlation_id": 3},
            {"socket": 0, "method": "greet", "data": {}, "correlation_id": 4},
            {"socket": 0, "method": "no_such_method", "data": {}, "correlation_id": 5},
            {"socket": 1, "method": "subscribe", "data": {"channel": "room"}, "correlation_id": 6},
            {"socket": 0, "method": "say", "data": {"channel": "room", "text": "hi ✓"}, "correlation_id": 7},
            {"socket": 1, "event": "said"},
            {"socket": 0, "raw": "this is not json"}
        ]
    });
    let got = ws_client(plan).await;

    // Each socket got its `connected` event with its own id.
    let ids: Vec<String> = got["connected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|frame| {
            assert_eq!(frame["type"], "event");
            assert_eq!(frame["event"], "connected");
            frame["data"]["socket_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    let steps = got["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 9, "{got:#}");
    let frame = |i: usize| &steps[i]["frame"];
    let text = |i: usize| steps[i]["text"].as_str().unwrap();

    // A result, written byte for byte as Python Nameko's `json.dumps` of its response.
    assert_eq!(
        text(0),
        format!(
            r#"{{"type": "result", "success": true, "data": {{"greeting": "hello w\u00f8rld!", "socket_id": "{}"}}, "correlation_id": "c-1"}}"#,
            ids[0]
        )
    );
    assert_eq!(frame(1)["data"]["greeting"], "hello you?");
    assert_eq!(frame(1)["correlation_id"], 2);

    // An error the method returns: Nameko's error shape; Python rebuilds a RemoteError.
    assert_eq!(frame(2)["type"], "result");
    assert_eq!(frame(2)["success"], false);
    assert_eq!(frame(2)["correlation_id"], 3);
    let e = &frame(2)["error"];
    assert_eq!(e["exc_type"], "Unlucky");
    assert_eq!(e["exc_args"], json!(["no luck: black cat"]));
    assert_eq!(e["value"], "no luck: black cat");
    assert!(e["exc_path"].as_str().unwrap().ends_with("Unlucky"), "{e}");
    assert_eq!(
        steps[2]["exception"],
        json!({"class": "nameko.exceptions.RemoteError",
               "args": ["Unlucky no luck: black cat"],
               "str": "Unlucky no luck: black cat"})
    );

    // Arguments that do not fit: Nameko's own IncorrectSignature class on the Python side.
    assert_eq!(frame(3)["success"], false);
    assert_eq!(frame(3)["error"]["exc_type"], "IncorrectSignature");
    assert_eq!(
        frame(3)["error"]["exc_path"],
        "nameko.exceptions.IncorrectSignature"
    );
    assert_eq!(
        steps[3]["exception"]["class"],
        "nameko.exceptions.IncorrectSignature"
    );
    assert!(
        steps[3]["exception"]["str"]
            .as_str()
            .unwrap()
            .contains("'name'"),
        "{}",
        steps[3]
    );

    // An unknown method: `MethodNotFound()`, without arguments, as Python sends it.
    assert_eq!(
        frame(4),
        &json!({"type": "result", "success": false,
                "error": error("MethodNotFound", "nameko.exceptions.MethodNotFound", json!([]), ""),
                "correlation_id": 5})
    );
    assert_eq!(
        steps[4]["exception"],
        json!({"class": "nameko.exceptions.MethodNotFound", "args": [], "str": ""})
    );

    // The hub pushes an event to the subscribed socket.
    assert_eq!(
        frame(5),
        &json!({"type": "result", "success": true, "data": null, "correlation_id": 6})
    );
    assert_eq!(frame(6)["data"], "sent");
    assert_eq!(
        text(7),
        format!(
            r#"{{"type": "event", "event": "said", "data": {{"from": "{}", "text": "hi \u2713"}}}}"#,
            ids[0]
        )
    );

    // A frame that is not JSON: MalformedRequest, no correlation id, the socket stays open.
    assert_eq!(
        frame(8),
        &json!({"type": "result", "success": false,
                "error": error("MalformedRequest", "nameko.exceptions.MalformedRequest",
                               json!(["Invalid JSON data"]), "Invalid JSON data"),
                "correlation_id": null})
    );
    assert_eq!(
        steps[8]["exception"]["class"],
        "nameko.exceptions.MalformedRequest"
    );

    // The client closed its sockets and exited 0; the runner stops gracefully.
    tokio::time::timeout(Duration::from_secs(10), runner.stop())
        .await
        .expect("the runner did not stop within 10 s");
}
