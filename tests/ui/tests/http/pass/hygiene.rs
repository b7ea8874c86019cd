//! The expansion of `#[http]` means the same whatever the user has in scope: local items
//! named like the paths it emits, and rule variables named like its helpers.
#![deny(warnings)]
#![allow(dead_code)]

use ::nameko::{http, service};

struct Response;
struct HttpResult;
struct PathParams;
struct BoxFuture;
struct HttpError;
struct Result;
struct Arc;
struct Box;
fn into_http_result() {}
mod std {}
mod core {}
mod nameko_web {}
mod nameko {}
#[allow(unused_macros)]
macro_rules! http_error {
    () => {};
}

pub struct Web;

#[service(name = "web")]
impl Web {
    #[http("GET", "/a/<__nameko_params>/<__nameko_request>/<__nameko_arg0>")]
    async fn a(
        &self,
        __nameko_arg0: ::std::string::String,
        __nameko_request: ::std::string::String,
        __nameko_params: ::std::string::String,
    ) -> ::std::string::String {
        ::std::format!("{__nameko_params} {__nameko_request} {__nameko_arg0}")
    }

    #[http("GET", "/b/<int:__nameko_out>")]
    async fn b(
        &self,
        __nameko_service: ::nameko::web::Request,
        __nameko_out: u8,
    ) -> ::core::result::Result<&'static str, ::nameko::RemoteError> {
        let _ = (__nameko_service, __nameko_out);
        ::core::result::Result::Ok("b")
    }
}

fn main() {
    use ::nameko::Service;
    let service = ::std::sync::Arc::new(Web);
    assert_eq!(Service::entrypoints(&service).len(), 2);
}
