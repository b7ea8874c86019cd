//! `expected_exceptions` and `sensitive_arguments` on `#[http]`, in both forms.
#![deny(warnings)]

use nameko::web::Request;
use nameko::{RemoteError, http, service};

pub struct Users;

#[service(name = "users")]
impl Users {
    #[http(
        "GET",
        "/users/<int:id>/tokens/<token>",
        expected_exceptions(RemoteError, std::num::ParseIntError),
        sensitive_arguments("token")
    )]
    async fn token(&self, request: Request, id: u64, token: String) -> Result<String, RemoteError> {
        Ok(format!("{} {id} {}", request.path(), token.len()))
    }

    #[http(
        method = "POST",
        url = "/login/<name>",
        expected_exceptions = RemoteError,
        sensitive_arguments = ("name",)
    )]
    async fn login(&self, name: String) -> String {
        name
    }
}

fn main() {}
