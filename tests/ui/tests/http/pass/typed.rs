//! Typed parameters and responses: `Json<T>`, `Query<T>`, `Form<T>` (patterns allowed),
//! a hand-written extractor, with the request and rule variables in any order; schemas
//! derived through the facade's re-export, and a type without a schema.
#![deny(warnings)]

use nameko::web::{ExtractError, Form, FromRequest, Json, Query, Request};
use nameko::{JsonSchema, http, service};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "nameko::schemars")]
pub struct New {
    pub name: String,
}

#[derive(Serialize, JsonSchema)]
#[schemars(crate = "nameko::schemars")]
pub struct Made {
    pub id: u64,
    pub name: String,
}

/// No `JsonSchema`: documented without a schema.
#[derive(Deserialize)]
pub struct Page {
    pub limit: Option<u32>,
}

pub struct ApiKey(pub String);

impl FromRequest for ApiKey {
    fn from_request(request: &Request) -> Result<Self, ExtractError> {
        request
            .header("x-api-key")
            .map(|k| ApiKey(k.to_owned()))
            .ok_or(ExtractError::Rejected {
                status: nameko::web::http::StatusCode::UNAUTHORIZED,
                message: "no key".into(),
            })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("nope")]
pub struct Nope;

pub struct Typed;

#[service(name = "typed")]
impl Typed {
    #[http("POST", "/made/<int:group>")]
    async fn make(&self, request: Request, Json(new): Json<New>, group: u64, key: ApiKey) -> Json<Made> {
        let _ = (request.method(), key.0);
        Json(Made { id: group, name: new.name })
    }

    #[http("GET", "/made")]
    async fn list(&self, Query(page): Query<Page>) -> Result<Json<Vec<u32>>, Nope> {
        Ok(Json(vec![page.limit.unwrap_or(1)]))
    }

    #[http("POST", "/form")]
    async fn form(&self, form: Form<New>) -> nameko::web::Json<String> {
        Json(form.0.name)
    }
}

fn main() {
    use nameko::Service;
    let service = std::sync::Arc::new(Typed);
    let entrypoints = service.entrypoints();
    let d: Vec<_> = entrypoints.iter().map(|e| e.describe()).collect();
    assert_eq!(d[0]["body_schema"]["title"], "New");
    assert_eq!(d[0]["response_schema"]["title"], "Made");
    assert_eq!(d[0]["params"], serde_json::json!(["group"]));
    assert!(d[1].get("query_schema").is_none());
    assert_eq!(d[1]["response_schema"]["type"], "array");
    assert_eq!(d[2]["body_content_type"], "application/x-www-form-urlencoded");
    assert_eq!(d[2]["body_schema"]["title"], "New");
    assert_eq!(d[2]["response_schema"]["type"], "string");
}
