//! Unit tests of `schema_diff.rs`: each rule on hand-written descriptions.

use super::*;

fn describe(services: Value) -> Value {
    json!({"binary": "demo", "rpc_exchange": "nameko-rpc", "services": services})
}

fn one(service: &str, entrypoints: Value) -> Value {
    describe(json!([{"name": service, "dependencies": [], "entrypoints": entrypoints}]))
}

fn run(old: &Value, new: &Value) -> Report {
    diff(old, new, "old.json", "new.json").unwrap()
}

/// The changes as `(breaking, code)`.
fn codes(report: &Report) -> Vec<(bool, &str)> {
    report
        .changes
        .iter()
        .map(|c| (c.breaking, c.code.as_str()))
        .collect()
}

fn message<'r>(report: &'r Report, code: &str) -> &'r str {
    report
        .changes
        .iter()
        .find(|c| c.code == code)
        .map(|c| c.message.as_str())
        .unwrap_or_else(|| panic!("no {code} in {report:#?}"))
}

fn rpc(method: &str, params: &[&str]) -> Value {
    json!({"kind": "rpc", "method": method, "params": params})
}

fn rpc_opt(method: &str, params: &[&str], optional: &[&str]) -> Value {
    json!({"kind": "rpc", "method": method, "params": params, "optional_params": optional})
}

#[test]
fn the_same_description_has_no_changes() {
    let d = one("svc", json!([rpc("m", &["a"])]));
    let report = run(&d, &d);
    assert!(report.changes.is_empty(), "{report:#?}");
    assert!(!report.is_breaking());
    assert_eq!(report.to_text("a", "b"), "a -> b: no changes\n");
}

#[test]
fn services_removed_and_added() {
    let old = describe(json!([
        {"name": "keep", "entrypoints": [rpc("m", &[])]},
        {"name": "gone", "entrypoints": [rpc("m", &[]), rpc("n", &[])]}
    ]));
    let new = describe(json!([
        {"name": "keep", "entrypoints": [rpc("m", &[])]},
        {"name": "fresh", "entrypoints": []}
    ]));
    let report = run(&old, &new);
    // The removed service is one change, not one per entrypoint.
    assert_eq!(
        codes(&report),
        [(true, "service.removed"), (false, "service.added")]
    );
    assert_eq!(
        message(&report, "service.removed"),
        "service `gone` removed (2 entrypoints)"
    );
    assert_eq!(report.changes[0].service.as_deref(), Some("gone"));
    assert!(report.is_breaking());
}

#[test]
fn rpc_methods_removed_and_added() {
    let old = one("svc", json!([rpc("a", &[]), rpc("b", &[])]));
    let new = one("svc", json!([rpc("b", &[]), rpc("c", &["x"])]));
    let report = run(&old, &new);
    assert_eq!(
        codes(&report),
        [(true, "rpc.removed"), (false, "rpc.added")]
    );
    assert_eq!(
        message(&report, "rpc.removed"),
        "RPC method `svc.a` removed"
    );
    assert_eq!(report.changes[0].entrypoint.as_deref(), Some("a"));
}

#[test]
fn a_new_parameter_is_required_unless_marked_optional() {
    // Today's `--describe`: names only, so a new parameter may be required.
    let report = run(
        &one("svc", json!([rpc("m", &["a"])])),
        &one("svc", json!([rpc("m", &["a", "b"])])),
    );
    assert_eq!(codes(&report), [(true, "rpc.param_added_required")]);
    assert!(
        message(&report, "rpc.param_added_required")
            .contains("new required parameter `b` (callers that do not pass it fail; the description does not mark it optional)"),
        "{report:#?}"
    );
    // Marked optional, after the others: not breaking.
    let report = run(
        &one("svc", json!([rpc_opt("m", &["a"], &[])])),
        &one("svc", json!([rpc_opt("m", &["a", "b"], &["b"])])),
    );
    assert_eq!(codes(&report), [(false, "rpc.param_added_optional")]);
    // Optional but before a parameter callers pass by position: breaking.
    let report = run(
        &one("svc", json!([rpc_opt("m", &["a", "c"], &[])])),
        &one("svc", json!([rpc_opt("m", &["a", "b", "c"], &["b"])])),
    );
    assert_eq!(
        codes(&report),
        [(true, "rpc.param_moved"), (true, "rpc.param_inserted")]
    );
    assert!(message(&report, "rpc.param_inserted").contains("at position 2"));
    // Required, marked so.
    let report = run(
        &one("svc", json!([rpc_opt("m", &["a"], &[])])),
        &one("svc", json!([rpc_opt("m", &["a", "b"], &[])])),
    );
    assert_eq!(codes(&report), [(true, "rpc.param_added_required")]);
    assert!(!message(&report, "rpc.param_added_required").contains("does not mark"));
}

#[test]
fn parameters_removed_renamed_moved_or_made_required() {
    let report = run(
        &one("svc", json!([rpc("m", &["a", "b"])])),
        &one("svc", json!([rpc("m", &["a"])])),
    );
    assert_eq!(codes(&report), [(true, "rpc.param_removed")]);
    assert_eq!(
        message(&report, "rpc.param_removed"),
        "`svc.m`: parameter `b` removed (callers passing it fail)"
    );
    let report = run(
        &one("svc", json!([rpc("m", &["a", "b"])])),
        &one("svc", json!([rpc("m", &["a", "bee"])])),
    );
    assert_eq!(codes(&report), [(true, "rpc.param_removed")]);
    assert_eq!(
        message(&report, "rpc.param_removed"),
        "`svc.m`: parameter `b` renamed to `bee` (callers passing `b` by keyword fail)"
    );
    let report = run(
        &one("svc", json!([rpc("m", &["a", "b"])])),
        &one("svc", json!([rpc("m", &["b", "a"])])),
    );
    assert_eq!(
        codes(&report),
        [(true, "rpc.param_moved"), (true, "rpc.param_moved")]
    );
    assert!(message(&report, "rpc.param_moved").contains("`a` moved from position 1 to 2"));
    let report = run(
        &one("svc", json!([rpc_opt("m", &["a", "b"], &["b"])])),
        &one("svc", json!([rpc_opt("m", &["a", "b"], &[])])),
    );
    assert_eq!(codes(&report), [(true, "rpc.param_required")]);
    let report = run(
        &one("svc", json!([rpc_opt("m", &["a", "b"], &[])])),
        &one("svc", json!([rpc_opt("m", &["a", "b"], &["b"])])),
    );
    assert_eq!(codes(&report), [(false, "rpc.param_optional")]);
    // Only one side says which are optional: not compared.
    let report = run(
        &one("svc", json!([rpc_opt("m", &["a", "b"], &["b"])])),
        &one("svc", json!([rpc("m", &["a", "b"])])),
    );
    assert!(report.changes.is_empty(), "{report:#?}");
}

#[test]
fn websocket_parameters_are_keywords_after_the_socket_id() {
    let ws = |params: &[&str]| json!({"kind": "websocket_rpc", "method": "join", "params": params, "path": "/ws"});
    // The socket id's name and the order do not matter.
    let report = run(
        &one("chat", json!([ws(&["socket_id", "room", "nick"])])),
        &one("chat", json!([ws(&["sid", "nick", "room"])])),
    );
    assert!(report.changes.is_empty(), "{report:#?}");
    let report = run(
        &one("chat", json!([ws(&["socket_id", "room"])])),
        &one("chat", json!([ws(&["socket_id", "room", "nick"])])),
    );
    assert_eq!(
        codes(&report),
        [(true, "websocket_rpc.param_added_required")]
    );
    let report = run(
        &one("chat", json!([ws(&["socket_id", "room"])])),
        &one("chat", json!([ws(&["socket_id"])])),
    );
    assert_eq!(codes(&report), [(true, "websocket_rpc.param_removed")]);
    // One namespace per runner: a method moved to another service is the same method.
    let old = one("chat", json!([ws(&["socket_id"])]));
    let new = describe(json!([
        {"name": "chat", "entrypoints": []},
        {"name": "lobby", "entrypoints": [ws(&["socket_id"])]}
    ]));
    assert_eq!(codes(&run(&old, &new)), [(false, "service.added")]);
    let report = run(&old, &one("chat", json!([])));
    assert_eq!(codes(&report), [(true, "websocket_rpc.removed")]);
    let report = run(&one("chat", json!([])), &old);
    assert_eq!(codes(&report), [(false, "websocket_rpc.added")]);
}

fn handler(method: &str, source: &str, event_type: &str, handler_type: &str) -> Value {
    json!({"kind": "event_handler", "method": method, "params": ["payload"],
           "source_service": source, "event_type": event_type, "handler_type": handler_type,
           "reliable_delivery": true, "requeue_on_error": false})
}

#[test]
fn event_subscriptions() {
    let old = one(
        "listener",
        json!([
            handler("on_created", "orders", "created", "service_pool"),
            handler("on_paid", "orders", "paid", "service_pool"),
            handler("on_ping", "monitor", "ping", "broadcast"),
        ]),
    );
    let new = one(
        "listener",
        json!([
            // Renamed method: the same subscription.
            handler("created", "orders", "created", "service_pool"),
            handler("on_ping", "monitor", "ping", "singleton"),
            handler("on_shipped", "orders", "shipped", "service_pool"),
        ]),
    );
    let report = run(&old, &new);
    assert_eq!(
        codes(&report),
        [
            (false, "event.handler_type_changed"),
            (false, "event.handler_renamed"),
            (true, "event.subscription_removed"),
            (false, "event.subscription_added"),
        ]
    );
    assert_eq!(
        message(&report, "event.subscription_removed"),
        "`listener` no longer handles `paid` events from `orders` (its handler `on_paid` is gone: events dispatched to it are not handled)"
    );
    let removed = report
        .changes
        .iter()
        .find(|c| c.code == "event.subscription_removed")
        .unwrap();
    assert_eq!(removed.entrypoint.as_deref(), Some("orders paid"));
    assert!(
        message(&report, "event.handler_renamed")
            .contains("`listener.created` instead of `listener.on_created`")
    );
    assert!(message(&report, "event.handler_type_changed").contains("`broadcast` -> `singleton`"));
}

fn route(method: &str, methods: &str, rule: &str) -> Value {
    json!({"kind": "http", "method": method, "params": [], "http_methods": methods, "rule": rule})
}

fn with(mut ep: Value, key: &str, schema: Value) -> Value {
    ep[key] = schema;
    ep
}

#[test]
fn http_routes_methods_and_converters() {
    let old = one(
        "web",
        json!([
            route("get", "GET", "/get/<int:value>"),
            route("multi", "GET,POST", "/multi"),
            route("item", "GET", "/items/<int:id>"),
            route("file", "GET", "/files/<path:name>"),
        ]),
    );
    let new = describe(json!([
        {"name": "web", "entrypoints": [
            // Renamed variable: the same URLs.
            route("get", "get", "/get/<int:number>"),
            route("multi", "GET", "/multi"),
            // Another converter: other URLs.
            route("item", "GET", "/items/<string:id>"),
            route("put_item", "PUT", "/items/<int:id>"),
        ]},
        {"name": "files", "entrypoints": [route("file", "GET", "/files/<path:name>")]}
    ]));
    let report = run(&old, &new);
    assert_eq!(
        codes(&report),
        [
            (false, "service.added"),
            (false, "http.path_param_renamed"),
            (true, "http.removed"),
            (true, "http.converter_changed"),
            (false, "http.moved"),
            (false, "http.added"),
        ]
    );
    assert_eq!(
        message(&report, "http.removed"),
        "HTTP route `POST /multi` removed (`web.multi`)"
    );
    assert_eq!(
        message(&report, "http.converter_changed"),
        "HTTP route `GET /items/<int:id>`: path parameter 1 (`id`) converter changed: `int` -> `string` (now `/items/<string:id>`)"
    );
    assert!(message(&report, "http.added").contains("`PUT /items/<int:id>`"));
    // A converter's arguments count.
    let report = run(
        &one("web", json!([route("get", "GET", "/get/<int:value>")])),
        &one(
            "web",
            json!([route("get", "GET", "/get/<int(min=1):value>")]),
        ),
    );
    assert_eq!(codes(&report), [(true, "http.converter_changed")]);
    assert!(message(&report, "http.converter_changed").contains("`int` with other arguments"));
}

#[test]
fn request_body_schema() {
    let old_schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "NewOrder",
        "type": "object",
        "properties": {
            "item": {"type": "string"},
            "quantity": {"type": "integer"},
            "note": {"type": ["string", "null"]},
            "gift": {"type": "boolean"},
            "price": {"type": "integer"}
        },
        "required": ["item", "quantity"]
    });
    let new_schema = json!({
        "type": "object",
        "properties": {
            "item": {"type": "string"},
            "quantity": {"type": "string"},
            "note": {"type": ["string", "null"]},
            "gift": {"type": "boolean"},
            "price": {"type": "number"},
            "coupon": {"type": "string"},
            "address": {"type": "string"}
        },
        "required": ["item", "quantity", "gift", "address"]
    });
    let ep = route("create", "POST", "/orders");
    let report = run(
        &one("web", json!([with(ep.clone(), "body_schema", old_schema)])),
        &one("web", json!([with(ep, "body_schema", new_schema)])),
    );
    assert_eq!(
        codes(&report),
        [
            (true, "http.body_schema.required_added"),
            (false, "http.body_schema.type_changed"),
            (true, "http.body_schema.type_changed"),
            (true, "http.body_schema.required_added"),
            (false, "http.body_schema.property_added"),
        ]
    );
    let messages: Vec<&str> = report.changes.iter().map(|c| c.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "HTTP route `POST /orders`: `body.gift` is now required (callers that do not send it fail)",
            "HTTP route `POST /orders`: `body.price` type changed from `integer` to `number`",
            "HTTP route `POST /orders`: `body.quantity` type changed from `integer` to `string` (narrowed)",
            "HTTP route `POST /orders`: new required property `body.address` (callers that do not send it fail)",
            "HTTP route `POST /orders`: new optional property `body.coupon`",
        ]
    );
    assert_eq!(
        report.changes[0].entrypoint.as_deref(),
        Some("POST /orders")
    );
}

#[test]
fn request_properties_removed_and_requirements_dropped() {
    let ep = route("create", "POST", "/orders");
    let old = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a", "b"]});
    let open = json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": []});
    let closed = json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false});
    let report = run(
        &one("web", json!([with(ep.clone(), "body_schema", old.clone())])),
        &one("web", json!([with(ep.clone(), "body_schema", open)])),
    );
    assert_eq!(
        codes(&report),
        [
            (false, "http.body_schema.required_removed"),
            (false, "http.body_schema.property_removed"),
        ]
    );
    let report = run(
        &one("web", json!([with(ep.clone(), "body_schema", old.clone())])),
        &one("web", json!([with(ep.clone(), "body_schema", closed)])),
    );
    assert_eq!(
        codes(&report),
        [
            (false, "http.body_schema.required_removed"),
            (true, "http.body_schema.property_removed"),
        ]
    );
    // A schema added or removed on the request side breaks nobody.
    let report = run(
        &one("web", json!([ep.clone()])),
        &one("web", json!([with(ep.clone(), "body_schema", old.clone())])),
    );
    assert_eq!(codes(&report), [(false, "http.body_schema.added")]);
    let report = run(
        &one("web", json!([with(ep.clone(), "body_schema", old)])),
        &one("web", json!([ep])),
    );
    assert_eq!(codes(&report), [(false, "http.body_schema.removed")]);
}

#[test]
fn refs_are_resolved_in_defs_and_definitions() {
    // schemars 1.x: `$defs`, and a nested struct behind a `$ref`.
    let old = json!({
        "type": "object",
        "properties": {"customer": {"$ref": "#/$defs/Customer"}},
        "required": ["customer"],
        "$defs": {"Customer": {"type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name"]}}
    });
    let new = json!({
        "type": "object",
        "properties": {"customer": {"$ref": "#/$defs/Client"}},
        "required": ["customer"],
        "$defs": {"Client": {"type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "string"}, "email": {"type": "string"}},
            "required": ["name", "email"]}}
    });
    let ep = route("create", "POST", "/customers");
    let report = run(
        &one("web", json!([with(ep.clone(), "body_schema", old)])),
        &one("web", json!([with(ep.clone(), "body_schema", new)])),
    );
    assert_eq!(
        codes(&report),
        [
            (true, "http.body_schema.type_changed"),
            (true, "http.body_schema.required_added"),
        ]
    );
    assert!(message(&report, "http.body_schema.type_changed").contains("`body.customer.age`"));
    assert!(message(&report, "http.body_schema.required_added").contains("`body.customer.email`"));

    // schemars 0.8: `definitions`, an `allOf` around the `$ref`, an `Option` as
    // `anyOf` with `null`, arrays of structs.
    let old = json!({
        "type": "object",
        "properties": {
            "page": {"type": ["integer", "null"], "format": "uint32"},
            "filter": {"anyOf": [{"$ref": "#/definitions/Filter"}, {"type": "null"}]},
            "tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}}
        },
        "definitions": {
            "Filter": {"type": "object", "properties": {"q": {"type": "string"}}},
            "Tag": {"type": "object", "properties": {"name": {"type": "string"}}}
        }
    });
    let new = json!({
        "type": "object",
        "properties": {
            "page": {"type": "integer", "format": "uint32"},
            "filter": {"allOf": [{"$ref": "#/definitions/Filter"}]},
            "tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}}
        },
        "definitions": {
            "Filter": {"type": "object", "properties": {"q": {"type": "string"}}},
            "Tag": {"type": "object", "properties": {"name": {"type": "integer"}}, "required": ["name"]}
        }
    });
    let ep = route("list", "GET", "/customers");
    let report = run(
        &one("web", json!([with(ep.clone(), "query_schema", old)])),
        &one("web", json!([with(ep, "query_schema", new)])),
    );
    assert_eq!(
        codes(&report),
        [
            (true, "http.query_schema.type_changed"),
            (true, "http.query_schema.type_changed"),
            (true, "http.query_schema.required_added"),
            (true, "http.query_schema.type_changed"),
        ]
    );
    let messages: Vec<&str> = report.changes.iter().map(|c| c.message.as_str()).collect();
    assert!(
        messages[0].contains("`query.filter` type changed from `null | object` to `object`"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("`query.page` type changed from `integer | null` to `integer`"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("`query.tags[].name` is now required"),
        "{messages:?}"
    );
    assert!(
        messages[3].contains("`query.tags[].name` type changed from `string` to `integer`"),
        "{messages:?}"
    );
}

#[test]
fn response_schema() {
    let old = json!({
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string"},
            "total": {"type": "number"},
            "eta": {"type": ["string", "null"]},
            "legacy": {"type": "string"},
            "owner": {"type": "string"}
        },
        "required": ["id", "status", "total", "owner"]
    });
    let new = json!({
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": ["string", "null"]},
            "total": {"type": "integer"},
            "eta": {"type": "string"},
            "owner": {"type": "string"},
            "created": {"type": "string"}
        },
        "required": ["id", "status", "total", "eta"]
    });
    let ep = route("get", "GET", "/orders/<int:id>");
    let report = run(
        &one(
            "web",
            json!([with(ep.clone(), "response_schema", old.clone())]),
        ),
        &one("web", json!([with(ep.clone(), "response_schema", new)])),
    );
    assert_eq!(
        codes(&report),
        [
            (false, "http.response_schema.required_added"),
            (false, "http.response_schema.type_changed"),
            (true, "http.response_schema.property_removed"),
            (true, "http.response_schema.required_removed"),
            (true, "http.response_schema.type_changed"),
            (false, "http.response_schema.type_changed"),
            (false, "http.response_schema.property_added"),
        ]
    );
    let messages: Vec<&str> = report.changes.iter().map(|c| c.message.as_str()).collect();
    assert!(messages[2].ends_with("`response.legacy` removed from the response"));
    assert!(messages[3].ends_with("`response.owner` may now be missing from the response"));
    assert!(
        messages[4]
            .ends_with("`response.status` type changed from `string` to `null | string` (widened)")
    );
    assert!(messages[5].ends_with("`response.total` type changed from `number` to `integer`"));
    // The schema removed: callers lose what they relied on; added: nothing lost.
    let report = run(
        &one(
            "web",
            json!([with(ep.clone(), "response_schema", old.clone())]),
        ),
        &one("web", json!([ep.clone()])),
    );
    assert_eq!(codes(&report), [(true, "http.response_schema.removed")]);
    let report = run(
        &one("web", json!([ep.clone()])),
        &one("web", json!([with(ep, "response_schema", old)])),
    );
    assert_eq!(codes(&report), [(false, "http.response_schema.added")]);
}

#[test]
fn recursive_and_unresolved_refs_end() {
    let tree = |leaf: &str| {
        json!({
            "$ref": "#/$defs/Node",
            "$defs": {"Node": {"type": "object", "properties": {
                "value": {"type": leaf},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}
            }}}
        })
    };
    let ep = route("tree", "GET", "/tree");
    let report = run(
        &one(
            "web",
            json!([with(ep.clone(), "response_schema", tree("integer"))]),
        ),
        &one(
            "web",
            json!([with(ep.clone(), "response_schema", tree("string"))]),
        ),
    );
    assert_eq!(
        codes(&report),
        [(true, "http.response_schema.type_changed")]
    );
    assert!(message(&report, "http.response_schema.type_changed").contains("`response.value`"));
    let broken = json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}});
    let fine = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    let report = run(
        &one("web", json!([with(ep.clone(), "body_schema", fine)])),
        &one("web", json!([with(ep, "body_schema", broken)])),
    );
    assert_eq!(codes(&report), [(false, "http.body_schema.unresolved_ref")]);
    assert!(message(&report, "http.body_schema.unresolved_ref").contains("`#/$defs/Missing`"));
}

#[test]
fn timers_consumers_exchanges_and_other_kinds() {
    let old = one(
        "svc",
        json!([
            rpc("m", &[]),
            {"kind": "timer", "method": "tick", "params": [], "interval": 1.0, "eager": false},
            {"kind": "timer", "method": "tock", "params": [], "interval": 5.0, "eager": false},
            {"kind": "consume", "method": "take", "params": ["body"], "queue": "jobs",
             "exchange": "work", "routing_key": "jobs", "requeue_on_error": false},
            {"kind": "consume", "method": "take2", "params": ["body"], "queue": "jobs2",
             "exchange": "work", "routing_key": "jobs2", "requeue_on_error": false},
            {"kind": "channel", "method": "listen", "params": []}
        ]),
    );
    let mut new = one(
        "svc",
        json!([
            rpc("m", &[]),
            {"kind": "timer", "method": "tick", "params": [], "interval": 2.0, "eager": false, "singleton": true},
            {"kind": "consume", "method": "take", "params": ["body"], "queue": "jobs",
             "exchange": "work", "routing_key": "jobs.*", "requeue_on_error": false}
        ]),
    );
    new["rpc_exchange"] = json!("other-rpc");
    let report = run(&old, &new);
    assert_eq!(
        codes(&report),
        [
            (true, "rpc_exchange.changed"),
            (false, "timer.interval_changed"),
            (false, "timer.singleton_changed"),
            (false, "timer.removed"),
            (true, "entrypoint.removed"),
            (true, "consume.binding_changed"),
            (true, "consume.removed"),
        ]
    );
    assert_eq!(
        message(&report, "timer.interval_changed"),
        "timer `svc.tick`: interval 1.0 s -> 2.0 s"
    );
    assert_eq!(
        message(&report, "timer.singleton_changed"),
        "timer `svc.tick` now fires on one instance of the cluster at a time (singleton)"
    );
    assert_eq!(
        message(&report, "entrypoint.removed"),
        "channel entrypoint `svc.listen` removed"
    );
}

#[test]
fn bad_descriptions_are_clear_errors() {
    let good = one("svc", json!([]));
    let cases = [
        (
            json!({"services": [{"entrypoints": []}]}),
            "old.json: service 1 has no `name`",
        ),
        (
            json!({"services": [{"name": "a"}, {"name": "a"}]}),
            "old.json: service `a` is listed twice",
        ),
        (
            json!({"services": [{"name": "a", "entrypoints": {}}]}),
            "old.json: service `a`: `entrypoints` is not a list",
        ),
        (
            json!({"services": [{"name": "a", "entrypoints": [3]}]}),
            "old.json: service `a`: entrypoint 1 is not an object",
        ),
        (
            json!({"services": [{"name": "a", "entrypoints": [{"kind": "rpc"}]}]}),
            "old.json: service `a`: entrypoint 1 has no `method`",
        ),
        (json!({"nope": 1}), "old.json: no `services` list"),
    ];
    for (bad, expected) in cases {
        let e = diff(&bad, &good, "old.json", "new.json").unwrap_err();
        assert_eq!(e.to_string(), expected);
        assert_eq!(e.exit_code(), crate::exit::DESCRIBE);
    }
}

#[test]
fn json_and_text_reports() {
    let report = run(
        &one("svc", json!([rpc("a", &[]), rpc("b", &[])])),
        &one("svc", json!([rpc("b", &[]), rpc("c", &[])])),
    );
    let doc = report.to_json("old.json", "new.json");
    assert_eq!(
        doc,
        json!({
            "old": "old.json",
            "new": "new.json",
            "breaking": true,
            "summary": {"breaking": 1, "non_breaking": 1},
            "breaking_changes": [{"code": "rpc.removed", "service": "svc", "entrypoint": "a",
                                  "message": "RPC method `svc.a` removed"}],
            "non_breaking_changes": [{"code": "rpc.added", "service": "svc", "entrypoint": "c",
                                      "message": "RPC method `svc.c` added"}]
        })
    );
    assert_eq!(
        report.to_text("old.json", "new.json"),
        "old.json -> new.json: 1 breaking change, 1 other change\n\
         \n\
         Breaking:\n  RPC method `svc.a` removed  [rpc.removed]\n\
         \n\
         Not breaking:\n  RPC method `svc.c` added  [rpc.added]\n"
    );
}
