//! Unit tests of `attr/timer.rs`.

use super::*;
use syn::parse_quote;

fn parse(attr: Attribute) -> Result<TimerArgs, Vec<String>> {
    timer_args(&attr).map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
}

fn one_error(attr: Attribute) -> String {
    let messages = parse(attr).unwrap_err();
    assert_eq!(messages.len(), 1, "{messages:?}");
    messages.into_iter().next().unwrap()
}

#[test]
fn intervals() {
    let args = parse(parse_quote!(#[timer(interval = 1)])).unwrap();
    assert!((args.interval_secs - 1.0).abs() < f64::EPSILON);
    assert!(!args.eager);
    let args = parse(parse_quote!(#[timer(0.5, eager = true)])).unwrap();
    assert!((args.interval_secs - 0.5).abs() < f64::EPSILON);
    assert!(args.eager);
    let args = parse(parse_quote!(#[nameko_core::timer(eager = false, interval = 1e-3,)])).unwrap();
    assert!((args.interval_secs - 0.001).abs() < f64::EPSILON);
    let args = parse(parse_quote!(#[timer(interval = 10u64)])).unwrap();
    assert!((args.interval_secs - 10.0).abs() < f64::EPSILON);
    let args = parse(parse_quote!(#[timer(interval = 0x10)])).unwrap();
    assert!((args.interval_secs - 16.0).abs() < f64::EPSILON);
}

#[test]
fn bad_intervals() {
    let base = "`#[timer]` interval must be a positive number of seconds, e.g. `#[timer(interval = 1)]` or `interval = 0.5`";
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 0)])),
        format!("{base}; got zero")
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 0.0)])),
        format!("{base}; got zero")
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = -1)])),
        format!("{base}; got a negative number")
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = "5")])),
        format!("{base}; got a string: write `interval = 5` without quotes")
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = "often")])),
        format!("{base}; got a string")
    );
    assert!(
        one_error(parse_quote!(#[timer(INTERVAL)]))
            .ends_with("an attribute cannot read a constant")
    );
    assert!(
        one_error(parse_quote!(#[timer(interval = 1.0 / 2.0)]))
            .ends_with("got an expression: write the number itself")
    );
    assert!(one_error(parse_quote!(#[timer(interval = 1e400)])).ends_with("too large"));
    assert!(one_error(parse_quote!(#[timer(interval = 1e300)])).ends_with("too large"));
    assert!(
        one_error(parse_quote!(#[timer(interval = 1e-12)])).ends_with("shorter than a nanosecond")
    );
    assert!(
        one_error(parse_quote!(#[timer(interval = 500ms)]))
            .starts_with("`#[timer]` interval is a number of seconds without a unit: `ms`")
    );
}

#[test]
fn worker_keys() {
    let args = parse(parse_quote!(#[timer(1, expected_exceptions(E, std::io::Error))])).unwrap();
    assert_eq!(args.worker.expected.len(), 2);
    let args = parse(parse_quote!(#[timer(interval = 1, expected_exceptions = E)])).unwrap();
    assert_eq!(args.worker.expected.len(), 1);
    let args = parse(parse_quote!(#[timer(interval = 1, expected_exceptions = ())])).unwrap();
    assert!(args.worker.expected.is_empty());
    let no_arguments = "`#[timer]` does not take `sensitive_arguments`: a timer calls its method without arguments, so there is nothing to redact; remove it";
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, sensitive_arguments("x"))])),
        no_arguments
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, sensitive_arguments = "x")])),
        no_arguments
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, sensitive_arguments)])),
        no_arguments
    );
    assert_eq!(
        one_error(
            parse_quote!(#[timer(interval = 1, expected_exceptions(E), expected_exceptions(F))])
        ),
        "`expected_exceptions` set multiple times in `#[timer]`: list every error type in one `expected_exceptions(...)`"
    );
}

#[test]
fn missing_and_unknown() {
    let missing = "`#[timer]` needs an interval in seconds: `#[timer(interval = 1)]` (Python's `@timer(interval=1)`)";
    assert_eq!(one_error(parse_quote!(#[timer])), missing);
    assert_eq!(one_error(parse_quote!(#[timer(eager = true)])), missing);
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, every = 2)])),
        "unknown `#[timer]` key `every`: valid keys are `interval` (or the interval alone, first), `eager`, `singleton` and `expected_exceptions(...)`"
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(1, interval = 2)])),
        "`interval` set multiple times in `#[timer]`: give it once"
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(1, true)])),
        "pass `eager` by name: `#[timer(interval = 1, eager = true)]`"
    );
    assert!(
        one_error(parse_quote!(#[timer(1, 2)]))
            .starts_with("`#[timer]` takes one positional argument")
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, eager = 1)])),
        "`eager` takes `true` or `false`, e.g. `eager = true`"
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(1, eager)])),
        "`eager` needs a value: `eager = ...`"
    );
}

#[test]
fn singleton() {
    let args = parse(parse_quote!(#[timer(interval = 1)])).unwrap();
    assert!(args.singleton.is_none());
    for attr in [
        parse_quote!(#[timer(interval = 1, singleton)]),
        parse_quote!(#[timer(singleton, interval = 0.2)]),
        parse_quote!(#[timer(1, singleton = true, eager = true)]),
    ] {
        assert!(parse(attr).unwrap().singleton.is_some());
    }
    let args = parse(parse_quote!(#[timer(interval = 1, singleton = false)])).unwrap();
    assert!(args.singleton.is_none());
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, singleton = 3)])),
        "`singleton` takes `true` or `false`, e.g. `singleton = true`"
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, singleton = "true")])),
        "`singleton` takes `true` or `false`: write `singleton = true` without quotes"
    );
    let twice = "`singleton` set multiple times in `#[timer]`: give it once";
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, singleton, singleton)])),
        twice
    );
    assert_eq!(
        one_error(parse_quote!(#[timer(interval = 1, singleton, singleton = true)])),
        twice
    );
    // Without an interval, the flag alone is not taken for one.
    assert_eq!(
        one_error(parse_quote!(#[timer(singleton)])),
        "`#[timer]` needs an interval in seconds: `#[timer(interval = 1)]` (Python's `@timer(interval=1)`)"
    );
}
