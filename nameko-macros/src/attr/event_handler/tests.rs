//! Unit tests of `attr/event_handler.rs`.

use super::*;
use syn::parse_quote;

fn parse(attr: Attribute) -> Result<EventHandlerArgs, Vec<String>> {
    event_handler_args(&attr).map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
}

fn one_error(attr: Attribute) -> String {
    let messages = parse(attr).unwrap_err();
    assert_eq!(messages.len(), 1, "{messages:?}");
    messages.into_iter().next().unwrap()
}

#[test]
fn defaults() {
    let args = parse(parse_quote!(#[event_handler("service_a", "event_type")])).unwrap();
    assert_eq!(args.source_service.value(), "service_a");
    assert_eq!(args.event_type.value(), "event_type");
    assert_eq!(args.handler_type, HandlerType::ServicePool);
    assert!(args.reliable_delivery);
    assert!(!args.requeue_on_error);
}

#[test]
fn every_key() {
    let args = parse(parse_quote!(#[event_handler(
        "src", "evt.*", handler_type = "BROADCAST", reliable_delivery = false, requeue_on_error = true,
    )]))
    .unwrap();
    assert_eq!(args.event_type.value(), "evt.*");
    assert_eq!(args.handler_type, HandlerType::Broadcast);
    assert!(!args.reliable_delivery);
    assert!(args.requeue_on_error);
    let args = parse(parse_quote!(#[nameko_core::event_handler(
        source_service = "src", event_type = "evt", handler_type = "singleton"
    )]))
    .unwrap();
    assert_eq!(args.source_service.value(), "src");
    assert_eq!(args.handler_type, HandlerType::Singleton);
    let args =
        parse(parse_quote!(#[event_handler("a", "b", handler_type = "Service_Pool")])).unwrap();
    assert_eq!(args.handler_type, HandlerType::ServicePool);
}

#[test]
fn missing_arguments() {
    let expected = "`#[event_handler]` needs the source service and the event type: `#[event_handler(\"service_a\", \"event_type\")]`";
    assert_eq!(one_error(parse_quote!(#[event_handler])), expected);
    assert_eq!(one_error(parse_quote!(#[event_handler()])), expected);
    assert!(
        one_error(parse_quote!(#[event_handler("a")]))
            .starts_with("`#[event_handler]` needs the event type after the source service")
    );
    assert!(
        one_error(parse_quote!(#[event_handler(event_type = "b")]))
            .starts_with("`#[event_handler]` needs the source service before the event type")
    );
    // An invalid value is not also reported as missing.
    assert!(
        one_error(parse_quote!(#[event_handler(SOURCE, "b")]))
            .starts_with("the source service of `#[event_handler]` must be a string literal")
    );
    assert!(
        one_error(parse_quote!(#[event_handler("a", "")]))
            .starts_with("`#[event_handler]` needs a non-empty event type")
    );
    assert!(
        one_error(parse_quote!(#[event_handler(" ", "b")]))
            .starts_with("`#[event_handler]` needs a non-empty source service")
    );
}

#[test]
fn handler_types() {
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", "b", handler_type = "fanout")])),
        "unknown `handler_type` \"fanout\": valid handler types are `\"service_pool\"` (the default), `\"singleton\"`, `\"broadcast\"`"
    );
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", "b", handler_type = BROADCAST)])),
        "`handler_type` takes a string: write `handler_type = \"broadcast\"` for Python's `BROADCAST`"
    );
    assert!(
        one_error(
            parse_quote!(#[event_handler("a", "b", handler_type = HandlerType::ServicePool)])
        )
        .contains("`handler_type = \"service_pool\"`")
    );
    assert!(
        one_error(parse_quote!(#[event_handler("a", "b", handler_type = FANOUT)]))
            .starts_with("`handler_type` takes a string, one of")
    );
    assert!(
        one_error(parse_quote!(#[event_handler("a", "b", handler_type = 1)]))
            .starts_with("`handler_type` takes a string, one of")
    );
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", "b", events::SINGLETON)])),
        "pass the handler type by name, as a string: write `handler_type = \"singleton\"` for Python's `SINGLETON`"
    );
}

#[test]
fn bools() {
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", "b", reliable_delivery = "no")])),
        "`reliable_delivery` takes `true` or `false`, e.g. `reliable_delivery = true`"
    );
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", "b", requeue_on_error = True)])),
        "`requeue_on_error` takes `true` or `false`: write `requeue_on_error = true` (Rust's spelling of Python's `True`)"
    );
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", "b", reliable_delivery = "false")])),
        "`reliable_delivery` takes `true` or `false`: write `reliable_delivery = false` without quotes"
    );
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", "b", reliable_delivery)])),
        "`reliable_delivery` needs a value: `reliable_delivery = ...`"
    );
}

#[test]
fn keys() {
    assert!(
        one_error(parse_quote!(#[event_handler("a", "b", durable = true)])).starts_with(
            "unknown `#[event_handler]` key `durable`: valid keys are `handler_type`, "
        )
    );
    assert_eq!(
        one_error(
            parse_quote!(#[event_handler("a", "b", sensitive_arguments("x"), sensitive_arguments = "y")])
        ),
        "`sensitive_arguments` set multiple times in `#[event_handler]`: list every argument in one `sensitive_arguments(...)`"
    );
    assert_eq!(
        one_error(
            parse_quote!(#[event_handler("a", "b", requeue_on_error = true, requeue_on_error = false)])
        ),
        "`requeue_on_error` set multiple times in `#[event_handler]`: give it once"
    );
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", "b", source_service = "c")])),
        "`source_service` set multiple times in `#[event_handler]`: give it once"
    );
    assert!(
        one_error(parse_quote!(#[event_handler("a", "b", "c")]))
            .starts_with("`#[event_handler]` takes two positional arguments")
    );
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", handler_type = "broadcast", "b")])),
        "positional arguments of `#[event_handler]` go before the keys: move this before `handler_type = ...`"
    );
    assert!(
        one_error(parse_quote!(#[event_handler = "a"]))
            .starts_with("`#[event_handler]` does not take `= value`")
    );
}

#[test]
fn worker_keys() {
    let args = parse(parse_quote!(#[event_handler(
        "a", "b",
        expected_exceptions(NotFound, std::io::Error),
        sensitive_arguments("payload.card", "payload.items[0]"),
        handler_type = "broadcast",
    )]))
    .unwrap();
    assert_eq!(args.worker.expected.len(), 2);
    let sensitive: Vec<String> = args.worker.sensitive.iter().map(LitStr::value).collect();
    assert_eq!(sensitive, ["payload.card", "payload.items[0]"]);
    assert_eq!(args.handler_type, HandlerType::Broadcast);
    let args = parse(parse_quote!(#[event_handler(
        source_service = "a", event_type = "b", expected_exceptions = (E,), sensitive_arguments = "payload"
    )]))
    .unwrap();
    assert_eq!(args.worker.expected.len(), 1);
    assert_eq!(args.worker.sensitive.len(), 1);
    // The call form is a key: not a third positional argument.
    assert_eq!(
        one_error(parse_quote!(#[event_handler("a", expected_exceptions(E), "b")])),
        "positional arguments of `#[event_handler]` go before the keys: move this before `expected_exceptions = ...`"
    );
    assert!(
        one_error(parse_quote!(#[event_handler("a", "b", sensitive_arguments = password)]))
            .starts_with("`sensitive_arguments` takes strings")
    );
}

#[test]
fn errors_accumulate() {
    let messages =
        parse(parse_quote!(#[event_handler("", "b", handler_type = "x", bogus = 1)])).unwrap_err();
    assert_eq!(messages.len(), 3, "{messages:?}");
}

#[test]
fn failure_policy_keys() {
    let args = parse(parse_quote!(#[event_handler(
        "src", "evt", retry(max = 5, delay = "500ms", backoff = 3, max_delay = 90),
        dead_letter = true, on_malformed = "dead_letter", delivery_limit = 7,
    )]))
    .unwrap();
    let retry = args.failure.retry.unwrap();
    assert_eq!(
        (retry.max, retry.delay_ms, retry.backoff, retry.max_delay_ms),
        (5, 500, 3.0, 90_000)
    );
    assert!(args.failure.dead_letter && args.failure.malformed_dead_letter);
    assert_eq!(args.failure.delivery_limit, Some(7));
    let args =
        parse(parse_quote!(#[event_handler("src", "evt", retry(max = 1, delay = 0.25))])).unwrap();
    let retry = args.failure.retry.unwrap();
    assert_eq!(
        (retry.delay_ms, retry.backoff, retry.max_delay_ms),
        (250, 2.0, 60_000)
    );
    let args = parse(parse_quote!(#[event_handler("src", "evt")])).unwrap();
    assert_eq!(args.failure, FailureArgs::default());
}

#[test]
fn failure_policy_mistakes() {
    for (attr, expected) in [
        (
            parse_quote!(#[event_handler("a", "b", retry(delay = "1s"))]),
            "`retry(...)` needs `max`",
        ),
        (
            parse_quote!(#[event_handler("a", "b", retry(max = 1, delay = "1 fortnight"))]),
            "`delay` takes a positive duration",
        ),
        (
            parse_quote!(#[event_handler("a", "b", retry(max = 1, backoff = 0.5))]),
            "`backoff` takes the factor between two delays, at least 1",
        ),
        (
            parse_quote!(#[event_handler("a", "b", retry(max = 1, jitter = true))]),
            "unknown `retry` setting `jitter`",
        ),
        (
            parse_quote!(#[event_handler("a", "b", retry)]),
            "`retry` needs its settings",
        ),
        (
            parse_quote!(#[event_handler("a", "b", retry = 3)]),
            "`retry` is written as a call",
        ),
        (
            parse_quote!(#[event_handler("a", "b", on_malformed = "drop")]),
            "unknown `on_malformed` \"drop\"",
        ),
        (
            parse_quote!(#[event_handler("a", "b", delivery_limit = 0)]),
            "`delivery_limit` takes the most deliveries of a message, at least 1",
        ),
        (
            parse_quote!(#[event_handler("a", "b", dead_letter = "yes")]),
            "`dead_letter` takes `true` or `false`",
        ),
    ] {
        let message = one_error(attr);
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn durations() {
    use crate::attr::failure::parse_duration;
    assert_eq!(parse_duration("500ms"), Some(0.5));
    assert_eq!(parse_duration("1.5s"), Some(1.5));
    assert_eq!(parse_duration("2m"), Some(120.0));
    assert_eq!(parse_duration("1h"), Some(3600.0));
    assert_eq!(parse_duration("5"), None);
    assert_eq!(parse_duration("s"), None);
}
