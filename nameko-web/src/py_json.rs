//! JSON written exactly as Python's `json.dumps(value)` writes it, so a Rust service's
//! bodies are byte for byte those of the Python service it replaces.
//!
//! Python's defaults differ from `serde_json`'s: items are separated by `", "` and keys
//! from values by `": "`, and every character outside printable ASCII is escaped
//! (`ensure_ascii=True`): `"hellø"` is written `"hell\u00f8"`.
//!
//! ```
//! use nameko_web::py_json;
//!
//! assert_eq!(py_json::dumps(&serde_json::json!({"value": 42})).unwrap(), r#"{"value": 42}"#);
//! assert_eq!(py_json::dumps(&["hellø", "x"]).unwrap(), r#"["hell\u00f8", "x"]"#);
//! ```
//!
//! Keys keep the order the value gives them: a struct's field order, or sorted for a
//! `serde_json::Value` map (Python keeps insertion order).

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter};

/// Python's `json.dumps` style for `serde_json`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        // serde_json's escapes are Python's, except that Python writes other control
        // characters as lower-case `\u00XX`, as serde_json also does.
        serde_json::ser::CompactFormatter.write_char_escape(writer, escape)
    }
}

/// `json.dumps(value)`: see the [module docs](self).
pub fn dumps<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    value.serialize(&mut ser)?;
    // The formatter writes only ASCII.
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn like_python() {
        // expected values printed by CPython 3.11's json.dumps
        assert_eq!(dumps(&json!({"value": 42})).unwrap(), r#"{"value": 42}"#);
        assert_eq!(dumps(&json!({"value": 42})).unwrap().len(), 13);
        assert_eq!(
            dumps(&json!({"error": "INVALID_ARGUMENTS", "message": "Argument `foo` is required."}))
                .unwrap(),
            r#"{"error": "INVALID_ARGUMENTS", "message": "Argument `foo` is required."}"#
        );
        assert_eq!(
            dumps(&json!({"error": "INVALID_ARGUMENTS", "message": "Argument `foo` is required."}))
                .unwrap()
                .len(),
            72
        );
        assert_eq!(
            dumps(&json!([1, [2, 3], {}, []])).unwrap(),
            "[1, [2, 3], {}, []]"
        );
        assert_eq!(
            dumps(&json!("hellø wörld")).unwrap(),
            r#""hell\u00f8 w\u00f6rld""#
        );
        assert_eq!(dumps(&json!("😀")).unwrap(), r#""\ud83d\ude00""#);
        assert_eq!(
            dumps(&json!("a\"b\\c\n\u{1}\u{7f}")).unwrap(),
            r#""a\"b\\c\n\u0001\u007f""#
        );
        assert_eq!(dumps(&json!(1.5)).unwrap(), "1.5");
        assert_eq!(dumps(&json!(null)).unwrap(), "null");
    }
}
