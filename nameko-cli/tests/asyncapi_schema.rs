//! The AsyncAPI 3.0 documents of the examples with RPC methods and events (`nameko
//! describe --asyncapi`), and the OpenAPI document of the same descriptions (`nameko
//! describe --openapi`), validated against the official JSON Schemas vendored in
//! `tests/schemas` (see its README), offline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use nameko_core::ServiceRunner;
use nameko_core::config::Config;
use serde_json::{Value, json};

fn schema(file: &str) -> Value {
    let path = format!("{}/../tests/schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What `example-rpc`, `example-events` and `example-http` together print with
/// `--describe`.
fn description() -> Value {
    let mut runner = ServiceRunner::new(Config::new());
    runner.add_service(example_rpc::ServiceY).unwrap();
    runner
        .add_service(example_rpc::ServiceX::default())
        .unwrap();
    runner
        .add_service(example_events::ServiceA::default())
        .unwrap();
    runner.add_service(example_events::ServiceB).unwrap();
    runner.add_service(example_events::ListenerService).unwrap();
    runner
        .add_service(example_http::WidgetService::default())
        .unwrap();
    nameko_run::cli::describe("examples", &runner)
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn asyncapi_of_the_examples_is_valid() {
    let validator = jsonschema::validator_for(&schema("asyncapi-3.0.0-without-id.json")).unwrap();
    let doc = nameko_cli::describe::asyncapi(&description(), "1.0.0");
    let errors = errors(&validator, &doc);
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    let channels = doc["channels"].as_object().unwrap();
    assert!(
        channels.contains_key("service_x.remote_method"),
        "{:?}",
        channels.keys()
    );
    assert!(
        channels.keys().any(|c| c.starts_with("event.service_a.")),
        "{:?}",
        channels.keys()
    );
}

#[test]
fn the_asyncapi_validator_rejects_a_broken_document() {
    let validator = jsonschema::validator_for(&schema("asyncapi-3.0.0-without-id.json")).unwrap();
    let mut doc = nameko_cli::describe::asyncapi(&description(), "1.0.0");
    doc["info"].as_object_mut().unwrap().remove("title");
    assert!(!errors(&validator, &doc).is_empty());
    let mut doc = nameko_cli::describe::asyncapi(&description(), "1.0.0");
    doc["not_a_field"] = json!(1);
    assert!(!validator.is_valid(&doc));
}

#[test]
fn openapi_of_the_examples_is_valid() {
    let validator =
        jsonschema::validator_for(&schema("openapi-3.1-schema-2022-10-07.json")).unwrap();
    let doc = nameko_run::openapi::document(&description(), "1.0.0");
    let errors = errors(&validator, &doc);
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    // RPC methods and events are no HTTP routes.
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/widgets", "/widgets/{id}"]);
}
