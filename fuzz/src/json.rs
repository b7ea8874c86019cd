//! Comparing JSON values across a round trip.

use serde_json::Value;

/// Whether `a` and `b` are the same JSON value. Floats may differ in their last bits:
/// `serde_json` parses them best-effort (its `float_roundtrip` feature is off); integers
/// must be equal, or equal as floats when one side went through an `f64` (an AMQP
/// `double`).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x == y {
                return true;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => close(x, y),
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn close(x: f64, y: f64) -> bool {
    x == y || (x - y).abs() <= f64::EPSILON * 4.0 * x.abs().max(y.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_are_close_integers_exact() {
        assert!(same(
            &json!({"a": [1.0, 2]}),
            &json!({"a": [1.0000000000000002, 2]})
        ));
        assert!(!same(&json!(1), &json!(2)));
        assert!(!same(&json!({"a": 1}), &json!({"b": 1})));
        assert!(same(&json!(u64::MAX), &json!(u64::MAX as f64)));
    }
}
