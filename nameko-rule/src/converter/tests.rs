//! Unit tests of `converter.rs`.

use super::*;

fn conv(name: &str, args: Option<&str>) -> Converter {
    Converter::from_parts(name, args).unwrap()
}

#[test]
fn defaults() {
    assert_eq!(
        conv("string", None),
        Converter::String {
            minlength: 1,
            maxlength: None,
            length: None
        }
    );
    assert_eq!(conv("default", None).name(), "string");
    assert_eq!(
        conv("int", None),
        Converter::Int {
            fixed_digits: 0,
            min: None,
            max: None,
            signed: false
        }
    );
    assert_eq!(
        conv("float", Some("")),
        Converter::Float {
            min: None,
            max: None,
            signed: false
        }
    );
}

#[test]
fn arguments() {
    assert_eq!(
        conv("int", Some("4, signed=True")),
        Converter::Int {
            fixed_digits: 4,
            min: None,
            max: None,
            signed: true
        }
    );
    assert_eq!(
        conv("int", Some("min=1,max=9")),
        Converter::Int {
            fixed_digits: 0,
            min: Some(1),
            max: Some(9),
            signed: false
        }
    );
    assert_eq!(
        conv("string", Some("length=2")),
        Converter::String {
            minlength: 1,
            maxlength: None,
            length: Some(2)
        }
    );
    assert_eq!(
        conv("float", Some("min=0, max=1.5")),
        Converter::Float {
            min: Some(0.0),
            max: Some(1.5),
            signed: false
        }
    );
    assert_eq!(
        conv("any", Some("about, help, 'a,b'")),
        Converter::Any(vec!["about".into(), "help".into(), "a,b".into()])
    );
}

#[test]
fn argument_errors() {
    let err = |name, args| {
        Converter::from_parts(name, Some(args))
            .unwrap_err()
            .to_string()
    };
    assert!(err("int", "bogus=1").contains("unknown argument `bogus`"));
    assert!(err("int", "signed=5").contains("`signed` must be True or False"));
    assert!(err("int", "min=1.5").contains("`min` must be an integer"));
    assert!(err("int", "1,2,3,True,5").contains("at most 4 arguments"));
    assert!(err("int", "4, fixed_digits=4").contains("given twice"));
    assert!(err("string", "length=-1").contains("non-negative"));
    assert!(err("string", "minlength=3, maxlength=2").contains("smaller than"));
    assert!(err("path", "1").contains("takes no arguments"));
    assert!(err("uuid", "x=1").contains("takes no arguments"));
    assert!(err("any", "").contains("at least one word"));
    assert!(err("any", "a, 1").contains("bare words or quoted strings"));
    assert!(err("any", "a, x=b").contains("only the words"));
    assert!(err("int", "(").contains("cannot parse"));
    let unknown = Converter::from_parts("integer", None)
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("unknown converter `integer`"), "{unknown}");
    assert!(
        unknown.contains("string, default, path, int, float, uuid, any"),
        "{unknown}"
    );
}

#[test]
fn shapes() {
    let s = conv("string", None);
    assert!(s.matches("abc") && s.matches("é") && !s.matches("") && !s.matches("a/b"));
    let s2 = conv("string", Some("length=2"));
    assert!(s2.matches("ab") && s2.matches("éé") && !s2.matches("a") && !s2.matches("abc"));
    let s3 = conv("string", Some("minlength=2, maxlength=3"));
    assert!(!s3.matches("a") && s3.matches("ab") && s3.matches("abc") && !s3.matches("abcd"));

    let p = Converter::Path;
    assert!(p.matches("a/b/c") && p.matches("a") && !p.matches("") && !p.matches("/a"));

    let i = conv("int", None);
    assert!(i.matches("42") && i.matches("007") && !i.matches("-1") && !i.matches("+1"));
    assert!(!i.matches("") && !i.matches("1.5") && !i.matches("abc") && !i.matches("٤٢"));
    let si = conv("int", Some("signed=True"));
    assert!(si.matches("-1") && si.matches("1") && !si.matches("-") && !si.matches("--1"));
    let fi = conv("int", Some("fixed_digits=3"));
    assert!(fi.matches("007") && !fi.matches("7") && !fi.matches("0007"));
    let mm = conv("int", Some("min=1, max=9"));
    assert!(mm.matches("1") && mm.matches("9") && !mm.matches("0") && !mm.matches("10"));
    assert!(!mm.matches("99999999999999999999999999999999999999999999"));
    let lo = conv("int", Some("min=1"));
    assert!(lo.matches("99999999999999999999999999999999999999999999"));

    let f = conv("float", None);
    assert!(f.matches("1.5") && f.matches("0.0") && !f.matches("1") && !f.matches("-1.5"));
    assert!(!f.matches(".5") && !f.matches("1.") && !f.matches("1e5") && !f.matches("inf"));
    let sf = conv("float", Some("signed=True"));
    assert!(sf.matches("-1.5") && sf.matches("2.25"));
    let bf = conv("float", Some("max=1.0"));
    assert!(bf.matches("0.5") && !bf.matches("1.5"));

    let u = Converter::Uuid;
    assert!(u.matches("a0b1c2d3-e4f5-6789-abcd-ef0123456789"));
    assert!(u.matches("A0B1C2D3-E4F5-6789-ABCD-EF0123456789"));
    assert!(!u.matches("a0b1c2d3e4f56789abcdef0123456789"));
    assert!(!u.matches("g0b1c2d3-e4f5-6789-abcd-ef0123456789"));
    assert!(!u.matches("a0b1c2d3-e4f5-6789-abcd-ef012345678"));

    let a = conv("any", Some("about, help"));
    assert!(a.matches("about") && a.matches("help") && !a.matches("abou") && !a.matches("x"));
}

#[test]
fn rust_types() {
    let int = conv("int", None);
    for t in INT_TYPES {
        assert!(int.fits_rust_type(t), "{t}");
    }
    assert!(!int.fits_rust_type("String") && !int.fits_rust_type("f64"));
    let signed = conv("int", Some("signed=True"));
    assert!(signed.fits_rust_type("i32"));
    let msg = signed.check_rust_type("u32").unwrap_err();
    assert!(msg.contains("use a signed integer type"), "{msg}");
    let float = conv("float", None);
    assert!(float.fits_rust_type("f32") && float.fits_rust_type("f64"));
    assert!(!float.fits_rust_type("i64"));
    assert!(Converter::Uuid.fits_rust_type("Uuid") && Converter::Uuid.fits_rust_type("String"));
    for c in [
        conv("string", None),
        Converter::Path,
        conv("any", Some("a")),
    ] {
        assert!(c.fits_rust_type("String"));
        assert!(!c.fits_rust_type("i64") && !c.fits_rust_type("Uuid"));
    }
    let msg = conv("string", None).check_rust_type("i64").unwrap_err();
    assert_eq!(
        msg,
        "a `string` rule variable cannot be a `i64`; use `String`"
    );
}

#[test]
fn weights() {
    assert!(conv("int", None).weight() < conv("string", None).weight());
    assert!(conv("string", None).weight() < Converter::Path.weight());
    assert!(Converter::Path.spans_segments() && !Converter::Uuid.spans_segments());
}
