//! Unit tests of `attr.rs`.

use super::*;

fn service(tokens: TokenStream) -> syn::Result<ServiceArgs> {
    syn::parse2(tokens)
}

fn messages(error: syn::Error) -> Vec<String> {
    error.into_iter().map(|e| e.to_string()).collect()
}

#[test]
fn service_name_and_dependencies() {
    let args = service(quote::quote!(name = "service_x", dependencies(y, z, 0))).unwrap();
    assert_eq!(args.name.value(), "service_x");
    let deps: Vec<String> = args.dependencies.iter().map(member_to_string).collect();
    assert_eq!(deps, ["y", "z", "0"]);
}

#[test]
fn service_trailing_comma_and_no_dependencies() {
    let args = service(quote::quote!(name = "s",)).unwrap();
    assert!(args.dependencies.is_empty());
}

#[test]
fn service_missing_name() {
    let error = service(TokenStream::new()).err().unwrap();
    assert!(messages(error)[0].starts_with("`#[service]` needs a name"));
    let error = service(quote::quote!(dependencies(y))).err().unwrap();
    assert!(messages(error)[0].starts_with("`#[service]` needs a name"));
}

#[test]
fn service_bare_string() {
    let error = service(quote::quote!("service_x")).err().unwrap();
    assert_eq!(
        messages(error),
        ["`#[service]` takes the name as a key: write `#[service(name = \"service_x\")]`"]
    );
}

#[test]
fn service_config_keys_get_a_hint() {
    let error = service(quote::quote!(name = "s", max_workers = 3))
        .err()
        .unwrap();
    assert!(messages(error)[0].ends_with(
        "; `max_workers` is a config setting: set it in the config file (`max_workers: 10`)"
    ));
}

#[test]
fn service_empty_name() {
    let error = service(quote::quote!(name = "")).err().unwrap();
    assert!(messages(error)[0].contains("non-empty `name`"));
}

#[test]
fn service_unknown_key_lists_valid_keys() {
    let error = service(quote::quote!(name = "s", workers = 3))
        .err()
        .unwrap();
    assert_eq!(
        messages(error),
        [
            "unknown `#[service]` key `workers`: valid keys are `name = \"...\"`, `dependencies(field, ...)`, `client = \"...\"`, `crate = \"...\"`"
        ]
    );
}

#[test]
fn service_errors_accumulate() {
    let error = service(quote::quote!(
        name = "a",
        name = "b",
        bogus,
        dependencies(x, x)
    ))
    .err()
    .unwrap();
    let messages = messages(error);
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("`name` set multiple times"));
    assert!(messages[1].starts_with("unknown `#[service]` key `bogus`"));
    assert!(messages[2].starts_with("field `x` is listed twice"));
}

#[test]
fn service_name_must_be_a_string() {
    let error = service(quote::quote!(name = service_x)).err().unwrap();
    assert!(messages(error)[0].starts_with("`name` takes a string literal"));
    let error = service(quote::quote!(name("x"))).err().unwrap();
    assert!(messages(error)[0].starts_with("`name` takes a string literal"));
}

#[test]
fn service_dependencies_form() {
    let error = service(quote::quote!(name = "s", dependencies = "y"))
        .err()
        .unwrap();
    assert!(messages(error)[0].starts_with("`dependencies` lists field names in parentheses"));
    let error = service(quote::quote!(name = "s", dependencies("y")))
        .err()
        .unwrap();
    assert!(messages(error)[0].starts_with("`dependencies(...)` takes the names"));
    let error = service(quote::quote!(name = "s", dependencies(a), dependencies(b)))
        .err()
        .unwrap();
    assert!(messages(error)[0].starts_with("`dependencies` set multiple times"));
}

#[test]
fn sensitive_paths() {
    for valid in [
        "password",
        "card.number",
        "items[0]",
        "a.b[1][22].c_d",
        "p.0",
        "é",
    ] {
        assert_eq!(sensitive_path_error(valid), None, "{valid}");
    }
    for invalid in [
        "", "[0]", ".a", "a.", "a..b", "a[", "a[]", "a[x]", "a[0", "a b", " a", "a-b", "a.[0]",
    ] {
        assert!(sensitive_path_error(invalid).is_some(), "{invalid:?}");
    }
    assert_eq!(sensitive_root("card.number"), "card");
    assert_eq!(sensitive_root("items[0]"), "items");
    assert_eq!(sensitive_root("password"), "password");
}

#[test]
fn call_form_is_a_key() {
    let attr: Attribute =
        syn::parse_quote!(#[event_handler("a", expected_exceptions(A, B), other(C))]);
    let mut cx = Ctxt::new();
    let args = python_args(&mut cx, &attr, "event_handler").unwrap();
    assert_eq!(args.len(), 3);
    assert!(matches!(&args[1], Arg::Named { key, value: Expr::Tuple(t) }
        if key.is_ident("expected_exceptions") && t.elems.len() == 2));
    // Another call stays a value, and a positional value after a key is reported.
    assert!(matches!(&args[2], Arg::Positional(Expr::Call(_))));
    assert!(!cx.is_empty());
}

#[test]
fn worker_keys_on_a_timer() {
    let mut cx = Ctxt::new();
    let mut keys = WorkerKeys::new("timer", false);
    assert!(keys.named(
        &mut cx,
        &syn::parse_quote!(sensitive_arguments),
        &syn::parse_quote!("a")
    ));
    assert!(keys.bare(&mut cx, &syn::parse_quote!(sensitive_arguments)));
    assert!(keys.named(
        &mut cx,
        &syn::parse_quote!(expected_exceptions),
        &syn::parse_quote!(E)
    ));
    assert!(!keys.named(&mut cx, &syn::parse_quote!(interval), &syn::parse_quote!(1)));
    let args = keys.finish();
    assert_eq!(args.expected.len(), 1);
    assert!(args.sensitive.is_empty());
    let messages = messages(cx.into_result().unwrap_err());
    let expected = "`#[timer]` does not take `sensitive_arguments`: a timer calls its method without arguments, so there is nothing to redact; remove it";
    assert_eq!(messages, [expected, expected]);
}
