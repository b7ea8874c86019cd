//! Unit tests of `attr/http.rs`.

use super::*;
use syn::parse_quote;

fn parse(attr: Attribute) -> Result<HttpArgs, Vec<String>> {
    http_args(&attr).map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
}

fn one_error(attr: Attribute) -> String {
    let messages = parse(attr).unwrap_err();
    assert_eq!(messages.len(), 1, "{messages:?}");
    messages.into_iter().next().unwrap()
}

#[test]
fn forms() {
    let args = parse(parse_quote!(#[http("GET", "/get/<int:value>")])).unwrap();
    assert_eq!(args.methods.value(), "GET");
    assert_eq!(args.url.value(), "/get/<int:value>");
    assert_eq!(args.rule.variables().count(), 1);
    let args = parse(parse_quote!(#[nameko_core::http("GET,PUT,POST,DELETE", "/multi",)])).unwrap();
    assert_eq!(args.methods.value(), "GET,PUT,POST,DELETE");
    assert!(args.rule.is_static());
    let args = parse(parse_quote!(#[http(url = "/x", method = "post")])).unwrap();
    assert_eq!(args.methods.value(), "post");
    let args = parse(parse_quote!(#[http("GET", url = "/x")])).unwrap();
    assert_eq!(args.url.value(), "/x");
}

#[test]
fn methods() {
    assert_eq!(
        one_error(parse_quote!(#[http("FETCH", "/x")])),
        "unknown HTTP method `FETCH` in `#[http]`: the methods are GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT; write one, or several separated by commas, e.g. `\"GET,POST\"`"
    );
    assert!(
        one_error(parse_quote!(#[http("", "/x")]))
            .starts_with("`#[http]` needs an HTTP method: write one")
    );
    assert!(
        one_error(parse_quote!(#[http("GET,,POST", "/x")])).starts_with(
            "empty HTTP method in `#[http]` method list \"GET,,POST\": remove the extra comma"
        )
    );
    assert_eq!(
        one_error(parse_quote!(#[http(GET, "/x")])),
        "the HTTP method of `#[http]` is a string: write `\"GET\"`"
    );
    assert_eq!(
        one_error(parse_quote!(#[http(Method::POST, "/x")])),
        "the HTTP method of `#[http]` is a string: write `\"POST\"`"
    );
    assert!(one_error(parse_quote!(#[http(METHODS, "/x")])).contains("cannot read `METHODS`"));
    assert_eq!(
        one_error(parse_quote!(#[http(["GET", "POST"], "/x")])),
        "`#[http]` takes several methods as one comma-separated string, as Nameko does: write `\"GET,POST\"`"
    );
    assert!(
        one_error(parse_quote!(#[http(1, "/x")]))
            .starts_with("the HTTP method of `#[http]` must be a string literal")
    );
}

#[test]
fn rules() {
    assert_eq!(
        one_error(parse_quote!(#[http("GET", "get")])),
        "invalid `#[http]` URL rule \"get\": URL rules must start with a leading slash `/`: write `\"/get\"`"
    );
    assert_eq!(
        one_error(parse_quote!(#[http("GET", "/<integer:a>")])),
        "invalid `#[http]` URL rule \"/<integer:a>\": unknown converter `integer`; the converters are string, default, path, int, float, uuid, any; write `\"/<int:a>\"`"
    );
    assert!(
        one_error(parse_quote!(#[http("GET", "/<conv:a>")]))
            .ends_with("the converters are string, default, path, int, float, uuid, any")
    );
    assert!(
        one_error(parse_quote!(#[http("GET", "/get/<int:value")])).starts_with(
            "invalid `#[http]` URL rule \"/get/<int:value\": malformed variable at byte 5"
        )
    );
    assert!(
        one_error(parse_quote!(#[http("GET", "/<a>/<a>")]))
            .ends_with("variable name `a` used twice")
    );
    assert!(
        one_error(parse_quote!(#[http("GET", "/<int(signed=1):a>")]))
            .contains("bad arguments for converter `int`")
    );
    assert!(
        one_error(parse_quote!(#[http("GET", PATH)]))
            .starts_with("the URL rule of `#[http]` must be a string literal")
    );
}

#[test]
fn missing_and_keys() {
    let both = "`#[http]` needs the HTTP method and the URL rule: `#[http(\"GET\", \"/get/<int:value>\")]` (Python's `@http('GET', '/get/<int:value>')`)";
    assert_eq!(one_error(parse_quote!(#[http])), both);
    assert_eq!(one_error(parse_quote!(#[http()])), both);
    assert!(
        one_error(parse_quote!(#[http("GET")]))
            .starts_with("`#[http]` needs the URL rule after the HTTP method")
    );
    assert!(
        one_error(parse_quote!(#[http(url = "/x")]))
            .starts_with("`#[http]` needs the HTTP method before the URL rule")
    );
    // An invalid value is not also reported as missing.
    assert!(
        one_error(parse_quote!(#[http("GET", 1)]))
            .starts_with("the URL rule of `#[http]` must be a string literal")
    );
    assert_eq!(
        one_error(parse_quote!(#[http("GET", "/x", timeout = 1)])),
        "unknown `#[http]` key `timeout`: valid keys are `expected_exceptions(...)`, `sensitive_arguments(...)`, and `method` and `url` when they are not given first"
    );
    assert!(
        one_error(parse_quote!(#[http("GET", "/x", rule = "/y")]))
            .ends_with("; the URL rule is `url`, as in Python")
    );
    assert_eq!(
        one_error(parse_quote!(#[http("GET", "/x", expected_exceptions = ("ValueError",))])),
        "`expected_exceptions` takes error types, not strings: write `ValueError` without quotes"
    );
    assert_eq!(
        one_error(
            parse_quote!(#[http("GET", "/x", expected_exceptions(A), expected_exceptions(B))])
        ),
        "`expected_exceptions` set multiple times in `#[http]`: list every error type in one `expected_exceptions(...)`"
    );
    let args = parse(parse_quote!(#[http(
        "GET", "/users/<int:id>", expected_exceptions(NotFound), sensitive_arguments("id")
    )]))
    .unwrap();
    assert_eq!(args.worker.expected.len(), 1);
    assert_eq!(args.worker.sensitive[0].value(), "id");
    let args = parse(parse_quote!(#[http(
        url = "/x", expected_exceptions = (A, B), method = "GET", sensitive_arguments = ("a", "b")
    )]))
    .unwrap();
    assert_eq!(args.worker.expected.len(), 2);
    assert_eq!(args.worker.sensitive.len(), 2);
    assert_eq!(
        one_error(parse_quote!(#[http("GET", "/x", url = "/y")])),
        "`url` set multiple times in `#[http]`: give it once"
    );
    assert_eq!(
        one_error(parse_quote!(#[http("GET", "/x", method = "POST")])),
        "`method` set multiple times in `#[http]`: give it once"
    );
    assert!(
        one_error(parse_quote!(#[http("GET", "/x", "/y")]))
            .starts_with("`#[http]` takes two positional arguments")
    );
    assert_eq!(
        one_error(parse_quote!(#[http("GET", url)])),
        "`url` needs a value: `url = ...`"
    );
    assert!(
        one_error(parse_quote!(#[http = "GET"])).starts_with("`#[http]` does not take `= value`")
    );
}

#[test]
fn errors_accumulate() {
    let messages = parse(parse_quote!(#[http("FETCH", "x", bogus = 1)])).unwrap_err();
    assert_eq!(messages.len(), 3, "{messages:?}");
}
