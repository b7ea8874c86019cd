//! Unit tests of `attr/rpc.rs`.

use super::*;
use quote::ToTokens;
use syn::parse_quote;

fn parse(attr: Attribute) -> Result<RpcArgs, Vec<String>> {
    rpc_args(&attr).map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
}

fn one_error(attr: Attribute) -> String {
    let messages = parse(attr).unwrap_err();
    assert_eq!(messages.len(), 1, "{messages:?}");
    messages.into_iter().next().unwrap()
}

fn expected(args: &RpcArgs) -> Vec<String> {
    args.worker
        .expected
        .iter()
        .map(|p| p.to_token_stream().to_string())
        .collect()
}

fn sensitive(args: &RpcArgs) -> Vec<String> {
    args.worker
        .sensitive
        .iter()
        .map(syn::LitStr::value)
        .collect()
}

#[test]
fn no_arguments() {
    for attr in [parse_quote!(#[rpc]), parse_quote!(#[rpc()])] {
        let args = parse(attr).unwrap();
        assert!(args.worker.expected.is_empty());
        assert!(args.worker.sensitive.is_empty());
    }
}

#[test]
fn list_form() {
    let args = parse(parse_quote!(#[nameko_core::rpc(
        expected_exceptions(NotFound, std::io::Error, errors::Wrapper::<u8>),
        sensitive_arguments("password", "card.number", "items[0]"),
    )]))
    .unwrap();
    assert_eq!(
        expected(&args),
        [
            "NotFound",
            "std :: io :: Error",
            "errors :: Wrapper :: < u8 >"
        ]
    );
    assert_eq!(sensitive(&args), ["password", "card.number", "items[0]"]);
}

#[test]
fn python_form() {
    let args = parse(parse_quote!(#[rpc(
        sensitive_arguments = "password",
        expected_exceptions = NotFound,
    )]))
    .unwrap();
    assert_eq!(expected(&args), ["NotFound"]);
    assert_eq!(sensitive(&args), ["password"]);
    let args = parse(parse_quote!(#[rpc(
        expected_exceptions = (NotFound, Invalid),
        sensitive_arguments = ("a", "b.c"),
    )]))
    .unwrap();
    assert_eq!(expected(&args), ["NotFound", "Invalid"]);
    assert_eq!(sensitive(&args), ["a", "b.c"]);
    // Python's lists and one-element tuples, and an empty list.
    let args = parse(parse_quote!(#[rpc(
        expected_exceptions = (NotFound,),
        sensitive_arguments = ["a", "b"],
    )]))
    .unwrap();
    assert_eq!(expected(&args), ["NotFound"]);
    assert_eq!(sensitive(&args), ["a", "b"]);
    let args = parse(parse_quote!(#[rpc(expected_exceptions = ())])).unwrap();
    assert!(expected(&args).is_empty());
    let args = parse(parse_quote!(#[rpc(expected_exceptions())])).unwrap();
    assert!(expected(&args).is_empty());
}

#[test]
fn keys_given_twice() {
    assert_eq!(
        one_error(parse_quote!(#[rpc(expected_exceptions(A), expected_exceptions = B)])),
        "`expected_exceptions` set multiple times in `#[rpc]`: list every error type in one `expected_exceptions(...)`"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments("a"), sensitive_arguments("b"))])),
        "`sensitive_arguments` set multiple times in `#[rpc]`: list every argument in one `sensitive_arguments(...)`"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(expected_exceptions(A, B, A))])),
        "`A` is listed twice in `expected_exceptions`: list each error type once"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments("a", "a"))])),
        "\"a\" is listed twice in `sensitive_arguments`: list each argument once"
    );
}

#[test]
fn bad_expected_exceptions() {
    assert_eq!(
        one_error(parse_quote!(#[rpc(expected_exceptions("NotFound"))])),
        "`expected_exceptions` takes error types, not strings: write `NotFound` without quotes"
    );
    let paths = "`expected_exceptions` takes the paths of error types that implement `std::error::Error`: `expected_exceptions(NotFound, std::io::Error)`";
    assert_eq!(
        one_error(parse_quote!(#[rpc(expected_exceptions = 1)])),
        paths
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(expected_exceptions(<T as Tr>::Error))])),
        paths
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(expected_exceptions(&NotFound))])),
        paths
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(expected_exceptions)])),
        "`expected_exceptions` needs the error types: `expected_exceptions(NotFound, std::io::Error)`"
    );
}

#[test]
fn generics_need_a_turbofish() {
    let expected = "a generic type in `expected_exceptions` needs a turbofish, as in an expression: write `Wrapper::<...>`, not `Wrapper<...>`";
    let attrs: [Attribute; 3] = [
        parse_quote!(#[rpc(expected_exceptions(A, Wrapper<u8>))]),
        parse_quote!(#[rpc(expected_exceptions = Wrapper<u8>)]),
        parse_quote!(#[rpc(expected_exceptions = (A, (Wrapper<u8>)))]),
    ];
    for attr in attrs {
        assert_eq!(one_error(attr), expected);
    }
    // Elsewhere, syn's own error.
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments("a"), other = A<u8>)])),
        "comparison operators cannot be chained"
    );
}

#[test]
fn bad_sensitive_arguments() {
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments(password))])),
        "`sensitive_arguments` takes strings, as in Python: write `\"password\"`"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments = card.number[0])])),
        "`sensitive_arguments` takes strings, as in Python: write `\"card.number[0]\"`"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments(1))])),
        "`sensitive_arguments` takes string literals, the names of the method's parameters or paths into them: `sensitive_arguments(\"password\", \"card.number\", \"items[0]\")`"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments(""))])),
        "`sensitive_arguments` entry is empty: write the name of a parameter, e.g. `\"password\"`"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments("[0]"))])),
        "`sensitive_arguments` entry \"[0]\" starts with an index: start with the name of a parameter, e.g. `\"items[0]\"`"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments("card..number"))])),
        "`sensitive_arguments` entry \"card..number\" is not a parameter name followed by `.field` and `[index]` steps, such as `\"password\"`, `\"card.number\"` or `\"items[0]\"`"
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(sensitive_arguments)])),
        "`sensitive_arguments` needs the arguments to redact: `sensitive_arguments(\"password\", \"card.number\", \"items[0]\")`"
    );
}

#[test]
fn unknown_and_positional() {
    let keys = "valid keys are `expected_exceptions(...)` and `sensitive_arguments(...)`";
    assert_eq!(
        one_error(parse_quote!(#[rpc(timeout = 5)])),
        format!("unknown `#[rpc]` key `timeout`: {keys}")
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(bogus)])),
        format!("unknown `#[rpc]` key `bogus`: {keys}")
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc(expected(NotFound))])),
        format!("unknown `#[rpc]` key `expected`: {keys}")
    );
    assert_eq!(
        one_error(parse_quote!(#[rpc("remote_method")])),
        "`#[rpc]` takes no positional arguments: write `#[rpc]`, or give its keys, `expected_exceptions(...)` and `sensitive_arguments(...)`"
    );
    assert!(one_error(parse_quote!(#[rpc = 1])).starts_with("`#[rpc]` does not take `= value`"));
}

#[test]
fn errors_accumulate() {
    let messages = parse(parse_quote!(#[rpc(
        expected_exceptions("A", 1),
        sensitive_arguments(x, ""),
        bogus = 1,
    )]))
    .unwrap_err();
    assert_eq!(messages.len(), 5, "{messages:?}");
}
