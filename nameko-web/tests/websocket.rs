//! RPC over WebSocket (`nameko_web::websocket`) with a real WebSocket client against a real
//! service on the shared web server. Frames are compared with the shapes of Python Nameko
//! 2.14's `nameko/web/websocket.py` (`serialize_event`, `handle_websocket_request`) and
//! `nameko.exceptions.serialize` (`exc_type`, `exc_path`, `exc_args`, `value`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use nameko::web::websocket::{ConnectionNotFound, WebSocketHub, rpc};
use nameko::{ServiceRunner, entrypoint, http, service};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Debug, thiserror::Error)]
#[error("no luck: {0}")]
pub struct Unlucky(String);

#[derive(Debug, Default)]
pub struct Chat {
    hub: WebSocketHub,
}

#[service(name = "chat", dependencies(hub))]
impl Chat {
    #[entrypoint(rpc())]
    async fn echo(&self, socket_id: String, value: Value) -> Value {
        json!({ "socket_id": socket_id, "value": value })
    }

    #[entrypoint(rpc())]
    async fn add(&self, _socket_id: String, a: i64, b: i64) -> i64 {
        a + b
    }

    #[entrypoint(rpc())]
    async fn slow(&self, _socket_id: String, ms: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    }

    #[entrypoint(rpc())]
    async fn fail(&self, _socket_id: String, why: String) -> Result<(), Unlucky> {
        Err(Unlucky(why))
    }

    #[entrypoint(rpc())]
    async fn boom(&self, _socket_id: String) -> u32 {
        panic!("kaboom")
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
    async fn subscribe_other(
        &self,
        _socket_id: String,
        target: String,
        channel: String,
    ) -> Result<(), ConnectionNotFound> {
        self.hub.subscribe(&target, &channel)
    }

    #[entrypoint(rpc())]
    async fn unsubscribe(&self, socket_id: String, channel: String) {
        self.hub.unsubscribe(&socket_id, &channel)
    }

    #[entrypoint(rpc())]
    async fn subscriptions(&self, _socket_id: String, target: String) -> Vec<String> {
        self.hub.get_subscriptions(&target)
    }

    #[entrypoint(rpc())]
    async fn broadcast(&self, _socket_id: String, channel: String, event: String, data: Value) {
        self.hub.broadcast(&channel, &event, data)
    }

    #[entrypoint(rpc())]
    async fn unicast(
        &self,
        _socket_id: String,
        target: String,
        event: String,
        data: Value,
    ) -> bool {
        self.hub.unicast(&target, &event, data)
    }

    #[http("GET", "/hello")]
    async fn hello(&self, _request: nameko::web::Request) -> String {
        "hello".to_owned()
    }
}

async fn start() -> (ServiceRunner, SocketAddr) {
    common::init_tracing();
    let mut runner = ServiceRunner::new(common::config());
    runner.add_service(Chat::default()).unwrap();
    runner.start().await.unwrap();
    let addr = nameko_web::bound_address(runner.shared()).unwrap();
    (runner, addr)
}

/// Connects and reads the `connected` event: the socket and its id.
async fn connect(addr: SocketAddr) -> (Ws, String) {
    let (mut ws, response) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    assert_eq!(response.status(), 101);
    let raw = recv_text(&mut ws).await;
    let frame: Value = serde_json::from_str(&raw).unwrap();
    let socket_id = frame["data"]["socket_id"].as_str().unwrap().to_owned();
    // Exactly Python's `json.dumps` of `serialize_event('connected', {'socket_id': ...})`.
    assert_eq!(
        raw,
        format!(
            r#"{{"type": "event", "event": "connected", "data": {{"socket_id": "{socket_id}"}}}}"#
        )
    );
    uuid::Uuid::parse_str(&socket_id).unwrap();
    (ws, socket_id)
}

async fn recv_text(ws: &mut Ws) -> String {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("socket open")
            .unwrap();
        match msg {
            Message::Text(text) => return text.as_str().to_owned(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

async fn recv(ws: &mut Ws) -> Value {
    serde_json::from_str(&recv_text(ws).await).unwrap()
}

async fn send(ws: &mut Ws, frame: Value) {
    ws.send(Message::text(frame.to_string())).await.unwrap();
}

/// Sends a call and reads the next frame (its answer).
async fn call(ws: &mut Ws, method: &str, data: Value, correlation_id: Value) -> Value {
    send(
        ws,
        json!({"method": method, "data": data, "correlation_id": correlation_id}),
    )
    .await;
    recv(ws).await
}

fn ok(data: Value, correlation_id: Value) -> Value {
    json!({"type": "result", "success": true, "data": data, "correlation_id": correlation_id})
}

fn failed(error: Value, correlation_id: Value) -> Value {
    json!({"type": "result", "success": false, "error": error, "correlation_id": correlation_id})
}

fn event(event: &str, data: Value) -> Value {
    json!({"type": "event", "event": event, "data": data})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_answered_with_their_correlation_id() {
    let (runner, addr) = start().await;
    let (mut ws, socket_id) = connect(addr).await;

    // The socket id is bound first, then `data` as keyword arguments.
    let answer = call(&mut ws, "echo", json!({"value": [1, "two"]}), json!("abc")).await;
    assert_eq!(
        answer,
        ok(
            json!({"socket_id": socket_id, "value": [1, "two"]}),
            json!("abc")
        )
    );
    let answer = call(&mut ws, "add", json!({"b": 2, "a": 40}), json!(7)).await;
    assert_eq!(answer, ok(json!(42), json!(7)));
    // No correlation id: null, as Python's `data.get('correlation_id')`.
    send(&mut ws, json!({"method": "add", "data": {"a": 1, "b": 1}})).await;
    assert_eq!(recv(&mut ws).await, ok(json!(2), Value::Null));
    // The exact text of a result frame.
    ws.send(Message::text(
        r#"{"method": "unsubscribe", "data": {"channel": "x"}, "correlation_id": 1}"#,
    ))
    .await
    .unwrap();
    assert_eq!(
        recv_text(&mut ws).await,
        r#"{"type": "result", "success": true, "data": null, "correlation_id": 1}"#
    );

    // Calls on one socket run at once: the quick one is answered first.
    send(
        &mut ws,
        json!({"method": "slow", "data": {"ms": 400}, "correlation_id": "slow"}),
    )
    .await;
    send(
        &mut ws,
        json!({"method": "add", "data": {"a": 1, "b": 2}, "correlation_id": "quick"}),
    )
    .await;
    assert_eq!(recv(&mut ws).await, ok(json!(3), json!("quick")));
    assert_eq!(recv(&mut ws).await, ok(json!(400), json!("slow")));

    // Plain HTTP routes of the same server keep working.
    let body = reqwest::get(format!("http://{addr}/hello"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "hello");
    // `/ws` without an upgrade is a bad request.
    let plain = reqwest::get(format!("http://{addr}/ws")).await.unwrap();
    assert_eq!(plain.status(), 400);

    ws.close(None).await.unwrap();
    runner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_answered_and_the_socket_stays_open() {
    let (runner, addr) = start().await;
    let (mut ws, _) = connect(addr).await;

    // Arguments that do not fit: IncorrectSignature (the message is the binder's).
    for (data, value) in [
        (
            json!({"a": 1}),
            "add() missing 1 required positional argument: 'b'",
        ),
        (
            json!({"a": 1, "b": 2, "c": 3}),
            "add() got an unexpected keyword argument 'c'",
        ),
    ] {
        let answer = call(&mut ws, "add", data, json!(1)).await;
        assert_eq!(
            answer,
            failed(
                json!({"exc_type": "IncorrectSignature",
                       "exc_path": "nameko.exceptions.IncorrectSignature",
                       "exc_args": [value], "value": value}),
                json!(1)
            )
        );
    }

    // An error the method returns.
    let answer = call(&mut ws, "fail", json!({"why": "black cat"}), json!(2)).await;
    let path = answer["error"]["exc_path"].as_str().unwrap().to_owned();
    assert!(path.ends_with("Unlucky"), "{path}");
    assert_eq!(
        answer,
        failed(
            json!({"exc_type": "Unlucky", "exc_path": path,
                   "exc_args": ["no luck: black cat"], "value": "no luck: black cat"}),
            json!(2)
        )
    );

    // A panic.
    let answer = call(&mut ws, "boom", json!({}), json!(3)).await;
    assert_eq!(answer["success"], false);
    assert_eq!(answer["correlation_id"], 3);
    assert_eq!(answer["error"]["exc_type"], "WorkerPanic");
    assert_eq!(answer["error"]["value"], "kaboom");

    // A method nobody serves: Nameko's `MethodNotFound()`, without arguments.
    let answer = call(&mut ws, "nope", json!({}), json!("cid")).await;
    assert_eq!(
        answer,
        failed(
            json!({"exc_type": "MethodNotFound", "exc_path": "nameko.exceptions.MethodNotFound",
                   "exc_args": [], "value": ""}),
            json!("cid")
        )
    );

    // Malformed frames: `MalformedRequest('Invalid JSON data')`, no correlation id.
    let malformed = failed(
        json!({"exc_type": "MalformedRequest", "exc_path": "nameko.exceptions.MalformedRequest",
               "exc_args": ["Invalid JSON data"], "value": "Invalid JSON data"}),
        Value::Null,
    );
    for bad in [
        "{not json",
        "[1, 2]",
        r#"{"data": {}, "correlation_id": 5}"#,
        "42",
    ] {
        ws.send(Message::text(bad)).await.unwrap();
        assert_eq!(recv(&mut ws).await, malformed, "{bad}");
    }
    ws.send(Message::binary(b"\xff\xfe".to_vec()))
        .await
        .unwrap();
    assert_eq!(recv(&mut ws).await, malformed);

    // Still usable.
    let answer = call(&mut ws, "add", json!({"a": 2, "b": 3}), json!(9)).await;
    assert_eq!(answer, ok(json!(5), json!(9)));

    ws.close(None).await.unwrap();
    runner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_subscribes_broadcasts_and_unicasts() {
    let (runner, addr) = start().await;
    let (mut a, id_a) = connect(addr).await;
    let (mut b, id_b) = connect(addr).await;
    let (mut c, id_c) = connect(addr).await;

    for ws in [&mut a, &mut b] {
        let answer = call(ws, "subscribe", json!({"channel": "news"}), json!(1)).await;
        assert_eq!(answer, ok(Value::Null, json!(1)));
    }
    let answer = call(&mut a, "subscribe", json!({"channel": "alpha"}), json!(2)).await;
    assert_eq!(answer, ok(Value::Null, json!(2)));
    let answer = call(&mut c, "subscriptions", json!({"target": id_a}), json!(3)).await;
    assert_eq!(answer, ok(json!(["alpha", "news"]), json!(3)));
    let answer = call(&mut c, "subscriptions", json!({"target": id_c}), json!(4)).await;
    assert_eq!(answer, ok(json!([]), json!(4)));

    // An unknown socket: ConnectionNotFound(socket_id).
    let answer = call(
        &mut c,
        "subscribe_other",
        json!({"target": "not-a-socket", "channel": "news"}),
        json!(5),
    )
    .await;
    assert_eq!(
        answer,
        failed(
            json!({"exc_type": "ConnectionNotFound", "exc_path": "nameko.exceptions.ConnectionNotFound",
                   "exc_args": ["not-a-socket"], "value": "not-a-socket"}),
            json!(5)
        )
    );

    // Broadcast from C (not subscribed): A and B receive the event, C only its answer.
    let answer = call(
        &mut c,
        "broadcast",
        json!({"channel": "news", "event": "headline", "data": {"title": "hellø"}}),
        json!(6),
    )
    .await;
    assert_eq!(answer, ok(Value::Null, json!(6)));
    let expected = event("headline", json!({"title": "hellø"}));
    assert_eq!(recv(&mut a).await, expected);
    let raw = recv_text(&mut b).await;
    assert_eq!(
        raw,
        r#"{"type": "event", "event": "headline", "data": {"title": "hell\u00f8"}}"#
    );

    // Unicast to B only.
    let answer = call(
        &mut c,
        "unicast",
        json!({"target": id_b, "event": "psst", "data": [1, 2]}),
        json!(7),
    )
    .await;
    assert_eq!(answer, ok(json!(true), json!(7)));
    assert_eq!(recv(&mut b).await, event("psst", json!([1, 2])));
    let answer = call(
        &mut c,
        "unicast",
        json!({"target": "gone", "event": "psst", "data": null}),
        json!(8),
    )
    .await;
    assert_eq!(answer, ok(json!(false), json!(8)));

    // B unsubscribes: the next broadcast reaches A only.
    let answer = call(&mut b, "unsubscribe", json!({"channel": "news"}), json!(9)).await;
    assert_eq!(answer, ok(Value::Null, json!(9)));
    let answer = call(
        &mut c,
        "broadcast",
        json!({"channel": "news", "event": "second", "data": 2}),
        json!(10),
    )
    .await;
    assert_eq!(answer, ok(Value::Null, json!(10)));
    assert_eq!(recv(&mut a).await, event("second", json!(2)));
    // B's next frame is the answer to its next call, not the broadcast.
    let answer = call(&mut b, "add", json!({"a": 1, "b": 1}), json!(11)).await;
    assert_eq!(answer, ok(json!(2), json!(11)));

    // A closes: it is removed from every channel.
    a.close(None).await.unwrap();
    let mut cleaned = false;
    for i in 0..100 {
        let answer = call(&mut c, "subscriptions", json!({"target": id_a}), json!(i)).await;
        if answer == ok(json!([]), json!(i)) {
            cleaned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(cleaned, "the closed socket kept its subscriptions");
    let answer = call(
        &mut c,
        "unicast",
        json!({"target": id_a, "event": "psst", "data": null}),
        json!("after"),
    )
    .await;
    assert_eq!(answer, ok(json!(false), json!("after")));

    b.close(None).await.unwrap();
    c.close(None).await.unwrap();
    runner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_sockets_are_closed_when_the_runner_stops() {
    let (runner, addr) = start().await;
    let (mut ws, _) = connect(addr).await;
    tokio::time::timeout(Duration::from_secs(20), runner.stop())
        .await
        .expect("the runner stops with a socket open");
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the socket was not closed");
}
