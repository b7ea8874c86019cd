//! The target functions. Each one is what a piece of the framework does with bytes it
//! received, followed by the checks of what it promises.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use nameko_amqp::lapin::types::{FieldTable, generation, parsing};
use nameko_amqp::wire::ReplyBody;
use nameko_cli::shell::parse::{Line, parse_line};
use nameko_core::__private::ArgBinder;
use nameko_core::worker::{CallArguments, EntrypointOptions};
use nameko_core::{Arguments, Config, RemoteError, WorkerContext};
use nameko_rule::{Converter, Part, Rule};
use nameko_web::{PathParams, Request, py_json};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::same;

/// An event payload or RPC argument as a service would type it.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Order {
    id: u64,
    items: Vec<String>,
    #[serde(default)]
    card: Option<Card>,
    #[serde(default)]
    total: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Card {
    number: String,
}

/// `{"args": [...], "kwargs": {...}}`, the RPC request body: decoded as the RPC
/// entrypoint decodes it (`Arguments::from_body`; a bad body is a `MalformedRequest`),
/// bound to methods' typed parameters as the code `#[rpc]` generates binds them (a
/// mismatch is an `IncorrectSignature`), redacted as the worker logs it, and answered.
/// Checks: the body round-trips through the client's encoding; binding errors are of the
/// right type; binding succeeds only as Python's would; the reply round-trips.
pub fn rpc_body(data: &[u8]) {
    let args = match Arguments::from_body(data) {
        Ok(args) => args,
        Err(e) => {
            assert_eq!(e.exc_type, "MalformedRequest", "{e:?}");
            assert!(e.is_bad_request());
            reply_round_trip(Err(e));
            return;
        }
    };
    // What the client sends for these arguments decodes back to them.
    let Ok(encoded) = serde_json::to_vec(&args) else {
        panic!("arguments that were decoded cannot be encoded: {args:?}")
    };
    match Arguments::from_body(&encoded) {
        Ok(back) => assert!(
            same(&Value::Array(back.args), &Value::Array(args.args.clone()))
                && same(
                    &Value::Object(back.kwargs),
                    &Value::Object(args.kwargs.clone())
                ),
            "arguments do not round-trip"
        ),
        Err(e) => panic!("re-encoded arguments do not decode: {e:?}"),
    }

    // def f(): / def f(value): / def f(value, n=None, items=None, order=None)
    let result = bind(&args, &[], |_| Ok(Value::Null));
    check_binding(&args, &[], &result);
    const ONE: [&str; 1] = ["value"];
    let params = ONE;
    let result = bind(&args, &ONE, |b| {
        let value: Value = b.take(0)?;
        Ok(value)
    });
    check_binding(&args, &params, &result);
    const FOUR: [&str; 4] = ["value", "n", "items", "order"];
    let params = FOUR;
    let result = bind(&args, &FOUR, |b| {
        let value: String = b.take(0)?;
        let n: Option<i64> = b.take(1)?;
        let items: Option<Vec<f64>> = b.take(2)?;
        let order: Option<Order> = b.take(3)?;
        Ok(Value::from(format!("{value}{n:?}{items:?}{order:?}")))
    });
    check_binding(&args, &params, &result);
    reply_round_trip(result);

    static OPTIONS: OnceLock<Arc<EntrypointOptions>> = OnceLock::new();
    let options = OPTIONS.get_or_init(|| {
        Arc::new(
            EntrypointOptions::new()
                .params(&["value", "n", "items", "order"])
                .sensitive(["value", "order.card.number", "items[0]", "order.items[1]"]),
        )
    });
    let redacted = options.redact(&CallArguments::Rpc(args));
    if let Some(value) = redacted.get("value") {
        assert_eq!(value, nameko_core::worker::REDACTED);
    }
}

fn bind(
    args: &Arguments,
    params: &'static [&'static str],
    method: impl FnOnce(&mut ArgBinder<'_>) -> Result<Value, RemoteError>,
) -> Result<Value, RemoteError> {
    let mut binder = ArgBinder::new("method", params, args.clone())?;
    method(&mut binder)
}

/// Binding fails with an `IncorrectSignature`, and succeeds only if Python's would: no
/// more positional arguments than parameters, keyword arguments named after parameters
/// and not given twice.
fn check_binding(args: &Arguments, params: &[&str], result: &Result<Value, RemoteError>) {
    match result {
        Err(e) => assert_eq!(e.exc_type, "IncorrectSignature", "{e:?}"),
        Ok(_) => {
            assert!(args.args.len() <= params.len());
            for key in args.kwargs.keys() {
                let Some(i) = params.iter().position(|p| p == key) else {
                    panic!("unexpected keyword argument {key} was accepted")
                };
                assert!(i >= args.args.len(), "{key} was given twice");
            }
        }
    }
}

/// The reply the entrypoint publishes for `result` decodes back to it.
fn reply_round_trip(result: Result<Value, RemoteError>) {
    let reply = ReplyBody::from_result(result);
    let Ok(body) = serde_json::to_vec(&reply) else {
        panic!("cannot encode the reply {reply:?}")
    };
    match serde_json::from_slice::<ReplyBody>(&body) {
        Ok(back) => match (back.into_result(), reply.into_result()) {
            (Ok(a), Ok(b)) => assert!(same(&a, &b), "reply result does not round-trip"),
            (Err(a), Err(b)) => assert_eq!(a, b),
            (a, b) => panic!("reply does not round-trip: {a:?} != {b:?}"),
        },
        Err(e) => panic!("reply does not decode: {e}"),
    }
}

/// An event's body: decoded as the event handler entrypoint decodes it (any JSON; a bad
/// body is rejected with a reason), then as the code `#[event_handler]` generates decodes
/// it into the handler's parameter type, and redacted as the worker logs it. Checks: the
/// payload round-trips through the dispatcher's encoding.
pub fn event_body(data: &[u8]) {
    let payload = match nameko_amqp::__private::decode::decode_payload(data) {
        Ok(payload) => payload,
        Err(why) => {
            assert!(why.starts_with("payload is not JSON"), "{why}");
            return;
        }
    };
    let Ok(encoded) = serde_json::to_vec(&payload) else {
        panic!("a decoded payload cannot be encoded: {payload:?}")
    };
    match nameko_amqp::__private::decode::decode_payload(&encoded) {
        Ok(back) => assert!(same(&back, &payload), "payload does not round-trip"),
        Err(e) => panic!("re-encoded payload does not decode: {e}"),
    }
    let _ = serde_json::from_value::<Order>(payload.clone());
    let _ = serde_json::from_value::<String>(payload.clone());
    let _ = serde_json::from_value::<Vec<Option<i32>>>(payload.clone());

    static OPTIONS: OnceLock<Arc<EntrypointOptions>> = OnceLock::new();
    let options = OPTIONS.get_or_init(|| {
        Arc::new(EntrypointOptions::new().params(&["payload"]).sensitive([
            "payload.card.number",
            "payload.items[0]",
            "payload[2]",
            "payload.a.b.c[1][0]",
        ]))
    });
    let mut named = Map::new();
    named.insert("payload".to_owned(), payload);
    let redacted = options.redact(&CallArguments::Named(named));
    assert!(redacted.get("payload").is_some());
}

/// AMQP headers (an encoded field table, as the broker delivers `basic.properties`
/// headers) into context data, as every AMQP entrypoint reads them, then into a worker
/// context (call-id stack, trace parent). Checks: the stack is bounded and ends with the
/// worker's call id; a valid `traceparent` is continued; the worker's outgoing context
/// encodes as headers, and headers made from context data decode back to it.
pub fn context_headers(data: &[u8]) {
    let Ok((_, table)) = parsing::parse_field_table(data) else {
        return;
    };
    let context = nameko_amqp::__private::decode::headers_to_context(Some(&table));
    assert!(context.values().all(|v| !v.is_null()));
    context_round_trip(&context);

    let tracked = 10;
    let worker = WorkerContext::new("service", "method", context.clone(), tracked);
    let stack = worker.call_id_stack();
    assert!(!stack.is_empty() && stack.len() <= tracked + 1);
    assert_eq!(stack.last().map(String::as_str), Some(worker.call_id()));
    if let Some(Value::String(tp)) = context.get("traceparent")
        && let Ok(parent) = nameko_core::trace::TraceParent::parse(tp)
    {
        assert_eq!(worker.remote_parent(), Some(parent));
        assert_eq!(worker.trace_parent().trace_id(), parent.trace_id());
    }
    for key in ["language", "user_id", "user_agent", "auth_token"] {
        let _ = worker.get(key);
    }
    let _ = (
        worker.language(),
        worker.user_id(),
        worker.user_agent(),
        worker.auth_token(),
    );
    context_round_trip(&worker.outgoing_data());
}

/// Context data sent as headers (encoded as lapin encodes them) decodes back to itself.
fn context_round_trip(context: &Map<String, Value>) {
    let headers = nameko_amqp::__private::decode::context_to_headers(context);
    let bytes = encode_table(&headers);
    let Ok((rest, parsed)) = parsing::parse_field_table(bytes.as_slice()) else {
        panic!("headers made from context data do not parse")
    };
    assert!(rest.is_empty());
    let back = nameko_amqp::__private::decode::headers_to_context(Some(&parsed));
    assert!(
        same(&Value::Object(back), &Value::Object(context.clone())),
        "context data does not round-trip through headers"
    );
}

fn encode_table(table: &FieldTable) -> Vec<u8> {
    match cookie_factory::gen_simple(generation::gen_field_table(table), Vec::new()) {
        Ok(bytes) => bytes,
        Err(e) => panic!("headers made from context data cannot be encoded: {e:?}"),
    }
}

/// The routes of the seed and the examples, as the HTTP server holds them.
pub(crate) const SEED_RULES: [&str; 16] = [
    "/get/<int:value>",
    "/post",
    "/hello",
    "/orders/<int:id>",
    "/files/<path:rest>/<any(about, help):page>",
    "/float/<float:x>/<float(signed=True, max=1.5):y>",
    "/signed/<int(signed=True):n>/<float(signed=True):x>",
    "/small/<int:n>",
    "/result/<int:n>",
    "/widget/<string(length=3):code>/",
    "/user/<string(minlength=2, maxlength=8):name>",
    "/item/<uuid:id>",
    "/page/<int(fixed_digits=4, min=1, max=2000):year>",
    "/<path:a>/x/<path:b>",
    "/<a>-<int:b>.<any(json, \"x,y\"):fmt>",
    "/slash/",
];

fn seed_rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        SEED_RULES
            .iter()
            .filter_map(|r| Rule::parse(r).ok())
            .collect()
    })
}

/// A werkzeug rule (the first line) and a path (the rest): the rule parsed as `#[http]`
/// and the server parse it, the path matched against it and against the seed's rules.
/// Checks: a parsed rule parses again from its text to the same rule; a URL built from
/// values its converters accept matches it; every match gives values its converters
/// accept and that rebuild the path exactly.
pub fn rule(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (source, path) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(rule) = Rule::parse(source) {
        match Rule::parse(rule.as_str()) {
            Ok(again) => assert_eq!(again, rule),
            Err(e) => panic!("a rule's own text does not parse: {e}"),
        }
        let _ = (rule.weight(), rule.is_static(), rule.has_trailing_slash());
        for var in rule.variables() {
            let _ = (var.converter.weight(), var.converter.accepted_rust_types());
            let _ = var.converter.check_rust_type("i64");
        }
        if let Some(url) = build_url(&rule) {
            let vars = rule.variables().count();
            // Within the matcher's budget (see `MATCH_BUDGET`), a URL built from accepted
            // values matches. Only without `min`, `max` or `fixed_digits`: like werkzeug,
            // the matcher checks those on the first split of the path that has the right
            // shapes (`/<float:a><float(min=25):b>` does not match `/2.025.0`).
            let matched = check_match(&rule, &url);
            let unchecked = rule.variables().all(|v| !has_bounds(&v.converter));
            if url.len() <= 48 && vars <= 4 && unchecked {
                assert!(matched, "{url:?} built from {rule} does not match it");
            }
        }
        check_match(&rule, path);
    }
    for rule in seed_rules() {
        check_match(rule, path);
    }
}

/// Whether the converter checks a value of the right shape further (`accepts`).
fn has_bounds(converter: &Converter) -> bool {
    match converter {
        Converter::Int {
            fixed_digits,
            min,
            max,
            ..
        } => *fixed_digits != 0 || min.is_some() || max.is_some(),
        Converter::Float { min, max, .. } => min.is_some() || max.is_some(),
        _ => false,
    }
}

/// Matches `path`; on a match, the values fit their converters and rebuild the path.
fn check_match(rule: &Rule, path: &str) -> bool {
    let Some(values) = rule.match_path(path) else {
        return false;
    };
    let mut rebuilt = String::new();
    let mut values = values.into_iter();
    for part in rule.parts() {
        match part {
            Part::Static(text) => rebuilt.push_str(text),
            Part::Variable(var) => {
                let Some((name, value)) = values.next() else {
                    panic!("{rule} matched {path:?} with too few values")
                };
                assert_eq!(name, var.name);
                assert!(
                    var.converter.matches(value),
                    "{rule} matched {path:?} with {value:?} for {name}"
                );
                rebuilt.push_str(value);
            }
        }
    }
    assert!(values.next().is_none(), "{rule} matched with extra values");
    assert_eq!(rebuilt, path, "{rule}: values do not rebuild the path");
    true
}

/// A URL for `rule`, each variable given a value its converter accepts; `None` if one has
/// no short value this knows.
fn build_url(rule: &Rule) -> Option<String> {
    let mut url = String::new();
    for part in rule.parts() {
        match part {
            Part::Static(text) => url.push_str(text),
            Part::Variable(var) => url.push_str(&sample(&var.converter)?),
        }
    }
    Some(url)
}

fn sample(converter: &Converter) -> Option<String> {
    let candidates: Vec<String> = match converter {
        Converter::String {
            minlength,
            maxlength,
            length,
        } => {
            let n = length.unwrap_or_else(|| (*minlength).max(1).min(maxlength.unwrap_or(1)));
            if n > 32 {
                return None;
            }
            vec!["a".repeat(n), "a".repeat((*minlength).clamp(1, 32))]
        }
        Converter::Path => vec!["a/b".to_owned(), "a".to_owned()],
        Converter::Int {
            fixed_digits,
            min,
            max,
            ..
        } => {
            if *fixed_digits > 32 {
                return None;
            }
            [*min, *max, Some(0), Some(1), Some(42), Some(-7)]
                .into_iter()
                .flatten()
                .map(|n| format!("{n:0width$}", width = *fixed_digits))
                .collect()
        }
        Converter::Float { min, max, .. } => {
            let mut c = vec!["0.0".to_owned(), "1.5".to_owned(), "-1.5".to_owned()];
            c.extend(
                [*min, *max]
                    .into_iter()
                    .flatten()
                    .map(|x| format!("{x:.1}")),
            );
            c
        }
        Converter::Uuid => vec!["12345678-1234-5678-9abc-def012345678".to_owned()],
        // A word with `/` never matches within a segment.
        Converter::Any(words) => words.iter().filter(|w| !w.contains('/')).cloned().collect(),
        _ => return None,
    };
    candidates
        .into_iter()
        .find(|c| c.len() <= 64 && converter.matches(c))
}

/// A request (first line: the request target, as in the request line; the rest: the
/// body) as the HTTP server reads it: the target parsed by `http` (as hyper does), the
/// path percent-decoded and matched against the seed's routes (path values parsed as
/// the handler's types), query string and body decoded as `Request` decodes them.
/// Checks: `Request::path` is the decoded path; decoding is idempotent on what it
/// re-encodes; the query accessors agree; a JSON body is answered (Python's `json.dumps`)
/// as the same value.
pub fn http_request(data: &[u8]) {
    let (target, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(request) = http::Request::post(target)
        .header("content-type", "application/json")
        .body(Bytes::copy_from_slice(body))
    else {
        return;
    };
    let request = Request::new(request);
    let decoded = nameko_web::__private::decode::decode_path(request.raw_path());
    assert_eq!(request.path(), decoded);
    let reencoded =
        percent_encoding::utf8_percent_encode(&decoded, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    assert_eq!(
        nameko_web::__private::decode::decode_path(&reencoded),
        decoded
    );

    for rule in seed_rules() {
        let Some(values) = rule.match_path(&decoded) else {
            continue;
        };
        let mut params = PathParams::new(
            values
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        );
        for var in rule.variables() {
            let name = var.name.as_str();
            let ok = match &var.converter {
                Converter::Int { .. } => params.take::<i64>(name).is_ok(),
                Converter::Float { .. } => params.take::<f64>(name).is_ok(),
                _ => params.take::<String>(name).is_ok(),
            };
            // Strings always parse; numbers may be out of the type's range.
            assert!(ok || matches!(var.converter, Converter::Int { .. }));
        }
    }

    let query = request.query();
    for (key, value) in &query {
        let first = query.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        assert_eq!(request.query_param(key).as_ref(), first);
        assert!(request.query_params(key).contains(value));
    }
    let _ = request.text();
    let _ = request.text_lossy();
    if let Ok(value) = request.json::<Value>() {
        match py_json::dumps(&value) {
            Ok(answer) => match serde_json::from_str::<Value>(&answer) {
                Ok(back) => assert!(same(&back, &value), "json.dumps does not round-trip"),
                Err(e) => panic!("json.dumps wrote invalid JSON {answer:?}: {e}"),
            },
            Err(e) => panic!("a JSON value cannot be written: {e}"),
        }
    }
}

/// A WebSocket message of Nameko's protocol (`{"method": ..., "data": {...},
/// "correlation_id": ...}`) as the WebSocket server parses it, and the frames it answers.
/// Checks: a rejected call is answered with a `MalformedRequest` result frame; an
/// accepted call, written again, parses to the same call; result and event frames
/// (Python's `json.dumps`) decode to what they carry.
pub fn websocket_frame(data: &[u8]) {
    use nameko_web::__private::decode::{event_frame, parse_call, result_frame};
    let (method, kwargs, correlation_id) = match parse_call(data) {
        Ok(call) => call,
        Err(answer) => {
            let Ok(answer) = serde_json::from_str::<Value>(&answer) else {
                panic!("the answer to a bad frame is not JSON: {answer:?}")
            };
            assert_eq!(answer["type"], "result");
            assert_eq!(answer["success"], false);
            assert_eq!(answer["error"]["exc_type"], "MalformedRequest");
            return;
        }
    };
    let mut frame = Map::new();
    frame.insert("method".to_owned(), method.clone());
    frame.insert("data".to_owned(), Value::Object(kwargs.clone()));
    frame.insert("correlation_id".to_owned(), correlation_id.clone());
    let Ok(written) = py_json::dumps(&frame) else {
        panic!("a call frame cannot be written")
    };
    match parse_call(written.as_bytes()) {
        Ok((m, k, c)) => assert!(
            same(&m, &method)
                && same(&Value::Object(k), &Value::Object(kwargs.clone()))
                && same(&c, &correlation_id),
            "call frame does not round-trip"
        ),
        Err(e) => panic!("a written call frame does not parse: {e}"),
    }

    let kwargs = Value::Object(kwargs);
    let decode = |frame: String| match serde_json::from_str::<Value>(&frame) {
        Ok(v) => v,
        Err(e) => panic!("frame {frame:?} is not JSON: {e}"),
    };
    let ok = decode(result_frame(Ok(&kwargs), &correlation_id));
    assert_eq!(ok["type"], "result");
    assert_eq!(ok["success"], true);
    assert!(same(&ok["data"], &kwargs));
    assert!(same(&ok["correlation_id"], &correlation_id));
    let error = RemoteError::new("ValueError", method.to_string());
    let err = decode(result_frame(Err(&error), &correlation_id));
    assert_eq!(err["success"], false);
    assert_eq!(err["error"]["value"], Value::String(method.to_string()));
    let name = method.as_str().unwrap_or("event");
    let event = decode(event_frame(name, &kwargs));
    assert_eq!(event["event"], name);
    assert!(same(&event["data"], &kwargs));
}

/// A line of `nameko shell`. Checks: an error's column is within the line; a call or
/// dispatch, written back with JSON values, parses to the same line.
pub fn shell_line(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = match parse_line(line) {
        Ok(parsed) => parsed,
        Err(e) => {
            assert!(
                e.column <= line.chars().count(),
                "column {} past the end of {line:?}",
                e.column
            );
            return;
        }
    };
    let written = match &parsed {
        Line::Call {
            service,
            method,
            arguments,
        } => {
            let mut items: Vec<String> = arguments.args.iter().map(to_json).collect();
            items.extend(
                arguments
                    .kwargs
                    .iter()
                    .map(|(k, v)| format!("{k}={}", to_json(v))),
            );
            format!("{service}.{method}({})", items.join(", "))
        }
        Line::Dispatch {
            source,
            event_type,
            payload,
        } => format!(
            "dispatch({}, {}, {})",
            to_json(&Value::from(source.as_str())),
            to_json(&Value::from(event_type.as_str())),
            to_json(payload)
        ),
        _ => return,
    };
    match parse_line(&written) {
        Ok(again) => assert!(same_line(&again, &parsed), "{written:?} parses differently"),
        Err(e) => panic!("{written:?} (written from {line:?}) does not parse: {e}"),
    }
}

fn to_json(value: &Value) -> String {
    match serde_json::to_string(value) {
        Ok(s) => s,
        Err(e) => panic!("cannot write {value:?}: {e}"),
    }
}

fn same_line(a: &Line, b: &Line) -> bool {
    match (a, b) {
        (
            Line::Call {
                service: s1,
                method: m1,
                arguments: a1,
            },
            Line::Call {
                service: s2,
                method: m2,
                arguments: a2,
            },
        ) => {
            s1 == s2
                && m1 == m2
                && same(
                    &Value::Array(a1.args.clone()),
                    &Value::Array(a2.args.clone()),
                )
                && same(
                    &Value::Object(a1.kwargs.clone()),
                    &Value::Object(a2.kwargs.clone()),
                )
        }
        (
            Line::Dispatch {
                source: s1,
                event_type: e1,
                payload: p1,
            },
            Line::Dispatch {
                source: s2,
                event_type: e2,
                payload: p2,
            },
        ) => s1 == s2 && e1 == e2 && same(p1, p2),
        _ => a == b,
    }
}

/// A YAML config with `${VAR}` and `${VAR:default}` substitution, loaded as a service
/// loads `--config`, with every crate's settings checked. Checks: a loaded config loads
/// again from its own values (JSON) to the same config, and its redacted form (what
/// `show-config` prints) keeps every key.
pub fn config_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = |name: &str| match name {
        "AMQP_URI" => Some("pyamqp://guest:secret@rabbit:5672/".to_owned()),
        "WORKERS" => Some("4".to_owned()),
        "EMPTY" => Some(String::new()),
        "YAML" => Some("{a: [1, 2], b: ${NESTED}}".to_owned()),
        "QUOTE" => Some("it's \"quoted\"\n- and: more".to_owned()),
        _ => None,
    };
    let config = match Config::from_yaml_str_with_env(text, env) {
        Ok(config) => config,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let values = Value::Object(config.as_map().clone());
    match Config::from_json(values.clone()) {
        Ok(again) => assert!(same(&Value::Object(again.as_map().clone()), &values)),
        Err(e) => panic!("a loaded config does not load again from its values: {e}"),
    }
    let _ = (
        config.max_workers(),
        config.parent_calls_tracked(),
        config.shutdown_grace_period(),
    );
    let mut redacted = values;
    nameko_core::config::redact::redact_config(&mut redacted);
    assert_eq!(
        redacted.as_object().map(Map::len),
        Some(config.as_map().len())
    );
}
