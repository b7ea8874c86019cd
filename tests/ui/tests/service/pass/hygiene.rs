//! The expansion means the same whatever the user has in scope: a service named `Result`,
//! methods named like the `Service` trait's, and local items named like std's and like the
//! macro's helpers.
#![deny(warnings)]
#![allow(dead_code)]

use ::nameko_core::{rpc, service};

/// Shadows the prelude's `Result`.
pub struct Result;

struct Vec;
struct Box;
struct Arc;
struct Option;
struct Value;
struct Arguments;
struct RemoteError;
fn encode_result() {}
mod std {}
mod core {}
mod nameko_core {}

#[service(name = "result")]
impl Result {
    #[rpc]
    async fn name(&self) -> &'static str {
        "not the service name"
    }

    #[rpc]
    async fn entrypoints(&self, n: u8) -> u8 {
        n
    }

    #[rpc]
    async fn dependencies(&self) -> ::core::result::Result<u8, ::std::io::Error> {
        Ok(1)
    }

    #[rpc]
    async fn clone(&self) {}

    #[rpc]
    async fn __nameko_service(&self, __nameko_args: u8, __nameko_binder: u8) -> u8 {
        __nameko_args + __nameko_binder
    }
}

fn main() {
    use ::nameko_core::Service;
    let service = ::std::sync::Arc::new(Result);
    assert_eq!(Service::name(&*service), "result");
    let names: ::std::vec::Vec<::std::string::String> = Service::entrypoints(&service)
        .iter()
        .map(|e| e.method_name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "name",
            "entrypoints",
            "dependencies",
            "clone",
            "__nameko_service"
        ]
    );
    assert!(Service::dependencies(&*service).is_empty());
}
