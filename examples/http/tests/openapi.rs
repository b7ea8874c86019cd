//! The OpenAPI 3.1 document of the example's binary (`example-http --describe --openapi`),
//! validated against the official OpenAPI 3.1 JSON Schema (vendored in `tests/schemas`,
//! see its README), offline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use serde_json::{Value, json};

fn official_schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/schemas/openapi-3.1-schema-2022-10-07.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn openapi() -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_example-http"))
        .args(["--describe", "--openapi", "--api-version", "1.0.0"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let doc = openapi();
    let validator = jsonschema::validator_for(&official_schema()).unwrap();
    let errors = errors(&validator, &doc);
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");

    // The seed's routes, and the typed ones.
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/get/{value}",
        "/post",
        "/multi",
        "/custom_exception",
        "/privileged",
        "/headers",
        "/custom",
        "/widgets",
        "/widgets/{id}",
    ] {
        assert!(paths.contains_key(path), "{path}: {:?}", paths.keys());
    }
    assert_eq!(
        doc["paths"]["/get/{value}"]["get"]["parameters"][0]["schema"],
        json!({"type": "integer", "minimum": 0})
    );
    assert_eq!(
        paths["/multi"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["delete", "get", "post", "put"]
    );
    let create = &doc["paths"]["/widgets"]["post"];
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/NewWidget"})
    );
    assert_eq!(
        create["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Widget"})
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["NewWidget"]["required"], json!(["name", "size"]));
    assert_eq!(
        schemas["NewWidget"]["properties"]["name"]["description"],
        "What the widget is called."
    );
    let list = &doc["paths"]["/widgets"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["limit", "min_size"]);
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["type"],
        "array"
    );
    // An untyped POST body is any content.
    assert_eq!(
        doc["paths"]["/post"]["post"]["requestBody"]["content"],
        json!({"*/*": {"schema": {}}})
    );
}

#[test]
fn the_validator_rejects_a_broken_document() {
    let validator = jsonschema::validator_for(&official_schema()).unwrap();
    let mut doc = openapi();
    // a response without its required `description`, and a path that is no path
    doc["paths"]["/get/{value}"]["get"]["responses"]["200"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    doc["paths"]["no-slash"] = json!({});
    let errors = errors(&validator, &doc);
    assert!(!errors.is_empty());
    let mut bad = openapi();
    bad["openapi"] = json!("2.0");
    assert!(!validator.is_valid(&bad));
    assert!(!validator.is_valid(&json!({"openapi": "3.1.0"})));
}

#[test]
fn describe_keeps_its_keys_and_adds_the_schemas() {
    let out = Command::new(env!("CARGO_BIN_EXE_example-http"))
        .arg("--describe")
        .output()
        .unwrap();
    assert!(out.status.success());
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let eps = |service: &str| -> Vec<Value> {
        d["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == service)
            .unwrap()["entrypoints"]
            .as_array()
            .unwrap()
            .clone()
    };
    let get = eps("http_service")
        .into_iter()
        .find(|e| e["method"] == "get_method")
        .unwrap();
    assert_eq!(get["kind"], "http");
    assert_eq!(get["http_methods"], "GET");
    assert_eq!(get["rule"], "/get/<int:value>");
    assert_eq!(get["params"], json!(["value"]));
    assert_eq!(
        get["path_params"],
        json!([{"name": "value", "converter": "int"}])
    );
    for key in ["body_schema", "query_schema", "response_schema"] {
        assert!(get.get(key).is_none(), "{key}");
    }
    let widgets = eps("widget_service");
    let create = widgets
        .iter()
        .find(|e| e["method"] == "create_widget")
        .unwrap();
    assert_eq!(create["body_schema"]["title"], "NewWidget");
    assert_eq!(create["response_schema"]["title"], "Widget");
    assert_eq!(create["params"], json!([]));
    let list = widgets
        .iter()
        .find(|e| e["method"] == "list_widgets")
        .unwrap();
    assert_eq!(list["query_schema"]["title"], "WidgetQuery");
    assert!(list.get("body_schema").is_none());
    assert_eq!(list["response_schema"]["type"], "array");
}
