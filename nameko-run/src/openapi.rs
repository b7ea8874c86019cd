//! An OpenAPI 3.1 document of the HTTP routes of a service binary's description (what
//! `--describe` prints, `cli::describe` with feature `cli`): what a binary's
//! `--describe --openapi` prints and `nameko describe --openapi` shows.
//!
//! - Each `http` entrypoint is a path (the werkzeug rule `/get/<int:value>` becomes
//!   `/get/{value}`, [`openapi_path`]) with one operation per HTTP method it allows
//!   (operation id `<service>.<method>`, with `_<verb>` when it allows several), tagged
//!   with its service.
//! - Path parameters are typed from their converter ([`converter_schema`]): `int` an
//!   integer, `float` a number, `uuid` a string of format `uuid`, `any(a, b)` an enum,
//!   `string`, `default` and `path` strings, with the converter's bounds.
//! - The entrypoint's `query_schema` becomes one query parameter per property,
//!   `body_schema` the JSON (or form) request body, `response_schema` the `200`
//!   response; named types (the schemas' `title`s and `$defs`) go to
//!   `components/schemas`. A typed body or query adds the `400` (and for a body the
//!   `415`) extraction error `{"error", "message"}`; an untyped body of a `POST`, `PUT`
//!   or `PATCH` is `*/*`, an untyped response `*/*`.
//!
//! ```
//! let description = serde_json::json!({
//!     "binary": "demo",
//!     "services": [{"name": "web", "dependencies": [], "entrypoints": [
//!         {"kind": "http", "method": "get", "params": ["value"], "http_methods": "GET",
//!          "rule": "/get/<int:value>"}
//!     ]}]
//! });
//! let doc = nameko_run::openapi::document(&description, "1.0.0");
//! assert_eq!(doc["openapi"], "3.1.0");
//! let get = &doc["paths"]["/get/{value}"]["get"];
//! assert_eq!(get["operationId"], "web.get");
//! assert_eq!(get["parameters"][0]["schema"]["type"], "integer");
//! ```

use std::collections::BTreeMap;

use nameko_rule::{Converter, Part, Rule};
use serde_json::{Map, Value, json};

/// The OpenAPI version written.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// The component of the extraction error body (`{"error": ..., "message": ...}`).
const EXTRACT_ERROR: &str = "ExtractError";

/// The OpenAPI 3.1 document of `description`'s HTTP routes; `version` is the API's
/// (`info.version`). Entrypoints of other kinds are left out; a rule that does not parse
/// (a binary built against another nameko-rule) is skipped.
pub fn document(description: &Value, version: &str) -> Value {
    let title = description
        .get("binary")
        .and_then(Value::as_str)
        .unwrap_or("nameko-services");
    let mut components = Components::default();
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut tags = Vec::new();
    for service in array(description, "services") {
        let service_name = str_of(service, "name");
        let mut tagged = false;
        for ep in array(service, "entrypoints").filter(|ep| str_of(ep, "kind") == "http") {
            let Ok(rule) = Rule::parse(str_of(ep, "rule")) else {
                tracing::warn!(
                    rule = str_of(ep, "rule"),
                    "rule does not parse; not in the OpenAPI document"
                );
                continue;
            };
            let methods: Vec<String> = str_of(ep, "http_methods")
                .split(',')
                .map(|m| m.trim().to_ascii_lowercase())
                .filter(|m| !m.is_empty())
                .collect();
            let item = paths.entry(openapi_path(&rule)).or_default();
            for verb in &methods {
                if item.contains_key(verb) {
                    // Served by the first route registered for it.
                    continue;
                }
                let operation_id = if methods.len() > 1 {
                    format!("{service_name}.{}_{verb}", str_of(ep, "method"))
                } else {
                    format!("{service_name}.{}", str_of(ep, "method"))
                };
                let op = operation(
                    &mut components,
                    service_name,
                    &operation_id,
                    verb,
                    &rule,
                    ep,
                );
                item.insert(verb.clone(), op);
                tagged = true;
            }
        }
        if tagged {
            tags.push(json!({ "name": service_name, "description": format!("Routes of the service `{service_name}`") }));
        }
    }
    let mut doc = json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": format!("The HTTP routes of the nameko-rs services of `{title}`."),
        },
        "tags": tags,
        "paths": paths.into_iter().map(|(k, v)| (k, Value::Object(v))).collect::<Map<_, _>>(),
    });
    if !components.schemas.is_empty() {
        doc["components"] = json!({ "schemas": components.schemas });
    }
    doc
}

/// The OpenAPI path of a werkzeug rule: each variable `<converter:name>` is `{name}`.
///
/// ```
/// use nameko_rule::Rule;
/// use nameko_run::openapi::openapi_path;
///
/// let path = |r: &str| openapi_path(&Rule::parse(r).unwrap());
/// assert_eq!(path("/get/<int:value>"), "/get/{value}");
/// assert_eq!(path("/files/<path:rest>"), "/files/{rest}");
/// assert_eq!(path("/f/<name>.<ext>"), "/f/{name}.{ext}");
/// ```
pub fn openapi_path(rule: &Rule) -> String {
    rule.parts()
        .iter()
        .map(|part| match part {
            Part::Static(text) => text.clone(),
            Part::Variable(variable) => format!("{{{}}}", variable.name),
        })
        .collect()
}

/// The JSON Schema of a path parameter's values, from its werkzeug converter.
///
/// ```
/// use nameko_rule::Rule;
/// use nameko_run::openapi::converter_schema;
///
/// let schema = |r: &str| {
///     let rule = Rule::parse(r).unwrap();
///     converter_schema(&rule.variables().next().unwrap().converter)
/// };
/// assert_eq!(schema("/<int:n>"), serde_json::json!({"type": "integer", "minimum": 0}));
/// assert_eq!(schema("/<uuid:id>"), serde_json::json!({"type": "string", "format": "uuid"}));
/// assert_eq!(schema("/<any(small, large):s>"), serde_json::json!({"type": "string", "enum": ["small", "large"]}));
/// ```
pub fn converter_schema(converter: &Converter) -> Value {
    match converter {
        Converter::Int {
            min, max, signed, ..
        } => {
            let mut s = json!({ "type": "integer" });
            match min {
                Some(min) => s["minimum"] = json!(min),
                None if !signed => s["minimum"] = json!(0),
                None => {}
            }
            if let Some(max) = max {
                s["maximum"] = json!(max);
            }
            s
        }
        Converter::Float { min, max, signed } => {
            let mut s = json!({ "type": "number" });
            match min {
                Some(min) => s["minimum"] = json!(min),
                None if !signed => s["minimum"] = json!(0),
                None => {}
            }
            if let Some(max) = max {
                s["maximum"] = json!(max);
            }
            s
        }
        Converter::Uuid => json!({ "type": "string", "format": "uuid" }),
        Converter::Any(words) => json!({ "type": "string", "enum": words }),
        Converter::String {
            minlength,
            maxlength,
            length,
        } => {
            let mut s = json!({ "type": "string" });
            match length {
                Some(length) => {
                    s["minLength"] = json!(length);
                    s["maxLength"] = json!(length);
                }
                None => {
                    s["minLength"] = json!(minlength);
                    if let Some(max) = maxlength {
                        s["maxLength"] = json!(max);
                    }
                }
            }
            s
        }
        Converter::Path => json!({ "type": "string", "description": "may contain `/`" }),
        // A converter added to nameko-rule later: its values are path text.
        _ => json!({ "type": "string" }),
    }
}

/// The named schemas of the document, hoisted from each route's standalone schemas.
#[derive(Default)]
struct Components {
    schemas: Map<String, Value>,
}

impl Components {
    /// `schema` (a standalone JSON Schema) for use inside the document: its `$defs` move
    /// to `components/schemas` (renamed on a clash with a different schema of the same
    /// name), its references follow them, and a named object or enum (one with a
    /// `title`) becomes a component itself, referenced.
    fn hoist(&mut self, schema: &Value) -> Value {
        let Value::Object(map) = schema else {
            return schema.clone();
        };
        let mut root = map.clone();
        root.remove("$schema");
        let defs = match root.remove("$defs") {
            Some(Value::Object(defs)) => defs,
            _ => Map::new(),
        };
        // Names first, so that the definitions' references to each other follow.
        let mut renames = BTreeMap::new();
        for (name, def) in &defs {
            // Compared as it would be stored: its references pointing at the components.
            let mut stored = def.clone();
            rewrite_refs(&mut stored, &BTreeMap::new());
            renames.insert(name.clone(), self.free_name(name, &stored));
        }
        for (name, def) in defs {
            let mut def = def;
            rewrite_refs(&mut def, &renames);
            let target = renames.get(&name).cloned().unwrap_or(name);
            self.schemas.insert(target, def);
        }
        let mut root = Value::Object(root);
        rewrite_refs(&mut root, &renames);
        let named = root.get("title").and_then(Value::as_str).map(str::to_owned);
        let is_named_type = root.get("properties").is_some()
            || root.get("enum").is_some()
            || root.get("oneOf").is_some();
        match named {
            Some(title) if is_named_type && is_component_name(&title) => {
                let name = self.free_name(&title, &root);
                self.schemas.insert(name.clone(), root);
                json!({ "$ref": format!("#/components/schemas/{name}") })
            }
            _ => root,
        }
    }

    /// `name`, or `name2`, `name3`... when `name` is taken by a different schema.
    fn free_name(&self, name: &str, schema: &Value) -> String {
        let mut candidate = name.to_owned();
        let mut n = 1;
        loop {
            match self.schemas.get(&candidate) {
                Some(existing) if !same_schema(existing, schema) => {
                    n += 1;
                    candidate = format!("{name}{n}");
                }
                _ => return candidate,
            }
        }
    }

    /// The reference to the extraction error's schema, added once.
    fn extract_error(&mut self) -> Value {
        self.schemas.entry(EXTRACT_ERROR).or_insert_with(|| {
            json!({
                "type": "object",
                "description": "Why the request's body or query could not be read (or the service's own error body, when it maps errors).",
                "properties": {
                    "error": { "type": "string", "examples": ["BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE"] },
                    "message": { "type": "string", "examples": ["body.age: invalid type: string \"x\", expected u32"] },
                },
                "required": ["error", "message"],
            })
        });
        json!({ "$ref": format!("#/components/schemas/{EXTRACT_ERROR}") })
    }
}

/// Whether two schemas are the same type, ignoring their `title` (a root schema has one,
/// the same type under another schema's `$defs` has none).
fn same_schema(a: &Value, b: &Value) -> bool {
    strip_title(a) == strip_title(b)
}

/// A name OpenAPI accepts as a component key: `^[a-zA-Z0-9._-]+$`.
fn is_component_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
}

/// Points `#/$defs/X` references at `#/components/schemas/<renamed X>`.
fn rewrite_refs(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(r) = v
                    && let Some(name) = r.strip_prefix("#/$defs/")
                {
                    let target = renames.get(name).map_or(name, String::as_str);
                    *r = format!("#/components/schemas/{target}");
                } else {
                    rewrite_refs(v, renames);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renames)),
        _ => {}
    }
}

/// One operation of an `http` entrypoint.
fn operation(
    components: &mut Components,
    service: &str,
    operation_id: &str,
    verb: &str,
    rule: &Rule,
    ep: &Value,
) -> Value {
    let mut parameters: Vec<Value> = rule
        .variables()
        .map(|v| {
            json!({
                "name": v.name,
                "in": "path",
                "required": true,
                "description": format!("werkzeug converter `{}`", v.converter.name()),
                "schema": converter_schema(&v.converter),
            })
        })
        .collect();
    let mut responses = Map::new();
    let mut typed_input = false;
    if let Some(query) = ep.get("query_schema") {
        typed_input = true;
        parameters.extend(query_parameters(components, query));
    }
    let mut op = json!({
        "operationId": operation_id,
        "tags": [service],
        "summary": format!("{service}.{}", str_of(ep, "method")),
    });
    let body_content_type = ep.get("body_content_type").and_then(Value::as_str);
    match (body_content_type, ep.get("body_schema")) {
        (Some(content_type), schema) => {
            typed_input = true;
            let schema = schema.map_or_else(|| json!({}), |s| components.hoist(s));
            op["requestBody"] = json!({
                "required": true,
                "content": { content_type: { "schema": schema } },
            });
            responses.insert(
                "415".into(),
                json!({
                    "description": format!("The body is not `{content_type}`"),
                    "content": { "application/json": { "schema": components.extract_error() } },
                }),
            );
        }
        (None, _) if matches!(verb, "post" | "put" | "patch") => {
            op["requestBody"] = json!({
                "required": false,
                "content": { "*/*": { "schema": {} } },
            });
        }
        (None, _) => {}
    }
    if typed_input {
        responses.insert(
            "400".into(),
            json!({
                "description": "The body or query does not decode: `message` names the field",
                "content": { "application/json": { "schema": components.extract_error() } },
            }),
        );
    }
    let response_content_type = ep
        .get("response_content_type")
        .and_then(Value::as_str)
        .unwrap_or("*/*");
    let response_schema = ep
        .get("response_schema")
        .map_or_else(|| json!({}), |s| components.hoist(s));
    responses.insert(
        "200".into(),
        json!({
            "description": "The method's response",
            "content": { response_content_type: { "schema": response_schema } },
        }),
    );
    responses.insert(
        "default".into(),
        json!({
            "description": "An error: Nameko's `Error: <exc_type>: <value>` (500, or 400 for an expected error), or the error's own response",
        }),
    );
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op["responses"] = Value::Object(responses);
    op
}

/// One `in: query` parameter per property of a query's schema (its `required` ones
/// required); a schema without properties is one free-form `query` object parameter.
fn query_parameters(components: &mut Components, query: &Value) -> Vec<Value> {
    let required: Vec<&str> = query
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match query.get("properties").and_then(Value::as_object) {
        Some(properties) => {
            // Property schemas may refer to the query's `$defs`: hoist those first.
            let hoisted = components.hoist(&strip_title(query));
            let properties = hoisted
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_else(|| properties.clone());
            properties
                .into_iter()
                .map(|(name, schema)| {
                    let mut p = json!({
                        "name": name,
                        "in": "query",
                        "required": required.contains(&name.as_str()),
                        "schema": schema,
                    });
                    if let Some(description) = schema.get("description") {
                        p["description"] = description.clone();
                    }
                    p
                })
                .collect()
        }
        None => vec![json!({
            "name": "query",
            "in": "query",
            "style": "form",
            "explode": true,
            "schema": components.hoist(query),
        })],
    }
}

/// A schema without its `title`, so that it is not made a component.
fn strip_title(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Value::Object(map) = &mut schema {
        map.remove("title");
    }
    schema
}

fn array<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
