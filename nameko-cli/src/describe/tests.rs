//! Unit tests of `describe.rs`.

use super::*;

fn description() -> Value {
    json!({
        "binary": "demo",
        "rpc_exchange": "nameko-rpc",
        "services": [
            {"name": "service_x", "dependencies": ["y"], "entrypoints": [
                {"kind": "rpc", "method": "remote_method", "params": ["value"]}
            ]},
            {"name": "service_b", "dependencies": [], "entrypoints": [
                {"kind": "event_handler", "method": "handle_event", "params": ["payload"],
                 "source_service": "service_a", "event_type": "event_type",
                 "handler_type": "service_pool", "reliable_delivery": true, "requeue_on_error": false}
            ]},
            {"name": "listener", "dependencies": [], "entrypoints": [
                {"kind": "event_handler", "method": "ping", "params": ["payload"],
                 "source_service": "service_a", "event_type": "event_type",
                 "handler_type": "broadcast", "reliable_delivery": false, "requeue_on_error": false}
            ]},
            {"name": "web", "dependencies": [], "entrypoints": [
                {"kind": "http", "method": "get", "params": ["value"], "http_methods": "GET", "rule": "/get/<int:value>"},
                {"kind": "timer", "method": "tick", "params": [], "interval": 1.0, "eager": false},
                {"kind": "timer", "method": "sweep", "params": [], "interval": 0.5, "eager": false, "singleton": true}
            ]}
        ]
    })
}

fn resolve<'a>(doc: &'a Value, reference: &Value) -> &'a Value {
    let r = reference["$ref"].as_str().unwrap();
    let pointer = r.strip_prefix('#').unwrap();
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("{r} does not resolve"))
}

/// The AsyncAPI 3.0 structure: required top-level fields, and every reference of an
/// operation to its channel and messages, and of a channel to its messages, resolves;
/// an operation's messages are its channel's.
#[test]
fn asyncapi_structure() {
    let doc = asyncapi(&description(), "1.2.3");
    assert_eq!(doc["asyncapi"], "3.0.0");
    assert_eq!(doc["info"]["title"], "demo");
    assert_eq!(doc["info"]["version"], "1.2.3");
    let info = doc["info"]["description"].as_str().unwrap();
    assert!(info.contains("HTTP `GET /get/<int:value>`"), "{info}");
    assert!(info.contains("- timer every 1.0 s → `web.tick`"), "{info}");
    assert!(
        info.contains("- singleton timer every 0.5 s → `web.sweep`"),
        "{info}"
    );
    let channels = doc["channels"].as_object().unwrap();
    let operations = doc["operations"].as_object().unwrap();
    for (name, channel) in channels {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        );
        assert!(channel.get("address").is_some(), "{name}");
        for message in channel["messages"].as_object().unwrap().values() {
            assert!(resolve(&doc, message)["payload"].is_object(), "{name}");
        }
    }
    for (name, op) in operations {
        assert!(["send", "receive"].contains(&op["action"].as_str().unwrap()));
        let channel_ref = op["channel"]["$ref"].as_str().unwrap().to_owned();
        resolve(&doc, &op["channel"]);
        for m in op["messages"].as_array().unwrap() {
            let r = m["$ref"].as_str().unwrap();
            assert!(
                r.starts_with(&format!("{channel_ref}/messages/")),
                "{name}: {r}"
            );
            resolve(&doc, m);
        }
        if let Some(reply) = op.get("reply") {
            let reply_channel = reply["channel"]["$ref"].as_str().unwrap().to_owned();
            resolve(&doc, &reply["channel"]);
            for m in reply["messages"].as_array().unwrap() {
                assert!(m["$ref"].as_str().unwrap().starts_with(&reply_channel));
                resolve(&doc, m);
            }
        }
    }
    // One RPC channel (+ its reply), one event channel for two handlers.
    assert_eq!(
        channels["service_x.remote_method"]["address"],
        "service_x.remote_method"
    );
    assert_eq!(
        channels["service_x.remote_method"]["bindings"]["amqp"]["exchange"]["name"],
        "nameko-rpc"
    );
    assert!(channels["service_x.remote_method.reply"]["address"].is_null());
    assert_eq!(
        channels["event.service_a.event_type"]["address"],
        "event_type"
    );
    assert_eq!(
        channels["event.service_a.event_type"]["bindings"]["amqp"]["exchange"]["name"],
        "service_a.events"
    );
    assert_eq!(channels.len(), 3);
    assert_eq!(operations.len(), 3);
    let error = &doc["components"]["schemas"]["RemoteError"]["required"];
    assert_eq!(error, &json!(["exc_type", "exc_path", "exc_args", "value"]));
    let request = &doc["components"]["messages"]["service_x.remote_method.request"]["payload"];
    assert_eq!(request["required"], json!(["args", "kwargs"]));
    assert!(request["properties"]["kwargs"]["properties"]["value"].is_object());
}

#[test]
fn rpc_methods_of_a_description() {
    assert_eq!(rpc_methods(&description()), ["service_x.remote_method"]);
}

#[test]
fn bad_descriptions() {
    assert!(parse_description("nope", "x").is_err());
    assert!(parse_description("{}", "x").is_err());
    assert!(parse_description(r#"{"services": []}"#, "x").is_ok());
}
