use serde::Serialize;
use serde_json::{Value, json};

use super::*;
use crate::Config;

fn msgpack() -> &'static dyn Serializer {
    lookup(MSGPACK).unwrap()
}

#[test]
fn the_built_ins_are_registered_by_name() {
    let names: Vec<&str> = registered().iter().map(|s| s.name()).collect();
    for name in [JSON, MSGPACK, YAML] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert_eq!(lookup(JSON).unwrap().content_type(), "application/json");
    assert_eq!(lookup(JSON).unwrap().content_encoding(), "utf-8");
    assert_eq!(msgpack().content_type(), "application/x-msgpack");
    assert_eq!(msgpack().content_encoding(), "binary");
    assert_eq!(lookup(YAML).unwrap().content_type(), "application/x-yaml");
}

#[test]
fn pickle_and_unknown_names_are_refused_saying_why() {
    let err = lookup("pickle").unwrap_err();
    assert!(matches!(err, SerializationError::Refused(_)));
    let text = err.to_string();
    assert!(text.contains("unpickling a message runs code"), "{text}");
    assert!(text.contains("use `json` or `msgpack`"), "{text}");

    let err = lookup("protobuf").unwrap_err().to_string();
    assert!(
        err.starts_with("unknown serializer `protobuf` (registered: "),
        "{err}"
    );
    assert!(err.contains("json, msgpack"), "{err}");
    assert!(err.contains("Registration"), "{err}");
}

#[test]
fn config_load_checks_serializer_and_accept() {
    let err = Config::from_yaml_str("serializer: pickle\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("config key `serializer`: `pickle` is refused"),
        "{text}"
    );

    let err = Config::from_yaml_str("serializer: bson\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("config key `serializer`: unknown serializer `bson`"),
        "{err}"
    );

    let err = Config::from_yaml_str("ACCEPT: [json, pickle]\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("config key `ACCEPT`: `pickle` is refused"),
        "{err}"
    );

    let err = Config::from_yaml_str("ACCEPT: [json, xml]\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("config key `ACCEPT`: unknown serializer `xml`"),
        "{err}"
    );

    let err = Config::from_yaml_str("ACCEPT: json\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "config key `ACCEPT`: expected a list of serializer names, got \"json\""
    );
    let err = Config::from_yaml_str("ACCEPT: [json, 3]\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "config key `ACCEPT`: expected a list of serializer names, got the item 3"
    );
    let err = Config::from_yaml_str("serializer: 3\n")
        .unwrap_err()
        .to_string();
    assert_eq!(err, "config key `serializer`: expected a string, got 3");
}

#[test]
fn defaults_are_nameko_s() {
    let config = Config::new();
    assert_eq!(config.core().serializer, "json");
    assert_eq!(config.core().accept, None);
    let s = config.serializers();
    assert_eq!(s.serializer().name(), "json");
    let accepted: Vec<&str> = s.accepted().iter().map(|s| s.name()).collect();
    assert_eq!(accepted, ["json"]);

    // ACCEPT defaults to [serializer], as in nameko/serialization.py.
    let s = Config::from_yaml_str("serializer: msgpack\n")
        .unwrap()
        .serializers();
    assert_eq!(s.serializer().name(), "msgpack");
    assert!(s.accepts("application/x-msgpack"));
    assert!(!s.accepts("application/json"));

    // ACCEPT: null is the default too; duplicates are kept once.
    let s = Config::from_yaml_str("ACCEPT: ~\n").unwrap().serializers();
    assert_eq!(s.accepted().len(), 1);
    let s = Config::from_yaml_str("ACCEPT: [json, msgpack, json]\n")
        .unwrap()
        .serializers();
    let accepted: Vec<&str> = s.accepted().iter().map(|s| s.name()).collect();
    assert_eq!(accepted, ["json", "msgpack"]);
    assert_eq!(
        format!("{s:?}"),
        r#"Serializers { serializer: "json", accept: ["json", "msgpack"] }"#
    );
}

#[test]
fn a_config_changed_in_code_to_a_bad_name_falls_back_to_json() {
    let config = Config::new().with("serializer", "nope");
    assert!(config.validate().is_err());
    assert_eq!(config.serializers().serializer().name(), "json");
    let config = Config::new().with("serializer", "msgpack");
    assert!(config.validate().is_ok());
    assert_eq!(config.serializers().serializer().name(), "msgpack");
}

#[test]
fn decode_by_content_type_and_accept() {
    let s = Serializers::new("json", Some(&["json".into(), "msgpack".into()])).unwrap();
    let value = json!({"args": ["hellø", 1, 2.5, null, true], "kwargs": {"k": [1]}});
    let packed = msgpack().to_vec(&value).unwrap();
    assert_eq!(
        s.decode(Some("application/x-msgpack"), &packed).unwrap(),
        value
    );
    let text = lookup(JSON).unwrap().to_vec(&value).unwrap();
    assert_eq!(s.decode(Some("application/json"), &text).unwrap(), value);
    // No content type: the configured serializer.
    assert_eq!(s.decode(None, &text).unwrap(), value);

    let only_json = Serializers::default();
    let err = only_json
        .decode(Some("application/x-msgpack"), &packed)
        .unwrap_err();
    assert!(err.is_disallowed());
    assert_eq!(
        err.to_string(),
        "Refusing to deserialize untrusted content of type msgpack (application/x-msgpack)"
    );
    let remote = err.to_remote_error();
    assert_eq!(remote.exc_type, "ContentDisallowed");
    assert_eq!(remote.exc_path, "kombu.exceptions.ContentDisallowed");

    let err = only_json.decode(Some("text/csv"), b"a,b").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Refusing to deserialize untrusted content of type text/csv"
    );
    let err = only_json
        .decode(Some(CONTENT_TYPE_PICKLE), b"\x80\x04K\x01.")
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("pickle (application/x-python-serialize)")
    );

    // A body that is not what its type says is a decode error (MalformedRequest).
    let err = s.decode(Some("application/json"), b"\x93\x01").unwrap_err();
    assert!(matches!(err, SerializationError::Decode { .. }));
    assert!(err.to_string().starts_with("cannot decode json: "), "{err}");
    assert_eq!(err.to_remote_error().exc_type, "MalformedRequest");
}

#[test]
fn replies_go_in_the_request_s_serializer() {
    let s = Serializers::new("msgpack", Some(&["msgpack".into(), "json".into()])).unwrap();
    assert_eq!(s.for_reply(Some("application/json")).name(), "json");
    assert_eq!(s.for_reply(Some("application/x-msgpack")).name(), "msgpack");
    assert_eq!(s.for_reply(None).name(), "msgpack");
    // Registered but not accepted: still the request's, so that its caller can read the
    // refusal.
    assert_eq!(s.for_reply(Some("application/x-yaml")).name(), "yaml");
    // Unknown or refused: the configured one.
    assert_eq!(s.for_reply(Some("text/plain")).name(), "msgpack");
    assert_eq!(
        s.for_reply(Some("application/x-python-serialize")).name(),
        "msgpack"
    );
}

/// Bytes Python's `msgpack.packb(..., use_bin_type=True)` writes, by hand.
#[test]
fn msgpack_matches_python_packb() {
    // packb({"args": ["hi"], "kwargs": {}}) == b'\x82\xa4args\x91\xa2hi\xa6kwargs\x80'
    let body = msgpack()
        .to_vec(&json!({"args": ["hi"], "kwargs": {}}))
        .unwrap();
    assert_eq!(body, b"\x82\xa4args\x91\xa2hi\xa6kwargs\x80");
    // packb(1.5) is a float 64; packb(-1) a negative fixint; packb(2**40) a uint 64.
    assert_eq!(msgpack().to_vec(&1.5).unwrap(), b"\xcb\x3f\xf8\0\0\0\0\0\0");
    assert_eq!(msgpack().to_vec(&-1).unwrap(), b"\xff");
    assert_eq!(
        msgpack().to_vec(&(1u64 << 40)).unwrap(),
        b"\xcf\0\0\x01\0\0\0\0\0"
    );
    // Structs are maps of their fields, unit variants their names.
    #[derive(Serialize)]
    enum Colour {
        Red,
    }
    #[derive(Serialize)]
    struct Point {
        x: u8,
        c: Colour,
    }
    let body = msgpack()
        .to_vec(&Point {
            x: 1,
            c: Colour::Red,
        })
        .unwrap();
    assert_eq!(body, b"\x82\xa1x\x01\xa1c\xa3Red");
    // serde_bytes buffers are bin, which Python reads as bytes.
    struct Raw;
    impl Serialize for Raw {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(b"hi")
        }
    }
    assert_eq!(msgpack().to_vec(&Raw).unwrap(), b"\xc4\x02hi");
}

#[test]
fn msgpack_decodes_what_python_sends() {
    let m = msgpack();
    // bin (Python bytes) -> an array of byte values.
    assert_eq!(m.from_slice(b"\xc4\x02hi").unwrap(), json!([104, 105]));
    // Integer, bool and nil keys -> their JSON text.
    assert_eq!(
        m.from_slice(b"\x83\x01\xa1a\xc3\xa1b\xc0\xa1c").unwrap(),
        json!({"1": "a", "true": "b", "null": "c"})
    );
    // float 32 and big integers.
    assert_eq!(m.from_slice(b"\xca\x3f\xc0\0\0").unwrap(), json!(1.5));
    assert_eq!(
        m.from_slice(b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff")
            .unwrap(),
        json!(u64::MAX)
    );
    assert_eq!(
        m.from_slice(b"\xd3\x80\0\0\0\0\0\0\0").unwrap(),
        json!(i64::MIN)
    );
}

#[test]
fn msgpack_refuses_what_json_cannot_hold() {
    let m = msgpack();
    let err = |body: &[u8]| m.from_slice(body).unwrap_err().to_string();
    // Extension types, among them the timestamp (-1).
    let e = err(b"\xd6\xff\0\0\0\x01");
    assert!(e.contains("extension type -1 has no JSON form"), "{e}");
    let e = err(b"\xd4\x05\x00");
    assert!(e.contains("extension type 5"), "{e}");
    // NaN and infinity.
    assert!(err(b"\xcb\x7f\xf8\0\0\0\0\0\0").contains("no JSON form"));
    // A map key that is a list.
    assert!(err(b"\x81\x91\x01\x02").contains("map key"));
    // Trailing bytes (Python's ExtraData), truncated bodies, the empty body.
    assert!(err(b"\x01\x02").contains("1 bytes after the end"));
    let e = err(b"\x92\x01");
    assert!(e.starts_with("cannot decode msgpack: "), "{e}");
    assert!(m.from_slice(b"").is_err());
    // A length prefix is not trusted: a map claiming 4 billion entries is just short.
    assert!(m.from_slice(b"\xdf\xff\xff\xff\xff").is_err());
    assert!(m.from_slice(b"\xc6\xff\xff\xff\xff\x01").is_err());
    // Too deep.
    let deep = vec![0x91u8; 5000];
    assert!(m.from_slice(&deep).is_err());
}

#[test]
fn every_built_in_round_trips_values() {
    let value = json!({
        "s": "hellø", "n": -3, "u": 18446744073709551615u64, "f": 0.25,
        "b": false, "z": null, "l": [1, [2, {"x": "y"}]], "o": {}
    });
    for s in registered() {
        let body = s.to_vec(&value).unwrap();
        assert_eq!(s.from_slice(&body).unwrap(), value, "{}", s.name());
    }
}

#[test]
fn yaml_reads_what_pyyaml_safe_dump_writes() {
    let yaml = lookup(YAML).unwrap();
    // yaml.safe_dump({'args': ['hi', 1], 'kwargs': {'x': None}})
    let body = b"args:\n- hi\n- 1\nkwargs:\n  x: null\n";
    assert_eq!(
        yaml.from_slice(body).unwrap(),
        json!({"args": ["hi", 1], "kwargs": {"x": null}})
    );
    assert!(yaml.from_slice(b"a: [1").is_err());
}

#[test]
fn garbage_never_panics() {
    // A small deterministic generator: every prefix of a few odd bodies.
    let mut state: u32 = 0x1234_5678;
    let mut body = Vec::new();
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        body.push((state & 0xff) as u8);
        if body.len() > 64 {
            body.clear();
        }
        for s in registered() {
            let _ = s.from_slice(&body);
        }
    }
}

#[test]
fn value_debug_of_a_serializer() {
    let s: &dyn Serializer = msgpack();
    assert_eq!(
        format!("{s:?}"),
        r#"Serializer { name: "msgpack", content_type: "application/x-msgpack" }"#
    );
    let _: Value = s.from_slice(b"\xc0").unwrap();
}
