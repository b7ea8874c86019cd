//! JSON Schemas of a route's typed body, query and response ([`RouteDoc`]), from
//! [`schemars`] (re-exported: derive [`schemars::JsonSchema`] without a
//! dependency of your own).
//!
//! An [`Http`](crate::Http) entrypoint's `describe()` (what a service binary's
//! `--describe` prints) carries them as `body_schema`, `query_schema` and
//! `response_schema`, each a standalone JSON Schema (draft 2020-12, named types under
//! `$defs`), absent when the route is untyped; `--openapi` turns them into an OpenAPI 3.1
//! document ([`openapi`](crate::openapi)).
//!
//! With the `#[http]` macro the schemas are found by themselves: a [`Json<T>`], [`Query<T>`]
//! or [`Form<T>`] parameter, or a `Json<T>` (or `Result<Json<T>, E>`) return, is
//! documented with the schema of `T` when `T: JsonSchema`, and without a schema otherwise.
//! Deriving it through the re-export takes the `crate` attribute:
//!
//! ```
//! use nameko::web::JsonSchema;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, JsonSchema)]
//! #[schemars(crate = "nameko::web::schemars")]
//! pub struct NewWidget {
//!     /// What it is called.
//!     pub name: String,
//!     pub size: u32,
//! }
//!
//! let schema = nameko::web::schema::input_schema::<NewWidget>();
//! assert_eq!(schema["title"], "NewWidget");
//! assert_eq!(schema["properties"]["size"]["type"], "integer");
//! ```
//!
//! [`Json<T>`]: crate::extract::Json
//! [`Query<T>`]: crate::extract::Query
//! [`Form<T>`]: crate::extract::Form

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use crate::extract::{APPLICATION_JSON, FromRequest, Reads};

/// The JSON Schema (draft 2020-12) of `T` as it is deserialized: what a request must send.
pub fn input_schema<T: JsonSchema + ?Sized>() -> Value {
    SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The JSON Schema (draft 2020-12) of `T` as it is serialized: what a response sends.
pub fn output_schema<T: JsonSchema + ?Sized>() -> Value {
    SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// A typed body: its content type, and its schema if known.
#[derive(Debug, Clone, PartialEq)]
struct Typed {
    content_type: String,
    schema: Option<Value>,
}

/// What a route reads and answers, for its description: the body's content type and
/// schema, the query's schema, the response's content type and schema.
///
/// ```
/// use nameko_web::extract::{Json, Query};
/// use nameko_web::schema::RouteDoc;
///
/// let doc = RouteDoc::new()
///     .extractor::<Json<serde_json::Value>>()
///     .query::<std::collections::BTreeMap<String, String>>()
///     .json_response::<Vec<u32>>();
/// let mut d = serde_json::Map::new();
/// doc.describe_into(&mut d);
/// assert_eq!(d["body_content_type"], "application/json");
/// assert!(d.get("body_schema").is_none()); // `Json<T>` alone does not know T's schema
/// assert_eq!(d["query_schema"]["type"], "object");
/// assert_eq!(d["response_schema"]["type"], "array");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteDoc {
    body: Option<Typed>,
    query_schema: Option<Value>,
    query: bool,
    response: Option<Typed>,
}

impl RouteDoc {
    /// Nothing known: an untyped route.
    pub fn new() -> Self {
        RouteDoc::default()
    }

    /// Records what the extractor `E` reads ([`FromRequest::reads`]) with its own schema
    /// ([`FromRequest::schema`]).
    pub fn extractor<E: FromRequest>(mut self) -> Self {
        self.add_extractor(E::reads(), E::schema());
        self
    }

    /// Records that the route reads `reads`, documented by `schema` when given.
    pub fn add_extractor(&mut self, reads: Reads, schema: Option<Value>) {
        match reads {
            Reads::Body { content_type } => {
                self.body = Some(Typed {
                    content_type: content_type.to_owned(),
                    schema,
                });
            }
            Reads::Query => {
                self.query = true;
                if schema.is_some() {
                    self.query_schema = schema;
                }
            }
            Reads::Other => {}
        }
    }

    /// Records a body of `content_type` whose schema is `T`'s.
    pub fn body<T: JsonSchema + ?Sized>(mut self, content_type: &str) -> Self {
        self.body = Some(Typed {
            content_type: content_type.to_owned(),
            schema: Some(input_schema::<T>()),
        });
        self
    }

    /// Records a query string whose schema is `T`'s.
    pub fn query<T: JsonSchema + ?Sized>(mut self) -> Self {
        self.query = true;
        self.query_schema = Some(input_schema::<T>());
        self
    }

    /// Records a response of `content_type`, documented by `schema` when given.
    pub fn set_response(&mut self, content_type: &str, schema: Option<Value>) {
        self.response = Some(Typed {
            content_type: content_type.to_owned(),
            schema,
        });
    }

    /// Records a JSON response whose schema is `T`'s.
    pub fn json_response<T: JsonSchema + ?Sized>(mut self) -> Self {
        self.set_response(APPLICATION_JSON, Some(output_schema::<T>()));
        self
    }

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.body.is_none() && !self.query && self.response.is_none()
    }

    /// Adds the description keys to an entrypoint's `describe()` map: `body_schema`,
    /// `query_schema`, `response_schema` (JSON Schemas, each present only when known),
    /// `body_content_type` and `response_content_type` (when typed).
    pub fn describe_into(&self, map: &mut Map<String, Value>) {
        if let Some(body) = &self.body {
            map.insert("body_content_type".into(), body.content_type.clone().into());
            if let Some(schema) = &body.schema {
                map.insert("body_schema".into(), schema.clone());
            }
        }
        if let Some(schema) = &self.query_schema {
            map.insert("query_schema".into(), schema.clone());
        }
        if let Some(response) = &self.response {
            map.insert(
                "response_content_type".into(),
                response.content_type.clone().into(),
            );
            if let Some(schema) = &response.schema {
                map.insert("response_schema".into(), schema.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::extract::{Form, Query};

    #[derive(serde::Deserialize, serde::Serialize, JsonSchema)]
    struct Inner {
        n: u8,
    }

    #[derive(serde::Deserialize, serde::Serialize, JsonSchema)]
    struct Outer {
        /// The name.
        name: String,
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(skip_deserializing)]
        computed: u32,
    }

    #[test]
    fn schemas() {
        let input = input_schema::<Outer>();
        assert_eq!(
            input["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(input["title"], "Outer");
        assert_eq!(input["properties"]["name"]["description"], "The name.");
        assert_eq!(input["required"], serde_json::json!(["name"]));
        assert!(input["properties"].get("computed").is_none());
        assert!(input["$defs"]["Inner"].is_object());
        let output = output_schema::<Outer>();
        assert!(output["properties"]["computed"].is_object());
    }

    #[test]
    fn route_docs() {
        let mut doc = RouteDoc::new();
        assert!(doc.is_empty());
        doc.add_extractor(
            <Form<Inner> as FromRequest>::reads(),
            Some(input_schema::<Inner>()),
        );
        doc.add_extractor(<Query<Inner> as FromRequest>::reads(), None);
        doc.set_response("text/csv", None);
        let mut d = Map::new();
        doc.describe_into(&mut d);
        assert_eq!(d["body_content_type"], "application/x-www-form-urlencoded");
        assert_eq!(d["body_schema"]["title"], "Inner");
        assert!(d.get("query_schema").is_none());
        assert_eq!(d["response_content_type"], "text/csv");
        assert!(d.get("response_schema").is_none());

        let doc = RouteDoc::new()
            .body::<Outer>("application/json")
            .query::<Inner>()
            .json_response::<Outer>();
        let mut d = Map::new();
        doc.describe_into(&mut d);
        assert_eq!(d["body_schema"]["title"], "Outer");
        assert_eq!(d["query_schema"]["title"], "Inner");
        assert_eq!(d["response_schema"]["title"], "Outer");
    }
}
