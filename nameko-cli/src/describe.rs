//! `nameko describe`: what a service binary hosts (its `--describe` output), and an
//! AsyncAPI 3.0 document of its RPC and event channels.

use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value, json};

use crate::error::CliError;

/// Runs `binary args... --describe` and returns the JSON it prints.
pub fn run_binary(binary: &Path, args: &[String]) -> Result<Value, CliError> {
    let shown = binary.display();
    let out = Command::new(binary)
        .args(args)
        .arg("--describe")
        .output()
        .map_err(|e| CliError::Describe(format!("cannot run {shown}: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(CliError::Describe(format!(
            "{shown} --describe failed ({}){}",
            out.status,
            if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            }
        )));
    }
    parse_description(&String::from_utf8_lossy(&out.stdout), &shown.to_string())
}

/// Parses a description (what a binary's `--describe` prints); `origin` names it in errors.
pub fn parse_description(text: &str, origin: &str) -> Result<Value, CliError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        CliError::Describe(format!(
            "{origin} printed no service description (is it a nameko-rs service binary?): {e}"
        ))
    })?;
    if !value.get("services").is_some_and(Value::is_array) {
        return Err(CliError::Describe(format!(
            "{origin} printed JSON without a `services` list"
        )));
    }
    Ok(value)
}

/// The RPC methods of a description, as `service.method`.
pub fn rpc_methods(description: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for service in description
        .get("services")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for ep in service
            .get("entrypoints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|ep| str_of(ep, "kind") == "rpc")
        {
            out.push(format!(
                "{}.{}",
                str_of(service, "name"),
                str_of(ep, "method")
            ));
        }
    }
    out
}

/// An AsyncAPI 3.0 document of a description's AMQP channels.
///
/// - For each RPC method: a channel `<service>.<method>` (address: the routing key, on the
///   topic exchange `nameko-rpc`), its request message `{"args": [...], "kwargs": {...}}`,
///   a `receive` operation whose `reply` goes to the caller's `reply_to` queue: the result
///   message `{"result": ..., "error": null}` or the error envelope
///   `{"result": null, "error": {"exc_type", "exc_path", "exc_args", "value"}}`.
/// - For each event handled: a channel `event.<source>.<event_type>` (address: the event
///   type, on the topic exchange `<source>.events`), its event message, and one `receive`
///   operation per handler.
///
/// HTTP routes and timers are not AMQP channels: they are listed in `info.description`.
pub fn asyncapi(description: &Value, version: &str) -> Value {
    let binary = description
        .get("binary")
        .and_then(Value::as_str)
        .unwrap_or("nameko-services");
    let rpc_exchange = description
        .get("rpc_exchange")
        .and_then(Value::as_str)
        .unwrap_or("nameko-rpc");
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    let mut other = Vec::new();
    let mut service_names = Vec::new();
    for service in description
        .get("services")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = str_of(service, "name");
        service_names.push(name.to_owned());
        for ep in service
            .get("entrypoints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let method = str_of(ep, "method");
            let params: Vec<&str> = ep
                .get("params")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match str_of(ep, "kind") {
                "rpc" => rpc_channel(
                    &mut channels,
                    &mut operations,
                    &mut messages,
                    rpc_exchange,
                    name,
                    method,
                    &params,
                ),
                "event_handler" => event_channel(
                    &mut channels,
                    &mut operations,
                    &mut messages,
                    name,
                    method,
                    ep,
                ),
                "http" => other.push(format!(
                    "- HTTP `{} {}` → `{name}.{method}`",
                    str_of(ep, "http_methods"),
                    str_of(ep, "rule")
                )),
                "timer" => other.push(format!(
                    "- {}timer every {} s → `{name}.{method}`",
                    if ep.get("singleton").and_then(Value::as_bool) == Some(true) {
                        "singleton "
                    } else {
                        ""
                    },
                    ep.get("interval").cloned().unwrap_or(Value::Null)
                )),
                kind => other.push(format!("- {kind} → `{name}.{method}`")),
            }
        }
    }
    messages.insert(
        "rpc_error".into(),
        json!({
            "name": "rpc_error",
            "title": "RPC error reply",
            "summary": "The reply of a call whose method raised: Nameko's error envelope.",
            "contentType": "application/json",
            "correlationId": {"location": "$message.header#/correlation_id"},
            "payload": {
                "type": "object",
                "properties": {
                    "result": {"type": "null"},
                    "error": {"$ref": "#/components/schemas/RemoteError"}
                },
                "required": ["result", "error"]
            }
        }),
    );
    let mut text = format!(
        "Nameko services hosted by `{binary}`: {}. RPC requests are published to the topic \
         exchange `{rpc_exchange}` with routing key `<service>.<method>` and answered on the \
         caller's `reply_to` queue with the request's `correlation_id`; events are published \
         to the topic exchange `<source>.events` with the event type as routing key. Bodies \
         are JSON; context data travels in `nameko.*` headers.",
        service_names.join(", ")
    );
    if !other.is_empty() {
        text.push_str("\n\nOther entrypoints (not AMQP):\n");
        text.push_str(&other.join("\n"));
    }
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": binary,
            "version": version,
            "description": text,
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {
                "RemoteError": {
                    "type": "object",
                    "description": "Nameko's serialized exception.",
                    "properties": {
                        "exc_type": {"type": "string", "description": "The exception's class name, e.g. ValueError."},
                        "exc_path": {"type": "string", "description": "Its full path, e.g. nameko.exceptions.MethodNotFound."},
                        "exc_args": {"type": "array", "description": "Its arguments, made JSON-safe."},
                        "value": {"type": "string", "description": "str(exc): the message."}
                    },
                    "required": ["exc_type", "exc_path", "exc_args", "value"]
                },
                "ContextHeaders": {
                    "type": "object",
                    "description": "Context data: `nameko.<key>` headers (call_id_stack, language, user_id, ...).",
                    "properties": {
                        "nameko.call_id_stack": {"type": "array", "items": {"type": "string"}}
                    },
                    "additionalProperties": true
                }
            }
        }
    })
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A channel or component id: letters, digits, `.`, `-`, `_`.
fn id(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn rpc_channel(
    channels: &mut Map<String, Value>,
    operations: &mut Map<String, Value>,
    messages: &mut Map<String, Value>,
    exchange: &str,
    service: &str,
    method: &str,
    params: &[&str],
) {
    let key = id(&format!("{service}.{method}"));
    let reply_key = format!("{key}.reply");
    let request = format!("{key}.request");
    let result = format!("{key}.result");
    let signature = params.join(", ");
    let kwargs: Map<String, Value> = params
        .iter()
        .map(|p| ((*p).to_owned(), json!({"description": format!("`{p}`")})))
        .collect();
    messages.insert(
        request.clone(),
        json!({
            "name": request,
            "title": format!("{service}.{method}({signature}) request"),
            "contentType": "application/json",
            "correlationId": {"location": "$message.header#/correlation_id"},
            "headers": {"$ref": "#/components/schemas/ContextHeaders"},
            "payload": {
                "type": "object",
                "properties": {
                    "args": {
                        "type": "array",
                        "description": format!("Positional arguments, in order: {signature}"),
                        "maxItems": params.len()
                    },
                    "kwargs": {
                        "type": "object",
                        "description": "Keyword arguments, by parameter name.",
                        "properties": kwargs,
                        "additionalProperties": false
                    }
                },
                "required": ["args", "kwargs"]
            }
        }),
    );
    messages.insert(
        result.clone(),
        json!({
            "name": result,
            "title": format!("{service}.{method} result"),
            "contentType": "application/json",
            "correlationId": {"location": "$message.header#/correlation_id"},
            "payload": {
                "type": "object",
                "properties": {
                    "result": {"description": "The method's return value."},
                    "error": {"type": "null"}
                },
                "required": ["result", "error"]
            }
        }),
    );
    channels.insert(
        key.clone(),
        json!({
            "address": format!("{service}.{method}"),
            "title": format!("{service}.{method}"),
            "description": format!(
                "Calls of `{service}.{method}({signature})`: published to `{exchange}` with \
                 routing key `{service}.{method}`, consumed from queue `rpc-{service}`."
            ),
            "messages": {"request": {"$ref": format!("#/components/messages/{request}")}},
            "bindings": {"amqp": {
                "is": "routingKey",
                "exchange": {"name": exchange, "type": "topic", "durable": true, "autoDelete": false},
                "bindingVersion": "0.3.0"
            }}
        }),
    );
    channels.insert(
        reply_key.clone(),
        json!({
            "address": null,
            "title": format!("{service}.{method} reply"),
            "description": "The caller's reply queue, named by the request's `reply_to` (bound to the RPC exchange with its own name as routing key).",
            "messages": {
                "result": {"$ref": format!("#/components/messages/{result}")},
                "error": {"$ref": "#/components/messages/rpc_error"}
            }
        }),
    );
    operations.insert(
        key.clone(),
        json!({
            "action": "receive",
            "title": format!("{service}.{method}"),
            "summary": format!("`{service}` answers calls of `{method}({signature})`."),
            "channel": {"$ref": format!("#/channels/{key}")},
            "messages": [{"$ref": format!("#/channels/{key}/messages/request")}],
            "reply": {
                "address": {"location": "$message.header#/reply_to"},
                "channel": {"$ref": format!("#/channels/{reply_key}")},
                "messages": [
                    {"$ref": format!("#/channels/{reply_key}/messages/result")},
                    {"$ref": format!("#/channels/{reply_key}/messages/error")}
                ]
            },
            "bindings": {"amqp": {"ack": true, "bindingVersion": "0.3.0"}}
        }),
    );
}

fn event_channel(
    channels: &mut Map<String, Value>,
    operations: &mut Map<String, Value>,
    messages: &mut Map<String, Value>,
    service: &str,
    method: &str,
    ep: &Value,
) {
    let source = str_of(ep, "source_service");
    let event_type = str_of(ep, "event_type");
    let key = id(&format!("event.{source}.{event_type}"));
    let exchange = format!("{source}.events");
    if !channels.contains_key(&key) {
        messages.insert(
            key.clone(),
            json!({
                "name": key,
                "title": format!("`{event_type}` event from `{source}`"),
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/ContextHeaders"},
                "payload": {"description": "The event's payload: any JSON value."}
            }),
        );
        channels.insert(
            key.clone(),
            json!({
                "address": event_type,
                "title": format!("{source} {event_type}"),
                "description": format!(
                    "`{event_type}` events dispatched by `{source}`: published to the topic \
                     exchange `{exchange}` with routing key `{event_type}`."
                ),
                "messages": {"event": {"$ref": format!("#/components/messages/{key}")}},
                "bindings": {"amqp": {
                    "is": "routingKey",
                    "exchange": {"name": exchange, "type": "topic", "durable": true, "autoDelete": false},
                    "bindingVersion": "0.3.0"
                }}
            }),
        );
    }
    let handler_type = str_of(ep, "handler_type");
    let op = id(&format!("{service}.{method}"));
    let param = ep
        .get("params")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(Value::as_str)
        .unwrap_or("payload");
    operations.insert(
        op.clone(),
        json!({
            "action": "receive",
            "title": format!("{service}.{method}"),
            "summary": format!(
                "`{service}.{method}({param})` handles `{event_type}` events from `{source}` \
                 ({handler_type} handler, reliable_delivery={}, requeue_on_error={}).",
                ep.get("reliable_delivery").cloned().unwrap_or(Value::Null),
                ep.get("requeue_on_error").cloned().unwrap_or(Value::Null)
            ),
            "channel": {"$ref": format!("#/channels/{key}")},
            "messages": [{"$ref": format!("#/channels/{key}/messages/event")}],
            "bindings": {"amqp": {"ack": true, "bindingVersion": "0.3.0"}}
        }),
    );
}

#[cfg(test)]
mod tests;
