//! Unit tests of `openapi.rs`.

use super::*;

fn widget_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Widget",
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "size": {"$ref": "#/$defs/Size"}
        },
        "required": ["id", "size"],
        "$defs": {"Size": {"type": "string", "enum": ["small", "large"]}}
    })
}

fn description() -> Value {
    json!({
        "binary": "demo",
        "services": [
            {"name": "web", "dependencies": [], "entrypoints": [
                {"kind": "http", "method": "get", "params": ["value"], "http_methods": "GET",
                 "rule": "/get/<int:value>"},
                {"kind": "http", "method": "multi", "params": [], "http_methods": "GET,POST",
                 "rule": "/multi"},
                {"kind": "http", "method": "create", "params": [], "http_methods": "POST",
                 "rule": "/widgets", "body_content_type": "application/json",
                 "body_schema": widget_schema(), "response_content_type": "application/json",
                 "response_schema": widget_schema()},
                {"kind": "http", "method": "list", "params": [], "http_methods": "GET",
                 "rule": "/widgets",
                 "query_schema": {"title": "Page", "type": "object",
                    "properties": {"limit": {"type": ["integer", "null"], "description": "How many"},
                                   "size": {"$ref": "#/$defs/Size"}},
                    "required": ["size"],
                    "$defs": {"Size": {"type": "string", "enum": ["small", "large"]}}}},
                {"kind": "http", "method": "file", "params": ["id", "rest"], "http_methods": "GET",
                 "rule": "/f/<uuid:id>/<path:rest>"},
                {"kind": "rpc", "method": "not_http", "params": []}
            ]},
            {"name": "other", "dependencies": [], "entrypoints": [
                {"kind": "http", "method": "clash", "params": [], "http_methods": "PUT",
                 "rule": "/clash", "body_content_type": "application/json",
                 "body_schema": {"title": "Widget", "type": "object", "properties": {"other": {"type": "string"}}}}
            ]}
        ]
    })
}

#[test]
fn paths_and_operations() {
    let doc = document(&description(), "2.0.0");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "demo");
    assert_eq!(doc["info"]["version"], "2.0.0");
    let paths = doc["paths"].as_object().unwrap();
    let keys: Vec<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "/clash",
            "/f/{id}/{rest}",
            "/get/{value}",
            "/multi",
            "/widgets"
        ]
    );
    let get = &paths["/get/{value}"]["get"];
    assert_eq!(get["operationId"], "web.get");
    assert_eq!(get["tags"], json!(["web"]));
    assert_eq!(
        get["parameters"][0],
        json!({"name": "value", "in": "path", "required": true,
               "description": "werkzeug converter `int`",
               "schema": {"type": "integer", "minimum": 0}})
    );
    assert!(get.get("requestBody").is_none());
    assert_eq!(paths["/get/{value}"].as_object().unwrap().len(), 1);
    // one operation per method, ids unique
    assert_eq!(paths["/multi"]["get"]["operationId"], "web.multi_get");
    assert_eq!(paths["/multi"]["post"]["operationId"], "web.multi_post");
    assert_eq!(
        paths["/multi"]["post"]["requestBody"]["content"],
        json!({"*/*": {"schema": {}}})
    );
    let file = &paths["/f/{id}/{rest}"]["get"]["parameters"];
    assert_eq!(
        file[0]["schema"],
        json!({"type": "string", "format": "uuid"})
    );
    assert_eq!(file[1]["schema"]["type"], "string");
}

#[test]
fn schemas_become_components() {
    let doc = document(&description(), "1");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert_eq!(schemas["Size"]["enum"], json!(["small", "large"]));
    assert_eq!(
        schemas["Widget"]["properties"]["size"]["$ref"],
        "#/components/schemas/Size"
    );
    assert!(schemas["Widget"].get("$schema").is_none());
    // the same type, named at the root of one schema and under `$defs` of another, is
    // one component
    let doc2 = document(
        &json!({"services": [{"name": "s", "entrypoints": [
            {"kind": "http", "method": "one", "http_methods": "GET", "rule": "/one",
             "response_content_type": "application/json", "response_schema": widget_schema()},
            {"kind": "http", "method": "all", "http_methods": "GET", "rule": "/all",
             "response_content_type": "application/json", "response_schema": {
                "title": "Array_of_Widget", "type": "array", "items": {"$ref": "#/$defs/Widget"},
                "$defs": {"Widget": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "size": {"$ref": "#/$defs/Size"}},
                    "required": ["id", "size"]},
                          "Size": {"type": "string", "enum": ["small", "large"]}}}}
        ]}]}),
        "1",
    );
    let names: Vec<&String> = doc2["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(names, ["Size", "Widget"]);
    // another type of the same name is kept apart
    assert_eq!(schemas["Widget2"]["properties"]["other"]["type"], "string");
    assert_eq!(
        doc["paths"]["/clash"]["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Widget2"
    );
    let create = &doc["paths"]["/widgets"]["post"];
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Widget"
    );
    assert_eq!(
        create["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Widget"
    );
    for status in ["400", "415"] {
        assert_eq!(
            create["responses"][status]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ExtractError"
        );
    }
    let list = &doc["paths"]["/widgets"]["get"];
    let params = list["parameters"].as_array().unwrap();
    assert_eq!(params.len(), 2);
    assert_eq!(params[0]["name"], "limit");
    assert_eq!(params[0]["in"], "query");
    assert_eq!(params[0]["required"], false);
    assert_eq!(params[0]["description"], "How many");
    assert_eq!(params[1]["required"], true);
    assert_eq!(params[1]["schema"]["$ref"], "#/components/schemas/Size");
    assert!(schemas.get("Page").is_none());
    assert!(list["responses"]["400"].is_object());
    assert!(list["responses"].get("415").is_none());
    assert_eq!(
        list["responses"]["200"]["content"],
        json!({"*/*": {"schema": {}}})
    );
}

#[test]
fn converters() {
    let schema = |r: &str| {
        let rule = Rule::parse(r).unwrap();
        converter_schema(&rule.variables().next().unwrap().converter)
    };
    assert_eq!(
        schema("/<int(signed=True, min=-5, max=9):n>"),
        json!({"type": "integer", "minimum": -5, "maximum": 9})
    );
    assert_eq!(schema("/<int(signed=True):n>"), json!({"type": "integer"}));
    assert_eq!(
        schema("/<float:x>"),
        json!({"type": "number", "minimum": 0})
    );
    assert_eq!(schema("/<name>"), json!({"type": "string", "minLength": 1}));
    assert_eq!(
        schema("/<default:name>"),
        json!({"type": "string", "minLength": 1})
    );
    assert_eq!(
        schema("/<string(length=2):c>"),
        json!({"type": "string", "minLength": 2, "maxLength": 2})
    );
    assert_eq!(
        schema("/<string(maxlength=8):c>"),
        json!({"type": "string", "minLength": 1, "maxLength": 8})
    );
}

#[test]
fn nothing_to_describe() {
    let doc = document(&json!({"services": []}), "1");
    assert_eq!(doc["info"]["title"], "nameko-services");
    assert_eq!(doc["paths"], json!({}));
    assert!(doc.get("components").is_none());
    // a rule that does not parse is skipped, not a panic
    let bad = json!({"services": [{"name": "s", "entrypoints": [
        {"kind": "http", "method": "m", "http_methods": "GET", "rule": "no-slash"}]}]});
    assert_eq!(document(&bad, "1")["paths"], json!({}));
}
