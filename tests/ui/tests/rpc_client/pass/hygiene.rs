//! The client `#[rpc_client]` generates means the same whatever the user has in scope:
//! local items named like std's and like the runtime's, and methods and arguments named
//! like the client's helpers.
#![deny(warnings)]
#![allow(dead_code)]

use ::nameko::rpc_client;

struct Result;
struct Option;
struct Box;
struct Vec;
struct String;
struct Default;
struct Duration;
struct Send;
struct Sync;
struct Any;
struct Pin;
struct Future;
struct RpcProxy;
struct RpcError;
struct RpcCaller;
struct TypedReply;
struct TypedCall;
struct Extension;
struct DependencyProvider;
mod std {}
mod core {}
mod nameko {}
mod nameko_amqp {}
mod serde {}
mod serde_json {}

#[rpc_client(name = "result")]
pub trait Remote {
    async fn clone(&self, caller: u8, arg: u8) -> u8;

    async fn send(&self, send: ::std::string::String) -> ::std::string::String;

    async fn fmt(&self, __nameko_caller: u8);

    async fn result_for(&self) -> ::std::vec::Vec<u8>;
}

async fn call(
    cluster: &::nameko::ClusterRpc,
) -> ::core::result::Result<u8, ::nameko::RpcError> {
    let remote = cluster.client::<RemoteClient>();
    remote.fmt(1).await?;
    let _ = remote.send(::std::string::String::new()).await?;
    let _ = remote.result_for().await?;
    remote.clone_async(1, 2).await?.result().await
}

fn main() {
    let _ = call;
    let _ = RemoteClient::new().with_timeout(::core::time::Duration::from_secs(1));
    assert_eq!(
        ::std::format!("{:?}", RemoteClient::new()),
        "RemoteClient { service: \"result\" }"
    );
}
