//! Every converter with the parameter types that fit it, rule variables bound by name in
//! any order, methods without the request, and qualified type paths.
#![deny(warnings)]

use nameko::web::Request;
use nameko::{http, service};
use uuid::Uuid;

pub struct Converters;

#[service(name = "converters")]
impl Converters {
    /// No request parameter.
    #[http("GET", "/int/<int:value>")]
    async fn int(&self, value: u32) -> String {
        value.to_string()
    }

    /// A signed int, every integer width.
    #[http(
        "GET",
        "/signed/<int(signed=True):a>/<int(signed=True, min=-5):b>/<int:c>/<int(fixed_digits=4):d>"
    )]
    async fn signed(&self, a: i64, b: i8, c: u8, d: usize) -> String {
        format!("{a} {b} {c} {d}")
    }

    /// Floats, with arguments.
    #[http("GET", "/float/<float:x>/<float(signed=True, max=1.5):y>")]
    async fn float(&self, x: f64, y: f32) -> String {
        format!("{x} {y}")
    }

    /// `uuid` as a `Uuid` or as its text.
    #[http("GET", "/uuid/<uuid:id>/<uuid:text>")]
    async fn uuid(&self, text: String, id: Uuid) -> String {
        format!("{id} {text}")
    }

    /// `path`, `any`, `string` with arguments and the default converter, bound in another
    /// order than the rule's, with the request between them.
    #[http(
        "GET,HEAD",
        "/files/<path:rest>/<any(about, help, 'a,b'):page>/<string(length=2):lang>/<name>"
    )]
    async fn files(
        &self,
        name: String,
        request: Request,
        page: String,
        rest: std::string::String,
        lang: String,
    ) -> String {
        format!("{} {rest} {page} {lang} {name}", request.path())
    }

    /// Fully qualified types, and a rule variable named like a keyword.
    #[http("get, post", "/q/<uuid:id>/<type>")]
    async fn qualified(
        &self,
        _request: ::nameko::web::Request,
        id: ::uuid::Uuid,
        r#type: ::std::string::String,
    ) -> String {
        format!("{id} {type}")
    }

    /// `Result` of a response, the error a `RemoteError`.
    #[http("PATCH", "/result/<int:n>")]
    async fn result(&self, n: u64) -> Result<(u16, String), nameko::RemoteError> {
        if n == 0 {
            return Err(nameko::RemoteError::malformed_request("zero"));
        }
        Ok((200, n.to_string()))
    }
}

fn main() {
    use nameko::Service;
    let service = std::sync::Arc::new(Converters);
    let names: Vec<String> = service
        .entrypoints()
        .iter()
        .map(|e| e.method_name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "int",
            "signed",
            "float",
            "uuid",
            "files",
            "qualified",
            "result"
        ]
    );
}
