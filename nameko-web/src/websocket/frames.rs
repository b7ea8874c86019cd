//! The frames of the protocol: Nameko's `serialize_event` and result frames, written as
//! Python's `json.dumps` writes them, and the parsing of a call frame.

use serde::Serialize;
use serde_json::{Map, Value};

use nameko_core::RemoteError;

/// `{"type": "event", "event": ..., "data": ...}`, Nameko's `serialize_event`.
#[derive(Serialize)]
struct EventFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event: &'a str,
    data: &'a Value,
}

/// `{"type": "result", "success": ..., "data" | "error": ..., "correlation_id": ...}`.
#[derive(Serialize)]
struct ResultFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a RemoteError>,
    correlation_id: &'a Value,
}

fn encode<T: Serialize>(frame: &T) -> String {
    crate::py_json::dumps(frame).unwrap_or_else(|e| {
        tracing::warn!(target: "nameko_web::websocket", error = %e, "cannot encode a frame");
        String::from("{}")
    })
}

/// An event frame, as Nameko's `serialize_event` writes it.
#[doc(hidden)]
pub fn event_frame(event: &str, data: &Value) -> String {
    encode(&EventFrame {
        kind: "event",
        event,
        data,
    })
}

/// A result frame: `data` on success, `error` otherwise, with the call's correlation id.
#[doc(hidden)]
pub fn result_frame(result: Result<&Value, &RemoteError>, correlation_id: &Value) -> String {
    let (data, error) = match result {
        Ok(value) => (Some(value), None),
        Err(error) => (None, Some(error)),
    };
    encode(&ResultFrame {
        kind: "result",
        success: error.is_none(),
        data,
        error,
        correlation_id,
    })
}

/// Nameko's `MethodNotFound()`: no arguments, so an empty `value`.
pub(super) fn method_not_found() -> RemoteError {
    RemoteError {
        exc_type: "MethodNotFound".to_owned(),
        exc_path: "nameko.exceptions.MethodNotFound".to_owned(),
        exc_args: Vec::new(),
        value: String::new(),
    }
}

/// Python's truthiness of a JSON value (`data.get('data') or {}`).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A call frame: method, keyword arguments, correlation id. `Err` is the answer to send.
#[doc(hidden)]
pub fn parse_call(payload: &[u8]) -> Result<(Value, Map<String, Value>, Value), String> {
    let malformed = || {
        result_frame(
            Err(&RemoteError::malformed_request("Invalid JSON data")),
            &Value::Null,
        )
    };
    let Ok(Value::Object(mut frame)) = serde_json::from_slice::<Value>(payload) else {
        return Err(malformed());
    };
    let Some(method) = frame.remove("method") else {
        return Err(malformed());
    };
    let correlation_id = frame.remove("correlation_id").unwrap_or(Value::Null);
    let kwargs = match frame.remove("data") {
        Some(Value::Object(kwargs)) => kwargs,
        Some(data) if is_truthy(&data) => {
            let error = RemoteError::malformed_request("`data` must be an object");
            return Err(result_frame(Err(&error), &correlation_id));
        }
        _ => Map::new(),
    };
    Ok((method, kwargs, correlation_id))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_are_written_as_python_writes_them() {
        assert_eq!(
            event_frame("connected", &json!({"socket_id": "abc"})),
            r#"{"type": "event", "event": "connected", "data": {"socket_id": "abc"}}"#
        );
        assert_eq!(
            result_frame(Ok(&json!(3)), &json!(1)),
            r#"{"type": "result", "success": true, "data": 3, "correlation_id": 1}"#
        );
        assert_eq!(
            result_frame(Err(&method_not_found()), &Value::Null),
            r#"{"type": "result", "success": false, "error": {"exc_type": "MethodNotFound", "exc_path": "nameko.exceptions.MethodNotFound", "exc_args": [], "value": ""}, "correlation_id": null}"#
        );
    }

    #[test]
    fn call_frames() {
        let (m, kw, c) =
            parse_call(br#"{"method": "m", "data": {"a": 1}, "correlation_id": "x"}"#).unwrap();
        assert_eq!(
            (m, Value::Object(kw), c),
            (json!("m"), json!({"a": 1}), json!("x"))
        );
        let (_, kw, c) = parse_call(br#"{"method": "m", "data": null}"#).unwrap();
        assert!(kw.is_empty());
        assert_eq!(c, Value::Null);
        for bad in [
            &b"nope"[..],
            b"[1]",
            br#"{"data": {}, "correlation_id": 1}"#,
        ] {
            let answer: Value = serde_json::from_str(&parse_call(bad).unwrap_err()).unwrap();
            assert_eq!(answer["error"]["exc_type"], "MalformedRequest");
            assert_eq!(answer["correlation_id"], Value::Null);
        }
        let answer: Value = serde_json::from_str(
            &parse_call(br#"{"method": "m", "data": [1], "correlation_id": 2}"#).unwrap_err(),
        )
        .unwrap();
        assert_eq!(answer["correlation_id"], 2);
    }
}
