//! Unit tests of `rule.rs`.

use super::*;

fn rule(s: &str) -> Rule {
    Rule::parse(s).unwrap()
}

fn m<'p>(r: &Rule, path: &'p str) -> Option<Vec<(String, &'p str)>> {
    r.match_path(path)
        .map(|v| v.into_iter().map(|(n, x)| (n.to_owned(), x)).collect())
}

fn vals<'p>(r: &Rule, path: &'p str) -> Option<Vec<&'p str>> {
    r.match_path(path)
        .map(|v| v.into_iter().map(|(_, x)| x).collect())
}

#[test]
fn parses_parts() {
    let r = rule("/get/<int:value>");
    assert_eq!(r.as_str(), "/get/<int:value>");
    assert_eq!(r.to_string(), "/get/<int:value>");
    assert_eq!(
        r.parts(),
        &[
            Part::Static("/get/".into()),
            Part::Variable(Variable {
                name: "value".into(),
                converter: Converter::from_parts("int", None).unwrap()
            })
        ]
    );
    let r = rule("/a/<name>/b/<path:rest>");
    let names: Vec<_> = r
        .variables()
        .map(|v| (v.name.as_str(), v.converter.name()))
        .collect();
    assert_eq!(names, [("name", "string"), ("rest", "path")]);
    assert!(rule("/").is_static() && rule("/post").is_static());
    assert!(!r.is_static());
    assert_eq!(r.variable("rest").unwrap().converter, Converter::Path);
    assert!(r.variable("nope").is_none());
    let r = rule("/t/<int(signed=True):n>/<string(length=2):s>/<any(a, 'b,c'):k>");
    let convs: Vec<_> = r.variables().map(|v| v.converter.clone()).collect();
    assert!(matches!(convs[0], Converter::Int { signed: true, .. }));
    assert!(matches!(
        convs[1],
        Converter::String {
            length: Some(2),
            ..
        }
    ));
    assert_eq!(convs[2], Converter::Any(vec!["a".into(), "b,c".into()]));
    let r = rule("/f/<name>.<ext>");
    assert_eq!(r.variables().count(), 2);
    assert_eq!(rule("/x>y").parts(), &[Part::Static("/x>y".into())]);
    assert_eq!("/p/<p>".parse::<Rule>().unwrap().variables().count(), 1);
}

#[test]
fn parse_errors() {
    let err = |s: &str| Rule::parse(s).unwrap_err();
    assert_eq!(err("get"), RuleError::NoLeadingSlash);
    assert_eq!(err(""), RuleError::NoLeadingSlash);
    assert!(matches!(
        err("/a/<int:x"),
        RuleError::Malformed { at: 3, .. }
    ));
    assert!(matches!(err("/a/<"), RuleError::Malformed { .. }));
    assert!(matches!(err("/a/<x<y>"), RuleError::Malformed { .. }));
    assert!(matches!(
        err("/a/<int(min=1:x>"),
        RuleError::Malformed { .. }
    ));
    assert!(matches!(
        err("/a/<int(min=1)x>"),
        RuleError::Malformed { .. }
    ));
    assert!(matches!(err("/a/<:x>"), RuleError::Malformed { .. }));
    assert_eq!(err("/a/<>"), RuleError::EmptyName { at: 3 });
    assert_eq!(err("/a/<int:>"), RuleError::EmptyName { at: 3 });
    assert_eq!(err("/a/<1x>"), RuleError::InvalidName { name: "1x".into() });
    assert_eq!(
        err("/a/<x y>"),
        RuleError::InvalidName { name: "x y".into() }
    );
    assert_eq!(
        err("/<a>/<int:a>"),
        RuleError::DuplicateVariable { name: "a".into() }
    );
    assert_eq!(
        err("/<integer:a>"),
        RuleError::UnknownConverter {
            converter: "integer".into()
        }
    );
    assert_eq!(
        err("/<my-conv:a>"),
        RuleError::UnknownConverter {
            converter: "my-conv".into()
        }
    );
    assert!(matches!(
        err("/<int(signed=1):a>"),
        RuleError::BadArguments {
            converter: "int",
            ..
        }
    ));
    let msg = err("/<int:x").to_string();
    assert!(
        msg.starts_with("malformed variable at byte 1: `<int:x`"),
        "{msg}"
    );
    assert_eq!(
        err("x").to_string(),
        "URL rules must start with a leading slash `/`"
    );
    assert_eq!(err("/<a>/<a>").to_string(), "variable name `a` used twice");
}

#[test]
fn static_match() {
    let r = rule("/post");
    assert_eq!(m(&r, "/post"), Some(vec![]));
    assert_eq!(m(&r, "/post/"), None);
    assert_eq!(m(&r, "/pos"), None);
    assert_eq!(m(&r, "/posts"), None);
    let r = rule("/");
    assert_eq!(m(&r, "/"), Some(vec![]));
    assert_eq!(m(&r, ""), None);
}

#[test]
fn converters_match() {
    let r = rule("/get/<int:value>");
    assert_eq!(m(&r, "/get/42"), Some(vec![("value".into(), "42")]));
    assert_eq!(m(&r, "/get/abc"), None);
    assert_eq!(m(&r, "/get/-1"), None);
    assert_eq!(m(&r, "/get/"), None);
    assert_eq!(m(&r, "/get/4/2"), None);
    let r = rule("/n/<int(signed=True):n>");
    assert_eq!(vals(&r, "/n/-17"), Some(vec!["-17"]));
    let r = rule("/f/<float:x>");
    assert_eq!(vals(&r, "/f/1.5"), Some(vec!["1.5"]));
    assert_eq!(vals(&r, "/f/1"), None);
    let r = rule("/f/<float(signed=True):x>");
    assert_eq!(vals(&r, "/f/-0.25"), Some(vec!["-0.25"]));
    let r = rule("/u/<uuid:u>");
    assert_eq!(
        vals(&r, "/u/a0b1c2d3-e4f5-6789-abcd-ef0123456789"),
        Some(vec!["a0b1c2d3-e4f5-6789-abcd-ef0123456789"])
    );
    assert_eq!(vals(&r, "/u/nope"), None);
    let r = rule("/files/<path:p>");
    assert_eq!(vals(&r, "/files/a/b/c.txt"), Some(vec!["a/b/c.txt"]));
    assert_eq!(vals(&r, "/files/"), None);
    assert_eq!(vals(&r, "/files//a"), None);
    let r = rule("/s/<name>");
    assert_eq!(vals(&r, "/s/hellø wörld"), Some(vec!["hellø wörld"]));
    assert_eq!(vals(&r, "/s/a/b"), None);
    let r = rule("/k/<any(about, help):page>");
    assert_eq!(vals(&r, "/k/help"), Some(vec!["help"]));
    assert_eq!(vals(&r, "/k/other"), None);
    let r = rule("/r/<int(min=1, max=9):n>");
    assert_eq!(vals(&r, "/r/5"), Some(vec!["5"]));
    assert_eq!(vals(&r, "/r/10"), None);
    let r = rule("/l/<string(length=2):s>");
    assert_eq!(vals(&r, "/l/ab"), Some(vec!["ab"]));
    assert_eq!(vals(&r, "/l/abc"), None);
}

#[test]
fn several_variables() {
    let r = rule("/f/<name>.<ext>");
    assert_eq!(
        vals(&r, "/f/archive.tar.gz"),
        Some(vec!["archive.tar", "gz"])
    );
    let r = rule("/<path:p>/edit");
    assert_eq!(vals(&r, "/a/b/edit"), Some(vec!["a/b"]));
    assert_eq!(vals(&r, "/a/edit/edit"), Some(vec!["a/edit"]));
    assert_eq!(vals(&r, "/edit"), None);
    let r = rule("/<a>/<int:b>/<path:c>");
    assert_eq!(
        m(&r, "/x/7/y/z"),
        Some(vec![
            ("a".into(), "x"),
            ("b".into(), "7"),
            ("c".into(), "y/z")
        ])
    );
    let r = rule("/<a><b>");
    assert_eq!(vals(&r, "/xyz"), Some(vec!["xy", "z"]));
    let r = rule("/<path:a>/<path:b>");
    assert_eq!(vals(&r, "/1/2/3"), Some(vec!["1", "2/3"]));
}

#[test]
fn adversarial_paths_stay_cheap() {
    let r = rule("/<a>-<b>-<c>-<d>x");
    let long = format!("/{}", "-".repeat(3000));
    let start = std::time::Instant::now();
    assert_eq!(vals(&r, &long), None);
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    let r = rule("/<path:a>/<path:b>/<path:c>/z");
    let long = format!("/{}", "a/".repeat(400));
    assert_eq!(vals(&r, &long), None);
}

#[test]
fn order() {
    let mut rules: Vec<Rule> = [
        "/<path:p>",
        "/a/<name>",
        "/a/<int:n>",
        "/a/b",
        "/<x>/b",
        "/a",
        "/a/<name>/c",
    ]
    .iter()
    .map(|s| rule(s))
    .collect();
    rules.sort_by_key(Rule::weight);
    let order: Vec<&str> = rules.iter().map(Rule::as_str).collect();
    assert_eq!(
        order,
        [
            "/a",
            "/a/b",
            "/a/<int:n>",
            "/a/<name>",
            "/a/<name>/c",
            "/<x>/b",
            "/<path:p>"
        ]
    );
    let first = |path: &str| {
        rules
            .iter()
            .find(|r| r.match_path(path).is_some())
            .map(Rule::as_str)
    };
    assert_eq!(first("/a/b"), Some("/a/b"));
    assert_eq!(first("/a/5"), Some("/a/<int:n>"));
    assert_eq!(first("/a/x"), Some("/a/<name>"));
    assert_eq!(first("/q/b"), Some("/<x>/b"));
    assert_eq!(first("/q/r/s"), Some("/<path:p>"));
    assert!(rule("/x/").has_trailing_slash() && !rule("/x").has_trailing_slash());
}

/// The routing example of werkzeug's own test suite (`test_path`).
#[test]
fn werkzeug_order() {
    let sources = [
        ("/", "page_front"),
        ("/Special", "special"),
        ("/<int:year>", "year"),
        ("/<path:name>:foo", "foopage"),
        ("/<path:name>:<path:name2>", "twopage"),
        ("/<path:name>", "page"),
        ("/<path:name>/edit", "editpage"),
        ("/<path:name>/silly/<path:name2>", "sillypage"),
        ("/<path:name>/silly/<path:name2>/edit", "editsillypage"),
        ("/Talk:<path:name>", "talk"),
        ("/User:<username>", "user"),
        ("/User:<username>/<path:name>", "userpage"),
        (
            "/User:<username>/comment/<int:id>-<int:replyId>",
            "usercomment",
        ),
        ("/Files/<path:file>", "files"),
        ("/<admin>/<manage>/<things>", "admin_mgmt"),
    ];
    let mut rules: Vec<(Rule, &str)> = sources.iter().map(|(s, e)| (rule(s), *e)).collect();
    rules.sort_by_key(|(r, _)| r.weight());
    let first = |path: &str| {
        rules
            .iter()
            .find_map(|(r, e)| {
                r.match_path(path).map(|v| {
                    (
                        *e,
                        v.into_iter().map(|(_, x)| x.to_owned()).collect::<Vec<_>>(),
                    )
                })
            })
            .unwrap()
    };
    assert_eq!(first("/"), ("page_front", vec![]));
    assert_eq!(first("/Special"), ("special", vec![]));
    assert_eq!(first("/2007"), ("year", vec!["2007".into()]));
    assert_eq!(first("/Some/Page"), ("page", vec!["Some/Page".into()]));
    assert_eq!(
        first("/Some/Page/edit"),
        ("editpage", vec!["Some/Page".into()])
    );
    assert_eq!(
        first("/Foo/silly/bar"),
        ("sillypage", vec!["Foo".into(), "bar".into()])
    );
    assert_eq!(
        first("/Foo/silly/bar/edit"),
        ("editsillypage", vec!["Foo".into(), "bar".into()])
    );
    assert_eq!(first("/Talk:Foo/Bar"), ("talk", vec!["Foo/Bar".into()]));
    assert_eq!(first("/User:thomas"), ("user", vec!["thomas".into()]));
    assert_eq!(
        first("/User:thomas/projects/werkzeug"),
        (
            "userpage",
            vec!["thomas".into(), "projects/werkzeug".into()]
        )
    );
    assert_eq!(
        first("/User:thomas/comment/123-456"),
        (
            "usercomment",
            vec!["thomas".into(), "123".into(), "456".into()]
        )
    );
    assert_eq!(
        first("/Files/downloads/werkzeug/0.2.zip"),
        ("files", vec!["downloads/werkzeug/0.2.zip".into()])
    );
    assert_eq!(
        first("/Jerry/eats/cheese"),
        (
            "admin_mgmt",
            vec!["Jerry".into(), "eats".into(), "cheese".into()]
        )
    );
    assert_eq!(first("/foo:foo"), ("foopage", vec!["foo".into()]));
    assert_eq!(
        first("/foo:bar"),
        ("twopage", vec!["foo".into(), "bar".into()])
    );
}
