//! The JSON a command line gives: a call's arguments, context data, an event's payload.

use nameko_core::{Arguments, ContextData};
use serde_json::Value;

use crate::error::CliError;

/// A call's arguments from JSON, as `n.rpc.service.method(*args, **kwargs)` takes them: a
/// JSON array is the positional arguments, a JSON object the keyword arguments, and an
/// object with exactly the keys `args` and/or `kwargs` (a list and an object) both, as on
/// the wire. No text (`None`) is no arguments.
///
/// ```
/// use nameko_cli::args::call_arguments;
///
/// let a = call_arguments(Some(r#"["hellø"]"#)).unwrap();
/// assert_eq!(a.args, vec![serde_json::json!("hellø")]);
/// let k = call_arguments(Some(r#"{"a": 1, "b": 2}"#)).unwrap();
/// assert_eq!(k.kwargs.len(), 2);
/// ```
pub fn call_arguments(text: Option<&str>) -> Result<Arguments, CliError> {
    let Some(text) = text else {
        return Ok(Arguments::default());
    };
    match parse_json("arguments", text)? {
        Value::Array(args) => Ok(Arguments::positional(args)),
        Value::Object(map) => {
            let wire = !map.is_empty()
                && map.keys().all(|k| k == "args" || k == "kwargs")
                && map.get("args").is_none_or(Value::is_array)
                && map.get("kwargs").is_none_or(Value::is_object);
            if wire {
                serde_json::from_value(Value::Object(map))
                    .map_err(|e| CliError::Usage(format!("invalid arguments: {e}")))
            } else {
                Ok(Arguments {
                    args: Vec::new(),
                    kwargs: map,
                })
            }
        }
        other => Err(CliError::Usage(format!(
            "invalid arguments: expected a JSON array (positional arguments) or object \
             (keyword arguments), got {}; to pass one value, wrap it: [{other}]",
            kind(&other)
        ))),
    }
}

/// Context data from JSON: an object (`{"language": "fr", "user_id": 7}`).
pub fn context_data(text: Option<&str>) -> Result<ContextData, CliError> {
    let Some(text) = text else {
        return Ok(ContextData::new());
    };
    match parse_json("context data", text)? {
        Value::Object(map) => Ok(map),
        other => Err(CliError::Usage(format!(
            "invalid context data: expected a JSON object, got {}",
            kind(&other)
        ))),
    }
}

/// An event payload from JSON: any value; none is `null`.
pub fn payload(text: Option<&str>) -> Result<Value, CliError> {
    match text {
        Some(text) => parse_json("payload", text),
        None => Ok(Value::Null),
    }
}

/// `service.method` split at its last dot.
pub fn target(text: &str) -> Result<(&str, &str), CliError> {
    match text.rsplit_once('.') {
        Some((service, method)) if !service.is_empty() && !method.is_empty() => {
            Ok((service, method))
        }
        _ => Err(CliError::Usage(format!(
            "invalid target `{text}`: expected SERVICE.METHOD, e.g. service_x.remote_method"
        ))),
    }
}

fn parse_json(what: &str, text: &str) -> Result<Value, CliError> {
    serde_json::from_str(text).map_err(|e| CliError::Usage(format!("invalid JSON {what}: {e}")))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_objects_and_wire_form() {
        assert_eq!(call_arguments(None).unwrap(), Arguments::default());
        let a = call_arguments(Some("[1, \"two\"]")).unwrap();
        assert_eq!(a.args, vec![json!(1), json!("two")]);
        let k = call_arguments(Some(r#"{"a": 1}"#)).unwrap();
        assert_eq!(k.kwargs["a"], 1);
        let w = call_arguments(Some(r#"{"args": [1], "kwargs": {"b": 2}}"#)).unwrap();
        assert_eq!(w.args, vec![json!(1)]);
        assert_eq!(w.kwargs["b"], 2);
        // `args` that is not a list is a keyword argument named `args`.
        let k = call_arguments(Some(r#"{"args": 3}"#)).unwrap();
        assert_eq!(k.kwargs["args"], 3);
    }

    #[test]
    fn bad_json_and_scalars_are_usage_errors() {
        let e = call_arguments(Some("[1,")).unwrap_err();
        assert_eq!(e.exit_code(), crate::exit::USAGE);
        assert!(e.to_string().starts_with("invalid JSON arguments: "), "{e}");
        let e = call_arguments(Some("\"hello\"")).unwrap_err();
        assert!(e.to_string().contains("wrap it: [\"hello\"]"), "{e}");
        assert!(context_data(Some("[]")).is_err());
    }

    #[test]
    fn targets() {
        assert_eq!(target("a.b").unwrap(), ("a", "b"));
        assert_eq!(target("a.b.c").unwrap(), ("a.b", "c"));
        assert!(target("ab").is_err());
        assert!(target(".b").is_err());
    }
}
