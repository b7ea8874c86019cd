//! Unit tests of `payload.rs`.

use super::*;
use serde_json::json;

fn args(v: Value) -> Arguments {
    serde_json::from_value(v).unwrap()
}

#[test]
fn body_parsing() {
    assert_eq!(
        Arguments::from_body(br#"{"args": [1], "kwargs": {"a": 2}}"#).unwrap(),
        args(json!({"args": [1], "kwargs": {"a": 2}}))
    );
    for bad in [
        &b"not json"[..],
        b"[1,2]",
        b"\"s\"",
        br#"{"args": []}"#,
        br#"{"kwargs": {}}"#,
        br#"{"args": 1, "kwargs": {}}"#,
    ] {
        let err = Arguments::from_body(bad).unwrap_err();
        assert_eq!(
            err.exc_type,
            "MalformedRequest",
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(
        Arguments::from_body(b"{}").unwrap_err().value,
        "Message missing `args` or `kwargs`"
    );
}

#[test]
fn binds_by_position_and_name() {
    let mut b = ArgBinder::new(
        "m",
        &["a", "b", "c"],
        args(json!({"args": [1], "kwargs": {"c": "x", "b": [true]}})),
    )
    .unwrap();
    assert_eq!(b.take::<i32>(0).unwrap(), 1);
    assert_eq!(b.take::<Vec<bool>>(1).unwrap(), vec![true]);
    assert_eq!(b.take::<String>(2).unwrap(), "x");
}

#[test]
fn optional_may_be_missing() {
    let mut b = ArgBinder::new("m", &["a", "b"], args(json!({"args": [1], "kwargs": {}}))).unwrap();
    assert_eq!(b.take::<i32>(0).unwrap(), 1);
    assert_eq!(b.take::<Option<i32>>(1).unwrap(), None);
}

#[test]
fn signature_errors_use_python_wording() {
    let e = ArgBinder::new(
        "remote_method",
        &["value"],
        args(json!({"args": [1, 2], "kwargs": {}})),
    )
    .unwrap_err();
    assert_eq!(e.exc_type, "IncorrectSignature");
    assert_eq!(
        e.value,
        "remote_method() takes 2 positional arguments but 3 were given"
    );

    let e =
        ArgBinder::new("m", &["a"], args(json!({"args": [], "kwargs": {"zz": 1}}))).unwrap_err();
    assert_eq!(e.value, "m() got an unexpected keyword argument 'zz'");

    let e =
        ArgBinder::new("m", &["a"], args(json!({"args": [1], "kwargs": {"a": 1}}))).unwrap_err();
    assert_eq!(e.value, "m() got multiple values for argument 'a'");

    let mut b = ArgBinder::new("m", &["a", "b"], args(json!({"args": [], "kwargs": {}}))).unwrap();
    let e = b.take::<i32>(0).unwrap_err();
    assert_eq!(
        e.value,
        "m() missing 2 required positional arguments: 'a' and 'b'"
    );

    let mut b = ArgBinder::new("m", &["a"], args(json!({"args": ["nope"], "kwargs": {}}))).unwrap();
    let e = b.take::<i32>(0).unwrap_err();
    assert_eq!(e.exc_type, "IncorrectSignature");
    assert!(
        e.value
            .starts_with("m() argument 'a': invalid type: string \"nope\", expected i32"),
        "{}",
        e.value
    );
}

#[test]
fn tuples_into_arguments() {
    assert_eq!(().into_arguments().unwrap(), Arguments::default());
    let a = ("x", 1, vec![2]).into_arguments().unwrap();
    assert_eq!(a.args, vec![json!("x"), json!(1), json!([2])]);
}

#[test]
fn unserializable_result() {
    use std::collections::HashMap;
    let mut m = HashMap::new();
    m.insert(vec![1u8], 1);
    let e = encode_result(m).unwrap_err();
    assert_eq!(e.exc_type, "UnserializableValueError");
}
