//! The expansion means the same whatever the user has in scope: a service named `Result`,
//! methods named like the `Service` trait's, and local items named like std's and like the
//! macro's helpers; and so does its typed client, `ResultClient`.
#![deny(warnings)]
#![allow(dead_code)]

use ::nameko::{rpc, service};

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
mod nameko {}
// The typed client's.
struct Default;
struct Duration;
struct Send;
struct Sync;
struct RpcProxy;
struct RpcError;
struct RpcCaller;
struct TypedReply;
struct TypedCall;
struct Extension;
struct DependencyProvider;
struct ContainerHandle;
struct WorkerContext;
struct Any;
struct Pin;
struct Future;
struct String;
mod serde {}

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

    /// Parameters named like the client's field and its caller.
    #[rpc]
    async fn caller(&self, caller: u8, __nameko_caller: u8) -> u8 {
        caller + __nameko_caller
    }
}

/// The client, as a dependency and through a cluster proxy.
async fn client(cluster: &::nameko::ClusterRpc) -> ::core::result::Result<u8, ::nameko::RpcError> {
    let dependency: ResultClient = ResultClient::new()
        .with_timeout(::core::time::Duration::from_secs(1))
        .without_timeout();
    let _ = dependency;
    let client = cluster.client::<ResultClient>();
    client.clone().await?;
    let reply = client.entrypoints_async(1).await?;
    // A `&'static str` result: the client decodes the owned `String`.
    let _: ::std::string::String = client.name().await?;
    reply.result().await
}

fn main() {
    use ::nameko::Service;
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
            "__nameko_service",
            "caller"
        ]
    );
    assert!(Service::dependencies(&*service).is_empty());
    let _ = client;
    assert_eq!(
        <ResultClient as ::nameko::RpcClient>::SERVICE_NAME,
        "result"
    );
}
