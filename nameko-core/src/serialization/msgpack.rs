//! MessagePack, as kombu's `msgpack` serializer writes and reads it.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{CONTENT_TYPE_MSGPACK, MSGPACK, Serializer};
use crate::error::BoxError;

/// The most elements a decoded array or map reserves room for before they are read: a
/// length prefix is the sender's claim, not a promise.
const PREALLOCATE_AT_MOST: usize = 4096;

/// The deepest nesting decoded: deeper bodies are refused before they exhaust a stack.
const MAX_DEPTH: usize = 256;

/// MessagePack (`application/x-msgpack`, content encoding `binary`), kombu's `msgpack`:
/// Python encodes with `msgpack.packb(use_bin_type=True)` and decodes with
/// `msgpack.unpackb(raw=False)`; this serializer reads what those write and writes what
/// they read (rmp-serde).
///
/// Encoding: a struct is a map of its field names (as in JSON), an enum's unit variant its
/// name, integers the smallest MessagePack integer that holds them, floats `float 64` (as
/// Python's), byte buffers (`serde_bytes`) `bin`, which Python reads as `bytes`.
///
/// Decoding into a JSON value (Python's `unpackb(raw=False)` types on the left):
///
/// | MessagePack (Python) | JSON value |
/// |---|---|
/// | nil (`None`), bool, int, float, str, array (`list`), map (`dict`) | the same |
/// | bin (`bytes`) | an array of the byte values (`[104, 105]`): what serde reads as `Vec<u8>` |
/// | a str that is not UTF-8 (Python refuses it) | an array of its bytes |
/// | a map key that is an int, float, bool or nil (`{1: "a"}`) | the key as text (`"1"`, `"true"`, `"null"`), as Python's `json.dumps` writes it |
/// | a map key that is an array, map or bin | an error |
/// | a float that is NaN or infinite | an error (JSON has none) |
/// | an extension type (`msgpack.ExtType`, and the timestamp type `-1` Python decodes as `msgpack.Timestamp`) | an error naming its type code |
///
/// A body is one MessagePack value: trailing bytes are an error (Python's `ExtraData`), as
/// is nesting deeper than 256 levels. An error is a decode error: an RPC request answered
/// with `MalformedRequest`, an event settled by the handler's failure policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessagePack;

impl Serializer for MessagePack {
    fn name(&self) -> &str {
        MSGPACK
    }
    fn content_type(&self) -> &str {
        CONTENT_TYPE_MSGPACK
    }
    fn content_encoding(&self) -> &str {
        "binary"
    }
    fn encode(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, BoxError> {
        Ok(rmp_serde::to_vec_named(value)?)
    }
    fn decode(&self, body: &[u8]) -> Result<Value, BoxError> {
        let mut rest = body;
        let mut de = rmp_serde::Deserializer::new(&mut rest);
        de.set_max_depth(MAX_DEPTH);
        let value = de::Deserializer::deserialize_any(&mut de, JsonValue)?;
        if !rest.is_empty() {
            return Err(format!(
                "{} bytes after the end of the MessagePack value",
                rest.len()
            )
            .into());
        }
        Ok(value)
    }
}

/// Builds a JSON value from any MessagePack value, per the table of [`MessagePack`].
#[derive(Clone, Copy)]
struct JsonValue;

impl<'de> DeserializeSeed<'de> for JsonValue {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MessagePack value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f32<E: de::Error>(self, v: f32) -> Result<Value, E> {
        self.visit_f64(f64::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("the float {v} has no JSON form")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Array(v.iter().map(|b| Value::from(*b)).collect()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        // rmp-serde hands an extension type over as a newtype struct of (type, data).
        let (code, _): (i8, serde::de::IgnoredAny) = serde::Deserialize::deserialize(d)?;
        Err(de::Error::custom(format!(
            "MessagePack extension type {code} has no JSON form"
        )))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let hint = seq.size_hint().unwrap_or(0).min(PREALLOCATE_AT_MOST);
        let mut items = Vec::with_capacity(hint);
        while let Some(item) = seq.next_element_seed(JsonValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let hint = map.size_hint().unwrap_or(0).min(PREALLOCATE_AT_MOST);
        let mut object = Map::with_capacity(hint);
        while let Some(key) = map.next_key_seed(JsonValue)? {
            let key = match key {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => "null".to_owned(),
                Value::Array(_) | Value::Object(_) => {
                    return Err(de::Error::custom(
                        "a map key that is an array, a map or bytes has no JSON form",
                    ));
                }
            };
            let value = map.next_value_seed(JsonValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}
